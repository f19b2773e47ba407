"""Exact evaluation of a tree at one point.

Sums, products, quotients and integer powers are exact (`int` and
`fractions.Fraction`). A square root is exact when its operand is the square
of a rational; otherwise it, and everything computed from it, continues in
`decimal.Decimal` with `PRECISION` significant digits.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from arithnet.expr import _nodes

PRECISION = 60
"""Significant decimal digits kept once a square root is irrational."""

CONTEXT = decimal.Context(prec=PRECISION, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
"""The `decimal` context of every inexact step (wide exponents, no overflow)."""

Value = int | Fraction | Decimal

_SQRT_DIGITS = PRECISION + 2
_SQRT_SCALE = 10 ** (2 * _SQRT_DIGITS)


class Undefined(Exception):
    """The point lies outside the expression's domain; `str()` says why."""


def evaluate(node: _nodes.Node, values: Mapping[str, int]) -> Value:
    """The value of `node` where each input takes `values[name]`.

    Raises:
        Undefined: On division by zero, the root of a negative number or
            zero to a negative power.
    """
    with decimal.localcontext(CONTEXT):
        return Evaluator(values).value(node)


def exact_or_float(value: Value) -> int | Fraction | float:
    """`Decimal` results as the nearest float; exact ones unchanged."""
    return to_float(value) if isinstance(value, Decimal) else value


def to_float(value: Value) -> float:
    """The float nearest to `value`, or an infinity past the float range."""
    try:
        return float(value)  # Rounds once, for int, Fraction and Decimal.
    except OverflowError:
        return math.inf if value > 0 else -math.inf


class Evaluator:
    """Evaluates trees at one point, noting the largest magnitude it met.

    Must run inside `decimal.localcontext(CONTEXT)`.
    """

    def __init__(self, values: Mapping[str, int]) -> None:
        self.values = values
        self.largest = 0.0

    def value(self, node: _nodes.Node) -> Value:
        result = self._value(node)
        try:
            self.largest = max(self.largest, float(abs(result)))
        except OverflowError:
            self.largest = math.inf
        return result

    def _value(self, node: _nodes.Node) -> Value:
        if isinstance(node, _nodes.Input):
            return self.values[node.name]
        if isinstance(node, _nodes.Const):
            return node.value
        if isinstance(node, _nodes.Neg):
            return negate(self.value(node.operand))
        if isinstance(node, _nodes.Sqrt):
            return sqrt(self.value(node.operand))
        if isinstance(node, _nodes.Pow):
            return power(self.value(node.base), node.exponent)
        operation = OPERATIONS[type(node)]
        return operation(self.value(node.left), self.value(node.right))


def negate(x: Value) -> Value:
    """`-x`."""
    return -x


def add(x: Value, y: Value) -> Value:
    """`x + y`, exact unless one side is a `Decimal`."""
    x, y = _common(x, y)
    return _lowest(x + y)


def subtract(x: Value, y: Value) -> Value:
    """`x - y`, exact unless one side is a `Decimal`."""
    x, y = _common(x, y)
    return _lowest(x - y)


def multiply(x: Value, y: Value) -> Value:
    """`x * y`, exact unless one side is a `Decimal`."""
    x, y = _common(x, y)
    return _lowest(x * y)


def divide(x: Value, y: Value) -> Value:
    """`x / y`, exact unless one side is a `Decimal`.

    Raises:
        Undefined: If `y == 0`.
    """
    if y == 0:
        raise Undefined("division by zero")
    x, y = _common(x, y)
    if isinstance(x, Decimal):
        return x / y
    return _lowest(Fraction(x) / Fraction(y))


def power(base: Value, exponent: int) -> Value:
    """`base ** exponent` for an integer exponent; `0 ** 0 == 1` as in Python.

    Raises:
        Undefined: If `base == 0` and `exponent < 0`.
    """
    if exponent == 0:
        return 1  # Decimal would refuse 0 ** 0.
    if exponent < 0 and base == 0:
        raise Undefined("zero to a negative power")
    if isinstance(base, Decimal) or (isinstance(base, int) and exponent > 0):
        return base**exponent
    return _lowest(Fraction(base) ** exponent)


def sqrt(x: Value) -> Value:
    """The non-negative root: exact for squares of rationals, else `Decimal`.

    Raises:
        Undefined: If `x < 0`.
    """
    if x < 0:
        raise Undefined("square root of a negative number")
    if isinstance(x, Decimal):
        return x.sqrt()
    if isinstance(x, int):
        root = math.isqrt(x)
        return root if root * root == x else _irrational_sqrt(x)
    top, bottom = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if top * top == x.numerator and bottom * bottom == x.denominator:
        return _lowest(Fraction(top, bottom))
    # sqrt(p/q) == sqrt(p*q)/q keeps the root on integers.
    return _irrational_sqrt(x.numerator * x.denominator) / x.denominator


def _irrational_sqrt(n: int) -> Decimal:
    # floor(sqrt(n) * 10**k) from integers alone has at least k correct
    # digits; it is about three times faster than Decimal.sqrt at this
    # precision, and rounds to PRECISION digits once.
    return Decimal(math.isqrt(n * _SQRT_SCALE)).scaleb(-_SQRT_DIGITS)


def to_decimal(x: Value) -> Decimal:
    """`x` as a `Decimal` (rounded to the current context for fractions)."""
    if isinstance(x, Fraction):
        return Decimal(x.numerator) / Decimal(x.denominator)
    return Decimal(x)


OPERATIONS = {
    _nodes.Add: add,
    _nodes.Sub: subtract,
    _nodes.Mul: multiply,
    _nodes.Div: divide,
}
"""The function of each binary node type."""


def _common(x: Value, y: Value) -> tuple[Value, Value]:
    # Decimal refuses to mix with Fraction, so once one side is inexact,
    # both are.
    if isinstance(x, Decimal) or isinstance(y, Decimal):
        return to_decimal(x), to_decimal(y)
    return x, y


def _lowest(x: Value) -> Value:
    if isinstance(x, Fraction) and x.denominator == 1:
        return x.numerator
    return x
