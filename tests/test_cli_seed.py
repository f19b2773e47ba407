import json
import os
import subprocess
import sys

import pytest

from arithnet.cli import main


def run_cli(capsys, *args):
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    out, err = capsys.readouterr()
    return stop.value.code, out, err


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["seed", "--op", "pow"], "'pow' is not one of 'add', 'mul', 'square'"),
        (["seed", "--backend", "numpy"], "'numpy' is not one of"),
        (["seed", "--epochs", "0"], "epochs must be a whole number of at least 1"),
        (["seed", "--epochs", "-3"], "Received: epochs=-3"),
        (["explain", "--seeds", "0"], "Received: seeds=0"),
        (["seed", "--seed", "1.5"], "'--seed': Input should be a valid integer"),
        (["seed", "--plot", "/no/such/folder/p.png"], "folder is missing"),
        (["seed", "--plot", "/"], "is a folder"),
        (["nonsense"], "No such command 'nonsense'"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, args, fragment):
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert fragment in err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "Traceback" not in err + out


def test_subprocess_error_has_no_traceback(tmp_path):
    plot = tmp_path / "missing" / "x.png"
    result = subprocess.run(
        [sys.executable, "-m", "arithnet", "seed", "--plot", str(plot)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KERAS_BACKEND": "jax"},
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: Cannot write the plot")
    assert "Traceback" not in result.stderr
    assert not plot.parent.exists()


def test_seed_json_and_plot(capsys, tmp_path):
    plot = tmp_path / "run.png"
    code, out, err = run_cli(
        capsys, "seed", "--op", "add", "--epochs", "1", "--json", "--plot", str(plot)
    )
    payload = json.loads(out)
    assert code == 0
    assert payload["op"] == "add" and payload["seed"] == 0
    assert payload["backend"] == "jax"
    assert isinstance(payload["collapsed"], bool)
    assert plot.stat().st_size > 10_000
    assert plot.read_bytes()[:4] == b"\x89PNG"
