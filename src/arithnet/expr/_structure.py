"""What kind of function an expression is: its normal form and shape."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Literal

from arithnet.expr import _nodes
from arithnet.expr import _polynomial as poly
from arithnet.expr._polynomial import Polynomial

Kind = Literal["linear", "product", "rational", "root", "mixed"]
Rational = tuple[poly.Sparse, poly.Sparse]
"""A rational function as `(numerator, denominator)` sparse polynomials."""

_ONE = poly.constant(1)


@dataclasses.dataclass(frozen=True)
class Structure:
    """The shape of an expression, for choosing a model and reading results.

    Attributes:
        kind: `"linear"` for a polynomial of degree at most 1 (`a + 2*b`,
            `a/2`); `"product"` for a polynomial of higher degree (`a*b`,
            `a**2 - b**2`, `a*b + c`); `"rational"` for a quotient of
            polynomials that does not reduce to one (`a/b`, `a**-1`);
            `"root"` for anything with `sqrt` and no division; `"mixed"` for
            `sqrt` together with division.
        degree: The total degree of the expanded polynomial, or `None` when
            the expression is not a polynomial or too large to expand.
        has_division: Whether the text divides (`/` or a negative power),
            even where the division cancels (`a*b/b`).
        has_sqrt: Whether the text takes a square root.
        polynomial: The expanded polynomial when the expression reduces to
            one, e.g. `(a + b)*(a - b)` gives `{(2, 0): 1, (0, 2): -1}`;
            `None` otherwise or when it would pass `MAX_TERMS` terms.
        numerator: The numerator of the rational normal form, or `None` with
            `sqrt` or past `MAX_TERMS` terms.
        denominator: The matching denominator (`1` for polynomials).

    Warning:
        The rational normal form cancels common monomials and constants only
        (`a*b/b` reduces to `a`), not common polynomial factors, so
        `(a**2 - b**2)/(a - b)` stays `"rational"`.
    """

    kind: Kind
    degree: int | None
    has_division: bool
    has_sqrt: bool
    polynomial: Polynomial | None
    numerator: Polynomial | None
    denominator: Polynomial | None


def rational_form(tree: _nodes.Node) -> Rational | None:
    """The tree as a reduced quotient of polynomials.

    Returns:
        `(numerator, denominator)`, or `None` when the tree takes a square root
        or an intermediate expansion passes `MAX_TERMS` terms. A denominator of
        `{}` (the zero polynomial) means the tree divides by something that
        is zero for every input.
    """
    if _nodes.has_sqrt(tree):
        return None
    try:
        return _rational(tree)
    except poly.TooManyTerms:
        return None


def structure_of(tree: _nodes.Node, inputs: tuple[str, ...]) -> Structure:
    """Computes the `Structure` of a tree over the given sorted inputs."""
    division, root = _nodes.has_division(tree), _nodes.has_sqrt(tree)
    form = rational_form(tree)
    numerator = denominator = polynomial = None
    if form is not None:
        numerator = Polynomial.from_sparse(form[0], inputs)
        denominator = Polynomial.from_sparse(form[1], inputs)
        if form[1] == _ONE:
            polynomial = numerator

    degree = polynomial.degree if polynomial is not None else None
    if root:
        kind = "mixed" if division else "root"
    elif polynomial is None and (division or form is not None):
        kind = "rational"
    else:
        # Too large to expand without division: the tree's bound decides.
        bound = degree if degree is not None else _nodes.degree_bound(tree)
        kind = "linear" if bound <= 1 else "product"
    return Structure(kind, degree, division, root, polynomial, numerator, denominator)


def _rational(node: _nodes.Node) -> Rational:
    if isinstance(node, _nodes.Input):
        return poly.variable(node.name), _ONE
    if isinstance(node, _nodes.Const):
        return poly.constant(node.value), _ONE
    if isinstance(node, _nodes.Neg):
        n, d = _rational(node.operand)
        return poly.negate(n), d
    if isinstance(node, _nodes.Pow):
        n, d = _rational(node.base)
        k = abs(node.exponent)
        if node.exponent < 0:
            n, d = d, n
        return _reduce(poly.power(n, k), poly.power(d, k))

    (n1, d1), (n2, d2) = _rational(node.left), _rational(node.right)
    if isinstance(node, _nodes.Mul):
        return _reduce(poly.multiply(n1, n2), poly.multiply(d1, d2))
    if isinstance(node, _nodes.Div):
        return _reduce(poly.multiply(n1, d2), poly.multiply(d1, n2))
    if isinstance(node, _nodes.Sub):
        n2 = poly.negate(n2)
    if d1 == d2:
        return _reduce(poly.add(n1, n2), d1)
    cross = poly.add(poly.multiply(n1, d2), poly.multiply(n2, d1))
    return _reduce(cross, poly.multiply(d1, d2))


def _reduce(n: poly.Sparse, d: poly.Sparse) -> Rational:
    # Cancel what is cheap to find: a shared monomial, equal parts, and a
    # denominator that is a single term.
    if not d:
        return n, d
    if not n:
        return n, _ONE
    if n == d:
        return _ONE, _ONE
    shared = poly.common_monomial(n, d)
    n, d = poly.divide_monomial(n, shared), poly.divide_monomial(d, shared)
    if len(d) == 1 and () in d:
        return poly.scale(n, Fraction(1, d[()])), _ONE
    return n, d
