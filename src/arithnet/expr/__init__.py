"""Safe arithmetic expressions of integer inputs, parsed and evaluated exactly.

`parse` turns text such as `"(a + b)*(a - b)"` or `"sqrt(a*b)"` into an
`Expression` through a whitelist over Python's `ast`; the text is never
evaluated. An `Expression` evaluates exactly (`evaluate` at a point,
`evaluate_many` over numpy columns with a domain mask), reports its
`structure()` (kind, degree, expanded polynomial), and `equivalent` compares
two expressions as functions.

Example:
    >>> from arithnet.expr import parse, equivalent
    >>> e = parse("(a+b)*(a-b)")
    >>> str(e), e.structure().kind, str(e.structure().polynomial)
    ('(a + b)*(a - b)', 'product', 'a**2 - b**2')
    >>> equivalent(e, parse("a**2 - b**2"))
    True
"""

from arithnet.expr._equivalence import equivalent
from arithnet.expr._expression import (
    Expression,
    check_domain,
    check_inputs,
    parse,
)
from arithnet.expr._nodes import (
    Add,
    Const,
    Div,
    Input,
    Mul,
    Neg,
    Node,
    Pow,
    Sqrt,
    Sub,
)
from arithnet.expr._parser import (
    ACCEPTED,
    MAX_CONSTANT_BITS,
    MAX_DEGREE,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
)
from arithnet.expr._polynomial import MAX_TERMS, Polynomial
from arithnet.expr._structure import Structure

__all__ = [
    "ACCEPTED",
    "MAX_CONSTANT_BITS",
    "MAX_DEGREE",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_TERMS",
    "Add",
    "Const",
    "Div",
    "Expression",
    "Input",
    "Mul",
    "Neg",
    "Node",
    "Polynomial",
    "Pow",
    "Sqrt",
    "Structure",
    "Sub",
    "check_domain",
    "check_inputs",
    "equivalent",
    "parse",
]
