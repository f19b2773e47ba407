"""Whether two expressions are the same function."""

from __future__ import annotations

import decimal
import random
from decimal import Decimal

from arithnet.expr import _polynomial as poly
from arithnet.expr import _scalar
from arithnet.expr._expression import Expression

TIERS = ((-12, 12), (0, 40), (-1000, 1000), (-(10**9), 10**9))
"""Ranges of the random integer points, small first: small points expose
differences that large intermediate values would hide."""

POINTS_PER_TIER = 32
MIN_COMMON_POINTS = 16
"""Fewer points where both are defined than this, and we do not claim
equivalence."""

_TOLERANCE = Decimal("1e-40")  # Relative to the largest intermediate value.


def equivalent(x: Expression, y: Expression) -> bool:
    """Whether two expressions define the same function.

    Without `sqrt`, both are brought to rational normal form (a quotient of
    expanded polynomials) and compared exactly by cross-multiplication:
    `n1 * d2 == n2 * d1`. Differences of domain are ignored there, so `a*b/b`
    is equivalent to `a`.

    With `sqrt`, or when an expansion would pass `MAX_TERMS` terms, both are
    evaluated at 128 seeded random integer points (small to large), exactly
    or with 60 significant digits after an irrational root, and must agree
    at every point where both are defined (relative to the largest
    intermediate value, within 1e-40). This is a probabilistic check: it
    never rejects equivalent expressions, and it accepts different ones only
    if they agree on all sampled points; with fewer than 16 points where
    both are defined, it answers `False`.

    Args:
        x: An expression.
        y: Another expression; the inputs may differ (`a + b - b` and `a`).

    Returns:
        Whether `x` and `y` are equivalent.
    """
    if x.tree == y.tree:
        return True
    fx, fy = x.structure(), y.structure()
    if fx.numerator is not None and fy.numerator is not None:
        n1, d1 = fx.numerator.to_sparse(), fx.denominator.to_sparse()
        n2, d2 = fy.numerator.to_sparse(), fy.denominator.to_sparse()
        if d1 and d2:
            try:
                return poly.multiply(n1, d2) == poly.multiply(n2, d1)
            except poly.TooManyTerms:
                pass
    return _agree_at_points(x, y)


def sample_points(names: list[str]) -> list[dict[str, int]]:
    """The seeded points at which `equivalent` compares, tier by tier."""
    draw = random.Random(0)
    return [
        {name: draw.randint(lo, hi) for name in names}
        for lo, hi in TIERS
        for _ in range(POINTS_PER_TIER)
    ]


def _agree_at_points(x: Expression, y: Expression) -> bool:
    common = 0
    for point in sample_points(sorted(set(x.inputs) | set(y.inputs))):
        u, v = _value_at(x, point), _value_at(y, point)
        if u is None or v is None:
            continue
        if not _close(u, v):
            return False
        common += 1
    return common >= MIN_COMMON_POINTS


def _value_at(
    expression: Expression, point: dict[str, int]
) -> tuple[_scalar.Value, float] | None:
    with decimal.localcontext(_scalar.CONTEXT):
        evaluator = _scalar.Evaluator(point)
        try:
            return evaluator.value(expression.tree), evaluator.largest
        except _scalar.Undefined:
            return None


def _close(u: tuple[_scalar.Value, float], v: tuple[_scalar.Value, float]) -> bool:
    (a, scale_a), (b, scale_b) = u, v
    if not isinstance(a, Decimal) and not isinstance(b, Decimal):
        return a == b
    with decimal.localcontext(_scalar.CONTEXT):
        difference = abs(_scalar.to_decimal(a) - _scalar.to_decimal(b))
        return difference <= Decimal(max(scale_a, scale_b)) * _TOLERANCE
