"""Reading the learned formula back out of a trained model.

The model's graph is walked in its saved-config order; each arithmetic unit
turns the expressions of its input columns into expressions of its outputs
using its effective weights. This only succeeds when every weight sits on a
simple value (NAU: -1, 0, 1; NMU: 0, 1; power units: multiples of 1/2 with
gates at 0 or 1), which is what snapping makes of a trained unit. Baselines
(Dense layers) have no closed form and read out as None.

Example:

>>> formula(model, ("a", "b"))  # doctest: +SKIP
'(a + b)*(a - b)'
"""

from collections.abc import Sequence
from fractions import Fraction

import keras
import numpy as np

from arithnet import expr as ex

Columns = list[ex.Node]


class _NoFormula(Exception):
    """A weight is not simple, or a layer has no closed form."""


# The largest denominator of a weight read as a fraction: a least-squares
# output unit can land exactly on 1/4 (a*b - c*d as a difference of squares).
# Only powers of two: a float holds those fractions, and their products with
# integers, exactly, where 0.3 is merely the float nearest 3/10.
MAX_DENOMINATOR = 64


def _whole(value: float) -> int:
    if not np.isfinite(value) or value != np.round(value):
        raise _NoFormula(f"weight {value!r} is not an integer")
    return int(value)


def _fraction(value: float) -> Fraction:
    """The weight as a fraction, when it is one exactly (1/4, -3/2)."""
    if not np.isfinite(value):
        raise _NoFormula(f"weight {value!r} is not finite")
    fraction = Fraction(float(value))
    if fraction.denominator > MAX_DENOMINATOR:
        raise _NoFormula(f"weight {value!r} is not a simple fraction")
    return fraction


def _half(value: float) -> Fraction:
    if not np.isfinite(value) or 2 * value != np.round(2 * value):
        raise _NoFormula(f"exponent {value!r} is not a multiple of 1/2")
    return Fraction(int(np.round(2 * value)), 2)


def _scaled(weight: Fraction, term: ex.Node) -> ex.Node:
    """|weight| * term, written term, 2*term, term/4 or 3*term/4."""
    numerator, denominator = abs(weight.numerator), weight.denominator
    scaled = term if numerator == 1 else ex.Mul(ex.Const(numerator), term)
    return scaled if denominator == 1 else ex.Div(scaled, ex.Const(denominator))


def _sum(terms: list[tuple[Fraction, ex.Node]]) -> ex.Node:
    """sum of weight * term, with the weights' signs written as + and -."""
    tree = None
    for weight, term in terms:
        part = _scaled(weight, term)
        if tree is None:
            tree = part if weight > 0 else ex.Neg(part)
        else:
            tree = ex.Add(tree, part) if weight > 0 else ex.Sub(tree, part)
    return ex.Const(0) if tree is None else tree


def _product(factors: list[ex.Node]) -> ex.Node:
    tree = None
    for factor in factors:
        tree = factor if tree is None else ex.Mul(tree, factor)
    return ex.Const(1) if tree is None else tree


def _nau(layer, columns: Columns) -> Columns:
    kernel = layer.effective_weights()["kernel"]
    return [
        _sum(
            [
                (_fraction(w), c)
                for w, c in zip(kernel[:, j], columns, strict=True)
                if w != 0
            ]
        )
        for j in range(kernel.shape[1])
    ]


def _nmu(layer, columns: Columns) -> Columns:
    kernel = layer.effective_weights()["kernel"]
    outputs = []
    for j in range(kernel.shape[1]):
        weights = [_whole(w) for w in kernel[:, j]]
        if any(w not in (0, 1) for w in weights):
            raise _NoFormula("NMU weight outside {0, 1}")
        outputs.append(
            _product([c for w, c in zip(weights, columns, strict=True) if w == 1])
        )
    return outputs


def _power_factor(column: ex.Node, exponent: Fraction) -> ex.Node:
    whole = exponent.numerator if exponent.denominator == 1 else None
    base = column if whole is not None else ex.Sqrt(column)
    power = whole if whole is not None else exponent.numerator
    return base if power == 1 else ex.Pow(base, power)


def _npu(layer, columns: Columns) -> Columns:
    weights = layer.effective_weights()
    if np.any(weights.get("kernel_imag", 0.0) != 0):
        raise _NoFormula("NPU imaginary weights are not 0")
    gate = np.asarray(weights["gate"]).reshape(-1)
    if np.any((gate != 0) & (gate != 1)):
        raise _NoFormula("NPU gate outside {0, 1}")
    kernel = weights["kernel"]
    outputs = []
    for j in range(kernel.shape[1]):
        powers = [
            (_half(w), c)
            for w, g, c in zip(kernel[:, j], gate, columns, strict=True)
            if g == 1 and w != 0
        ]
        # Negative exponents go below a division line: a*b**-1 reads a/b.
        above = _product([_power_factor(c, e) for e, c in powers if e > 0])
        below = [_power_factor(c, -e) for e, c in powers if e < 0]
        outputs.append(ex.Div(above, _product(below)) if below else above)
    return outputs


def _replicate(layer, columns: Columns) -> Columns:
    copies = [c for c, n in zip(columns, layer.copies, strict=True) for _ in range(n)]
    return copies + [ex.Const(1)] * layer.constants


_READERS = {
    "NAU": _nau,
    "NMU": _nmu,
    "NPU": _npu,
    "RealNPU": _npu,
    "Replicate": _replicate,
}


def _sources(inbound: list) -> list[str]:
    """Names of the layers feeding a layer, from its saved config."""
    names = []

    def visit(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            names.append(value["config"]["keras_history"][0])
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)

    for node in inbound:
        visit(node.get("args", []))
    return names


def _read(model: keras.Model, inputs: Sequence[str]) -> ex.Node:
    config = model.get_config()
    entries = config["layers"]
    values: dict[str, Columns] = {}
    previous = None
    for entry in entries:
        name, kind = entry["config"]["name"], entry["class_name"]
        if kind == "InputLayer":
            values[name] = [ex.Input(n) for n in inputs]
            previous = name
            continue
        sources = _sources(entry.get("inbound_nodes", [])) or [previous]
        columns = [c for source in sources for c in values[source]]
        if kind == "Concatenate":
            values[name] = columns
        elif kind in _READERS:
            values[name] = _READERS[kind](model.get_layer(name), columns)
        else:
            raise _NoFormula(f"{kind} has no closed form")
        previous = name
    outputs = values[previous]
    if len(outputs) != 1:
        raise _NoFormula("the model has more than one output column")
    return outputs[0]


def formulas(model: keras.Model, inputs: Sequence[str]) -> tuple[str | None, ...]:
    """The model's formula, expanded and as wired, from one reading of it.

    Args:
        model: A model of arithnet's units (functional or Sequential).
        inputs: The names of the model's input columns, in order.

    Returns:
        `(simplified, wired)`: a polynomial formula expanded into its
        canonical sum of monomials (``-a*-b + c`` reads ``a*b + c``), and the
        text that follows the network's wiring; both None when a layer has no
        closed form or a weight is not at a simple value.
    """
    try:
        expression = ex.Expression(_read(model, inputs))
    except _NoFormula:
        return None, None
    polynomial = expression.structure().polynomial
    simplified = expression.text if polynomial is None else str(polynomial)
    return simplified, expression.text


def formula(
    model: keras.Model, inputs: Sequence[str], simplify: bool = True
) -> str | None:
    """The model's formula as expression text, or None when it has none.

    Args:
        model: A model of arithnet's units (functional or Sequential).
        inputs: The names of the model's input columns, in order.
        simplify: Whether to expand a polynomial formula (see `formulas`);
            otherwise the text follows the network's wiring.

    Returns:
        Expression text such as ``"a*b + c"``, or None.
    """
    simplified, wired = formulas(model, inputs)
    return simplified if simplify else wired


def equivalent(text: str, target: ex.Expression) -> bool:
    """Whether a read-out formula equals the target as a function."""
    try:
        return ex.equivalent(ex.parse(text), target)
    except ValueError:  # for example a constant formula, which has no inputs
        return False
