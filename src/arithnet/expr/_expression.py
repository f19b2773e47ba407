"""The public `Expression`: a parsed, validated arithmetic expression."""

from __future__ import annotations

import dataclasses
import functools
import math
import random
from collections.abc import Collection, Mapping
from fractions import Fraction

import numpy as np

from arithnet.expr import _columns, _nodes, _parser, _scalar, _structure
from arithnet.expr._structure import Structure

_EVERYWHERE = "division by zero, the root of a negative number or 0 to a negative power"


@dataclasses.dataclass(frozen=True, repr=False)
class Expression:
    """An arithmetic expression of named integer inputs.

    Build one with `parse`; `Expression(tree)` also works for trees built in
    code, and gives them canonical text. Two expressions are equal when their
    trees are; use `equivalent` for equality as functions.

    Example:
        >>> e = parse("(a+b) * (a-b)")
        >>> e.text, e.inputs, e.evaluate({"a": 5, "b": 3})
        ('(a + b)*(a - b)', ('a', 'b'), 16)

    Attributes:
        tree: The root node (`Input`, `Const`, `Add`, `Sub`, `Mul`, `Div`,
            `Pow`, `Sqrt` or `Neg`).
        text: The canonical text; parsing it gives back the same tree.
        inputs: The input names, sorted.
    """

    tree: _nodes.Node
    text: str = dataclasses.field(init=False, compare=False)
    inputs: tuple[str, ...] = dataclasses.field(init=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.tree, _nodes.Node):
            raise TypeError(
                "An expression is built from a tree of expression nodes. "
                f"Accepted: {', '.join(t.__name__ for t in _nodes.Node.__args__)}. "
                f"Received: tree={self.tree!r}"
            )
        object.__setattr__(self, "text", _nodes.render(self.tree))
        object.__setattr__(self, "inputs", _nodes.input_names(self.tree))

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def is_integer_valued(self) -> bool:
        """Whether every value is an integer, judged from the text alone.

        Conservative: `True` only without `/`, `sqrt` and negative powers, so
        `a*b/b` counts as not integer-valued.
        """
        return not (_nodes.has_division(self.tree) or _nodes.has_sqrt(self.tree))

    def structure(self) -> Structure:
        """The expression's kind, degree and normal form (computed once)."""
        return self._structure

    @functools.cached_property
    def _structure(self) -> Structure:
        return _structure.structure_of(self.tree, self.inputs)

    def evaluate(
        self, values: Mapping[str, int] | Mapping[str, np.ndarray]
    ) -> int | Fraction | float | np.ndarray:
        """The exact value at one point, or at every row of integer arrays.

        Sums, products, quotients and integer powers are exact; `sqrt` is
        exact for squares of rationals, and otherwise rounded to the nearest
        float from 60 significant digits.

        Args:
            values: One integer per input (extra names are ignored), or one
                integer array per input, all of the same length.

        Returns:
            For integers, an `int`, a `Fraction` in lowest terms or a `float`.
            For arrays, a `(rows,)` object array of those, with `None` in rows
            outside the domain; this is a row-by-row loop, so prefer
            `evaluate_many` for large inputs.

        Raises:
            ValueError: If an input is missing, or if the point is outside
                the domain (division by zero, the root of a negative number,
                0 to a negative power).
            TypeError: If a value is not an integer.
        """
        check_inputs(self, values, extra=True)
        if any(np.ndim(values[name]) for name in self.inputs):
            return self._evaluate_rows(values)
        point = {name: _integer(name, values[name]) for name in self.inputs}
        try:
            return _scalar.exact_or_float(_scalar.evaluate(self.tree, point))
        except _scalar.Undefined as reason:
            shown = ", ".join(f"{k}={v}" for k, v in point.items())
            raise ValueError(
                f"Expression {self.text!r} is undefined here ({reason}). "
                f"Accepted: points inside its domain. Received: {shown}"
            ) from None

    def _evaluate_rows(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        columns, rows = _int_columns(self, values)
        results = np.empty(rows, dtype=object)
        for row in range(rows):
            point = {name: int(columns[name][row]) for name in self.inputs}
            try:
                results[row] = _scalar.exact_or_float(
                    _scalar.evaluate(self.tree, point)
                )
            except _scalar.Undefined:
                results[row] = None
        return results

    def evaluate_many(
        self, columns: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectorized exact evaluation over rows of integer inputs.

        Args:
            columns: One `(rows,)` integer array per input (any integer
                dtype, or object arrays of Python ints); extra names are
                ignored.

        Returns:
            `(values, valid)`. `values` has shape `(rows,)`: int64 for
            integer-valued expressions (object arrays of Python ints where a
            value passes int64), and otherwise float64 holding the exact
            value rounded once, with NaN where undefined. `valid` is the
            `(rows,)` bool mask of rows inside the domain.

        Raises:
            ValueError: If an input is missing or the columns differ in shape.
            TypeError: If a column does not hold integers.
        """
        check_inputs(self, columns, extra=True)
        arrays, rows = _int_columns(self, columns)
        return _columns.evaluate_columns(
            self.tree, arrays, rows, self.is_integer_valued()
        )


def parse(text: str) -> Expression:
    """Parses arithmetic expression text; the text is never evaluated.

    Accepted: integer constants, input names (lowercase letters, digits and
    `_`, starting with a letter, other than `sqrt`), `+ - * /`, `**` with an
    integer constant exponent between -8 and 8, unary `-` and `+`, `sqrt(x)`
    and parentheses. Limits keep every accepted expression cheap: at most 500
    characters, 100 levels of nesting, a degree bound of 64 and constants
    growing to at most 65536 bits.

    Args:
        text: The expression, e.g. `"a*b"` or `"sqrt(a**2 + b**2)"`.

    Returns:
        The parsed expression.

    Raises:
        TypeError: If `text` is not a string.
        ValueError: If the text is not an accepted expression, has no inputs,
            or divides by something that is zero for every input (`a/(b-b)`).
            The message is one line: what is wrong, what is accepted and
            `Received: expr='...'`.
    """
    expression = Expression(_parser.parse_tree(text))
    form = expression.structure()
    if form.denominator is not None and not form.denominator:
        raise _parser.input_error(
            "Expression divides by zero for every input (a divisor is "
            "identically zero)",
            text,
        )
    return expression


def check_inputs(
    expression: Expression, names: Collection[str], extra: bool = False
) -> None:
    """Checks that values were given for exactly the expression's inputs.

    Args:
        expression: The expression.
        names: The names given (a mapping's keys count as its names).
        extra: Whether names the expression does not use are allowed.

    Raises:
        ValueError: If an input is missing, or (unless `extra`) a name is not
            an input of the expression.
    """
    given = set(names)
    missing = [name for name in expression.inputs if name not in given]
    unknown = sorted(str(name) for name in given - set(expression.inputs))
    problems = []
    if missing:
        problems.append(f"missing values for {', '.join(missing)}")
    if unknown and not extra:
        problems.append(f"unknown inputs {', '.join(unknown)}")
    if problems:
        raise ValueError(
            f"Inputs do not match {expression.text!r}: {'; '.join(problems)}. "
            f"Accepted: {', '.join(expression.inputs) or 'no inputs'}. "
            f"Received: names={sorted(map(str, given))}"
        )


def check_domain(
    expression: Expression,
    ranges: Mapping[str, tuple[int, int]],
    samples: int = 4096,
    seed: int = 0,
) -> float:
    """The share of a box of inputs inside the expression's domain.

    Every point is checked when the box holds at most `samples` points, and
    otherwise `samples` points drawn uniformly.

    Args:
        expression: The expression.
        ranges: A half-open integer range `(lo, hi)` per input; extra names
            are ignored.
        samples: The most points to evaluate.
        seed: The seed of the drawn points.

    Returns:
        The fraction of checked points where the expression is defined.

    Raises:
        ValueError: If a range is missing or empty, or if the expression is
            undefined at every checked point (`a/b` with `b` in `0:1`).
    """
    check_inputs(expression, ranges, extra=True)
    for name in expression.inputs:
        lo, hi = ranges[name]
        if not lo < hi:
            raise ValueError(
                f"The range of {name} is empty. Accepted: (lo, hi) with lo < hi. "
                f"Received: {name}=({lo}, {hi})"
            )

    box = {name: ranges[name] for name in expression.inputs}
    valid = expression.evaluate_many(_points(box, samples, seed))[1]
    if not valid.any():
        shown = ", ".join(f"{k}={lo}:{hi}" for k, (lo, hi) in box.items())
        raise ValueError(
            f"Expression {expression.text!r} is undefined on all of its ranges "
            f"({_EVERYWHERE}). Accepted: ranges where it has values. "
            f"Received: {shown}"
        )
    return float(valid.mean())


def _points(
    box: Mapping[str, tuple[int, int]], samples: int, seed: int
) -> dict[str, np.ndarray]:
    if math.prod(hi - lo for lo, hi in box.values()) <= samples:
        axes = [np.arange(lo, hi, dtype=object) for lo, hi in box.values()]
        grid = np.meshgrid(*axes, indexing="ij")  # One axis per input.
        return {name: g.ravel() for name, g in zip(box, grid, strict=True)}

    # Python's randrange is exact for ranges of any size.
    draw = random.Random(seed)
    return {
        name: _objects([draw.randrange(lo, hi) for _ in range(samples)])
        for name, (lo, hi) in box.items()
    }


def _objects(values: list[int]) -> np.ndarray:
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column


def _integer(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(
            f"Input values must be integers. Accepted: int. Received: {name}={value!r}"
        )
    return int(value)


def _int_columns(
    expression: Expression, columns: Mapping[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], int]:
    arrays = {name: _int_column(name, columns[name]) for name in expression.inputs}
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(
            "Input columns must have the same length. Accepted: equal lengths. "
            f"Received: lengths={lengths}"
        )
    if lengths:
        return arrays, next(iter(lengths.values()))
    return arrays, max((len(np.atleast_1d(c)) for c in columns.values()), default=1)


def _int_column(name: str, values: np.ndarray) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(
            "Input columns must be one-dimensional. Accepted: arrays of shape "
            f"(rows,). Received: {name} of shape {array.shape}"
        )
    if array.dtype.kind == "i":
        return array.astype(np.int64)
    if array.dtype.kind == "O" or array.dtype.kind == "u":
        items = [_integer(name, v) for v in array.tolist()]
        if all(abs(v) <= _columns.INT64_MAX for v in items):
            return np.array(items, dtype=np.int64)
        return _objects(items)
    raise TypeError(
        "Input columns must hold integers. Accepted: integer arrays or object "
        f"arrays of Python ints. Received: {name} of dtype {array.dtype}"
    )
