"""`arithnet bench`: run sweeps, report them beside the papers, export CSV.

    arithnet bench run quick.toml --db results.sqlite [--executor local|ray]
    arithnet bench report --db results.sqlite --out report/
    arithnet bench export --db results.sqlite --csv runs.csv

Library modules are imported inside the commands, after the top-level CLI has
chosen the Keras backend.
"""

import enum
import pathlib
from typing import Annotated

import typer

app = typer.Typer(
    help="Benchmark the units over many seeds, as the papers did.",
    no_args_is_help=True,
    add_completion=False,
)


# The report's columns that fit a terminal; report.md has them all.
_TERMINAL_COLUMNS = (
    "task",
    "op",
    "model",
    "runs",
    "success [95 % CI]",
    "solved at (median)",
    "published success [95 % CI]",
    "vs published",
)


def _console():
    from rich.console import Console

    return Console()


def _existing_db(db: pathlib.Path) -> pathlib.Path:
    if not db.exists():
        raise ValueError(
            "Database not found. Accepted: the --db file of a previous "
            f"`arithnet bench run`. Received: db={str(db)!r}"
        )
    return db


class Executor(enum.StrEnum):
    local = "local"
    ray = "ray"


DbOption = Annotated[pathlib.Path, typer.Option("--db", help="The results database.")]


@app.command()
def run(
    config: Annotated[
        str,
        typer.Argument(help="A sweep TOML file, or a shipped one such as quick.toml."),
    ],
    db: DbOption = pathlib.Path("results.sqlite"),
    executor: Annotated[
        Executor, typer.Option(help="Where to train.")
    ] = Executor.local,
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address (with --executor ray).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Local processes (default: one per core) or local Ray CPUs."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="Only say what would be trained.")
    ] = False,
) -> None:
    """Trains every run of CONFIG not yet in the database."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from arithnet.bench import config as bench_config
    from arithnet.bench import executors, store, sweep, trainer

    trainer.require_jax()
    sweep_config = bench_config.load_config(config)
    chosen = executors.get_executor(executor.value, address, workers)
    console = _console()
    with store.Store(db) as results:
        plan = sweep.pending(sweep_config, results)
        console.print(
            f"[bold]{sweep_config.name}[/bold]: {plan.planned} runs planned, "
            f"{plan.finished} already in {db}, "
            f"{plan.planned - plan.finished} to train "
            f"({plan.seed_steps:.3g} seed-iterations, {len(plan.jobs)} jobs)"
        )
        if dry_run or not plan.jobs:
            return
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>5.1f} %"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task("training", total=plan.seed_steps)

            def stored(result) -> None:
                verdict = "[green]success[/green]" if result.success else "failure"
                progress.console.print(
                    f"{result.spec.label} seed {result.seed}: {verdict}"
                )

            sweep.run_sweep(
                sweep_config,
                results,
                chosen,
                on_progress=lambda done: progress.update(bar, completed=done),
                on_result=stored,
            )
    console.print(f"done: {plan.planned} runs of {sweep_config.name} in {db}")


@app.command()
def report(
    db: DbOption,
    out: Annotated[
        pathlib.Path, typer.Option("--out", help="Folder for report.md and the PNG.")
    ] = pathlib.Path("bench-report"),
) -> None:
    """Prints and writes the success rates beside the published figures."""
    from rich.table import Table

    from arithnet.bench import report as bench_report
    from arithnet.bench import store

    with store.Store(_existing_db(db)) as results:
        runs = results.runs()
    written = bench_report.write_report(runs, out)

    table = Table(title="arithnet bench")
    for name in _TERMINAL_COLUMNS:
        table.add_column(name, overflow="fold")
    picks = [bench_report.HEADER.index(name) for name in _TERMINAL_COLUMNS]
    for row in bench_report.table_rows(written.summaries):
        table.add_row(*(row[i] for i in picks))
    console = _console()
    console.print(table)
    console.print(f"wrote {written.markdown_path} and {written.chart_path}")


@app.command()
def export(
    db: DbOption,
    csv: Annotated[pathlib.Path, typer.Option("--csv", help="The CSV file to write.")],
) -> None:
    """Writes one CSV row per run."""
    from arithnet.bench import store

    with store.Store(_existing_db(db)) as results:
        count = results.export_csv(csv)
    _console().print(f"wrote {count} runs to {csv}")
