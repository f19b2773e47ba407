"""Figures from runs and results, drawn with matplotlib's Agg backend."""

import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors  # noqa: E402
import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from arithnet.training import REAL_TOLERANCE, predict  # noqa: E402


def classic_run_figure(run, result, path: str | pathlib.Path) -> pathlib.Path:
    """Loss curve and predicted-against-true values of a classic run.

    Args:
        run: An `arithnet.classic.ClassicRun`.
        result: Its `arithnet.diagnosis.Diagnosis`.
        path: Where to write the PNG.

    Returns:
        The path written.
    """
    fig, (loss_ax, fit_ax) = plt.subplots(1, 2, figsize=(11, 4.2))

    steps = np.arange(1, len(run.batch_loss) + 1)
    loss_ax.semilogy(
        steps, run.batch_loss, lw=1, label="training loss (running epoch mean)"
    )
    loss_ax.axhline(
        result.loss_predict_zero, color="C3", ls="--", label="predict 0: E[y²]"
    )
    loss_ax.axhline(
        result.loss_predict_mean, color="C2", ls=":", label="predict the mean: Var y"
    )
    loss_ax.set(xlabel="step", ylabel="MSE", title=f"{run.op}, seed {run.seed}")
    loss_ax.legend(fontsize=8)

    x = run.train.x.astype("float32")
    pred = np.asarray(run.model.predict(x, batch_size=4096, verbose=0)).reshape(-1)
    truth = run.train.y.astype(np.float64)
    far_pred = run.model.predict(
        run.extrapolation.x.astype("float32"), batch_size=4096, verbose=0
    ).reshape(-1)
    fit_ax.scatter(truth, pred, s=2, alpha=0.4, label="training range")
    fit_ax.scatter(
        run.extrapolation.y.astype(np.float64),
        far_pred,
        s=2,
        alpha=0.4,
        label=f"extrapolation {result.extrapolation_range}",
    )
    top = max(truth.max(), run.extrapolation.y.astype(np.float64).max())
    fit_ax.plot([0, top], [0, top], color="k", lw=0.8, label="exact")
    fit_ax.set(
        xlabel="true value",
        ylabel="prediction",
        title=f"collapsed: {result.collapsed}, exact: {result.exact_accuracy:.1%}",
    )
    fit_ax.legend(fontsize=8)
    return _save(fig, path)


def training_loss_figure(result, path: str | pathlib.Path) -> pathlib.Path:
    """The training loss of an `arithnet.training.TrainResult`, step by step.

    Args:
        result: The training result.
        path: Where to write the PNG.

    Returns:
        The path written.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    losses = np.asarray(result.batch_loss, dtype=np.float64)
    steps = np.arange(1, len(losses) + 1)
    # The loss reaches exactly 0 on exact runs; a log axis cannot show 0.
    floor = np.finfo(np.float64).tiny
    ax.semilogy(steps, np.maximum(losses, floor), lw=1, label="training loss")
    per_epoch = len(losses) // max(1, result.epochs)
    for epoch in range(1, result.epochs):
        ax.axvline(epoch * per_epoch, color="0.85", lw=0.6, zorder=0)
    ax.set(
        xlabel="step",
        ylabel="loss (running mean within an epoch)",
        title=f"{result.expression.text}: {result.model_name}, seed {result.seed}",
    )
    ax.legend(fontsize=8)
    return _save(fig, path)


def _grid_axis(values: list, points: int) -> tuple[np.ndarray, bool]:
    """Integer grid points over the ranges, and whether the axis is log-like.

    When the span dwarfs the training range (0:500 inside 0:1000000), the
    points are spaced evenly in sign(x) * log(1 + |x|), so that the training
    box stays visible on a symmetric-log axis.
    """
    low, high = min(r.lo for r in values), max(r.hi for r in values) - 1
    wide = (high - low) > 20 * max(1, values[0].hi - 1 - values[0].lo)
    if wide:
        ends = np.sign([low, high]) * np.log1p(np.abs([low, high]))
        spaced = np.linspace(ends[0], ends[1], points)
        grid = np.sign(spaced) * np.expm1(np.abs(spaced))
    else:
        grid = np.linspace(low, high, points)
    return np.unique(np.round(grid).astype(np.int64)), wide


def _relative_errors(result, columns: dict) -> np.ndarray:
    names = result.expression.inputs
    x = np.stack([columns[n] for n in names], axis=-1)
    truth, valid = result.expression.evaluate_many(columns)
    pred = predict(result.model, x)
    truth = np.where(valid, truth, 0).astype(np.float64)
    if result.expression.is_integer_valued():
        error = np.abs(np.round(pred) - truth)
    else:
        error = np.abs(pred - truth)
    error = error / np.maximum(np.abs(truth), 1.0)
    return np.where(valid, error, np.nan)


def error_grid_figure(
    result, ranges: list[dict], path: str | pathlib.Path, points: int = 161
) -> pathlib.Path:
    """The model's error over a grid of its first two inputs.

    The grid spans the training range and every extrapolation range; other
    inputs sit at the middle of their training range. For integer targets the
    error is |round(prediction) - truth| / max(|truth|, 1), so exact points
    read 0; for real targets it is the relative error. The training box is
    outlined in black, extrapolation boxes dashed.

    Args:
        result: An `arithnet.training.TrainResult`.
        ranges: The training ranges first, then each extrapolation range,
            each a mapping of input name to `arithnet.data.Range`.
        path: Where to write the PNG.
        points: Grid points per axis.

    Returns:
        The path written.
    """
    names = result.expression.inputs
    shown = names[:2]
    axes, wide = zip(
        *(_grid_axis([r[n] for r in ranges], points) for n in shown), strict=True
    )
    mesh = np.meshgrid(*axes, indexing="xy")
    columns = {n: m.reshape(-1) for n, m in zip(shown, mesh, strict=True)}
    for name in names[2:]:
        middle = (ranges[0][name].lo + ranges[0][name].hi - 1) // 2
        columns[name] = np.full(mesh[0].size, middle, dtype=np.int64)
    error = _relative_errors(result, columns).reshape(mesh[0].shape)

    # Exact points are 0: drawn in green, below the colour scale of errors.
    floor = 1e-16
    cmap = matplotlib.colormaps["magma_r"].with_extremes(under="#3a9b4f")
    norm = matplotlib.colors.LogNorm(vmin=floor, vmax=max(1.0, np.nanmax(error)))
    integer = result.expression.is_integer_valued()
    tolerance = 0.0 if integer else REAL_TOLERANCE
    exact = float(np.mean(error[np.isfinite(error)] <= tolerance))
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    if len(shown) == 2:
        shown_error = np.where(error > 0, np.maximum(error, floor), floor / 10)
        image = ax.pcolormesh(*mesh, shown_error, norm=norm, cmap=cmap)
        bar = fig.colorbar(image, ax=ax, extend="min")
        bar.set_label("relative error; green: exact")
        for index, box in enumerate(ranges):
            _outline(ax, box[shown[0]], box[shown[1]], training=index == 0)
        ax.set(xlabel=shown[0], ylabel=shown[1])
        if wide[1]:
            ax.set_yscale("symlog", linthresh=1)
    else:
        ax.semilogy(axes[0], np.maximum(error, floor), lw=1)
        ax.axvspan(ranges[0][shown[0]].lo, ranges[0][shown[0]].hi - 1, alpha=0.15)
        ax.axhline(max(tolerance, floor), color="C2", ls="--", lw=0.8)
        ax.set(xlabel=shown[0], ylabel=f"relative error (exact at {floor:g})")
    if wide[0]:
        ax.set_xscale("symlog", linthresh=1)
    fixed = ", ".join(f"{n}={columns[n][0]}" for n in names[2:])
    title = f"{result.expression.text}: learned {result.formula or 'no closed form'}"
    within = "exact" if integer else f"within {tolerance:g}"
    title += f", {within} on {exact:.1%} of the grid"
    ax.set_title(title + (f"\n({fixed})" if fixed else ""), fontsize=10)
    return _save(fig, path)


def _outline(ax, first, second, training: bool) -> None:
    style = {"fill": False, "lw": 1.4 if training else 1.0}
    style.update({"ec": "black"} if training else {"ec": "tab:blue", "ls": "--"})
    width, height = first.hi - 1 - first.lo, second.hi - 1 - second.lo
    ax.add_patch(
        matplotlib.patches.Rectangle((first.lo, second.lo), width, height, **style)
    )


def _save(fig, path: str | pathlib.Path) -> pathlib.Path:
    fig.tight_layout()
    path = pathlib.Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
