"""Fixtures of the bench tests: a tiny sweep config and a database it filled."""

import keras
import pytest

TINY_CONFIG = """
name = "tiny"
seeds = 3
iterations = 2000
eval_every = 500

[[experiment]]
task = "single_module"
ops = ["add"]
models = ["NAU"]

[experiment.settings.NAU]
regularizer_start = 200
regularizer_end = 1000

[[experiment]]
task = "arithmetic"
ops = ["add"]
models = ["NAU"]
iterations = 1000
"""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "any_backend: bench tests that also run off the JAX backend"
    )


def pytest_collection_modifyitems(config, items):
    # The bench trains with JAX; under another Keras backend it only checks
    # that it refuses clearly (test_trainer), so everything else is skipped.
    if keras.backend.backend() == "jax":
        return
    skip = pytest.mark.skip(reason="the bench needs the JAX backend")
    for item in items:
        if "bench" in str(item.fspath) and "any_backend" not in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def tiny_config(tmp_path_factory):
    path = tmp_path_factory.mktemp("config") / "tiny.toml"
    path.write_text(TINY_CONFIG, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_db(tiny_config, tmp_path_factory):
    """A database with the tiny sweep's 6 runs, trained in this process."""
    from arithnet.bench import config, executors, store, sweep

    path = tmp_path_factory.mktemp("db") / "tiny.sqlite"
    with store.Store(path) as results:
        sweep.run_sweep(
            config.load_config(tiny_config), results, executors.LocalExecutor(1)
        )
    return path
