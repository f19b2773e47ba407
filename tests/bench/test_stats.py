import pytest

from arithnet.bench import reference
from arithnet.bench.stats import wilson_interval


def test_reproduces_every_published_interval():
    # Madsen & Johansen (2020) report 100 seeds per row, rates in percent.
    for row in reference.published_results().values():
        lower, upper = wilson_interval(round(row.success_pct), 100)
        assert 100 * lower == pytest.approx(row.success_lo_pct, abs=0.5)
        assert 100 * upper == pytest.approx(row.success_hi_pct, abs=0.5)


@pytest.mark.parametrize("successes", [0, 1, 12, 24, 25])
def test_contains_the_rate_and_stays_in_unit_interval(successes):
    lower, upper = wilson_interval(successes, 25)
    assert 0.0 <= lower <= successes / 25 <= upper <= 1.0
    assert upper - lower > 0.05


def test_narrows_with_more_trials():
    narrow = wilson_interval(50, 100)
    wide = wilson_interval(5, 10)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]


def test_higher_confidence_is_wider():
    lo95, hi95 = wilson_interval(7, 20, 0.95)
    lo99, hi99 = wilson_interval(7, 20, 0.99)
    assert lo99 < lo95 and hi99 > hi95


@pytest.mark.parametrize(
    "successes, trials, confidence",
    [(3, 0, 0.95), (-1, 5, 0.95), (6, 5, 0.95), (1, 5, 1.0), (1, 5, 0.0)],
)
def test_rejects_bad_input(successes, trials, confidence):
    with pytest.raises(ValueError, match="Received"):
        wilson_interval(successes, trials, confidence)
