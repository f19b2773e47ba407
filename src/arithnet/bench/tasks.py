"""The benchmark tasks, as published.

Two tasks of the neural-arithmetic literature, with their published ranges and
iteration budgets:

- `arithmetic`: the arithmetic dataset task of Madsen & Johansen, "Neural
  Arithmetic Units" (ICLR 2020). 100 inputs; `a` and `b` are the sums of two
  slices of 25 inputs that overlap by 12, at an offset drawn per seed; the
  target is `a op b` (for `square` and `sqrt`, `a**2` and `sqrt(a)`). Networks
  have two layers with a hidden size of 2; 5e6 iterations.
- `single_module`: the single-module task of Mistry, Farrahi & Hare, "A Primer
  for Neural Arithmetic Logic Modules" (JMLR 2022). `t = x1 op x2`, one layer,
  nine interpolation/extrapolation range pairs; 5e4 iterations.

Training samples are drawn fresh every iteration from the interpolation range;
the validation set (interpolation range) and the test set (extrapolation
range) hold 10,000 samples each.
"""

import dataclasses
import re

import numpy as np

OPERATIONS = ("add", "sub", "mul", "div", "square", "sqrt")

# The published code draws its validation and test inputs from these fixed
# NumPy seeds, the same for every run; only the targets differ between seeds.
VALIDATION_SEED = 43953907
TEST_SEED = 8689336
EVALUATION_SIZE = 10_000

_INTERVAL = re.compile(r"^U\[\s*([-+0-9.eE]+)\s*[;,]\s*([-+0-9.eE]+)\s*\]$")


@dataclasses.dataclass(frozen=True)
class Interval:
    """A closed interval `[low, high]` of a uniform distribution."""

    low: float
    high: float


@dataclasses.dataclass(frozen=True)
class Range:
    """A sampling range: `U[low;high]`, or two of them joined by `|`.

    A two-part range draws each input from one part or the other with equal
    probability, as the NALM benchmark samples `U[-6;-2]|U[2;6]`.
    """

    parts: tuple[Interval, ...]

    @classmethod
    def parse(cls, text: str) -> "Range":
        """Reads `"U[1;2]"` or `"U[-6;-2]|U[2;6]"` (`,` works as `;` too).

        Raises:
            ValueError: If the text is not one or two uniform intervals with
                `low < high`.
        """
        pieces = [piece.strip() for piece in str(text).split("|")]
        matches = [_INTERVAL.match(piece) for piece in pieces]
        if len(pieces) > 2 or not all(matches):
            raise ValueError(
                "Malformed range. Accepted: 'U[low;high]' or "
                f"'U[low;high]|U[low;high]'. Received: range={text!r}"
            )
        parts = tuple(Interval(float(m[1]), float(m[2])) for m in matches)
        if any(part.low >= part.high for part in parts):
            raise ValueError(
                f"Empty range. Accepted: low < high. Received: range={text!r}"
            )
        return cls(parts)

    def __str__(self) -> str:
        return "|".join(f"U[{_number(p.low)};{_number(p.high)}]" for p in self.parts)

    @property
    def low(self) -> float:
        return min(part.low for part in self.parts)

    @property
    def high(self) -> float:
        return max(part.high for part in self.parts)

    def sample(self, rng: np.random.RandomState, shape: tuple[int, ...]) -> np.ndarray:
        """Draws float64 inputs of `shape` from this range."""
        draws = [rng.uniform(part.low, part.high, size=shape) for part in self.parts]
        if len(draws) == 1:
            return draws[0]
        choose = rng.randint(2, size=shape)
        return np.where(choose, draws[0], draws[1])


def _number(value: float) -> str:
    return f"{value:g}"


def apply_operation(op: str, a, b):
    """`a op b` on NumPy or JAX arrays (`square` is `a**2`, `sqrt` is `a**0.5`)."""
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / b
    if op == "square":
        return a * a
    if op == "sqrt":
        return a**0.5
    raise ValueError(
        f"Unknown operation. Accepted: {', '.join(OPERATIONS)}. Received: op={op!r}"
    )


@dataclasses.dataclass(frozen=True)
class Task:
    """A published task: its inputs, operations, ranges and budget.

    Attributes:
        name: `"arithmetic"` or `"single_module"`.
        input_size: The number of inputs.
        subset_size: The length of the slices that `a` and `b` sum.
        overlap: How many inputs the two slices share.
        depth: The number of layers of the published networks.
        hidden_size: The width of the hidden layer when `depth` is 2.
        ops: The operations the task was published with.
        iterations: The published number of training iterations.
        ranges: The published (interpolation, extrapolation) pairs; the first
            is the default.
    """

    name: str
    input_size: int
    subset_size: int
    overlap: int
    depth: int
    hidden_size: int
    ops: tuple[str, ...]
    iterations: int
    ranges: tuple[tuple[Range, Range], ...]

    @property
    def span(self) -> int:
        """How many consecutive inputs the two slices cover together."""
        return 2 * self.subset_size - self.overlap

    def offset(self, seed: int) -> int:
        """The first input of slice `a` for `seed` (NumPy `RandomState(seed)`)."""
        rng = np.random.RandomState(seed)
        return int(rng.randint(0, self.input_size - self.span + 1))

    def masks(self, seed: int) -> np.ndarray:
        """0/1 selectors of `a` and `b`, shape `(2, input_size)`."""
        start = self.offset(seed)
        masks = np.zeros((2, self.input_size))
        masks[0, start : start + self.subset_size] = 1.0
        b_start = start + self.subset_size - self.overlap
        masks[1, b_start : b_start + self.subset_size] = 1.0
        return masks

    def targets(self, op: str, x, masks):
        """Targets of inputs `x` `(batch, input_size)` given `masks`; `(batch,)`."""
        ab = x @ masks.T
        return apply_operation(op, ab[..., 0], ab[..., 1])

    def validate(self, op: str, interpolation: Range, extrapolation: Range) -> None:
        """Raises ValueError when `op` is undefined for this task or range."""
        if op not in self.ops:
            raise ValueError(
                f"Operation not in the {self.name} task. Accepted: "
                f"{', '.join(self.ops)}. Received: op={op!r}"
            )
        if op == "sqrt" and min(interpolation.low, extrapolation.low) <= 0:
            raise ValueError(
                "sqrt needs positive inputs. Accepted: ranges above 0. "
                f"Received: interpolation={interpolation}, "
                f"extrapolation={extrapolation}"
            )


def _pairs(*pairs: tuple[str, str]) -> tuple[tuple[Range, Range], ...]:
    return tuple((Range.parse(i), Range.parse(e)) for i, e in pairs)


ARITHMETIC = Task(
    name="arithmetic",
    input_size=100,
    subset_size=25,
    overlap=12,
    depth=2,
    hidden_size=2,
    ops=OPERATIONS,
    iterations=5_000_000,
    ranges=_pairs(
        ("U[1;2]", "U[2;6]"),
        ("U[-2;-1]", "U[-6;-2]"),
        ("U[-2;2]", "U[-6;-2]|U[2;6]"),
        ("U[0;1]", "U[1;5]"),
        ("U[0.1;0.2]", "U[0.2;2]"),
        ("U[1.1;1.2]", "U[1.2;6]"),
        ("U[10;20]", "U[20;40]"),
    ),
)

SINGLE_MODULE = Task(
    name="single_module",
    input_size=2,
    subset_size=1,
    overlap=0,
    depth=1,
    hidden_size=0,
    ops=("add", "sub", "mul", "div"),
    iterations=50_000,
    ranges=_pairs(
        ("U[1;2]", "U[2;6]"),
        ("U[-20;-10]", "U[-40;-20]"),
        ("U[-2;-1]", "U[-6;-2]"),
        ("U[-1.2;-1.1]", "U[-6.1;-1.2]"),
        ("U[-0.2;-0.1]", "U[-2;-0.2]"),
        ("U[-2;2]", "U[-6;-2]|U[2;6]"),
        ("U[0.1;0.2]", "U[0.2;2]"),
        ("U[1.1;1.2]", "U[1.2;6]"),
        ("U[10;20]", "U[20;40]"),
    ),
)

TASKS = {task.name: task for task in (ARITHMETIC, SINGLE_MODULE)}


def get_task(name: str) -> Task:
    """The published task called `name`.

    Raises:
        ValueError: If there is no such task.
    """
    if name not in TASKS:
        raise ValueError(
            f"Unknown task. Accepted: {', '.join(TASKS)}. Received: task={name!r}"
        )
    return TASKS[name]


def evaluation_inputs(task: Task, data_range: Range, seed: int) -> np.ndarray:
    """The fixed evaluation inputs, float64, `(EVALUATION_SIZE, input_size)`."""
    rng = np.random.RandomState(seed)
    return data_range.sample(rng, (EVALUATION_SIZE, task.input_size))
