"""Tests for arithnet.expr: parsing, exact evaluation, structure, equivalence."""

import math
from fractions import Fraction

import numpy as np
import pytest

from arithnet.expr import (
    MAX_LENGTH,
    Add,
    Const,
    Div,
    Expression,
    Input,
    Mul,
    Neg,
    Polynomial,
    Pow,
    Sqrt,
    Sub,
    check_domain,
    check_inputs,
    equivalent,
    parse,
)

# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "canonical", "inputs"),
    [
        ("a*b", "a*b", ("a", "b")),
        ("a + b", "a + b", ("a", "b")),
        ("b - a", "b - a", ("a", "b")),
        ("a/b", "a/b", ("a", "b")),
        ("a**2", "a**2", ("a",)),
        ("a ** -1", "a**-1", ("a",)),
        ("a**(-2)", "a**-2", ("a",)),
        ("a**+3", "a**3", ("a",)),
        ("sqrt(a)", "sqrt(a)", ("a",)),
        ("sqrt( a*b )", "sqrt(a*b)", ("a", "b")),
        ("(a+b)*(a-b)", "(a + b)*(a - b)", ("a", "b")),
        ("((a))", "a", ("a",)),
        ("+a", "a", ("a",)),
        ("-a", "-a", ("a",)),
        ("--a", "--a", ("a",)),
        ("-a**2", "-a**2", ("a",)),
        ("(-a)**2", "(-a)**2", ("a",)),
        ("a - (b - c)", "a - (b - c)", ("a", "b", "c")),
        ("a - b - c", "a - b - c", ("a", "b", "c")),
        ("a*(b*c)", "a*(b*c)", ("a", "b", "c")),
        ("a/(b/c)", "a/(b/c)", ("a", "b", "c")),
        ("-(a*b)", "-(a*b)", ("a", "b")),
        ("a + -b", "a + -b", ("a", "b")),
        ("(a**2)**3", "(a**2)**3", ("a",)),
        ("2*x1 + 3*x10 - x2", "2*x1 + 3*x10 - x2", ("x1", "x10", "x2")),
        ("1_000*a", "1000*a", ("a",)),
        ("  a  ", "a", ("a",)),
        ("a + 0**0", "a + 0**0", ("a",)),
        ("sqrt(sqrt(a))", "sqrt(sqrt(a))", ("a",)),
        ("print*os", "print*os", ("os", "print")),
        ("(a+b+c+d+e+f+g+h)**8", "(a + b + c + d + e + f + g + h)**8", "abcdefgh"),
    ],
)
def test_parse_accepts(text, canonical, inputs):
    expression = parse(text)

    assert expression.text == canonical
    assert str(expression) == canonical
    assert expression.inputs == tuple(inputs)
    assert parse(canonical) == expression


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a*", "not valid syntax"),
        ("import os", "not valid syntax"),
        ("__import__('os')", "other than sqrt() are not accepted"),
        ("a^^b", "powers are written **"),
        ("a^b", "^ is not power"),
        ("2*3", "no inputs"),
        ("7", "no inputs"),
        ("", "empty"),
        ("   ", "empty"),
        ("a/(b-b)", "divides by zero for every input"),
        ("a + 0**-1", "divides by zero for every input"),
        ("1.5*a", "Float constants"),
        ("1e3*a", "Float constants"),
        ("True*a", "The constant True"),
        ("'s'*a", "Constants of type str"),
        ("1j*a", "Constants of type complex"),
        ("a**b", "Exponents must be integer constants"),
        ("a**2**3", "Exponents must be integer constants"),
        ("a**1.5", "Exponents must be integer constants"),
        ("a**9", "out of range"),
        ("a**-9", "out of range"),
        ("((a**8)**8)**8", "degree is too high"),
        ("A*b", "Input name 'A'"),
        ("_a", "Input name '_a'"),
        ("sqrt", "sqrt is a function"),
        ("sqrt(a, b)", "exactly one positional argument"),
        ("sqrt(x=a)", "exactly one positional argument"),
        ("exp(a)", "got a call to 'exp'"),
        ("os.system(a)", "got a call to 'os.system'"),
        ("a.b", "Attribute access"),
        ("a[0]", "Indexing"),
        ("a//b", "floor division"),
        ("a%b", "remainder"),
        ("a<b", "Comparisons"),
        ("a and b", "and/or"),
        ("not a", "Unary not"),
        ("~a", "Unary ~"),
        ("a if b else c", "Conditional"),
        ("lambda: a", "lambda"),
        ("[a]", "List syntax"),
        ("(a, b)", "Tuple syntax"),
        ('f"{a}"', "f-strings"),
        ("a # b", "Character '#'"),
        ("a\nb", "Character '\\n'"),
        ("\uff41*b", "Character"),
        ("(a", "never closed"),
        ("a" * (MAX_LENGTH + 1), "too long"),
        ("-" * 200 + "a", "nested too deeply"),
        ("(" * 210 + "a" + ")" * 210, "too many nested parentheses"),
    ],
)
def test_parse_rejects_with_one_line(text, problem):
    with pytest.raises(ValueError) as caught:
        parse(text)
    message = str(caught.value)

    assert problem in message
    assert "\n" not in message
    assert "Accepted:" in message
    assert "Received: expr=" in message
    assert len(message) < 500


def test_parse_rejects_non_strings():
    with pytest.raises(TypeError, match="must be a string"):
        parse(3)


@pytest.mark.parametrize(
    "tree",
    [
        Neg(Mul(Input("a"), Input("b"))),
        Pow(Neg(Input("a")), 2),
        Neg(Pow(Input("a"), 2)),
        Sub(Input("a"), Sub(Input("b"), Input("c"))),
        Div(Input("a"), Mul(Input("b"), Input("c"))),
        Mul(Neg(Input("a")), Neg(Input("b"))),
        Pow(Pow(Input("a"), 2), -3),
        Add(Sqrt(Div(Input("a"), Const(4))), Neg(Neg(Const(3)))),
    ],
)
def test_canonical_text_round_trips(tree):
    expression = Expression(tree)

    assert parse(expression.text).tree == tree


def test_expression_is_hashable_and_compares_by_tree():
    x, y = parse("a*b"), parse("(a) * (b)")

    assert x == y
    assert hash(x) == hash(y)
    assert len({x, y, parse("b*a")}) == 2
    assert repr(x) == "Expression('a*b')"


def test_expression_rejects_a_non_tree():
    with pytest.raises(TypeError, match="Received: tree='a'"):
        Expression("a")


# ---------------------------------------------------------------- evaluation


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("a*b*c", {"a": 10**6, "b": 10**6, "c": 10**6}, 10**18),
        ("(10**6)*(10**6)*10**6 + a", {"a": 1}, 10**18 + 1),
        ("a**8*b**8", {"a": 10**6, "b": -(10**6)}, 10**96),
        ("a*b + 1", {"a": 2**53, "b": 1}, 2**53 + 1),
        ("a/b", {"a": 6, "b": 4}, Fraction(3, 2)),
        ("a/b", {"a": 6, "b": 3}, 2),
        ("a**-2", {"a": 3}, Fraction(1, 9)),
        ("a**0", {"a": 0}, 1),
        ("sqrt(a)", {"a": 10**40}, 10**20),
        ("sqrt(a*b)", {"a": 4, "b": 9}, 6),
        ("sqrt(a/b)", {"a": 9, "b": 4}, Fraction(3, 2)),
        ("sqrt(a)**2 - a", {"a": 49}, 0),
        ("-a - -b", {"a": 2, "b": 5}, 3),
    ],
)
def test_evaluate_is_exact(text, values, expected):
    result = parse(text).evaluate(values)

    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("sqrt(a)", {"a": 2}, math.sqrt(2)),
        ("sqrt(a/b)", {"a": 2, "b": 3}, math.sqrt(2 / 3)),
        ("sqrt(a)*sqrt(a)", {"a": 2}, 2.0),
        ("sqrt(a + 1) - sqrt(a)", {"a": 10**12}, 4.99999999999875e-07),
    ],
)
def test_evaluate_irrational_roots_to_the_nearest_float(text, values, expected):
    result = parse(text).evaluate(values)

    assert isinstance(result, float)
    assert result == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize(
    ("text", "values", "reason"),
    [
        ("a/b", {"a": 1, "b": 0}, "division by zero"),
        ("sqrt(a)", {"a": -1}, "square root of a negative number"),
        ("a**-1", {"a": 0}, "zero to a negative power"),
        ("a/(sqrt(b) - 2)", {"a": 1, "b": 4}, "division by zero"),
    ],
)
def test_evaluate_outside_the_domain_raises(text, values, reason):
    with pytest.raises(ValueError, match=reason) as caught:
        parse(text).evaluate(values)

    assert "Received: a=" in str(caught.value)


def test_evaluate_checks_inputs():
    with pytest.raises(ValueError, match="missing values for b"):
        parse("a*b").evaluate({"a": 1})
    with pytest.raises(TypeError, match="Received: b=1.5"):
        parse("a*b").evaluate({"a": 1, "b": 1.5})
    with pytest.raises(TypeError, match="Received: b=True"):
        parse("a*b").evaluate({"a": 1, "b": True})

    assert parse("a*b").evaluate({"a": np.int32(3), "b": 4, "c": 5}) == 12


def test_evaluate_on_arrays_gives_exact_rows_and_none_outside():
    result = parse("a/b").evaluate({"a": np.array([1, 2, 3]), "b": np.array([2, 0, 3])})

    assert result.dtype == object
    assert result.tolist() == [Fraction(1, 2), None, 1]


def test_evaluate_many_integer_results_are_int64():
    columns = {"a": np.arange(-5, 5), "b": np.arange(10)}
    values, valid = parse("a*b - 3").evaluate_many(columns)

    assert values.dtype == np.int64
    np.testing.assert_array_equal(values, columns["a"] * columns["b"] - 3)
    assert valid.all()


@pytest.mark.parametrize(
    ("text", "a", "b"),
    [
        ("a*b", 2**40, 2**40),
        ("a + b", 2**62, 2**62),
        ("a - b", -(2**62), 2**62),
        ("a**3", 3 * 10**6, 0),
        ("-a", -(2**63), 0),
        ("a*b*1000000*1000000", 10**6, 10**6),
    ],
)
def test_evaluate_many_moves_past_int64_exactly(text, a, b):
    expression = parse(text)
    columns = {"a": np.array([a, 1], dtype=np.int64), "b": np.array([b, 1])}
    values, _ = expression.evaluate_many(columns)

    assert values.dtype == object
    assert values[0] == expression.evaluate({"a": a, "b": b})
    assert values[1] == expression.evaluate({"a": 1, "b": 1})


def test_evaluate_many_narrows_back_to_int64():
    values, _ = parse("a*a - a*a + 1").evaluate_many({"a": np.array([2**40, 3])})

    assert values.dtype == np.int64
    assert values.tolist() == [1, 1]


def test_evaluate_many_accepts_python_int_columns():
    big = np.array([10**30, -(10**30)], dtype=object)
    values, _ = parse("a*a + 1").evaluate_many({"a": big})

    assert values.tolist() == [10**60 + 1, 10**60 + 1]


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("a/b", [True, True, False, True, True]),
        ("sqrt(b)", [False, False, True, True, True]),
        ("b**-2", [True, True, False, True, True]),
        ("a/(b*b - 1)", [True, False, True, False, True]),
        ("sqrt(b)/(b - 1)", [False, False, True, False, True]),
        ("sqrt(b)**0", [False, False, True, True, True]),
        ("(a/b)/(a/b)", [True, True, False, True, True]),
    ],
)
def test_evaluate_many_masks_the_domain(text, valid):
    columns = {"a": np.array([1, 2, 3, 4, 5]), "b": np.array([-2, -1, 0, 1, 2])}
    values, mask = parse(text).evaluate_many(columns)

    assert values.dtype == np.float64
    assert mask.tolist() == valid
    assert np.isnan(values[~mask]).all()
    assert np.isfinite(values[mask]).all()


@pytest.mark.parametrize(
    "text",
    ["a/b", "(a + b)/(a - b)", "a**-3*b", "sqrt(a*b)", "sqrt(a)/b + a/3", "a/b*b"],
)
def test_evaluate_many_agrees_with_evaluate(text):
    rng = np.random.default_rng(1234)
    columns = {"a": rng.integers(-50, 50, 300), "b": rng.integers(-50, 50, 300)}
    expression = parse(text)
    values, valid = expression.evaluate_many(columns)

    for row in range(300):
        point = {name: int(columns[name][row]) for name in ("a", "b")}
        try:
            expected = float(expression.evaluate(point))
        except ValueError:
            assert not valid[row]
            continue
        assert valid[row]
        assert values[row] == pytest.approx(expected, rel=1e-15, abs=0)


def test_evaluate_many_rounds_quotients_once_past_2_to_53():
    a = np.array([2**60 + 1, 10**30], dtype=object)
    values, _ = parse("a/3").evaluate_many({"a": a})

    assert values.tolist() == [(2**60 + 1) / 3, 10**30 / 3]


def test_evaluate_many_scales_to_many_rows():
    rng = np.random.default_rng(7)
    columns = {"a": rng.integers(0, 500, 100_000), "b": rng.integers(0, 500, 100_000)}
    values, valid = parse("a*b").evaluate_many(columns)

    np.testing.assert_array_equal(values, columns["a"] * columns["b"])
    assert valid.all()


def test_evaluate_many_checks_its_columns():
    expression = parse("a*b")
    with pytest.raises(ValueError, match="missing values for b"):
        expression.evaluate_many({"a": np.arange(3)})
    with pytest.raises(ValueError, match="same length"):
        expression.evaluate_many({"a": np.arange(3), "b": np.arange(4)})
    with pytest.raises(TypeError, match="dtype float64"):
        expression.evaluate_many({"a": np.arange(3), "b": np.ones(3)})
    with pytest.raises(ValueError, match="one-dimensional"):
        expression.evaluate_many({"a": np.ones((2, 2), int), "b": np.ones((2, 2), int)})

    big = np.array([2**64 - 1], dtype=np.uint64)
    values, _ = expression.evaluate_many({"a": big, "b": np.array([2])})
    assert values.tolist() == [2**65 - 2]


# ---------------------------------------------------------------- structure


@pytest.mark.parametrize(
    ("text", "integer_valued"),
    [
        ("a*b", True),
        ("a**8 - 3*b", True),
        ("a**0", True),
        ("a/b", False),
        ("a*b/b", False),
        ("a**-1", False),
        ("sqrt(a*a)", False),
    ],
)
def test_is_integer_valued(text, integer_valued):
    assert parse(text).is_integer_valued() is integer_valued


@pytest.mark.parametrize(
    ("text", "kind", "degree", "polynomial"),
    [
        ("a + b", "linear", 1, {(1, 0): 1, (0, 1): 1}),
        ("3*a - 2", "linear", 1, {(1,): 3, (0,): -2}),
        ("a/2 + b/3", "linear", 1, {(1, 0): Fraction(1, 2), (0, 1): Fraction(1, 3)}),
        ("a*b", "product", 2, {(1, 1): 1}),
        ("(a+b)*(a-b)", "product", 2, {(2, 0): 1, (0, 2): -1}),
        ("(a+b)**2", "product", 2, {(2, 0): 1, (1, 1): 2, (0, 2): 1}),
        ("a*b + c", "product", 2, {(1, 1, 0): 1, (0, 0, 1): 1}),
        ("a*b/b", "linear", 1, {(1, 0): 1}),
        ("a*a/a**2 + b", "linear", 1, {(0, 0): 1, (0, 1): 1}),
        ("a - a + b - b", "linear", 0, {}),
        ("a/b", "rational", None, None),
        ("a**-1", "rational", None, None),
        ("(a**2 - b**2)/(a - b)", "rational", None, None),
        ("sqrt(a)", "root", None, None),
        ("sqrt(a)*b + a", "root", None, None),
        ("sqrt(a)/b", "mixed", None, None),
    ],
)
def test_structure(text, kind, degree, polynomial):
    structure = parse(text).structure()

    assert structure.kind == kind
    assert structure.degree == degree
    if polynomial is None:
        assert structure.polynomial is None
    else:
        assert dict(structure.polynomial) == polynomial
    assert structure.has_division == ("/" in text or "**-" in text)
    assert structure.has_sqrt == ("sqrt" in text)


def test_structure_of_rational_gives_numerator_and_denominator():
    structure = parse("(a + 1)/(2*b) - 1/b").structure()

    assert str(structure.numerator) == "a - 1"
    assert str(structure.denominator) == "2*b"


def test_structure_of_a_huge_polynomial_is_not_expanded():
    structure = parse("(a+b+c+d+e+f+g+h)**8").structure()

    assert structure.kind == "product"
    assert structure.polynomial is None
    assert structure.degree is None


def test_polynomial_is_an_immutable_mapping():
    poly = parse("(a + b)*(a - b) + a/2").structure().polynomial

    assert poly.inputs == ("a", "b")
    assert poly.degree == 2
    assert poly[(2, 0)] == 1
    assert poly == {(2, 0): 1, (0, 2): -1, (1, 0): Fraction(1, 2)}
    assert poly != {(2, 0): 1}
    assert str(poly) == "a**2 - b**2 + a/2"
    assert equivalent(parse(str(poly)), parse("(a + b)*(a - b) + a/2"))
    assert poly == Polynomial(("a", "b"), {(2, 0): 1, (0, 2): -1, (1, 0): 0.5})
    assert hash(poly) == hash(Polynomial(("b", "a"), dict(reversed_keys(poly))))
    with pytest.raises(ValueError, match="one exponent per input"):
        Polynomial(("a",), {(1, 2): 1})


def reversed_keys(poly):
    return {exponents[::-1]: c for exponents, c in poly.items()}


# ---------------------------------------------------------------- equivalence


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ("(a+b)*(a-b)", "a**2 - b**2"),
        ("a + b - b", "a"),
        ("a*b", "b*a"),
        ("(a + b)**2", "a*a + 2*a*b + b*b"),
        ("a/b + c/b", "(a + c)/b"),
        ("1/(1/a)", "a"),
        ("a**-2", "1/(a*a)"),
        ("(a**2 - b**2)/(a - b)", "a + b"),
        ("sqrt(a*b)", "sqrt(a)*sqrt(b)"),
        ("sqrt(4*a)", "2*sqrt(a)"),
        ("sqrt(a + 1) - sqrt(a)", "1/(sqrt(a + 1) + sqrt(a))"),
        ("sqrt(a)**2", "a"),
        ("(a+b+c+d+e+f+g+h)**8", "(h+g+f+e+d+c+b+a)**8"),
    ],
)
def test_equivalent(x, y):
    assert equivalent(parse(x), parse(y))
    assert equivalent(parse(y), parse(x))


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ("a*b", "a + b"),
        ("a", "b"),
        ("a/b", "b/a"),
        ("(a + b)**2", "a*a + b*b"),
        ("a/2", "a/2 + 1/1000000"),
        ("sqrt(a*a)", "a"),
        ("(sqrt(a)**8)**2", "(sqrt(a)**8)**2 + 1"),
        ("sqrt(a + 1) - sqrt(a)", "1/(sqrt(a + 1) + sqrt(a)) + 1/10000000000**3"),
        ("(a+b+c+d+e+f+g+h)**8", "(a+b+c+d+e+f+g+h)**8 + 1"),
        ("sqrt(0 - a*a - 1)", "sqrt(0 - a*a - 1)*2"),
    ],
)
def test_not_equivalent(x, y):
    assert not equivalent(parse(x), parse(y))
    assert not equivalent(parse(y), parse(x))


# ---------------------------------------------------------------- inputs, domain


def test_check_inputs():
    expression = parse("a*b")
    check_inputs(expression, ["b", "a"])

    with pytest.raises(ValueError, match="missing values for b") as caught:
        check_inputs(expression, ["a"])
    assert "Accepted: a, b. Received: names=['a']" in str(caught.value)
    with pytest.raises(ValueError, match="unknown inputs c"):
        check_inputs(expression, ["a", "b", "c"])
    check_inputs(expression, ["a", "b", "c"], extra=True)


def test_check_domain_rejects_ranges_where_nothing_is_defined():
    with pytest.raises(ValueError, match="undefined on all of its ranges") as caught:
        check_domain(parse("a/b"), {"a": (0, 500), "b": (0, 1)})

    assert "Received: a=0:500, b=0:1" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "ranges", "share"),
    [
        ("a/b", {"a": (0, 10), "b": (-5, 5)}, 0.9),
        ("sqrt(a)", {"a": (-10, 10)}, 0.5),
        ("a*b", {"a": (0, 10**12), "b": (0, 10**12)}, 1.0),
        ("a/b", {"a": (0, 10**30), "b": (0, 2)}, 0.5),
    ],
)
def test_check_domain_measures_the_defined_share(text, ranges, share):
    assert check_domain(parse(text), ranges) == pytest.approx(share, abs=0.03)


def test_check_domain_rejects_empty_and_missing_ranges():
    with pytest.raises(ValueError, match="empty"):
        check_domain(parse("a"), {"a": (3, 3)})
    with pytest.raises(ValueError, match="missing values for b"):
        check_domain(parse("a*b"), {"a": (0, 3)})
