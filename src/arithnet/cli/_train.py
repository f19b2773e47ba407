"""``arithnet train``, ``predict``, ``formula`` and ``demo``: learn an
expression until it is exact, use the saved model, read its formula back."""

import json
import pathlib
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from arithnet import _backend
from arithnet.cli._checks import check_folder, check_writable, require_positive
from arithnet.cli._seed import BackendOption

# Integers a float64 input holds exactly; the model sees its inputs as floats.
FLOAT64_EXACT_LIMIT = 2**53


def _parse_targets(expr: str, ranges: list[str], extrapolate: list[str]):
    """The parsed expression, its training ranges and extrapolation ranges."""
    from arithnet import data
    from arithnet import expr as ex

    expression = ex.parse(expr)  # refuses expressions without inputs
    train = data.parse_input_ranges(ranges or [], expression.inputs)
    far = [data.parse_input_ranges([t], expression.inputs, train) for t in extrapolate]
    if not extrapolate:
        far = [{n: data.default_extrapolation(r) for n, r in train.items()}]
    return expression, train, far


def _check_out(out: pathlib.Path) -> pathlib.Path:
    from arithnet import saving

    saving.check_model_name(out)
    return check_writable(out, label="out")


def report_table(result) -> Table:
    """The per-range report of a training result as a rich table."""
    table = Table(title=f"{result.expression.text}: {result.model_name}")
    for name, justify in (
        ("range", "left"),
        ("inputs", "left"),
        ("examples", "right"),
        ("exact", "right"),
        ("MAE", "right"),
        ("max rel. error", "right"),
    ):
        table.add_column(name, justify=justify)
    for r in result.ranges:
        examples = f"{r.examples:,}" + (" (grid)" if r.grid else "")
        table.add_row(
            r.name,
            r.ranges,
            examples,
            f"{r.exact_accuracy:.2%}",
            f"{r.mae:.3g}",
            f"{r.max_rel_error:.3g}",
        )
    return table


def print_result(console: Console, result) -> None:
    """The model choice, restarts, the table and the formula, for people."""
    console.print(f"model: [bold]{result.model_name}[/bold] ({result.reason})")
    for seed, reason in result.restarts:
        console.print(f"restarted: seed {seed} failed ({reason})", markup=False)
    console.print(
        f"{result.dtype}, seed {result.seed}, {result.epochs} epochs, "
        f"{result.seconds:.1f} s"
    )
    console.print(report_table(result))
    snapped = "kept" if result.snapped else "not kept"
    shares = f"raw {result.validation_exact_raw:.2%}"
    if result.validation_exact_snapped is not None:
        shares += f", snapped {result.validation_exact_snapped:.2%} ({snapped})"
    console.print(f"validation exact: {shares}")
    if result.refit:
        console.print(
            "training stopped short of exact; the output NAU was solved by least "
            "squares on the snapped inner units"
        )
    if result.formula is None:
        console.print("formula: none (the model has no closed form)")
    else:
        verdict = "equals" if result.formula_equivalent else "differs from"
        wired = result.network_formula
        wiring = f", computed as {wired}" if wired != result.formula else ""
        console.print(
            f"formula: [bold]{result.formula}[/bold] ({verdict} the target{wiring})",
            highlight=False,
        )


def _write_plots(result, ranges: list[dict], folder: pathlib.Path) -> list:
    from arithnet import plots

    folder.mkdir(exist_ok=True)
    return [
        plots.training_loss_figure(result, folder / "loss.png"),
        plots.error_grid_figure(result, ranges, folder / "error.png"),
    ]


def train(
    expr: Annotated[str, typer.Option(help="The target, e.g. 'a*b' or 'a*b + c'.")],
    range_: Annotated[
        list[str] | None,
        typer.Option(
            "--range",
            help="Training range LO:HI for every input, or NAME=LO:HI (repeat).",
        ),
    ] = None,
    extrapolate: Annotated[
        list[str] | None,
        typer.Option(
            help="An extrapolation range, LO:HI or a=LO:HI,b=LO:HI (repeat). "
            "Default: the range just above the training range."
        ),
    ] = None,
    model: Annotated[
        str, typer.Option(help="A model name, or 'auto' to choose one.")
    ] = "auto",
    seed: Annotated[int, typer.Option(help="Seed of data and weights.")] = 0,
    epochs: Annotated[int, typer.Option(help="The most epochs to train.")] = 40,
    out: Annotated[
        pathlib.Path | None, typer.Option(help="Save the model to this .keras file.")
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON object only.")
    ] = False,
    plot: Annotated[
        pathlib.Path | None, typer.Option(help="Write loss.png and error.png here.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="Check the request and name the model; no training.")
    ] = False,
    backend: BackendOption = None,
) -> None:
    """Train a model of an arithmetic expression until it is exact on integers."""
    require_positive(epochs=epochs)
    expression, ranges, far = _parse_targets(expr, range_, extrapolate or [])
    if out is not None:
        _check_out(out)
    if plot is not None:
        check_folder(plot)
    _backend.prepare(backend.value if backend else None)
    from arithnet import saving, training

    config = training.TrainConfig(
        expr=expression.text,
        ranges=ranges,
        extrapolate=tuple(far),
        model=model,
        seed=seed,
        epochs=epochs,
    )
    checked = training.plan(config)
    if dry_run:
        _print_plan(checked, json_output)
        return
    result = _train_or_fail(training, config, verbose=0 if json_output else 1)
    if out is not None:
        saving.save_model(result.model, out, result.metadata())
    paths = _write_plots(result, [ranges, *far], plot) if plot is not None else []

    if json_output:
        report = result.to_dict()
        report.update(out=str(out) if out else None, plots=[str(p) for p in paths])
        typer.echo(json.dumps(report))
        return
    console = Console()
    print_result(console, result)
    for path in ([out] if out else []) + paths:
        console.print(f"wrote {path}")


def _print_plan(checked, json_output: bool) -> None:
    from arithnet import training

    plan = {
        "expr": checked.expression.text,
        "model": checked.spec.name,
        "reason": checked.reason,
        "ranges": [training.range_text(checked.ranges)]
        + [training.range_text(r) for r in checked.extrapolate],
    }
    if json_output:
        typer.echo(json.dumps(plan))
        return
    typer.echo(f"would train {plan['model']} on {plan['expr']}: {plan['reason']}")
    typer.echo(
        f"training range {plan['ranges'][0]}; extrapolation ranges: "
        + ", ".join(plan["ranges"][1:])
    )


def _train_or_fail(training, config, verbose):
    try:
        return training.train(config, verbose=verbose)
    except RuntimeError as error:
        # Every restart failed: a result of the run, reported as an error.
        raise ValueError(str(error)) from None


def _load(path: pathlib.Path):
    from arithnet import saving

    model = saving.load_model(path)
    metadata = saving.read_metadata(path) or {}
    inputs = metadata.get("inputs") or [
        chr(ord("a") + i) for i in range(model.inputs[0].shape[-1])
    ]
    return model, metadata, inputs


def _read_rows(values: list[str], csv: pathlib.Path | None) -> list[list[str]]:
    if values and csv is not None:
        raise ValueError(
            "Give input values or --csv, not both. Accepted: VALUES... or --csv "
            f"FILE or rows on stdin. Received: values={values}, csv={str(csv)!r}"
        )
    if values:
        return [values]
    if csv is not None:
        try:
            lines = csv.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(
                f"Cannot read the CSV file ({error}). Accepted: a text file of "
                f"comma-separated integers. Received: csv={str(csv)!r}"
            ) from None
    else:
        lines = sys.stdin.read().splitlines()
    return [line.replace(",", " ").split() for line in lines if line.strip()]


def _parse_row(row: list[str], inputs: list[str], number: int) -> list[int]:
    from arithnet import data

    where = f"row {number}: " if number else ""
    if len(row) != len(inputs):
        raise ValueError(
            f"{where}wrong number of values. Accepted: {len(inputs)} integers "
            f"({', '.join(inputs)}). Received: {' '.join(row) or 'nothing'}"
        )
    values = [
        data.parse_integer(text, name) for text, name in zip(row, inputs, strict=True)
    ]
    big = [v for v in values if abs(v) > FLOAT64_EXACT_LIMIT]
    if big:
        raise ValueError(
            f"{where}an input is too large to reach the model exactly. Accepted: "
            f"|value| <= 2**53. Received: {big[0]}"
        )
    return values


def _check_domain(metadata: dict, rows: list[list[int]], inputs: list[str]):
    from arithnet import expr as ex

    if "expr" not in metadata or not rows:
        return
    expression = ex.parse(metadata["expr"])
    columns = {n: [row[i] for row in rows] for i, n in enumerate(inputs)}
    valid = expression.evaluate_many(columns)[1]
    if not valid.all():
        bad = int((~valid).argmax())
        shown = ", ".join(f"{n}={rows[bad][i]}" for i, n in enumerate(inputs))
        raise ValueError(
            f"{expression.text} is undefined at {shown}. Accepted: inputs inside "
            f"its domain. Received: row {bad + 1}"
        )


def predict(
    model_path: Annotated[pathlib.Path, typer.Argument(help="A saved .keras model.")],
    values: Annotated[
        list[str] | None, typer.Argument(help="One value per input, e.g. 123 456.")
    ] = None,
    csv: Annotated[
        pathlib.Path | None,
        typer.Option(help="Rows of comma-separated inputs (default: stdin)."),
    ] = None,
    backend: BackendOption = None,
) -> None:
    """Predict with a saved model: exact integers when the target is integer."""
    _backend.prepare(backend.value if backend else None)
    import numpy as np

    from arithnet import saving, training

    model, metadata, inputs = _load(model_path)
    texts = _read_rows(values or [], csv)
    numbered = len(texts) > 1 or not values
    rows = [
        _parse_row(row, inputs, i + 1 if numbered else 0) for i, row in enumerate(texts)
    ]
    _check_domain(metadata, rows, inputs)
    if not rows:
        return
    # Snapped units hold exact weights: in float64 they stay exact to 2**53.
    wide = saving.with_dtype(model, "float64")
    pred = training.predict(wide, np.asarray(rows, dtype=np.float64))
    integer = metadata.get("integer_valued", False)
    if integer and np.abs(pred).max() > FLOAT64_EXACT_LIMIT:
        typer.echo(
            "warning: a prediction exceeds 2**53, past which float64 holds no "
            "exact integers; those printed are rounded floats",
            err=True,
        )
    for value in pred:
        typer.echo(_number(value, integer))


def _number(value: float, integer: bool) -> str:
    import math

    if not math.isfinite(value):
        return str(value)
    return str(int(round(value))) if integer else repr(float(value))


def formula(
    model_path: Annotated[pathlib.Path, typer.Argument(help="A saved .keras model.")],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON object only.")
    ] = False,
    backend: BackendOption = None,
) -> None:
    """Print the formula a saved model computes, read from its weights."""
    _backend.prepare(backend.value if backend else None)
    from arithnet import readout

    model, metadata, inputs = _load(model_path)
    text, wired = readout.formulas(model, inputs)
    target = metadata.get("expr")
    equivalent = None
    if text is not None and target is not None:
        from arithnet import expr as ex

        equivalent = readout.equivalent(text, ex.parse(target))
    report = {
        "formula": text,
        "network_formula": wired,
        "target": target,
        "equivalent": equivalent,
        "validation_exact": metadata.get("validation_exact"),
    }
    if json_output:
        typer.echo(json.dumps(report))
        return
    typer.echo(text if text is not None else "no closed form: " + _why_none(model))
    if wired != text:
        typer.echo(f"computed as {wired}")
    typer.echo(_verdict(report))


def _why_none(model) -> str:
    kinds = sorted({type(layer).__name__ for layer in model.layers})
    return f"the model's layers ({', '.join(kinds)}) are not all at simple weights"


def _verdict(report: dict) -> str:
    exact = report["validation_exact"]
    if report["target"] is None:
        return "no training record in this file: not verified"
    verified = (
        "verified exact on the validation data"
        if exact == 1.0
        else f"not exact on the validation data ({exact:.2%} exact)"
        if exact is not None
        else "validation not recorded"
    )
    relation = {True: "equals", False: "differs from", None: "cannot be compared to"}
    return f"{relation[report['equivalent']]} the target {report['target']}; {verified}"


def demo(
    out: Annotated[
        pathlib.Path, typer.Option(help="Folder for the plots and the model.")
    ] = pathlib.Path("arithnet-demo"),
    backend: BackendOption = None,
) -> None:
    """The classic network failing on a * b, then a model that is exact."""
    check_folder(out, label="out")
    _backend.prepare(backend.value if backend else None)
    from arithnet import classic, data, diagnosis, plots, saving, training
    from arithnet.cli._seed import summary_table

    console = Console()
    out.mkdir(exist_ok=True)
    console.rule("1. The classic Dense network on a * b")
    run = classic.run_classic("mul", seed=0, epochs=3, verbose=1)
    found = diagnosis.diagnose(run)
    console.print(summary_table(found))
    for number, finding in enumerate(found.findings, start=1):
        console.print(f"{number}. {finding}", markup=False, highlight=False)
    paths = [plots.classic_run_figure(run, found, out / "classic.png")]

    console.rule("2. NAU/NMU units on a * b, trained until exact")
    train_range = data.parse_range("0:500")
    far = [
        dict.fromkeys("ab", data.parse_range(text))
        for text in ("500:5000", "0:1000000")
    ]
    config = training.TrainConfig(
        expr="a*b", ranges=dict.fromkeys("ab", train_range), extrapolate=tuple(far)
    )
    result = training.train(config, verbose=1)
    print_result(console, result)
    model_path = saving.save_model(result.model, out / "mul.keras", result.metadata())
    paths += _write_plots(result, [config.ranges, *far], out)
    for path in [model_path, *paths]:
        console.print(f"wrote {path}")
    console.print(
        f"try: arithnet predict {model_path} 123456 654321   "
        f"and: arithnet formula {model_path}",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Adds the commands of this module to the top-level app."""
    app.command("train")(train)
    # Negative values such as -5 are inputs, not unknown options.
    app.command("predict", context_settings={"ignore_unknown_options": True})(predict)
    app.command("formula")(formula)
    app.command("demo")(demo)
