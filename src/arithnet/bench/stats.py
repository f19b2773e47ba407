"""Success-rate statistics: the Wilson score interval.

The field reports a unit's success rate over many seeds with a 95 % Wilson
score interval (Wilson, 1927), as Madsen & Johansen (2020) do with R's
`binom.confint(..., method="wilson")`.
"""

import math
import statistics


def wilson_interval(
    successes: int, trials: int, confidence: float = 0.95
) -> tuple[float, float]:
    """The Wilson score interval of a binomial success rate.

    With `p = successes / trials`, `n = trials` and `z` the two-sided normal
    quantile of `confidence`:

        center = (p + z**2 / (2 n)) / (1 + z**2 / n)
        half = z / (1 + z**2 / n) * sqrt(p (1 - p) / n + z**2 / (4 n**2))

    Unlike the normal (Wald) interval it stays inside [0, 1] and is not empty
    at 0 or `n` successes, which matters for units that never or always
    succeed.

    Args:
        successes: The number of successful runs.
        trials: The number of runs, at least 1.
        confidence: The coverage of the interval, in (0, 1).

    Returns:
        The lower and upper bound, as fractions in [0, 1].

    Raises:
        ValueError: If the counts or the confidence are out of range.

    Example:

    >>> lo, hi = wilson_interval(98, 100)
    >>> round(lo, 2), round(hi, 2)
    (0.93, 0.99)
    """
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(
            "Counts out of range. Accepted: trials >= 1 and "
            f"0 <= successes <= trials. Received: successes={successes}, "
            f"trials={trials}"
        )
    if not 0 < confidence < 1:
        raise ValueError(
            "Confidence out of range. Accepted: a number in (0, 1). "
            f"Received: confidence={confidence}"
        )

    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / trials
    z2n = z * z / trials
    center = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / trials + z2n / (4 * trials))
    return max(0.0, center - half), min(1.0, center + half)
