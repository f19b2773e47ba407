"""The benchmark report: success rates with Wilson intervals, beside the papers.

Runs are grouped by configuration (task, op, model, ranges, iterations and
settings). Each group gets the success rate with its 95 % Wilson interval, the
median solved-at step and the mean sparsity error of its successful runs (the
published statistics), and, where the package holds one, the published figure
for the same task, op, model and ranges, cited. The report is a markdown file
and a bar chart (PNG).
"""

import dataclasses
import json
import pathlib
import statistics

from arithnet.bench import models, tasks
from arithnet.bench.reference import PublishedResult, published_results
from arithnet.bench.stats import wilson_interval
from arithnet.bench.store import StoredRun


@dataclasses.dataclass(frozen=True)
class Summary:
    """The statistics of one configuration.

    Attributes:
        task, op, model, interpolation, extrapolation, iterations: The
            configuration.
        settings: The training settings, as JSON.
        runs: How many seeds ran.
        successes: How many succeeded.
        rate, lower, upper: Success rate and its 95 % Wilson interval.
        solved_at_median: Median solved-at step of the successful runs.
        sparsity_error_mean: Mean sparsity error of the successful runs.
        published: The published figure, if any.
        as_published: Whether the settings are the published ones, so that
            the comparison with `published` is fair (the iterations may still
            be fewer; the table shows them).
    """

    task: str
    op: str
    model: str
    interpolation: str
    extrapolation: str
    iterations: int
    settings: str
    runs: int
    successes: int
    rate: float
    lower: float
    upper: float
    solved_at_median: float | None
    sparsity_error_mean: float | None
    published: PublishedResult | None
    as_published: bool = True

    @property
    def versus_published(self) -> str:
        """`inside`, `above` or `below` the published interval, `settings
        differ`, or `""` without a published figure."""
        if self.published is None:
            return ""
        if not self.as_published:
            return "settings differ"
        rate = 100 * self.rate
        if rate > self.published.success_hi_pct:
            return "above"
        if rate < self.published.success_lo_pct:
            return "below"
        return "inside"


def summarize(runs: list[StoredRun]) -> list[Summary]:
    """One summary per configuration, in the order of the runs."""
    groups: dict[str, list[StoredRun]] = {}
    for run in runs:
        groups.setdefault(run.spec_key, []).append(run)
    return [_summary(group) for group in groups.values()]


def _summary(group: list[StoredRun]) -> Summary:
    first = group[0]
    successes = [run for run in group if run.success]
    lower, upper = wilson_interval(len(successes), len(group))
    solved = [run.solved_at for run in successes if run.solved_at is not None]
    sparsity = [r.sparsity_error for r in successes if r.sparsity_error is not None]
    key = (first.task, first.op, first.model, first.interpolation, first.extrapolation)
    return Summary(
        task=first.task,
        op=first.op,
        model=first.model,
        interpolation=first.interpolation,
        extrapolation=first.extrapolation,
        iterations=first.iterations,
        settings=first.settings,
        runs=len(group),
        successes=len(successes),
        rate=len(successes) / len(group),
        lower=lower,
        upper=upper,
        solved_at_median=statistics.median(solved) if solved else None,
        sparsity_error_mean=statistics.fmean(sparsity) if sparsity else None,
        published=published_results().get(key),
        as_published=_as_published(first),
    )


def _as_published(run: StoredRun) -> bool:
    """Whether a run used its model's published settings for its task and op."""
    try:
        task = tasks.get_task(run.task)
        model = models.get_model(run.model, task)
    except ValueError:
        return False
    published = model.published_settings(task, run.op).model_dump()
    return json.loads(run.settings) == published


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.2g}"


def _percent(rate: float, lower: float, upper: float) -> str:
    return f"{100 * rate:.0f} % [{100 * lower:.0f}, {100 * upper:.0f}]"


HEADER = (
    "task",
    "op",
    "model",
    "ranges",
    "iterations",
    "runs",
    "success [95 % CI]",
    "solved at (median)",
    "sparsity error (mean)",
    "published success [95 % CI]",
    "published solved at",
    "published sparsity error",
    "vs published",
)


def table_rows(summaries: list[Summary]) -> list[tuple[str, ...]]:
    """The report table as text cells, one tuple per summary (see `HEADER`)."""
    rows = []
    for s in summaries:
        p = s.published
        published = (
            ("—", "—", "—")
            if p is None
            else (
                f"{p.success_pct:.0f} % [{p.success_lo_pct:.0f}, "
                f"{p.success_hi_pct:.0f}]",
                _number(p.solved_at_median),
                _number(p.sparsity_error_mean),
            )
        )
        rows.append(
            (
                s.task,
                s.op,
                s.model,
                f"{s.interpolation} → {s.extrapolation}",
                f"{s.iterations:.3g}",
                str(s.runs),
                _percent(s.rate, s.lower, s.upper),
                _number(s.solved_at_median),
                _number(s.sparsity_error_mean),
                *published,
                s.versus_published or "—",
            )
        )
    return rows


def markdown(summaries: list[Summary], chart: str | None = None) -> str:
    """The report as markdown text."""
    lines = [
        "# arithnet bench report",
        "",
        "Success: the extrapolation MSE at the evaluation with the lowest "
        "validation MSE is below that of an epsilon-perfect solution "
        "(epsilon = 1e-5). Intervals are 95 % Wilson intervals; solved-at and "
        "sparsity error are over the successful runs.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(summaries)]
    sources = sorted({s.published.source for s in summaries if s.published})
    if sources:
        lines += ["", "Published figures: " + "; ".join(sources) + "."]
    if chart:
        lines += ["", f"![success rates]({chart})"]
    return "\n".join(lines) + "\n"


def bar_chart(summaries: list[Summary], path: str | pathlib.Path) -> None:
    """Writes the success rates with their intervals (and published ones) as PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [f"{s.task}\n{s.op} {s.model}\n{s.interpolation}" for s in summaries]
    positions = range(len(summaries))
    figure = Figure(figsize=(max(6.0, 1.1 * len(summaries)), 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()

    rates = [100 * s.rate for s in summaries]
    errors = [
        [100 * (s.rate - s.lower) for s in summaries],
        [100 * (s.upper - s.rate) for s in summaries],
    ]
    axes.bar(positions, rates, yerr=errors, capsize=4, color="tab:blue", label="ours")
    published = [(i, s.published) for i, s in enumerate(summaries) if s.published]
    if published:
        axes.errorbar(
            [i + 0.25 for i, _ in published],
            [p.success_pct for _, p in published],
            yerr=[
                [p.success_pct - p.success_lo_pct for _, p in published],
                [p.success_hi_pct - p.success_pct for _, p in published],
            ],
            fmt="D",
            color="black",
            capsize=3,
            label="published",
        )

    axes.set_xticks(list(positions), labels, fontsize=7)
    axes.set_ylim(0, 105)
    axes.set_ylabel("success rate (%), 95 % Wilson interval")
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


@dataclasses.dataclass(frozen=True)
class Report:
    """A written report: its summaries and files."""

    summaries: list[Summary]
    markdown_path: pathlib.Path
    chart_path: pathlib.Path


def write_report(runs: list[StoredRun], out: str | pathlib.Path) -> Report:
    """Writes `report.md` and `success.png` into `out`.

    Raises:
        ValueError: If there are no runs to report.
    """
    if not runs:
        raise ValueError(
            "No runs to report. Accepted: a database with at least one "
            "finished run. Received: 0 runs"
        )
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summaries = summarize(runs)
    chart = out / "success.png"
    bar_chart(summaries, chart)
    text = markdown(summaries, chart.name)
    path = out / "report.md"
    path.write_text(text, encoding="utf-8")
    return Report(summaries, path, chart)
