import pytest

from arithnet.bench import reference, tasks, thresholds


@pytest.mark.parametrize("key", sorted(reference.published_thresholds()), ids="-".join)
def test_simulation_matches_published_threshold(key):
    task_name, op, _, extrapolation = key
    published = reference.published_thresholds()[key]
    task = tasks.get_task(task_name)
    simulated = thresholds.simulate_threshold(
        task, op, tasks.Range.parse(extrapolation), samples=200_000
    )
    # 2e5 Monte Carlo samples: agreement within a few percent.
    assert simulated == pytest.approx(published, rel=0.03)


def test_threshold_grows_with_epsilon():
    task, op = tasks.ARITHMETIC, "mul"
    extrapolation = tasks.Range.parse("U[2;6]")
    small = thresholds.simulate_threshold(task, op, extrapolation, 1e-5, 20_000)
    large = thresholds.simulate_threshold(task, op, extrapolation, 1e-4, 20_000)
    # The error is linear in epsilon, the MSE quadratic.
    assert large / small == pytest.approx(100, rel=0.01)


def test_single_module_has_no_square():
    with pytest.raises(ValueError, match="op='square'"):
        thresholds.simulate_threshold(
            tasks.SINGLE_MODULE, "square", tasks.Range.parse("U[2;6]"), samples=10
        )
