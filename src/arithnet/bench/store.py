"""The results database: one SQLite file, one row per run, one commit per run.

Only the sweeping process writes, one finished run per transaction, so a sweep
killed at any moment (even with SIGKILL) leaves every finished run in the
file and no half-written one; `(spec key, seed)` is unique, so a restarted
sweep skips what is there and can never store a run twice.
"""

import csv
import dataclasses
import json
import pathlib
import sqlite3
import time

from arithnet.bench.runs import RunResult, RunSpec

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    spec_key TEXT NOT NULL,
    task TEXT NOT NULL,
    op TEXT NOT NULL,
    model TEXT NOT NULL,
    interpolation TEXT NOT NULL,
    extrapolation TEXT NOT NULL,
    seed INTEGER NOT NULL,
    iterations INTEGER NOT NULL,
    batch_size INTEGER NOT NULL,
    eval_every INTEGER NOT NULL,
    settings TEXT NOT NULL,
    threshold REAL NOT NULL,
    success INTEGER NOT NULL,
    solved_at INTEGER,
    best_step INTEGER,
    interpolation_mse REAL,
    extrapolation_mse REAL,
    sparsity_error REAL,
    seconds REAL NOT NULL,
    job_seeds INTEGER NOT NULL,
    finished_at TEXT NOT NULL,
    UNIQUE (spec_key, seed)
);
CREATE TABLE IF NOT EXISTS curves (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    step INTEGER NOT NULL,
    interpolation_mse REAL,
    extrapolation_mse REAL,
    PRIMARY KEY (run_id, step)
);
"""

_RUN_COLUMNS = (
    "spec_key, task, op, model, interpolation, extrapolation, seed, iterations, "
    "batch_size, eval_every, settings, threshold, success, solved_at, best_step, "
    "interpolation_mse, extrapolation_mse, sparsity_error, seconds, job_seeds, "
    "finished_at"
)
_INSERT_RUN = (
    f"INSERT OR IGNORE INTO runs ({_RUN_COLUMNS}) "
    f"VALUES ({', '.join('?' * (_RUN_COLUMNS.count(',') + 1))})"
)

EXPORT_COLUMNS = (
    "task",
    "op",
    "model",
    "interpolation",
    "extrapolation",
    "seed",
    "iterations",
    "success",
    "solved_at",
    "sparsity_error",
    "extrapolation_mse",
    "interpolation_mse",
    "best_step",
    "threshold",
    "batch_size",
    "eval_every",
    "settings",
    "seconds",
    "job_seeds",
    "finished_at",
)


@dataclasses.dataclass(frozen=True)
class StoredRun:
    """A run as stored: the columns of `EXPORT_COLUMNS` plus the spec key."""

    spec_key: str
    task: str
    op: str
    model: str
    interpolation: str
    extrapolation: str
    seed: int
    iterations: int
    success: bool
    solved_at: int | None
    sparsity_error: float | None
    extrapolation_mse: float | None
    interpolation_mse: float | None
    best_step: int | None
    threshold: float
    batch_size: int
    eval_every: int
    settings: str
    seconds: float
    job_seeds: int
    finished_at: str


def _finite(value: float) -> float | None:
    # SQLite stores NaN as NULL anyway; say so explicitly.
    return None if value != value else float(value)


class Store:
    """A results database at `path`, created on first use.

    Args:
        path: The SQLite file.

    Example:

        with Store("results.sqlite") as store:
            done = store.finished(spec)
    """

    def __init__(self, path: str | pathlib.Path):
        self.path = pathlib.Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(self.path, timeout=30.0)
        self._connection.execute("PRAGMA foreign_keys = ON")
        self._connection.executescript(_SCHEMA)
        self._connection.commit()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection; every added run is already committed."""
        self._connection.close()

    def finished(self, spec: RunSpec) -> set[int]:
        """The seeds of `spec` already in the database."""
        rows = self._connection.execute(
            "SELECT seed FROM runs WHERE spec_key = ?", (spec.key,)
        )
        return {seed for (seed,) in rows}

    def add(self, result: RunResult) -> bool:
        """Stores one run and its curve in one transaction, then commits.

        Returns:
            False if the run was already there (nothing is written).
        """
        spec = result.spec
        with self._connection:
            cursor = self._connection.execute(
                _INSERT_RUN,
                (
                    spec.key,
                    spec.task,
                    spec.op,
                    spec.model,
                    spec.interpolation,
                    spec.extrapolation,
                    result.seed,
                    spec.iterations,
                    spec.batch_size,
                    spec.eval_every,
                    json.dumps(spec.settings.model_dump(), sort_keys=True),
                    spec.threshold,
                    int(result.success),
                    result.solved_at,
                    result.best_step,
                    _finite(result.interpolation_mse),
                    _finite(result.extrapolation_mse),
                    _finite(result.sparsity_error),
                    result.seconds,
                    result.job_seeds,
                    time.strftime("%Y-%m-%dT%H:%M:%S"),
                ),
            )
            if cursor.rowcount == 0:
                return False
            curve = zip(
                result.steps.tolist(),
                map(_finite, result.interpolation_curve.tolist()),
                map(_finite, result.extrapolation_curve.tolist()),
                strict=True,
            )
            self._connection.executemany(
                "INSERT INTO curves VALUES (?, ?, ?, ?)",
                [(cursor.lastrowid, *point) for point in curve],
            )
        return True

    def runs(self) -> list[StoredRun]:
        """Every stored run, ordered by task, op, model, ranges and seed."""
        names = [field.name for field in dataclasses.fields(StoredRun)]
        rows = self._connection.execute(
            f"SELECT {', '.join(names)} FROM runs ORDER BY task, op, model, "
            "interpolation, extrapolation, iterations, seed"
        )
        runs = []
        for row in rows:
            values = dict(zip(names, row, strict=True))
            values["success"] = bool(values["success"])
            runs.append(StoredRun(**values))
        return runs

    def curve(self, run_id: int) -> list[tuple[int, float | None, float | None]]:
        """`(step, interpolation_mse, extrapolation_mse)` of one run."""
        rows = self._connection.execute(
            "SELECT step, interpolation_mse, extrapolation_mse FROM curves "
            "WHERE run_id = ? ORDER BY step",
            (run_id,),
        )
        return list(rows)

    def run_ids(self) -> dict[tuple[str, int], int]:
        """Row ids keyed by `(spec key, seed)`."""
        rows = self._connection.execute("SELECT spec_key, seed, id FROM runs")
        return {(key, seed): run_id for key, seed, run_id in rows}

    def export_csv(self, path: str | pathlib.Path) -> int:
        """Writes one CSV row per run (`EXPORT_COLUMNS`); returns the row count."""
        runs = self.runs()
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(EXPORT_COLUMNS)
            for run in runs:
                row = dataclasses.asdict(run)
                row["success"] = int(run.success)
                writer.writerow(
                    ["" if row[c] is None else row[c] for c in EXPORT_COLUMNS]
                )
        return len(runs)
