"""Figures from runs and results, drawn with matplotlib's Agg backend."""

import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


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

    fig.tight_layout()
    path = pathlib.Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
