"""Integer ranges and exact datasets for the named arithmetic operations.

A range is written ``LO:HI``: the integers ``LO <= x < HI``, negatives allowed.
Inputs are drawn from a range per input, either as the full grid (when it is
small enough) or as seeded random draws. Targets are kept exact: int64, or
Python ints in an object array when a result does not fit int64; real-valued
results (division, square root) are float64, correctly rounded.

Example:

>>> train = parse_range("0:500")
>>> data = make_dataset("mul", train, size=1000, seed=0)
>>> data.x.shape, data.y.dtype
((1000, 2), dtype('int64'))
"""

import dataclasses
import math
import re
from collections.abc import Callable, Sequence

import numpy as np

INT64_LIMIT = 2**63 - 1


@dataclasses.dataclass(frozen=True)
class Range:
    """A half-open range of integers ``lo <= x < hi``.

    Attributes:
        lo: The smallest integer in the range.
        hi: One past the largest integer in the range.
    """

    lo: int
    hi: int

    def __post_init__(self):
        if self.lo >= self.hi:
            raise ValueError(
                "A range must hold at least one integer: LO < HI in LO:HI. "
                f"Received: range={self.lo}:{self.hi}"
            )
        if max(abs(self.lo), abs(self.hi)) > INT64_LIMIT:
            raise ValueError(
                "Range bounds must fit a 64-bit integer, |bound| < 2**63. "
                f"Received: range={self.lo}:{self.hi}"
            )

    @property
    def size(self) -> int:
        """The number of integers in the range."""
        return self.hi - self.lo

    def covers(self, other: "Range") -> bool:
        """Whether every integer of `other` is in this range."""
        return self.lo <= other.lo and other.hi <= self.hi

    def overlaps(self, other: "Range") -> bool:
        """Whether the two ranges share an integer."""
        return self.lo < other.hi and other.lo < self.hi

    def __str__(self) -> str:
        return f"{self.lo}:{self.hi}"


def parse_range(text: str) -> Range:
    """Parses ``LO:HI`` into a `Range`.

    Args:
        text: Two integers separated by a colon, for example ``"-50:50"``.

    Returns:
        The half-open range.

    Raises:
        ValueError: If the text is not two integers or LO >= HI.
    """
    parts = str(text).strip().split(":")
    if len(parts) != 2:
        raise ValueError(
            "A range is written LO:HI with two integers, for example 0:500. "
            f"Received: range={text!r}"
        )
    bounds = []
    for part in parts:
        part = part.strip()
        if not _is_integer_text(part):
            raise ValueError(
                "Range bounds must be integers (digits with an optional sign), "
                f"for example -50:50. Received: range={text!r}"
            )
        bounds.append(int(part))
    return Range(*bounds)


def parse_integer(text: str, name: str = "value") -> int:
    """Parses one integer written in decimal digits with an optional sign.

    Raises:
        ValueError: If the text is not such an integer (``1.5``, ``1e3``,
            ``abc``).
    """
    stripped = str(text).strip()
    # 4300 digits: Python's own limit on converting text to int.
    if not _is_integer_text(stripped, max_digits=4300):
        raise ValueError(
            f"{name} must be an integer. Accepted: decimal digits with an "
            f"optional sign, such as -42. Received: {name}={text!r}"
        )
    return int(stripped)


def _is_integer_text(text: str, max_digits: int = 19) -> bool:
    """Whether `text` is ASCII decimal digits with an optional sign."""
    digits = text[1:] if text[:1] in "+-" else text
    return 0 < len(digits) <= max_digits and digits.isascii() and digits.isdigit()


@dataclasses.dataclass(frozen=True)
class Operation:
    """A named arithmetic operation on integer inputs.

    Attributes:
        name: The operation's name, for example ``"mul"``.
        arity: How many inputs it takes.
        symbol: How the result is written, for example ``"a * b"``.
        integer_valued: Whether every result is an integer.
        compute: Maps integer input columns to results (exact).
        domain: Maps integer input columns to a mask of valid rows.
    """

    name: str
    arity: int
    symbol: str
    integer_valued: bool
    compute: Callable[..., np.ndarray]
    domain: Callable[..., np.ndarray]


def _everywhere(*columns: np.ndarray) -> np.ndarray:
    return np.ones(len(columns[0]), dtype=bool)


def _exact_int(values: list[int]) -> np.ndarray:
    """int64 when every value fits, else an object array of Python ints."""
    if all(-INT64_LIMIT <= v <= INT64_LIMIT for v in values):
        return np.asarray(values, dtype=np.int64).reshape(len(values))
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _binary_exact(fn: Callable[[int, int], int]) -> Callable[..., np.ndarray]:
    def compute(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return _exact_int([fn(int(x), int(y)) for x, y in zip(a, b, strict=True)])

    return compute


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Python's int / int is correctly rounded even past 2**53.
    return np.asarray([int(x) / int(y) for x, y in zip(a, b, strict=True)])


def _square_root(a: np.ndarray) -> np.ndarray:
    # IEEE sqrt is correctly rounded; math.sqrt of a big int rounds it first.
    return np.asarray([math.sqrt(int(x)) for x in a], dtype=np.float64)


OPERATIONS: dict[str, Operation] = {
    "add": Operation(
        "add", 2, "a + b", True, _binary_exact(lambda x, y: x + y), _everywhere
    ),
    "sub": Operation(
        "sub", 2, "a - b", True, _binary_exact(lambda x, y: x - y), _everywhere
    ),
    "mul": Operation(
        "mul", 2, "a * b", True, _binary_exact(lambda x, y: x * y), _everywhere
    ),
    "div": Operation("div", 2, "a / b", False, _divide, lambda a, b: b != 0),
    "square": Operation(
        "square",
        1,
        "a ** 2",
        True,
        lambda a: _exact_int([int(x) ** 2 for x in a]),
        _everywhere,
    ),
    "sqrt": Operation("sqrt", 1, "sqrt(a)", False, _square_root, lambda a: a >= 0),
}


def get_operation(name: str) -> Operation:
    """Looks up a named operation.

    Raises:
        ValueError: If the name is not one of `OPERATIONS`.
    """
    if name not in OPERATIONS:
        raise ValueError(
            f"Unknown operation. Accepted: {', '.join(OPERATIONS)}. "
            f"Received: op={name!r}"
        )
    return OPERATIONS[name]


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Integer inputs with exact targets.

    Attributes:
        x: Inputs of shape `(examples, inputs)`, int64.
        y: Targets of shape `(examples,)`: int64 (object of Python ints past
            int64) for integer results, float64 otherwise.
        name: What the examples are, for example ``"train"``.
        grid: Whether `x` is the full grid of the ranges.
    """

    x: np.ndarray
    y: np.ndarray
    name: str = "train"
    grid: bool = False

    def __len__(self) -> int:
        return len(self.x)


def sample_inputs(
    ranges: list[Range],
    size: int,
    seed: int,
    exclude: list[Range] | None = None,
) -> tuple[np.ndarray, bool]:
    """Draws integer input rows, one column per range.

    When the grid of all combinations holds at most `size` rows it is
    returned whole; otherwise `size` rows are drawn uniformly with a seeded
    generator. Rows inside the box `exclude` (every input inside its range)
    are left out, so extrapolation data never repeats training inputs.

    Args:
        ranges: One range per input column.
        size: The number of rows wanted (the grid may give fewer).
        seed: Seed of the random draw.
        exclude: Optional training ranges whose box is left out.

    Returns:
        `(x, grid)`: int64 rows of shape `(rows, len(ranges))`, and whether
        they are the full grid.

    Raises:
        ValueError: If `size` is not positive or no row lies outside
            `exclude`.
    """
    if size <= 0:
        raise ValueError(f"size must be a positive integer. Received: size={size}")
    if exclude is not None and _box_inside(ranges, exclude):
        raise ValueError(
            "An extrapolation range must reach outside the training range. "
            f"Received: ranges={_fmt(ranges)}, training ranges={_fmt(exclude)}"
        )
    if math.prod(r.size for r in ranges) <= size:
        x = _grid(ranges)
        grid = True
    else:
        x = _draw(ranges, size, seed, exclude)
        grid = False
    if exclude is not None:
        x = x[~_inside(x, exclude)]
    return x, grid


def _fmt(ranges: list[Range]) -> str:
    return ",".join(str(r) for r in ranges)


def _box_inside(ranges: list[Range], box: list[Range]) -> bool:
    return all(b.covers(r) for r, b in zip(ranges, box, strict=True))


def _inside(x: np.ndarray, box: list[Range]) -> np.ndarray:
    mask = np.ones(len(x), dtype=bool)
    for column, r in enumerate(box):
        mask &= (x[:, column] >= r.lo) & (x[:, column] < r.hi)
    return mask


def _grid(ranges: list[Range]) -> np.ndarray:
    axes = [np.arange(r.lo, r.hi, dtype=np.int64) for r in ranges]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.reshape(-1) for m in mesh], axis=1)


def _draw(
    ranges: list[Range], size: int, seed: int, exclude: list[Range] | None
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    columns = [rng.integers(r.lo, r.hi, size=size, dtype=np.int64) for r in ranges]
    x = np.stack(columns, axis=1)
    if exclude is None:
        return x
    # Redraw rows that fell inside the training box until none is left.
    for _ in range(100):
        inside = _inside(x, exclude)
        if not inside.any():
            break
        redraw = [rng.integers(r.lo, r.hi, size=inside.sum()) for r in ranges]
        x[inside] = np.stack(redraw, axis=1)
    return x


def make_dataset(
    op: str,
    ranges: Range | list[Range],
    size: int = 10_000,
    seed: int = 0,
    exclude: Range | list[Range] | None = None,
    name: str = "train",
) -> Dataset:
    """Builds a dataset of a named operation over integer ranges.

    Rows outside the operation's domain (division by zero, square root of a
    negative) are left out.

    Args:
        op: One of `OPERATIONS`.
        ranges: One range shared by all inputs, or one per input.
        size: Rows wanted; the full grid is used when it is no larger.
        seed: Seed of the random draw.
        exclude: Training range(s) whose box is left out (for extrapolation).
        name: A label for reports.

    Returns:
        The dataset with exact targets.

    Raises:
        ValueError: On an unknown operation, a wrong number of ranges, or
            ranges that leave no valid example.
    """
    operation = get_operation(op)
    ranges = _per_input(ranges, operation.arity, "ranges")
    exclude = (
        None if exclude is None else _per_input(exclude, operation.arity, "exclude")
    )

    x, grid = sample_inputs(ranges, size, seed, exclude)
    columns = [x[:, i] for i in range(operation.arity)]
    valid = operation.domain(*columns)
    x = x[valid]
    if len(x) == 0:
        raise ValueError(
            f"The range leaves no valid example for {op} ({operation.symbol}): "
            "every input is outside its domain. Accepted: ranges with at least "
            f"one valid input. Received: ranges={_fmt(ranges)}"
        )

    y = operation.compute(*[x[:, i] for i in range(operation.arity)])
    return Dataset(x=x, y=y, name=name, grid=grid)


def _per_input(ranges: Range | list[Range], arity: int, label: str) -> list[Range]:
    if isinstance(ranges, Range):
        return [ranges] * arity
    ranges = list(ranges)
    if len(ranges) != arity:
        raise ValueError(
            f"Expected one range shared by all inputs or {arity} ranges. "
            f"Received: {label}={_fmt(ranges)}"
        )
    return ranges


def default_extrapolation(train: Range) -> Range:
    """The range just above the training range, as wide again.

    For ``0:500`` this is ``500:1000``.
    """
    return Range(train.hi, train.hi + train.size)


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _named_parts(text: str) -> list[tuple[str | None, Range]]:
    """``0:5`` -> [(None, 0:5)]; ``a=0:5,b=1:2`` -> [("a", 0:5), ("b", 1:2)]."""
    parts = []
    for piece in str(text).split(","):
        name, sep, bounds = piece.partition("=")
        if not sep:
            parts.append((None, parse_range(piece)))
            continue
        name = name.strip()
        if not _NAME.match(name):
            raise ValueError(
                "A per-input range is written NAME=LO:HI, for example b=-50:50. "
                f"Received: range={text!r}"
            )
        parts.append((name, parse_range(bounds)))
    return parts


def parse_input_ranges(
    texts: Sequence[str], inputs: Sequence[str], base: dict | None = None
) -> dict[str, Range]:
    """One range per input from ``LO:HI`` (every input) and ``NAME=LO:HI`` items.

    Named items override a shared one, whatever their order; inputs left
    without a range take theirs from `base`.

    Args:
        texts: Items such as ``["0:500"]``, ``["a=0:500", "b=-50:50"]`` or
            ``["0:10,c=1:2"]`` (commas join items).
        inputs: The expression's input names.
        base: Ranges for inputs the items do not cover, or None.

    Returns:
        A range for every input, in the order of `inputs`.

    Raises:
        ValueError: On malformed text, an unknown input name, two shared
            ranges, a name given twice, or an input left without a range.
    """
    parts = [part for text in texts for part in _named_parts(text)]
    shared = [r for name, r in parts if name is None]
    named = [name for name, _ in parts if name is not None]
    accepted = f"Accepted: LO:HI or NAME=LO:HI with NAME in {', '.join(inputs)}."
    if len(shared) > 1 or len(set(named)) != len(named):
        raise ValueError(
            f"Give one shared range and at most one range per input. {accepted} "
            f"Received: {', '.join(map(str, texts))}"
        )
    unknown = sorted(set(named) - set(inputs))
    if unknown:
        raise ValueError(
            f"Range for an input the expression does not have. {accepted} "
            f"Received: {', '.join(unknown)}"
        )
    given = dict(base or {})
    given.update(dict.fromkeys(inputs, shared[0]) if shared else {})
    given.update({name: r for name, r in parts if name is not None})
    missing = [n for n in inputs if n not in given]
    if missing:
        raise ValueError(
            f"No range for input {', '.join(missing)}. {accepted} "
            f"Received: {', '.join(map(str, texts)) or 'no range'}"
        )
    return {n: given[n] for n in inputs}
