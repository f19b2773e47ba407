"""`arithnet bench run`, `report` and `export` on the shipped quick config."""

import csv

import pytest


@pytest.fixture(scope="module")
def quick_db(tmp_path_factory):
    """The quick CI sweep, run once through the CLI."""
    from arithnet.cli import main

    db = tmp_path_factory.mktemp("bench") / "quick.sqlite"
    with pytest.raises(SystemExit) as stop:
        main(["bench", "run", "quick.toml", "--db", str(db)])
    assert stop.value.code == 0
    return db


def test_quick_sweep_reports_beside_the_papers(cli, quick_db, tmp_path):
    code, out, err = cli(
        "bench", "report", "--db", str(quick_db), "--out", str(tmp_path)
    )

    assert code == 0, err
    markdown = (tmp_path / "report.md").read_text()
    assert "| arithmetic | add | NAU |" in markdown
    assert "| single_module | div | arithnet |" in markdown
    # The published figure of Madsen & Johansen (2020) sits beside ours, and
    # the quick sweep's shortened ramps are not passed off as comparable.
    assert "100 % [96, 100]" in markdown
    assert "| settings differ |" in markdown and "| inside |" not in markdown
    assert (tmp_path / "success.png").read_bytes()[:4] == b"\x89PNG"


def test_export_has_one_row_per_run(cli, quick_db, tmp_path):
    path = tmp_path / "runs.csv"
    code, _, _ = cli("bench", "export", "--db", str(quick_db), "--csv", str(path))

    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert code == 0
    # Ten configurations of quick.toml, eight seeds each.
    assert len(rows) == 80
    assert len({(r["task"], r["op"], r["model"], r["seed"]) for r in rows}) == 80
    for column in ("task", "op", "model", "seed", "iterations", "success",
                   "solved_at", "sparsity_error", "extrapolation_mse"):  # fmt: skip
        assert column in rows[0]


def test_running_again_trains_nothing(cli, quick_db):
    code, out, _ = cli("bench", "run", "quick.toml", "--db", str(quick_db))

    assert code == 0
    assert "80 already in" in " ".join(out.split()) and "0 to train" in out


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["run", "nothere.toml"], "Config file not found"),
        (["report", "--db", "missing.sqlite"], "Database not found"),
        (["run", "quick.toml", "--executor", "spark"], "'spark' is not one of"),
    ],
)
def test_bad_bench_input(cli, args, fragment):
    code, out, err = cli("bench", *args)

    assert code == 2
    assert fragment in err and err.count("\n") == 1
