"""A sweep killed with SIGKILL and started again ends with every run once."""

import contextlib
import os
import pathlib
import signal
import sqlite3
import subprocess
import sys
import time

from arithnet.bench import config, executors, store, sweep

KILLABLE_CONFIG = """
name = "killable"
seeds = 4
seeds_per_job = 1
iterations = 3000
eval_every = 500

[[experiment]]
task = "single_module"
ops = ["add"]
models = ["NAU"]
"""
SRC = pathlib.Path(__file__).resolve().parents[2] / "src"


def _query(db: pathlib.Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db, timeout=5)) as connection:
        return connection.execute(sql).fetchall()


def _count(db: pathlib.Path) -> int:
    try:
        return _query(db, "SELECT COUNT(*) FROM runs")[0][0]
    except sqlite3.OperationalError:
        return 0


def _start(config_path, db, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "arithnet", "bench", "run", str(config_path)]
    command += ["--db", str(db), "--workers", "1"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def test_sigkill_then_restart_stores_every_run_exactly_once(tmp_path):
    config_path = tmp_path / "killable.toml"
    config_path.write_text(KILLABLE_CONFIG, encoding="utf-8")
    db = tmp_path / "runs.sqlite"

    process = _start(config_path, db)
    deadline = time.monotonic() + 120
    while _count(db) < 1 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_with = _count(db)
    assert 1 <= killed_with < 4, "the kill did not land halfway through"

    restarted = _start(config_path, db, stderr=subprocess.PIPE)
    with restarted:
        _, errors = restarted.communicate(timeout=300)
    assert restarted.returncode == 0, errors.decode()

    seeds = [seed for (seed,) in _query(db, "SELECT seed FROM runs ORDER BY seed")]
    assert seeds == [0, 1, 2, 3]
    assert _query(db, "SELECT COUNT(*) FROM curves") == [(4 * 7,)]


def test_resuming_skips_finished_runs(tiny_config, tiny_db):
    with store.Store(tiny_db) as results:
        before = len(results.runs())
        plan = sweep.run_sweep(
            config.load_config(tiny_config), results, executors.LocalExecutor(1)
        )
        assert (plan.planned, plan.finished, plan.jobs) == (6, 6, [])
        assert len(results.runs()) == before == 6
