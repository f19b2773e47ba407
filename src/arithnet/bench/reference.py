"""The published figures shipped with arithnet, read from package data.

`arithnet/reference/` holds the success thresholds of both tasks and the
results table of Madsen & Johansen (2020) on the arithmetic task. They are
other people's measurements: the report shows them beside ours, cited.
"""

import csv
import dataclasses
import functools
import importlib.resources
import io

from arithnet.bench.tasks import Range

MADSEN_2020 = "Madsen & Johansen (2020), Table 1"


@dataclasses.dataclass(frozen=True)
class PublishedResult:
    """One row of a published results table (rates in percent)."""

    source: str
    success_pct: float
    success_lo_pct: float
    success_hi_pct: float
    solved_at_median: float | None
    sparsity_error_mean: float | None


def _read_csv(name: str) -> list[dict[str, str]]:
    text = (
        importlib.resources.files("arithnet")
        .joinpath("reference", name)
        .read_text(encoding="utf-8")
    )
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def _optional(text: str) -> float | None:
    return float(text) if text.strip() else None


@functools.cache
def published_thresholds() -> dict[tuple[str, str, str, str], float]:
    """Thresholds keyed by `(task, op, interpolation, extrapolation)`.

    The ranges in the keys are canonical `str(Range)` texts. The reference
    file calls `square` and `sqrt` by those names too.
    """
    table = {}
    for row in _read_csv("thresholds.csv"):
        interpolation = str(Range.parse(row["interpolation"]))
        extrapolation = str(Range.parse(row["extrapolation"]))
        key = (row["task"], row["op"], interpolation, extrapolation)
        table[key] = float(row["threshold"])
    return table


@functools.cache
def published_results() -> dict[tuple[str, str, str, str, str], PublishedResult]:
    """Published results keyed by `(task, op, model, interpolation, extrapolation)`.

    Only the arithmetic task's default ranges have a published table in the
    package; its model names are arithnet's bench model names.
    """
    table = {}
    for row in _read_csv("madsen2020_arithmetic_task.csv"):
        key = ("arithmetic", row["op"], row["model"], "U[1;2]", "U[2;6]")
        table[key] = PublishedResult(
            source=MADSEN_2020,
            success_pct=float(row["success_pct"]),
            success_lo_pct=float(row["success_lo_pct"]),
            success_hi_pct=float(row["success_hi_pct"]),
            solved_at_median=_optional(row["solved_at_median"]),
            sparsity_error_mean=_optional(row["sparsity_error_mean"]),
        )
    return table
