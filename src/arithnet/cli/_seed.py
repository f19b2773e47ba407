"""``arithnet seed`` and ``arithnet explain``: the classic failing network."""

import enum
import json
import pathlib
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from arithnet import _backend
from arithnet.cli._checks import check_writable, require_positive


class ClassicOp(enum.StrEnum):
    add = "add"
    mul = "mul"
    square = "square"


class Backend(enum.StrEnum):
    jax = "jax"
    tensorflow = "tensorflow"
    torch = "torch"


BackendOption = Annotated[
    Backend | None,
    typer.Option(help="Keras backend (default: KERAS_BACKEND, else jax)."),
]


def seed(
    op: Annotated[ClassicOp, typer.Option(help="Target: a + b, a * b or a ** 2.")] = (
        ClassicOp.mul
    ),
    seed: Annotated[int, typer.Option(help="Seed of data and weights.")] = 0,
    epochs: Annotated[int, typer.Option(help="Epochs to train, at least 1.")] = 10,
    backend: BackendOption = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON object only.")
    ] = False,
    plot: Annotated[
        pathlib.Path | None, typer.Option(help="Write a PNG of the run here.")
    ] = None,
) -> None:
    """Train the classic Dense network and diagnose it from its own run."""
    require_positive(epochs=epochs)
    if plot is not None:
        check_writable(plot)
    _backend.prepare(backend.value if backend else None)
    from arithnet import classic, diagnosis

    console = Console()
    run = classic.run_classic(
        op.value, seed=seed, epochs=epochs, verbose=0 if json_output else 1
    )
    result = diagnosis.diagnose(run)
    if plot is not None:
        from arithnet import plots

        plots.classic_run_figure(run, result, plot)

    if json_output:
        typer.echo(json.dumps(result.to_dict()))
        return
    console.print(summary_table(result))
    for number, finding in enumerate(result.findings, start=1):
        console.print(f"{number}. {finding}", markup=False, highlight=False)
    if plot is not None:
        console.print(f"Wrote {plot}")


def summary_table(result) -> Table:
    """The measured numbers of a diagnosis as a rich table."""
    table = Table(
        title=f"Classic network on {result.op}, seed {result.seed}, {result.backend}"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("final loss (MSE)", f"{result.final_loss:.4g}"),
        ("loss of predicting 0, E[y²]", f"{result.loss_predict_zero:.4g}"),
        ("loss of predicting the mean, Var y", f"{result.loss_predict_mean:.4g}"),
        ("collapsed (constant output)", str(result.collapsed)),
        (
            "dead units per layer",
            " ".join(
                f"{d}/{u}"
                for d, u in zip(result.dead_units, result.layer_units, strict=True)
            ),
        ),
        ("gradient norm, first layer", f"{result.first_layer_gradient_norm:.4g}"),
        ("Keras 'accuracy'", f"{result.reported_accuracy:.4g}"),
        ("exact-integer accuracy", f"{result.exact_accuracy:.4g}"),
        (
            "MAE train / extrapolation",
            f"{result.train_mae:.4g} / {result.extrapolation_mae:.4g}",
        ),
    ]
    for row in rows:
        table.add_row(*row)
    return table


def explain(
    op: Annotated[ClassicOp, typer.Option(help="The operation to explain.")] = (
        ClassicOp.mul
    ),
    seeds: Annotated[int, typer.Option(help="Seeds to measure, at least 1.")] = 3,
    epochs: Annotated[int, typer.Option(help="Epochs per run, at least 1.")] = 5,
    backend: BackendOption = None,
) -> None:
    """Why the classic network adds but cannot multiply, and what works,
    measured on this machine."""
    require_positive(seeds=seeds, epochs=epochs)
    _backend.prepare(backend.value if backend else None)
    from arithnet import explain as explain_lib

    console = Console()
    with console.status("Training the classic network and the remedies..."):
        text = explain_lib.explain(op.value, seeds=seeds, epochs=epochs)
    console.print(Markdown(text))
