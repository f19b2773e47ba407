import numpy as np
import pytest

from arithnet import data


@pytest.mark.parametrize(
    "text, lo, hi",
    [("0:500", 0, 500), ("-50:50", -50, 50), (" -3 : -1 ", -3, -1), ("+1:2", 1, 2)],
)
def test_parse_range(text, lo, hi):
    assert data.parse_range(text) == data.Range(lo, hi)


@pytest.mark.parametrize(
    "text, message",
    [
        ("5:5", "at least one integer"),
        ("9:3", "at least one integer"),
        ("0.5:3", "must be integers"),
        ("a:3", "must be integers"),
        ("3", "LO:HI"),
        ("1:2:3", "LO:HI"),
        ("", "LO:HI"),
        ("1:" + "9" * 30, "must be integers"),
    ],
)
def test_parse_range_rejects(text, message):
    with pytest.raises(ValueError, match=message) as error:
        data.parse_range(text)
    assert "Received:" in str(error.value)
    assert "\n" not in str(error.value)


def test_unknown_operation_lists_valid_ones():
    with pytest.raises(ValueError, match="add, sub, mul, div, square, sqrt"):
        data.make_dataset("pow", data.Range(0, 5))


@pytest.mark.parametrize("op", sorted(data.OPERATIONS))
def test_small_range_gives_full_grid_with_exact_truth(op):
    dataset = data.make_dataset(op, data.Range(-3, 4), size=1000)
    operation = data.OPERATIONS[op]

    assert dataset.grid
    for row, truth in zip(dataset.x, dataset.y, strict=True):
        a = int(row[0])
        b = int(row[-1])
        expected = {
            "add": a + b,
            "sub": a - b,
            "mul": a * b,
            "square": a * a,
            "div": a / b if b else None,
            "sqrt": a**0.5 if a >= 0 else None,
        }[op]
        assert expected is not None, f"{row} is outside the domain of {op}"
        assert truth == pytest.approx(expected, rel=0, abs=0)
    assert dataset.x.shape[1] == operation.arity


def test_domains_exclude_invalid_rows():
    div = data.make_dataset("div", data.Range(-2, 3), size=100)
    sqrt = data.make_dataset("sqrt", data.Range(-5, 5), size=100)

    assert (div.x[:, 1] != 0).all() and len(div) == 5 * 4
    assert (sqrt.x[:, 0] >= 0).all() and len(sqrt) == 5


@pytest.mark.parametrize("op, text", [("div", "0:1"), ("sqrt", "-9:0")])
def test_range_without_valid_example_is_an_error(op, text):
    with pytest.raises(ValueError, match="no valid example"):
        data.make_dataset(op, data.parse_range(text))


def test_random_draw_is_seeded_and_in_range(seed):
    train = data.Range(0, 500)
    first = data.make_dataset("mul", train, size=1000, seed=seed)
    again = data.make_dataset("mul", train, size=1000, seed=seed)
    other = data.make_dataset("mul", train, size=1000, seed=seed + 1)

    assert not first.grid and len(first) == 1000
    np.testing.assert_array_equal(first.x, again.x)
    assert not np.array_equal(first.x, other.x)
    assert first.x.min() >= 0 and first.x.max() < 500


def test_extrapolation_data_never_repeats_training_inputs(seed):
    train = data.Range(0, 500)
    wide = data.make_dataset(
        "add", data.Range(0, 1000), size=5000, seed=seed, exclude=train
    )
    above = data.make_dataset(
        "add", data.default_extrapolation(train), size=100, seed=seed, exclude=train
    )

    inside = (wide.x < 500).all(axis=1)
    assert not inside.any()
    assert len(wide) == 5000
    assert above.x.min() >= 500 and above.x.max() < 1000


def test_extrapolation_range_inside_training_range_is_an_error():
    with pytest.raises(ValueError, match="reach outside the training range"):
        data.make_dataset("add", data.Range(10, 20), exclude=data.Range(0, 500))


def test_truth_stays_exact_past_float_precision():
    big = data.make_dataset("mul", data.Range(2**30, 2**30 + 3), size=100)
    huge = data.make_dataset("mul", data.Range(2**62, 2**62 + 2), size=100)

    assert big.y.dtype == np.int64
    assert int(big.y[-1]) == (2**30 + 2) ** 2  # 2**60 + 2**32 + 4, past float64
    assert huge.y.dtype == object
    assert huge.y[-1] == (2**62 + 1) ** 2


def test_division_truth_is_correctly_rounded():
    dataset = data.make_dataset("div", data.Range(2**60, 2**60 + 2), size=10)
    assert dataset.y.dtype == np.float64
    assert dataset.y[1] == (2**60) / (2**60 + 1)


@pytest.mark.parametrize(
    "texts, expected",
    [
        (["0:5"], {"a": (0, 5), "b": (0, 5)}),
        (["a=0:5", "b=-3:3"], {"a": (0, 5), "b": (-3, 3)}),
        (["b=1:2", "0:5"], {"a": (0, 5), "b": (1, 2)}),
        (["0:5,b=1:2"], {"a": (0, 5), "b": (1, 2)}),
    ],
)
def test_parse_input_ranges(texts, expected):
    ranges = data.parse_input_ranges(texts, ["a", "b"])
    assert {n: (r.lo, r.hi) for n, r in ranges.items()} == expected


def test_parse_input_ranges_fills_from_base():
    base = {"a": data.Range(0, 5), "b": data.Range(0, 5)}
    ranges = data.parse_input_ranges(["a=5:10"], ["a", "b"], base)
    assert ranges == {"a": data.Range(5, 10), "b": data.Range(0, 5)}


@pytest.mark.parametrize(
    "texts, message",
    [
        (["0:5", "1:2"], "one shared range"),
        (["a=0:5", "a=1:2"], "one shared range"),
        (["c=0:5"], "does not have"),
        (["a=0:5"], "No range for input b"),
        (["1a=0:5"], "NAME=LO:HI"),
        (["0:5:7"], "LO:HI"),
    ],
)
def test_parse_input_ranges_errors(texts, message):
    with pytest.raises(ValueError, match=message):
        data.parse_input_ranges(texts, ["a", "b"])


@pytest.mark.parametrize("text", ["1.5", "1e3", "", "x", "0x10", "--1", "١٢"])
def test_parse_integer_refuses_non_integers(text):
    with pytest.raises(ValueError, match="must be an integer"):
        data.parse_integer(text, "a")


def test_parse_integer_keeps_big_values_exact():
    assert data.parse_integer(" -123456789012345678901234567890 ") == (
        -123456789012345678901234567890
    )
