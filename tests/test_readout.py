"""`arithnet.readout`: the formula a network of units computes, from its weights."""

import keras
import numpy as np
import pytest

from arithnet import expr as ex
from arithnet import readout
from arithnet.layers import NAU, NMU, RealNPU, Replicate


def _model(*layers, inputs=2, dtype="float64"):
    x = keras.Input((inputs,), dtype=dtype)
    y = x
    for layer in layers:
        y = layer(y)
    return keras.Model(x, y)


def test_product_of_sums_reads_expanded_and_as_wired():
    sums, product = NAU(2, dtype="float64"), NMU(1, dtype="float64")
    model = _model(sums, product)
    sums.kernel.assign(np.array([[1.0, 1.0], [1.0, -1.0]]))
    product.kernel.assign(np.ones((2, 1)))

    assert readout.formula(model, ["a", "b"]) == "a**2 - b**2"
    assert readout.formula(model, ["a", "b"], simplify=False) == "(a + b)*(a - b)"
    assert readout.equivalent("a**2 - b**2", ex.parse("(a+b)*(a-b)"))


def test_exact_fractional_weights_read_as_fractions():
    unit = NAU(1, dtype="float64")
    model = _model(unit)
    unit.kernel.assign(np.array([[0.25], [-0.75]]))

    assert readout.formula(model, ["a", "b"], simplify=False) == "a/4 - 3*b/4"


@pytest.mark.parametrize("weight", [0.3, 1 / 3, 0.5 + 1e-9])
def test_weights_off_simple_values_have_no_formula(weight):
    unit = NAU(1, dtype="float64")
    model = _model(unit)
    unit.kernel.assign(np.array([[1.0], [weight]]))

    assert readout.formula(model, ["a", "b"]) is None


def test_replicated_inputs_and_constants():
    unit = NAU(1, dtype="float64")
    model = _model(Replicate([2, 0], constants=1, dtype="float64"), unit, inputs=2)
    unit.kernel.assign(np.array([[1.0], [1.0], [-1.0]]))

    assert readout.formula(model, ["a", "b"]) == "2*a - 1"


def test_power_unit_reads_division_and_roots():
    unit = RealNPU(1, dtype="float64")
    model = _model(unit, inputs=3)
    unit.kernel.assign(np.array([[1.0], [-1.0], [0.5]]))
    unit.gate.assign(np.array([1.0, 1.0, 1.0]))

    text = readout.formula(model, ["a", "b", "c"])
    assert text == "a*sqrt(c)/b"
    assert readout.equivalent(text, ex.parse("sqrt(c)*a/b"))


def test_dense_layers_have_no_formula():
    model = _model(keras.layers.Dense(1))
    assert readout.formula(model, ["a", "b"]) is None
