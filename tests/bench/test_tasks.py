import numpy as np
import pytest

from arithnet.bench import reference, tasks


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("U[1;2]", "U[1;2]"),
        ("U[1, 2]", "U[1;2]"),
        ("U[-6;-2]|U[2;6]", "U[-6;-2]|U[2;6]"),
        ("U[0.1;0.2]", "U[0.1;0.2]"),
    ],
)
def test_range_round_trip(text, canonical):
    assert str(tasks.Range.parse(text)) == canonical
    assert tasks.Range.parse(canonical) == tasks.Range.parse(text)


@pytest.mark.parametrize("text", ["[1;2]", "U[2;1]", "U[1;2]|U[3;4]|U[5;6]", "U[a;b]"])
def test_range_rejects_malformed(text):
    with pytest.raises(ValueError, match="Received: range="):
        tasks.Range.parse(text)


def test_two_part_range_draws_both_parts_evenly():
    data_range = tasks.Range.parse("U[-6;-2]|U[2;6]")
    x = data_range.sample(np.random.RandomState(0), (20_000,))
    assert np.all((np.abs(x) >= 2) & (np.abs(x) <= 6))
    assert np.mean(x > 0) == pytest.approx(0.5, abs=0.02)


def test_arithmetic_slices_as_published():
    # Two slices of 25 inputs overlapping by 12, anywhere in the 100 inputs.
    offsets = set()
    for seed in range(200):
        a, b = tasks.ARITHMETIC.masks(seed)
        assert a.sum() == 25 and b.sum() == 25 and (a * b).sum() == 12
        first = int(np.argmax(a))
        assert np.argmax(b) == first + 13
        offsets.add(first)
    assert min(offsets) == 0 and max(offsets) == 62


def test_offset_is_fixed_by_the_seed():
    assert tasks.ARITHMETIC.offset(7) == tasks.ARITHMETIC.offset(7)
    assert tasks.ARITHMETIC.offset(7) == np.random.RandomState(7).randint(0, 63)


def test_single_module_uses_the_two_inputs():
    np.testing.assert_array_equal(tasks.SINGLE_MODULE.masks(3), np.eye(2))


@pytest.mark.parametrize("op", tasks.OPERATIONS)
def test_targets(op):
    x = np.random.RandomState(1).uniform(1, 2, (50, 100))
    masks = tasks.ARITHMETIC.masks(4)
    a, b = x @ masks[0], x @ masks[1]
    expected = {
        "add": a + b,
        "sub": a - b,
        "mul": a * b,
        "div": a / b,
        "square": a * a,
        "sqrt": np.sqrt(a),
    }[op]
    np.testing.assert_allclose(tasks.ARITHMETIC.targets(op, x, masks), expected)


def test_addition_is_exactly_solvable():
    # Least squares on the generated data recovers the 0/1/2 weights of a + b.
    task = tasks.ARITHMETIC
    x = np.random.RandomState(2).uniform(1, 2, (400, 100))
    masks = task.masks(5)
    weights, *_ = np.linalg.lstsq(x, task.targets("add", x, masks), rcond=None)
    np.testing.assert_allclose(weights, masks.sum(0), atol=1e-9)


def test_single_module_ranges_are_the_published_ones():
    published = {
        (i, e)
        for t, _, i, e in reference.published_thresholds()
        if t == "single_module"
    }
    ours = {(str(i), str(e)) for i, e in tasks.SINGLE_MODULE.ranges}
    assert ours == published


def test_validate():
    task = tasks.ARITHMETIC
    default = task.ranges[0]
    task.validate("sqrt", *default)
    with pytest.raises(ValueError, match="op='pow'"):
        task.validate("pow", *default)
    with pytest.raises(ValueError, match="sqrt needs positive"):
        task.validate("sqrt", *task.ranges[1])
    with pytest.raises(ValueError, match="single_module"):
        tasks.SINGLE_MODULE.validate("square", *default)


def test_unknown_task():
    with pytest.raises(ValueError, match="Accepted: arithmetic, single_module"):
        tasks.get_task("sequential")


def test_evaluation_inputs_are_shared_and_fixed():
    data_range = tasks.ARITHMETIC.ranges[0][0]
    first = tasks.evaluation_inputs(tasks.ARITHMETIC, data_range, tasks.VALIDATION_SEED)
    again = tasks.evaluation_inputs(tasks.ARITHMETIC, data_range, tasks.VALIDATION_SEED)
    assert first.shape == (10_000, 100)
    np.testing.assert_array_equal(first, again)
