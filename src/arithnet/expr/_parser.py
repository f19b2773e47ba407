"""Text to expression tree: a whitelist over Python's `ast`; nothing is evaluated.

The text is only tokenized and parsed by `ast.parse`, then every node of the
syntax tree is checked against a short whitelist and converted to the
immutable nodes of `_nodes`. Size limits keep pathological input (deep
nesting, towers of powers, huge constants) from ever reaching an evaluator.
"""

from __future__ import annotations

import ast
import re

from arithnet.expr import _nodes

MAX_LENGTH = 500
"""Most characters an expression may have."""

MAX_DEPTH = 100
"""Most levels of nesting (operators, calls, unary signs) in the syntax tree."""

MAX_EXPONENT = 8
"""Largest accepted `|n|` in `x ** n`."""

MAX_DEGREE = 64
"""Largest accepted degree bound (see `_nodes.degree_bound`)."""

MAX_CONSTANT_BITS = 65536
"""Largest accepted size of the constants' part, in bits."""

ACCEPTED = (
    "integer constants, lowercase input names (a, b, x1, ...), + - * / **, "
    "unary -, sqrt(...) and parentheses"
)

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_SHOWN = 80
_OPERATORS = {
    ast.Add: _nodes.Add,
    ast.Sub: _nodes.Sub,
    ast.Mult: _nodes.Mul,
    ast.Div: _nodes.Div,
}
_REFUSED_OPERATORS = {
    ast.BitXor: "^ is not power; write powers as ** (a**2)",
    ast.FloorDiv: "// (floor division) is not accepted; / divides exactly",
    ast.Mod: "% (remainder) is not accepted",
    ast.MatMult: "@ (matrix product) is not accepted",
    ast.BitAnd: "& is not accepted",
    ast.BitOr: "| is not accepted",
    ast.LShift: "<< is not accepted",
    ast.RShift: ">> is not accepted",
}
_REFUSED_NODES = {
    ast.Compare: "Comparisons are",
    ast.BoolOp: "and/or are",
    ast.Attribute: "Attribute access (x.y) is",
    ast.Subscript: "Indexing (x[i]) is",
    ast.Lambda: "lambda is",
    ast.IfExp: "Conditional expressions are",
    ast.NamedExpr: "Assignment (:=) is",
    ast.Starred: "Starred arguments are",
    ast.JoinedStr: "f-strings are",
}


def input_error(problem: str, text: object) -> ValueError:
    """A one-line `ValueError` in the house shape for a rejected expression.

    Args:
        problem: What is wrong, without a final period.
        text: The expression as received; long text is shortened.

    Returns:
        The error, ready to raise.
    """
    problem = " ".join(problem.split())
    return ValueError(f"{problem}. Accepted: {ACCEPTED}. Received: expr={shown(text)}")


def shown(text: object) -> str:
    """`repr` of user text on one line, shortened past 80 characters."""
    if isinstance(text, str) and len(text) > _SHOWN:
        return f"{text[:_SHOWN]!r}... ({len(text)} characters)"
    return repr(text)


def parse_tree(text: str) -> _nodes.Node:
    """Parses expression text into a validated tree.

    Args:
        text: The expression, e.g. `"(a + b)*(a - b)"`.

    Returns:
        The root node.

    Raises:
        TypeError: If `text` is not a string.
        ValueError: If the text is not an accepted expression; the message is
            one line and names the problem, what is accepted and the text.
    """
    if not isinstance(text, str):
        raise TypeError(
            f"Expression must be a string. Received: expr={shown(text)} "
            f"of type {type(text).__name__}"
        )
    _check_text(text)
    syntax = _syntax_tree(text)
    _check_depth(syntax, text)

    tree = _Converter(text).convert(syntax)
    _check_size(tree, text)
    return tree


def _check_text(text: str) -> None:
    if not text.strip():
        raise input_error("Expression is empty", text)
    if len(text) > MAX_LENGTH:
        raise input_error(
            f"Expression is too long ({len(text)} characters; at most {MAX_LENGTH})",
            text,
        )

    # Only printable ASCII reaches the parser: Python would otherwise
    # normalize look-alike letters, and a `#` would silently cut the text.
    for position, char in enumerate(text):
        if not " " <= char <= "~" or char == "#":
            raise input_error(
                f"Character {char!r} at position {position} is not accepted", text
            )


def _syntax_tree(text: str) -> ast.expr:
    # Leading blanks would read as an indented block.
    body = text.lstrip(" ")
    try:
        return ast.parse(body, mode="eval").body
    except SyntaxError as error:
        column = (error.offset or 0) + len(text) - len(body)
        where = f" at column {column}" if error.offset else ""
        hint = "; powers are written ** (a**2), not ^" if "^" in text else ""
        problem = f"Expression is not valid syntax ({error.msg}{where}){hint}"
    except (ValueError, RecursionError, MemoryError) as error:
        problem = f"Expression cannot be parsed ({type(error).__name__})"
    raise input_error(problem, text)


def _check_depth(syntax: ast.expr, text: str) -> None:
    # Iterative, so that depth itself can never exhaust the call stack.
    deepest = 0
    stack = [(syntax, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            raise input_error(
                f"Expression is nested too deeply (more than {MAX_DEPTH} levels)",
                text,
            )
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))


def _check_size(tree: _nodes.Node, text: str) -> None:
    if not _nodes.input_names(tree):
        raise input_error(
            "Expression has no inputs; use at least one input name such as a", text
        )
    degree = _nodes.degree_bound(tree)
    if degree > MAX_DEGREE:
        raise input_error(
            f"Expression degree is too high (up to {degree}; at most {MAX_DEGREE})",
            text,
        )
    bits = _nodes.constant_bits(tree)
    if bits > MAX_CONSTANT_BITS:
        raise input_error(
            f"Constants grow too large (up to {bits} bits; at most "
            f"{MAX_CONSTANT_BITS})",
            text,
        )


class _Converter:
    """Converts a checked-depth `ast` expression into `_nodes`, or refuses."""

    def __init__(self, text: str) -> None:
        self.text = text

    def refuse(self, problem: str) -> ValueError:
        return input_error(problem, self.text)

    def convert(self, node: ast.expr) -> _nodes.Node:
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Name):
            return _nodes.Input(self.name(node.id))
        if isinstance(node, ast.Constant):
            return _nodes.Const(self.integer(node.value))
        what = _REFUSED_NODES.get(type(node), f"{type(node).__name__} syntax is")
        raise self.refuse(f"{what} not accepted")

    def binary(self, node: ast.BinOp) -> _nodes.Node:
        if isinstance(node.op, ast.Pow):
            return _nodes.Pow(self.convert(node.left), self.exponent(node.right))
        if type(node.op) in _REFUSED_OPERATORS:
            raise self.refuse(_REFUSED_OPERATORS[type(node.op)])
        operator = _OPERATORS[type(node.op)]
        return operator(self.convert(node.left), self.convert(node.right))

    def unary(self, node: ast.UnaryOp) -> _nodes.Node:
        if isinstance(node.op, ast.USub):
            return _nodes.Neg(self.convert(node.operand))
        if isinstance(node.op, ast.UAdd):
            return self.convert(node.operand)
        symbol = "~" if isinstance(node.op, ast.Invert) else "not"
        raise self.refuse(f"Unary {symbol} is not accepted")

    def call(self, node: ast.Call) -> _nodes.Node:
        if not (isinstance(node.func, ast.Name) and node.func.id == "sqrt"):
            callee = shown(ast.unparse(node.func))
            raise self.refuse(
                f"Function calls other than sqrt() are not accepted; got a call "
                f"to {callee}"
            )
        if len(node.args) != 1 or node.keywords:
            raise self.refuse("sqrt() takes exactly one positional argument")
        return _nodes.Sqrt(self.convert(node.args[0]))

    def name(self, name: str) -> str:
        if name == "sqrt":
            raise self.refuse("sqrt is a function; write sqrt(x)")
        if not _NAME.fullmatch(name):
            raise self.refuse(
                f"Input name {name!r} is not accepted; input names are lowercase "
                "letters, digits and _, starting with a letter"
            )
        return name

    def integer(self, value: object) -> int:
        if isinstance(value, bool):
            raise self.refuse(f"The constant {value} is not accepted")
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            raise self.refuse(
                f"Float constants such as {value!r} are not accepted; write "
                "fractions with / (3/2)"
            )
        kind = type(value).__name__
        raise self.refuse(
            f"Constants of type {kind} such as {shown(value)} are not accepted"
        )

    def exponent(self, node: ast.expr) -> int:
        # An exponent is an integer constant under any number of unary signs.
        sign, original = 1, node
        while isinstance(node, ast.UnaryOp) and isinstance(
            node.op, ast.USub | ast.UAdd
        ):
            sign = -sign if isinstance(node.op, ast.USub) else sign
            node = node.operand
        value = node.value if isinstance(node, ast.Constant) else None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.refuse(
                "Exponents must be integer constants, as in a**2 or a**-1; got "
                f"**{shown(ast.unparse(original))}"
            )
        if abs(value) > MAX_EXPONENT:
            raise self.refuse(
                f"Exponent {sign * value} is out of range; exponents must lie "
                f"between -{MAX_EXPONENT} and {MAX_EXPONENT}"
            )
        return sign * value
