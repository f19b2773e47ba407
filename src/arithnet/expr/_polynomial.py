"""Multivariate polynomials with exact rational coefficients.

Internally a polynomial is a sparse `dict` from monomials to coefficients,
where a monomial is a sorted tuple of `(input name, exponent)` pairs, so that
polynomials over different inputs combine directly. `Polynomial` is the
public, immutable view with dense exponent tuples over named inputs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction

MAX_TERMS = 1000
"""Most terms any intermediate polynomial of an expansion may have."""

Monomial = tuple[tuple[str, int], ...]
Coefficient = int | Fraction
Sparse = dict[Monomial, Coefficient]


class TooManyTerms(Exception):
    """An expansion would pass `MAX_TERMS`; callers fall back or give up."""


def constant(value: Coefficient) -> Sparse:
    """The constant polynomial `value`."""
    return {(): value} if value else {}


def variable(name: str) -> Sparse:
    """The polynomial `name`."""
    return {((name, 1),): 1}


def add(p: Sparse, q: Sparse) -> Sparse:
    """`p + q`."""
    total = dict(p)
    for monomial, coefficient in q.items():
        total[monomial] = total.get(monomial, 0) + coefficient
    return _tidy(total)


def negate(p: Sparse) -> Sparse:
    """`-p`."""
    return {monomial: -coefficient for monomial, coefficient in p.items()}


def multiply(p: Sparse, q: Sparse) -> Sparse:
    """`p * q`.

    Raises:
        TooManyTerms: If the product collects more than `MAX_TERMS` terms.
    """
    product: dict[Monomial, Coefficient] = {}
    for m, c in p.items():
        for n, d in q.items():
            key = _monomial_product(m, n)
            product[key] = product.get(key, 0) + c * d
            if len(product) > MAX_TERMS:
                raise TooManyTerms
    return _tidy(product)


def power(p: Sparse, exponent: int) -> Sparse:
    """`p ** exponent` for a non-negative integer exponent."""
    result = constant(1)
    for _ in range(exponent):
        result = multiply(result, p)
    return result


def scale(p: Sparse, factor: Coefficient) -> Sparse:
    """`factor * p`."""
    return _tidy({m: c * factor for m, c in p.items()})


def common_monomial(p: Sparse, q: Sparse) -> Monomial:
    """The largest monomial dividing every term of `p` and of `q`."""
    terms = list(p) + list(q)
    if not terms:
        return ()
    shared = dict(terms[0])
    for monomial in terms[1:]:
        exponents = dict(monomial)
        shared = {
            name: min(e, exponents[name])
            for name, e in shared.items()
            if name in exponents
        }
    return tuple(sorted(shared.items()))


def divide_monomial(p: Sparse, divisor: Monomial) -> Sparse:
    """`p / divisor` for a monomial dividing every term of `p`."""
    removed = dict(divisor)
    quotient = {}
    for monomial, coefficient in p.items():
        kept = ((n, e - removed.get(n, 0)) for n, e in monomial)
        quotient[tuple((n, e) for n, e in kept if e)] = coefficient
    return quotient


def total_degree(p: Sparse) -> int:
    """The largest total degree of a term; 0 for constants and zero."""
    return max((sum(e for _, e in m) for m in p), default=0)


def _monomial_product(m: Monomial, n: Monomial) -> Monomial:
    exponents = dict(m)
    for name, e in n:
        exponents[name] = exponents.get(name, 0) + e
    return tuple(sorted(exponents.items()))


def _tidy(p: dict[Monomial, Coefficient]) -> Sparse:
    # Drop cancelled terms and keep whole coefficients as plain ints.
    return {m: _simplest(c) for m, c in p.items() if c}


def _simplest(value: Coefficient) -> Coefficient:
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


class Polynomial(Mapping[tuple[int, ...], Coefficient]):
    """An immutable polynomial: a mapping from exponent tuples to coefficients.

    Keys are tuples of exponents, one per input in `inputs` order; values are
    non-zero `int` coefficients, or `fractions.Fraction` where the expression
    divides by a constant.

    Example:
        >>> from arithnet.expr import parse
        >>> poly = parse("(a + b)*(a - b)").structure().polynomial
        >>> dict(poly), str(poly)
        ({(2, 0): 1, (0, 2): -1}, 'a**2 - b**2')

    Args:
        inputs: The input names, one per exponent position.
        terms: Exponent tuples to coefficients; zero coefficients are dropped.
    """

    def __init__(
        self,
        inputs: Sequence[str],
        terms: Mapping[tuple[int, ...], Coefficient],
    ) -> None:
        self._inputs = tuple(inputs)
        for exponents in terms:
            if len(exponents) != len(self._inputs):
                raise ValueError(
                    "Every monomial needs one exponent per input. Accepted: "
                    f"tuples of length {len(self._inputs)}. Received: "
                    f"monomial={exponents!r}"
                )
        self._terms = {tuple(e): _simplest(Fraction(c)) for e, c in terms.items() if c}

    @classmethod
    def from_sparse(cls, p: Sparse, inputs: Sequence[str]) -> Polynomial:
        """Builds the dense view of an internal sparse polynomial."""
        dense = {}
        for monomial, coefficient in p.items():
            exponents = dict(monomial)
            dense[tuple(exponents.get(name, 0) for name in inputs)] = coefficient
        return cls(inputs, dense)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The input names, one per exponent position."""
        return self._inputs

    @property
    def degree(self) -> int:
        """The total degree; 0 for a constant (and for the zero polynomial)."""
        return max((sum(exponents) for exponents in self._terms), default=0)

    def to_sparse(self) -> Sparse:
        """The internal sparse form (monomials keyed by input name)."""
        return {
            tuple((n, e) for n, e in zip(self._inputs, exponents, strict=True) if e): c
            for exponents, c in self._terms.items()
        }

    def __getitem__(self, exponents: tuple[int, ...]) -> Coefficient:
        return self._terms[exponents]

    def __iter__(self) -> Iterator[tuple[int, ...]]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Polynomial):
            return self.to_sparse() == other.to_sparse()
        if isinstance(other, Mapping):
            return dict(self._terms) == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self.to_sparse().items()))

    def __repr__(self) -> str:
        return f"Polynomial({str(self)!r})"

    def __str__(self) -> str:
        """The polynomial as expression text, highest degree first."""
        order = sorted(self._terms, key=lambda e: (-sum(e), tuple(-x for x in e)))
        text = ""
        for exponents in order:
            term, negative = self._term_text(exponents)
            if not text:
                text = "-" + term if negative else term
            else:
                text += (" - " if negative else " + ") + term
        return text or "0"

    def _term_text(self, exponents: tuple[int, ...]) -> tuple[str, bool]:
        coefficient = Fraction(self._terms[exponents])
        factors = [
            name if e == 1 else f"{name}**{e}"
            for name, e in zip(self._inputs, exponents, strict=True)
            if e
        ]
        numerator = abs(coefficient.numerator)
        if numerator != 1 or not factors:
            factors.insert(0, str(numerator))
        text = "*".join(factors)
        if coefficient.denominator != 1:
            text += f"/{coefficient.denominator}"
        return text, coefficient < 0
