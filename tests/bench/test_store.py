import csv
import sqlite3

import numpy as np
import pytest

from arithnet.bench import models, store
from arithnet.bench.runs import RunResult, RunSpec

SPEC = RunSpec(
    task="single_module",
    op="add",
    model="NAU",
    interpolation="U[1;2]",
    extrapolation="U[2;6]",
    iterations=2000,
    batch_size=128,
    eval_every=1000,
    settings=models.Settings(regularizer_scale=0.01),
    threshold=6.67e-9,
)


def _result(seed: int, success: bool = True, spec: RunSpec = SPEC) -> RunResult:
    return RunResult(
        spec=spec,
        seed=seed,
        success=success,
        solved_at=1000 if success else None,
        best_step=2000,
        interpolation_mse=1e-12,
        extrapolation_mse=1e-11 if success else float("nan"),
        sparsity_error=1e-6,
        steps=np.array([0, 1000, 2000]),
        interpolation_curve=np.array([1.0, 1e-6, 1e-12]),
        extrapolation_curve=np.array([9.0, 1e-5, float("nan")]),
        seconds=1.5,
        job_seeds=2,
    )


def test_round_trip(tmp_path):
    with store.Store(tmp_path / "r.sqlite") as results:
        assert results.add(_result(0))
        assert results.add(_result(1, success=False))
        runs = results.runs()
        ids = results.run_ids()
        curve = results.curve(ids[(SPEC.key, 1)])

    assert [(r.seed, r.success) for r in runs] == [(0, True), (1, False)]
    assert runs[0].solved_at == 1000 and runs[1].solved_at is None
    assert runs[1].extrapolation_mse is None  # NaN is stored as NULL
    assert curve == [(0, 1.0, 9.0), (1000, 1e-6, 1e-5), (2000, 1e-12, None)]


def test_a_run_is_stored_once(tmp_path):
    with store.Store(tmp_path / "r.sqlite") as results:
        assert results.add(_result(0))
        assert not results.add(_result(0))
        assert results.finished(SPEC) == {0}
    connection = sqlite3.connect(tmp_path / "r.sqlite")
    assert connection.execute("SELECT COUNT(*) FROM curves").fetchone() == (3,)


def test_other_settings_are_another_configuration(tmp_path):
    other = RunSpec(**{**SPEC.__dict__, "iterations": 4000})
    assert other.key != SPEC.key
    with store.Store(tmp_path / "r.sqlite") as results:
        results.add(_result(0))
        assert results.finished(other) == set()
        assert results.add(_result(0, spec=other))


def test_committed_runs_survive_an_unclosed_connection(tmp_path):
    results = store.Store(tmp_path / "r.sqlite")
    results.add(_result(0))
    # No close(): a killed process never gets to it.
    with store.Store(tmp_path / "r.sqlite") as reopened:
        assert reopened.finished(SPEC) == {0}


def test_export_csv(tmp_path):
    with store.Store(tmp_path / "r.sqlite") as results:
        results.add(_result(0))
        results.add(_result(1, success=False))
        assert results.export_csv(tmp_path / "out" / "runs.csv") == 2
    with open(tmp_path / "out" / "runs.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    required = {"task", "op", "model", "seed", "iterations", "success", "solved_at"}
    assert required | {"sparsity_error", "extrapolation_mse"} <= set(rows[0])
    assert rows[0]["success"] == "1" and rows[1]["solved_at"] == ""
    assert float(rows[0]["extrapolation_mse"]) == pytest.approx(1e-11)
