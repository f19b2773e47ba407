"""Weights set to the exact solution give exact answers in float64."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from arithnet.layers import (
    INALU,
    NAC,
    NALU,
    NAU,
    NMRU,
    NMU,
    NPU,
    NRU,
    NACMul,
    RealNPU,
    inalu,
    nau,
    nmu,
    npu,
    nru,
)

pytestmark = pytest.mark.backends

RELATIVE = 1e-12


def _unit(cls, weights: dict, inputs: int = 2, **kwargs):
    layer = cls(1, dtype="float64", **kwargs)
    layer.build((None, inputs))
    for name, value in weights.items():
        getattr(layer, name).assign(np.asarray(value, dtype="float64"))
    return layer


def _run(layer, pairs, training=False) -> np.ndarray:
    outputs = layer(pairs, training=training)
    assert keras.backend.standardize_dtype(outputs.dtype) == "float64"
    return ops.convert_to_numpy(outputs)[:, 0]


@pytest.fixture
def pairs(seed) -> np.ndarray:
    """Integer pairs in (-1e6, 1e6), with zeros and the extremes included."""
    rng = np.random.default_rng(seed)
    values = rng.integers(-(10**6) + 1, 10**6, size=(2000, 2)).astype("float64")
    edges = np.array([[0, 0], [0, 999_999], [-999_999, 0], [999_999, -999_999]])
    return np.concatenate([values, edges.astype("float64")])


@pytest.fixture
def nonzero_pairs(pairs) -> np.ndarray:
    return pairs[np.all(pairs != 0, axis=1)]


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["add", "subtract"])
def test_nau_adds_and_subtracts_exactly(pairs, sign):
    layer = _unit(NAU, {"kernel": [[1.0], [sign]]})
    np.testing.assert_array_equal(_run(layer, pairs), pairs[:, 0] + sign * pairs[:, 1])


def test_nmu_multiplies_exactly_up_to_1e12(pairs):
    layer = _unit(NMU, {"kernel": [[1.0], [1.0]]})
    np.testing.assert_array_equal(_run(layer, pairs), pairs[:, 0] * pairs[:, 1])


def test_nmu_ignores_an_input_with_weight_zero(pairs):
    layer = _unit(NMU, {"kernel": [[1.0], [0.0]]})
    np.testing.assert_array_equal(_run(layer, pairs), pairs[:, 0])


@pytest.mark.parametrize("cls", [NPU, RealNPU])
def test_power_units_divide(cls, nonzero_pairs):
    layer = _unit(cls, {"kernel": [[1.0], [-1.0]], "gate": [1.0, 1.0]})
    expected = nonzero_pairs[:, 0] / nonzero_pairs[:, 1]
    np.testing.assert_allclose(_run(layer, nonzero_pairs), expected, rtol=RELATIVE)


@pytest.mark.parametrize("cls", [NPU, RealNPU])
@pytest.mark.parametrize("gate_b", [0.0, 1.0], ids=["gated-off", "weight-zero"])
def test_power_units_take_square_roots(cls, gate_b, nonzero_pairs):
    a = np.abs(nonzero_pairs)
    layer = _unit(cls, {"kernel": [[0.5], [0.0]], "gate": [1.0, gate_b]})
    np.testing.assert_allclose(_run(layer, a), np.sqrt(a[:, 0]), rtol=RELATIVE)


def test_power_unit_square_root_of_zero_is_that_of_epsilon():
    layer = _unit(NPU, {"kernel": [[0.5], [0.0]], "gate": [1.0, 1.0]})
    outputs = _run(layer, np.zeros((1, 2)))
    np.testing.assert_allclose(
        outputs, [math.sqrt(np.finfo("float64").eps)], rtol=1e-12
    )


@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
def test_nru_divides(nonzero_pairs, training):
    layer = _unit(NRU, {"kernel": [[1.0], [-1.0]]})
    expected = nonzero_pairs[:, 0] / nonzero_pairs[:, 1]
    outputs = _run(layer, nonzero_pairs, training)
    np.testing.assert_allclose(outputs, expected, rtol=RELATIVE)


def test_nmru_divides(nonzero_pairs):
    layer = _unit(NMRU, {"kernel": [[1.0], [0.0], [0.0], [1.0]]})
    expected = nonzero_pairs[:, 0] / nonzero_pairs[:, 1]
    np.testing.assert_allclose(_run(layer, nonzero_pairs), expected, rtol=RELATIVE)


def test_nmru_multiplies_signed_inputs(nonzero_pairs):
    layer = _unit(NMRU, {"kernel": [[1.0], [1.0], [0.0], [0.0]]})
    expected = nonzero_pairs[:, 0] * nonzero_pairs[:, 1]
    np.testing.assert_allclose(_run(layer, nonzero_pairs), expected, rtol=RELATIVE)


def _snapped(cls, signs, **kwargs):
    """A unit whose NAC weights are snapped to `signs` (a column)."""
    layer = cls(1, dtype="float64", **kwargs)
    layer.build((None, len(signs)))
    column = np.asarray(signs, dtype="float64")[:, None]
    for weight in layer.trainable_weights:
        if weight.name.endswith("kernel_hat"):
            weight.assign(3.0 * column)
        elif weight.name.endswith("mask_hat"):
            weight.assign(np.full_like(column, 3.0))
    layer.snap()
    return layer


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["add", "subtract"])
def test_snapped_nac_adds_exactly(pairs, sign):
    layer = _snapped(NAC, [1.0, sign])
    np.testing.assert_array_equal(_run(layer, pairs), pairs[:, 0] + sign * pairs[:, 1])


def test_snapped_nac_mul_multiplies_magnitudes_shifted_by_epsilon(pairs):
    layer = _snapped(NACMul, [1.0, 1.0])
    expected = (np.abs(pairs[:, 0]) + 1e-7) * (np.abs(pairs[:, 1]) + 1e-7)
    np.testing.assert_allclose(_run(layer, pairs), expected, rtol=RELATIVE)


def test_snapped_nalu_gates_between_add_and_multiply(pairs):
    positive = np.abs(pairs) + 1.0
    layer = _snapped(NALU, [1.0, 1.0])
    layer.gate.assign(np.full((2, 1), 1000.0))
    np.testing.assert_array_equal(_run(layer, positive), positive.sum(axis=1))

    layer.gate.assign(np.full((2, 1), -1000.0))
    expected = (positive[:, 0] + 1e-7) * (positive[:, 1] + 1e-7)
    np.testing.assert_allclose(_run(layer, positive), expected, rtol=RELATIVE)


def test_snapped_inalu_adds_signed_inputs_exactly(pairs):
    layer = _snapped(INALU, [1.0, -1.0])
    layer.gate.assign([1000.0])
    np.testing.assert_array_equal(_run(layer, pairs), pairs[:, 0] - pairs[:, 1])


def test_snapped_inalu_multiplies_signed_inputs_below_its_clip(nonzero_pairs):
    small = np.sign(nonzero_pairs) * (np.abs(nonzero_pairs) % 10_000 + 1)
    layer = _snapped(INALU, [1.0, 1.0])
    layer.gate.assign([-1000.0])
    expected = small[:, 0] * small[:, 1]
    np.testing.assert_allclose(_run(layer, small), expected, rtol=RELATIVE)


def test_inalu_multiplication_saturates_at_exp_omega():
    layer = _snapped(INALU, [1.0, 1.0])
    layer.gate.assign([-1000.0])
    outputs = _run(layer, np.array([[-1e5, 1e5]]))
    np.testing.assert_allclose(outputs, [-math.exp(20.0)], rtol=RELATIVE)


def _reference_sparsity(w):
    return np.mean(np.minimum(np.abs(w), 1 - np.abs(w)))


@pytest.mark.parametrize(
    "loss, reference",
    [
        (nau.nau_sparsity_loss, _reference_sparsity),
        (nmu.nmu_sparsity_loss, _reference_sparsity),
        (nru.nru_sparsity_loss, _reference_sparsity),
        (nru.nmru_sparsity_loss, _reference_sparsity),
        (
            lambda w: npu.real_npu_sparsity_loss(w, w[0]),
            lambda w: np.abs(w).sum() + np.abs(w[0]).sum(),
        ),
    ],
    ids=["NAU", "NMU", "NRU", "NMRU", "RealNPU"],
)
def test_regularizers_are_float64_precise(loss, reference, seed):
    weights = np.random.default_rng(seed).uniform(-1, 1, size=(7, 3)) / 3.0
    value = loss(ops.convert_to_tensor(weights))
    assert keras.backend.standardize_dtype(value.dtype) == "float64"
    np.testing.assert_allclose(
        float(ops.convert_to_numpy(value)), reference(weights), rtol=1e-14
    )


def test_inalu_regularizer_is_float64_precise(seed):
    weights = list(np.random.default_rng(seed).normal(0, 15, size=(5, 4, 3)))
    weights[-1] = weights[-1][0]
    value = inalu.inalu_sparsity_loss(*[ops.convert_to_tensor(w) for w in weights])
    expected = sum(np.mean(np.maximum(20 - np.abs(w), 0)) for w in weights) / 20
    np.testing.assert_allclose(float(ops.convert_to_numpy(value)), expected, rtol=1e-14)
