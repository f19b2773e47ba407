"""`arithnet train`, `predict`, `formula` and `demo` through the real CLI."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arithnet import saving


@pytest.fixture(scope="module")
def mul_model(tmp_path_factory):
    """a*b trained on 0:30 by the CLI and saved, shared by the tests here."""
    from arithnet.cli import main

    path = tmp_path_factory.mktemp("models") / "mul.keras"
    with pytest.raises(SystemExit) as stop:
        main(["train", "--expr", "a*b", "--range", "0:30", "--out", str(path)])
    assert stop.value.code == 0
    return path


def test_train_json_report(cli, tmp_path):
    plots = tmp_path / "plots"
    code, out, err = cli(
        "train",
        "--expr",
        "a - b",
        "--range",
        "a=0:40",
        "--range",
        "b=-20:20",
        "--extrapolate",
        "0:1000",
        "--json",
        "--plot",
        str(plots),
    )
    report = json.loads(out)

    assert code == 0
    assert {"expr", "model", "formula", "seed", "dtype", "ranges"} <= set(report)
    assert report["formula"] == "a - b" and report["model"] == "nau"
    assert [r["name"] for r in report["ranges"]] == ["train", "0:1000"]
    assert report["ranges"][0]["ranges"] == "a=0:40,b=-20:20"
    for entry in report["ranges"]:
        assert entry["exact_accuracy"] == 1.0
        assert set(entry) >= {"name", "examples", "exact_accuracy", "mae"}
    assert sorted(p.name for p in plots.iterdir()) == ["error.png", "loss.png"]
    assert (plots / "error.png").read_bytes()[:4] == b"\x89PNG"


def test_train_prints_table_and_formula(cli):
    code, out, _ = cli("train", "--expr", "a + 2*b", "--range", "0:20")

    assert code == 0
    assert "formula: a + 2*b (equals the target" in " ".join(out.split())
    assert "train" in out and "20:40" in out  # the default extrapolation


def test_dry_run_names_the_model_without_training(cli):
    code, out, _ = cli("train", "--expr", "sqrt(a)", "--range", "1:50", "--dry-run")

    assert code == 0
    assert out.startswith("would train real-npu on sqrt(a)")


def test_predict_prints_exact_integers_past_two_to_the_24(cli, mul_model):
    code, out, err = cli("predict", str(mul_model), "123456789", "-98765")

    assert code == 0 and err == ""
    assert out.strip() == str(123456789 * -98765)


def test_predict_reads_rows_from_csv(cli, mul_model, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("3,4\n-5, 6\n\n1000000,1000000\n")

    code, out, _ = cli("predict", str(mul_model), "--csv", str(rows))

    assert code == 0
    assert out.split() == ["12", "-30", str(10**12)]


def test_predict_reads_rows_from_stdin(cli, mul_model, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("7 8\n9 10\n"))
    code, out, _ = cli("predict", str(mul_model))

    assert code == 0 and out.split() == ["56", "90"]


def test_predict_warns_past_two_to_the_53(cli, mul_model):
    code, out, err = cli("predict", str(mul_model), str(2**30), str(2**30))

    assert code == 0
    assert "exceeds 2**53" in err


def test_formula_reads_the_model_back(cli, mul_model):
    code, out, _ = cli("formula", str(mul_model))

    assert code == 0
    assert out.splitlines()[0] == "a*b"
    assert "equals the target a*b; verified exact on the validation data" in out


def test_formula_of_a_plain_keras_model_is_not_verified(cli, tmp_path):
    import keras

    from arithnet.layers import NAU

    model = keras.Sequential([keras.Input((2,)), NAU(1)])
    model.layers[0].kernel.assign(np.array([[1.0], [-1.0]]))
    path = tmp_path / "plain.keras"
    model.save(path)

    code, out, _ = cli("formula", str(path), "--json")

    assert code == 0
    report = json.loads(out)
    assert report["formula"] == "a - b" and report["target"] is None


def test_saved_model_keeps_its_description(mul_model):
    metadata = saving.read_metadata(mul_model)

    assert metadata["expr"] == "a*b" and metadata["inputs"] == ["a", "b"]
    assert metadata["integer_valued"] and metadata["validation_exact"] == 1.0


def _bad(cli, *args, fragment):
    code, out, err = cli(*args)
    assert code == 2, out + err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert fragment in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    "expr, fragment",
    [
        ("a*", "not valid syntax"),
        ("import os", "not valid syntax"),
        ("__import__('os')", "Function calls other than sqrt()"),
        ("a^^b", "powers are written **"),
        ("3 + 4", "no inputs"),
    ],
)
def test_bad_expressions(cli, tmp_path, expr, fragment):
    out = tmp_path / "m.keras"
    _bad(cli, "train", "--expr", expr, "--range", "0:5", "--out", str(out),
         fragment=fragment)  # fmt: skip
    assert not out.exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--expr", "a/b", "--range", "a=1:5", "--range", "b=0:1"], "undefined"),
        (["--expr", "a+b", "--range", "5:5"], "LO < HI"),
        (["--expr", "a+b", "--range", "0:x"], "must be integers"),
        (["--expr", "a+b", "--range", "c=0:5"], "does not have"),
        (["--expr", "a+b"], "No range for input a, b"),
        (["--expr", "a+b", "--range", "0:5", "--extrapolate", "1:3"], "outside"),
        (["--expr", "a+b", "--range", "0:5", "--model", "resnet"], "Accepted: auto"),
        (["--expr", "a+b", "--range", "0:5", "--epochs", "0"], "at least 1"),
        (["--expr", "a+b", "--range", "0:5", "--out", "m.h5"], "end in .keras"),
        (["--expr", "a+b", "--range", "0:5", "--plot", "/no/such/dir"], "writable"),
    ],
)
def test_bad_train_requests(cli, args, fragment):
    _bad(cli, "train", *args, fragment=fragment)


def test_failed_training_leaves_an_existing_model_untouched(cli, tmp_path):
    out = tmp_path / "m.keras"
    out.write_bytes(b"an earlier model")

    _bad(cli, "train", "--expr", "a/b", "--range", "b=0:1", "--range", "a=0:3",
         "--out", str(out), fragment="undefined")  # fmt: skip
    assert out.read_bytes() == b"an earlier model"


@pytest.mark.parametrize(
    "values, fragment",
    [
        (["1"], "wrong number of values. Accepted: 2 integers (a, b)"),
        (["1", "2", "3"], "wrong number of values"),
        (["1", "2.5"], "b must be an integer"),
        (["1", str(2**60)], "|value| <= 2**53"),
    ],
)
def test_bad_predict_inputs(cli, mul_model, values, fragment):
    _bad(cli, "predict", str(mul_model), *values, fragment=fragment)


def test_predict_outside_the_domain_is_refused(cli, tmp_path):
    path = tmp_path / "div.keras"
    code, _, _ = cli("train", "--expr", "a/b", "--range", "1:20", "--out", str(path))
    assert code == 0

    _bad(cli, "predict", str(path), "3", "0", fragment="a/b is undefined at a=3, b=0")


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"not a zip", "corrupt or not a Keras archive"),
        (None, "no such file"),
    ],
)
def test_files_that_are_not_models(cli, tmp_path, content, fragment):
    path = tmp_path / "m.keras"
    if content is not None:
        path.write_bytes(content)
    for command in ("predict", "formula"):
        args = [command, str(path)] + (["1", "2"] if command == "predict" else [])
        _bad(cli, *args, fragment=fragment)


# Every request below is checked by the real CLI with --dry-run: parsing,
# ranges, domains and the model choice all run, only training is skipped.
names = st.sampled_from(["a", "b", "c", "x1", "A", "_", "sqrt", "os"])
bounds = st.one_of(st.integers(-10**6, 10**6).map(str), st.sampled_from(
    ["", "x", "1.5", "1e3", "--1", " 7", "99999999999999999999", "0x10"]
))  # fmt: skip
ranges = st.one_of(
    st.builds(lambda lo, hi: f"{lo}:{hi}", bounds, bounds),
    st.builds(lambda n, lo, hi: f"{n}={lo}:{hi}", names, bounds, bounds),
    st.text(max_size=12),
)
expressions = st.one_of(
    st.text(alphabet="abcx1209 +-*/()^.,_sqrt", max_size=25),
    st.lists(
        st.sampled_from("a b c 1 2 0 + - * / ** ( ) sqrt( , ^".split()), max_size=12
    ).map(" ".join),
)


# `cli` reads the captured output of each call, so sharing it is safe.
SHARED_FIXTURE = [HealthCheck.function_scoped_fixture]


@settings(max_examples=1000, deadline=None, suppress_health_check=SHARED_FIXTURE)
@given(
    expressions,
    st.lists(ranges, max_size=3),
    st.lists(ranges, max_size=2),
    st.sampled_from(["auto", "nau", "nmu", "real-npu", "mlp", "seed", "bogus"]),
)
def test_generated_train_requests_never_end_in_a_traceback(
    cli, expr, train_ranges, far_ranges, model
):
    args = ["train", "--expr", expr, "--model", model, "--dry-run"]
    for text in train_ranges:
        args += ["--range", text]
    for text in far_ranges:
        args += ["--extrapolate", text]

    code, out, err = cli(*args)

    assert code in (0, 2)
    assert "Traceback" not in out + err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1
    else:
        assert out.startswith("would train")


@settings(max_examples=300, deadline=None, suppress_health_check=SHARED_FIXTURE)
@given(
    st.lists(
        st.one_of(
            st.integers(-(2**60), 2**60).map(str),
            st.text(alphabet="0123456789-+. ex,", max_size=8),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_generated_predict_inputs_never_end_in_a_traceback(cli, mul_model, values):
    code, out, err = cli("predict", str(mul_model), *values)

    assert code in (0, 2)
    assert "Traceback" not in out + err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1


def test_demo_runs_the_whole_story(cli, tmp_path):
    code, out, _ = cli("demo", "--out", str(tmp_path))

    assert code == 0
    text = " ".join(out.split())
    assert "1. The classic Dense network on a * b" in text
    assert "formula: a*b (equals the target" in text
    assert {p.name for p in tmp_path.iterdir()} == {
        "classic.png",
        "loss.png",
        "error.png",
        "mul.keras",
    }
