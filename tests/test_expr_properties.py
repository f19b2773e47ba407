"""Property-based tests for arithnet.expr: no input ends in a traceback, and
generated expressions round-trip and evaluate like an independent reference."""

import decimal
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

from arithnet.expr import (
    Add,
    Const,
    Div,
    Expression,
    Input,
    Mul,
    Neg,
    Pow,
    Sqrt,
    Sub,
    check_domain,
    equivalent,
    parse,
)
from arithnet.expr._equivalence import MIN_COMMON_POINTS, sample_points

MANY = settings(max_examples=1000, deadline=None)
SOME = settings(max_examples=200, deadline=None)
NAMES = ("a", "b", "c")

# ---------------------------------------------------------------- strategies

TOKENS = (
    "a b c x1 sqrt ( ) + - * / ** ^ ^^ // % 0 1 2 8 9 10 1.5 1e3 True "
    "import os __import__ 'os' , lambda : [ ] if else . # = <"
).split() + [" ", "\n", "\x00", "\u00e9", "\uff41"]

GOOD_TOKENS = "a b c x1 sqrt( ( ) + - * / ** 0 1 2 3 8".split()

expression_like_text = st.one_of(
    st.text(alphabet="abcx1209 +-*/()^.,_sqrt#'\"[]<=!%&@~:;\\\n", max_size=40),
    st.lists(st.sampled_from(TOKENS), max_size=25).map("".join),
    st.lists(st.sampled_from(GOOD_TOKENS), max_size=25).map(" ".join),
    st.text(max_size=80),
    st.deferred(lambda: trees).map(lambda tree: Expression(tree).text),
)

leaves = st.one_of(
    st.sampled_from(NAMES).map(Input),
    st.sampled_from(NAMES).map(Input),
    st.integers(0, 12).map(Const),
)


def _extend(children):
    return st.one_of(
        st.builds(Add, children, children),
        st.builds(Sub, children, children),
        st.builds(Mul, children, children),
        st.builds(Div, children, children),
        st.builds(Pow, children, st.integers(-3, 3)),
        st.builds(Sqrt, children),
        st.builds(Neg, children),
    )


trees = st.recursive(leaves, _extend, max_leaves=10)
values = st.one_of(st.integers(-30, 30), st.integers(-(10**12), 10**12))
points = st.lists(
    st.fixed_dictionaries({name: values for name in NAMES}), min_size=1, max_size=6
)

# ---------------------------------------------------------------- reference


class Undefined(Exception):
    pass


class Ambiguous(Exception):
    """An inexact value too close to a domain boundary to judge."""


class Reference:
    """Fractions exactly; irrational roots with `decimal` at 100 digits."""

    CONTEXT = decimal.Context(prec=100, Emax=10**9, Emin=-(10**9))

    def __init__(self, point):
        self.point = point
        self.scale = 0.0

    def __call__(self, node):
        with decimal.localcontext(self.CONTEXT):
            value = self.value(node)
        try:
            self.scale = max(self.scale, float(abs(value)))
        except OverflowError:
            self.scale = math.inf
        return value

    def value(self, node):
        if isinstance(node, Input):
            return Fraction(self.point[node.name])
        if isinstance(node, Const):
            return Fraction(node.value)
        if isinstance(node, Neg):
            return -self(node.operand)
        if isinstance(node, Sqrt):
            return self.sqrt(self(node.operand))
        if isinstance(node, Pow):
            base = self(node.base)
            if node.exponent == 0:
                return Fraction(1)
            if node.exponent < 0:
                self.check_nonzero(base)
            return base**node.exponent
        x, y = self(node.left), self(node.right)
        if isinstance(x, Decimal) or isinstance(y, Decimal):
            x, y = self.inexact(x), self.inexact(y)
        if isinstance(node, Add):
            return x + y
        if isinstance(node, Sub):
            return x - y
        if isinstance(node, Mul):
            return x * y
        self.check_nonzero(y)
        return x / y

    def sqrt(self, x):
        if isinstance(x, Decimal):
            self.check_nonzero(x)
            if x < 0:
                raise Undefined
            return x.sqrt()
        if x < 0:
            raise Undefined
        top, bottom = math.isqrt(x.numerator), math.isqrt(x.denominator)
        if top * top == x.numerator and bottom * bottom == x.denominator:
            return Fraction(top, bottom)
        return self.inexact(x).sqrt()

    def check_nonzero(self, x):
        if x == 0 and not isinstance(x, Decimal):
            raise Undefined
        if isinstance(x, Decimal) and abs(x) <= Decimal(self.scale) * Decimal("1e-50"):
            raise Ambiguous

    @staticmethod
    def inexact(x):
        if isinstance(x, Fraction):
            return Decimal(x.numerator) / Decimal(x.denominator)
        return x


def reference(tree, point):
    """`(value, scale)`, or `None` where undefined; raises `Ambiguous`."""
    evaluate = Reference(point)
    try:
        return evaluate(tree), evaluate.scale
    except Undefined:
        return None


def as_float(x):
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def agrees(result, expected, scale):
    """Exact results must match exactly; inexact ones to the tolerance."""
    if isinstance(expected, Fraction) and not isinstance(result, float):
        whole = expected.denominator == 1
        return result == expected and type(result) is (int if whole else Fraction)
    if isinstance(expected, Fraction):
        return result == as_float(expected)  # Both rounded once, to nearest.
    tolerance = 1e-40 * scale
    return math.isclose(result, as_float(expected), rel_tol=1e-12, abs_tol=tolerance)


def assert_one_line_error(error):
    message = str(error)
    assert "\n" not in message
    assert "Accepted:" in message
    assert "Received:" in message


# ---------------------------------------------------------------- properties


@MANY
@given(text=expression_like_text, point=st.fixed_dictionaries({"a": values}))
def test_any_text_parses_or_fails_with_one_line(text, point):
    try:
        expression = parse(text)
    except ValueError as error:
        assert_one_line_error(error)
        event("text rejected")
        return

    event("text accepted")
    assert parse(expression.text) == expression
    full_point = {name: point["a"] for name in expression.inputs}
    try:
        expression.evaluate(full_point)
    except ValueError as error:
        assert_one_line_error(error)
    column = np.array([point["a"], 0, 1, -1])
    expression.evaluate_many({name: column for name in expression.inputs})


@MANY
@given(tree=trees, rows=points)
def test_generated_trees_round_trip_and_evaluate_exactly(tree, rows):
    text = Expression(tree).text
    try:
        expression = parse(text)
    except ValueError as error:
        assert_one_line_error(error)
        assert any(
            reason in str(error)
            for reason in ("no inputs", "divides by zero", "degree is too high")
        )
        event("tree rejected")
        return
    assert expression.tree == tree
    event(f"tree accepted: {expression.structure().kind}")

    columns = {
        name: np.array([row[name] for row in rows]) for name in expression.inputs
    }
    many, valid = expression.evaluate_many(columns)
    for index, point in enumerate(rows):
        try:
            expected = reference(tree, point)
        except Ambiguous:
            event("point too close to a domain boundary to judge")
            continue
        if expected is None:
            assert not valid[index]
            assert np.isnan(many[index])
            try:
                expression.evaluate(point)
            except ValueError as error:
                assert_one_line_error(error)
            else:
                raise AssertionError(f"{text} is defined at {point}")
            continue
        value, scale = expected
        assert valid[index]
        result = expression.evaluate(point)
        assert isinstance(value, Decimal) == isinstance(result, float)
        assert agrees(result, value, scale)
        if expression.is_integer_valued():
            assert many[index] == value
        else:
            assert agrees(float(many[index]), value, scale)


@settings(max_examples=100, deadline=None)
@given(left=trees, right=trees, operator=st.sampled_from([Add, Mul]))
def test_commuted_sums_and_products_are_equivalent(left, right, operator):
    try:
        x = parse(Expression(operator(left, right)).text)
    except ValueError:
        return
    y = Expression(operator(right, left))

    # As documented: equivalence is claimed only with enough points where
    # both are defined (a + sqrt(-sqrt(a)) is defined at a == 0 alone).
    defined = 0
    for point in sample_points(list(x.inputs)):
        try:
            x.evaluate(point)
            defined += 1
        except ValueError:
            pass
    enough = defined >= MIN_COMMON_POINTS
    expected = enough or not x.structure().has_sqrt or x.tree == y.tree
    assert equivalent(x, y) == expected
    assert equivalent(y, x) == expected


@SOME
@given(
    tree=trees,
    bounds=st.lists(
        st.tuples(st.integers(-(10**15), 10**15), st.integers(1, 10**6)),
        min_size=3,
        max_size=3,
    ),
)
def test_check_domain_gives_a_share_or_one_line(tree, bounds):
    try:
        expression = parse(Expression(tree).text)
    except ValueError:
        return
    ranges = {
        name: (lo, lo + size) for name, (lo, size) in zip(NAMES, bounds, strict=True)
    }

    try:
        share = check_domain(expression, ranges, samples=256)
    except ValueError as error:
        assert_one_line_error(error)
    else:
        assert 0 < share <= 1
