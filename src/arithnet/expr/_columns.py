"""Exact evaluation of a tree over many rows at once.

Each sub-tree evaluates to one of three column kinds, promoted upward as
needed: whole numbers (`_Ints`), exact quotients kept as numerator and
positive denominator (`_Ratios`), and, from a square root on, an object
array of the values `_scalar` computes (`_Values`). Whole numbers stay in
int64 while a bound on the operands proves the result fits, and move to
object arrays of Python ints otherwise, so no operation ever wraps around.
`_Values` columns apply the very functions of `_scalar` row by row, so both
evaluators give the same results, roots of perfect squares staying exact.
"""

from __future__ import annotations

import dataclasses
import decimal
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from arithnet.expr import _nodes, _scalar

INT64_MAX = 2**63 - 1
_FLOAT_EXACT = 2**53  # Every integer up to here converts to float64 exactly.


@dataclasses.dataclass
class _Ints:
    values: np.ndarray  # (rows,) int64, or object holding Python ints


@dataclasses.dataclass
class _Ratios:
    num: np.ndarray  # (rows,) like _Ints.values
    den: np.ndarray  # (rows,) positive, like _Ints.values


@dataclasses.dataclass
class _Values:
    values: np.ndarray  # (rows,) object: int, Fraction, Decimal, None if undefined


_Column = _Ints | _Ratios | _Values
_RANK = {_Ints: 0, _Ratios: 1, _Values: 2}


def evaluate_columns(
    tree: _nodes.Node,
    columns: dict[str, np.ndarray],
    rows: int,
    integer_valued: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Evaluates a tree on whole columns of inputs.

    Args:
        tree: The expression tree.
        columns: One `(rows,)` int64 or object (Python int) array per input.
        rows: The number of rows.
        integer_valued: Whether to return whole numbers rather than floats.

    Returns:
        `(values, valid)`: `(rows,)` values, int64 (object when a value passes
        int64) if `integer_valued`, else float64 rounded from the exact
        value with NaN outside the domain; and the `(rows,)` bool mask of rows
        inside the domain.
    """
    with decimal.localcontext(_scalar.CONTEXT):
        run = _Run(columns, rows)
        column = run.value(tree)
        if integer_valued and isinstance(column, _Ints):
            return _narrow(column.values), run.valid
        if isinstance(column, _Values):
            run.exclude(np.equal(column.values, None))
        values = _to_float(column)
    values[~run.valid] = np.nan
    return values, run.valid


class _Run:
    """One evaluation: the input columns and the domain mask so far."""

    def __init__(self, columns: dict[str, np.ndarray], rows: int) -> None:
        self.columns = columns
        self.rows = rows
        self.valid = np.ones(rows, dtype=bool)

    def value(self, node: _nodes.Node) -> _Column:
        if isinstance(node, _nodes.Input):
            return _Ints(self.columns[node.name])
        if isinstance(node, _nodes.Const):
            return _Ints(_full(self.rows, node.value))
        if isinstance(node, _nodes.Neg):
            return _negate(self.value(node.operand))
        if isinstance(node, _nodes.Sqrt):
            operand = self.rows_of(self.value(node.operand))
            return _Values(_each(_scalar.sqrt)(operand.values))
        if isinstance(node, _nodes.Pow):
            return self.power(self.value(node.base), node.exponent)

        left, right = self.value(node.left), self.value(node.right)
        if isinstance(left, _Values) or isinstance(right, _Values):
            left, right = self.rows_of(left), self.rows_of(right)
            operation = _each(_scalar.OPERATIONS[type(node)])
            return _Values(operation(left.values, right.values))
        if isinstance(node, _nodes.Div):
            return _multiply(_promote(left, _Ratios), self.reciprocal(right))
        kind = max(type(left), type(right), key=_RANK.__getitem__)
        left, right = _promote(left, kind), _promote(right, kind)
        if isinstance(node, _nodes.Mul):
            return _multiply(left, right)
        if isinstance(node, _nodes.Sub):
            right = _negate(right)
        return _add(left, right)

    def rows_of(self, x: _Column) -> _Values:
        """`x` as exact Python values, with `None` in rows already undefined."""
        if isinstance(x, _Values):
            return x
        if isinstance(x, _Ints):
            values = x.values.tolist()
        else:
            pairs = zip(x.num.tolist(), x.den.tolist(), strict=True)
            values = [n if d == 1 else Fraction(n, d) for n, d in pairs]
        column = _objects(values)
        column[~self.valid] = None
        return _Values(column)

    def reciprocal(self, x: _Ints | _Ratios) -> _Ratios:
        x = _promote(x, _Ratios)
        zero = self.exclude(x.num == 0)
        sign = np.where(x.num < 0, -1, 1)
        num = np.where(zero, 1, x.num)
        return _Ratios(
            _int_op(np.multiply, x.den, sign), _int_op(np.multiply, num, sign)
        )

    def power(self, x: _Column, exponent: int) -> _Column:
        if isinstance(x, _Values):
            return _Values(_each(lambda v: _scalar.power(v, exponent))(x.values))
        if exponent == 0:
            return _Ints(_full(self.rows, 1))  # 0**0 == 1, as in Python.
        if exponent < 0:
            x = self.reciprocal(x)
        result = x
        for _ in range(abs(exponent) - 1):
            result = _multiply(result, x)
        return result

    def exclude(self, rows: np.ndarray) -> np.ndarray:
        """Marks rows outside the domain; returns them as a bool mask."""
        rows = np.asarray(rows, dtype=bool)
        self.valid &= ~rows
        return rows


def _full(rows: int, value: int) -> np.ndarray:
    if abs(value) <= INT64_MAX:
        return np.full(rows, value, dtype=np.int64)
    return _objects([value] * rows)


def _objects(items: list) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _promote(x: _Ints | _Ratios, kind: type) -> _Ints | _Ratios:
    if isinstance(x, kind):
        return x
    return _Ratios(x.values, np.ones(len(x.values), dtype=np.int64))


def _each(operation: Callable[..., _scalar.Value]) -> np.ufunc:
    """`operation` applied row by row, giving `None` where it is undefined."""

    def apply(*values: _scalar.Value | None) -> _scalar.Value | None:
        if any(v is None for v in values):
            return None
        try:
            return operation(*values)
        except _scalar.Undefined:
            return None

    arity = operation.__code__.co_argcount
    return np.frompyfunc(apply, arity, 1)


def _negate(x: _Column) -> _Column:
    if isinstance(x, _Ratios):
        return _Ratios(_int_negate(x.num), x.den)
    if isinstance(x, _Ints):
        return _Ints(_int_negate(x.values))
    return _Values(_each(_scalar.negate)(x.values))


def _add(x: _Column, y: _Column) -> _Column:
    if isinstance(x, _Ints):
        return _Ints(_int_op(np.add, x.values, y.values))
    num = _int_op(
        np.add,
        _int_op(np.multiply, x.num, y.den),
        _int_op(np.multiply, y.num, x.den),
    )
    return _reduce(num, _int_op(np.multiply, x.den, y.den))


def _multiply(x: _Column, y: _Column) -> _Column:
    if isinstance(x, _Ints):
        return _Ints(_int_op(np.multiply, x.values, y.values))
    num = _int_op(np.multiply, x.num, y.num)
    return _reduce(num, _int_op(np.multiply, x.den, y.den))


def _reduce(num: np.ndarray, den: np.ndarray) -> _Ratios:
    num, den = _same_dtype(num, den)
    common = np.gcd(num, den)  # >= 1 because den > 0.
    return _Ratios(_narrow(num // common), _narrow(den // common))


def _int_op(op: np.ufunc, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`op(x, y)` for add or multiply, exact: int64 when provably in range."""
    x, y = _same_dtype(x, y)
    if x.dtype == np.int64:
        if op is np.add:
            bound = _max_abs(x) + _max_abs(y)
        else:
            bound = _max_abs(x) * _max_abs(y)
        if bound > INT64_MAX:
            x, y = x.astype(object), y.astype(object)
    return op(x, y)


def _int_negate(x: np.ndarray) -> np.ndarray:
    if x.dtype == np.int64 and _max_abs(x) > INT64_MAX:
        x = x.astype(object)  # -(-2**63) does not fit.
    return -x


def _same_dtype(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if x.dtype == y.dtype:
        return x, y
    return x.astype(object), y.astype(object)


def _max_abs(x: np.ndarray) -> int:
    if not x.size:
        return 0
    return max(abs(int(x.max())), abs(int(x.min())))


def _narrow(x: np.ndarray) -> np.ndarray:
    if x.dtype == object and _max_abs(x) <= INT64_MAX:
        return x.astype(np.int64)
    return x


def _to_float(column: _Column) -> np.ndarray:
    # Each conversion rounds the exact value once, to the nearest float64.
    if isinstance(column, _Values):
        floats = [np.nan if v is None else _scalar.to_float(v) for v in column.values]
        return np.array(floats, dtype=np.float64)
    if isinstance(column, _Ints):
        column = _promote(column, _Ratios)
    num, den = column.num, column.den
    exact = num.dtype == den.dtype == np.int64
    if exact and max(_max_abs(num), _max_abs(den)) <= _FLOAT_EXACT:
        return num.astype(np.float64) / den.astype(np.float64)
    pairs = zip(num.tolist(), den.tolist(), strict=True)
    floats = [_scalar.to_float(Fraction(n, d)) for n, d in pairs]
    return np.array(floats, dtype=np.float64)
