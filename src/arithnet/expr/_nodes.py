"""The expression tree: small immutable nodes and their canonical text."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

# Precedence levels used for rendering, loosest first. They mirror Python's
# grammar so that the canonical text parses back to the same tree.
_SUM, _TERM, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5


@dataclasses.dataclass(frozen=True, slots=True)
class Input:
    """A named integer input such as `a`."""

    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class Const:
    """An integer constant."""

    value: int


@dataclasses.dataclass(frozen=True, slots=True)
class Add:
    """`left + right`."""

    left: Node
    right: Node


@dataclasses.dataclass(frozen=True, slots=True)
class Sub:
    """`left - right`."""

    left: Node
    right: Node


@dataclasses.dataclass(frozen=True, slots=True)
class Mul:
    """`left * right`."""

    left: Node
    right: Node


@dataclasses.dataclass(frozen=True, slots=True)
class Div:
    """`left / right`: exact (true) division, undefined where `right == 0`."""

    left: Node
    right: Node


@dataclasses.dataclass(frozen=True, slots=True)
class Pow:
    """`base ** exponent` with an integer constant exponent.

    A negative exponent means `1 / base ** -exponent`, undefined where
    `base == 0`; `0 ** 0` is 1, as in Python.
    """

    base: Node
    exponent: int


@dataclasses.dataclass(frozen=True, slots=True)
class Sqrt:
    """`sqrt(operand)`: the non-negative root, undefined where `operand < 0`."""

    operand: Node


@dataclasses.dataclass(frozen=True, slots=True)
class Neg:
    """`-operand`."""

    operand: Node


Node = Input | Const | Add | Sub | Mul | Div | Pow | Sqrt | Neg
BINARY = (Add, Sub, Mul, Div)
_SYMBOLS = {Add: " + ", Sub: " - ", Mul: "*", Div: "/"}
_LEVELS = {Add: _SUM, Sub: _SUM, Mul: _TERM, Div: _TERM}


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-trees of `node`, left to right."""
    if isinstance(node, BINARY):
        return (node.left, node.right)
    if isinstance(node, Pow):
        return (node.base,)
    if isinstance(node, Sqrt | Neg):
        return (node.operand,)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children (no recursion)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def input_names(node: Node) -> tuple[str, ...]:
    """The distinct input names of the tree, sorted."""
    return tuple(sorted({n.name for n in walk(node) if isinstance(n, Input)}))


def has_division(node: Node) -> bool:
    """Whether the tree divides: a `/` or a negative power."""
    return any(
        isinstance(n, Div) or (isinstance(n, Pow) and n.exponent < 0)
        for n in walk(node)
    )


def has_sqrt(node: Node) -> bool:
    """Whether the tree takes a square root."""
    return any(isinstance(n, Sqrt) for n in walk(node))


def depth(node: Node) -> int:
    """The number of nodes on the longest root-to-leaf path."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(current))
    return deepest


def degree_bound(node: Node) -> int:
    """An upper bound on the total degree in the inputs.

    Sums take the larger degree, products and quotients add degrees, powers
    multiply by the exponent's size and roots keep the degree (a bound, not
    the exact degree, because terms may cancel).
    """
    if isinstance(node, Input):
        return 1
    if isinstance(node, Const):
        return 0
    if isinstance(node, Add | Sub):
        return max(degree_bound(node.left), degree_bound(node.right))
    if isinstance(node, Mul | Div):
        return degree_bound(node.left) + degree_bound(node.right)
    if isinstance(node, Pow):
        return degree_bound(node.base) * abs(node.exponent)
    return degree_bound(node.operand)


def constant_bits(node: Node) -> int:
    """An upper bound on the bits the constants alone can grow to."""
    if isinstance(node, Input):
        return 0
    if isinstance(node, Const):
        return abs(node.value).bit_length()
    if isinstance(node, Add | Sub):
        return max(constant_bits(node.left), constant_bits(node.right)) + 1
    if isinstance(node, Mul | Div):
        return constant_bits(node.left) + constant_bits(node.right)
    if isinstance(node, Pow):
        return constant_bits(node.base) * abs(node.exponent)
    return constant_bits(node.operand)


def render(node: Node) -> str:
    """The canonical text of a tree.

    Binary operators are written `a + b`, `a - b`, `a*b`, `a/b` and powers
    `a**2`; parentheses appear only where Python's grammar needs them, so
    parsing the text gives back the same tree.
    """
    return _render(node)[0]


def _render(node: Node) -> tuple[str, int]:
    if isinstance(node, Input):
        return node.name, _ATOM
    if isinstance(node, Const):
        return str(node.value), _ATOM if node.value >= 0 else _UNARY
    if isinstance(node, Sqrt):
        return f"sqrt({_render(node.operand)[0]})", _ATOM
    if isinstance(node, Neg):
        return "-" + _wrap(node.operand, _UNARY), _UNARY
    if isinstance(node, Pow):
        return f"{_wrap(node.base, _ATOM)}**{node.exponent}", _POWER

    # Python's binary operators group to the left, so a right operand of the
    # same level keeps its parentheses: a - (b - c), a*(b*c).
    level = _LEVELS[type(node)]
    left = _wrap(node.left, level)
    right = _wrap(node.right, level + 1)
    return left + _SYMBOLS[type(node)] + right, level


def _wrap(node: Node, level: int) -> str:
    text, own = _render(node)
    return text if own >= level else f"({text})"
