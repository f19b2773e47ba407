"""Shared fixtures. Importing arithnet first selects the backend (JAX unless
KERAS_BACKEND says otherwise) and turns on JAX's 64-bit mode."""

import arithnet  # noqa: F401, I001  (must run before keras is imported)
import keras
import pytest

from arithnet.cli import main


@pytest.fixture
def seed(request) -> int:
    """A fixed seed, set for Keras, NumPy and Python, and shown on failure."""
    value = getattr(request, "param", 0)
    keras.utils.set_random_seed(value)
    request.node.user_properties.append(("seed", value))
    return value


def pytest_report_header(config):
    return f"arithnet: keras backend {keras.backend.backend()}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    seeds = [value for key, value in item.user_properties if key == "seed"]
    if report.failed and seeds:
        report.sections.append(("seed", f"this test ran with seed {seeds[-1]}"))
    return report


@pytest.fixture
def cli(capsys):
    """Runs the CLI in-process: `cli(*args)` -> `(exit code, stdout, stderr)`."""

    def run(*args: str):
        with pytest.raises(SystemExit) as stop:
            main(list(args))
        out, err = capsys.readouterr()
        return stop.value.code, out, err

    return run
