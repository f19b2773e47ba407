"""Every unit through the shared helper, float64 gradient checks, snapping and
argument validation."""

import numpy as np
import pytest
from keras import ops

from arithnet.layers import UNITS

pytestmark = pytest.mark.backends


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layer_contract(case, dtype, layer_test, tmp_path):
    layer_test(case.cls, case.trainable_weights, tmp_path, dtype=dtype)


def test_every_public_unit_has_a_case(case):
    assert UNITS[case.cls.__name__] is case.cls


@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
def test_gradients_match_finite_differences(
    case, training, gradient_pair, signed_inputs, seed
):
    rng = np.random.default_rng(seed)
    x = signed_inputs(rng, (3, 3))
    weights = case.sample(rng, 3, 2)
    cotangent = ops.convert_to_tensor(rng.normal(size=(3, 2)))

    def objective(x, *weights):
        outputs = case.forward(x, *weights, training=training)
        return ops.sum(ops.multiply(outputs, cotangent))

    autodiff, numeric = gradient_pair(objective, [x, *weights])

    for got, expected in zip(autodiff, numeric, strict=True):
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_snap_reaches_zero_sparsity_error(case, dtype, seed):
    layer = case.cls(2, dtype=dtype, seed=seed)
    layer.build((None, 3))
    assert layer.sparsity_error() > 0

    snapped = layer.snapped_weights()
    layer.snap()

    assert layer.sparsity_error() == 0.0
    for name, value in snapped.items():
        assert value.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(getattr(layer, name).numpy(), value)


def test_effective_weights_are_simple_after_snap(case, seed):
    layer = case.cls(2, dtype="float64", seed=seed)
    layer.build((None, 3))
    layer.snap()

    for name, value in layer.effective_weights().items():
        if name == "gate" and case.cls.__name__ == "NALU":
            continue  # input-dependent gate, not snapped
        assert np.all(np.isin(value, [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0])), name


def test_same_seed_same_weights(case):
    first, second = case.cls(2, seed=7), case.cls(2, seed=7)
    first.build((None, 3))
    second.build((None, 3))
    for a, b in zip(first.trainable_weights, second.trainable_weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"units": 0}, ValueError),
        ({"units": 1.5}, TypeError),
        ({"units": True}, TypeError),
        ({"units": 1, "regularizer_scale": -1.0}, ValueError),
        ({"units": 1, "regularizer_scale": "high"}, TypeError),
        ({"units": 1, "regularizer_start": 10, "regularizer_end": 5}, ValueError),
        ({"units": 1, "regularizer_start": -1}, ValueError),
        ({"units": 1, "seed": -3}, ValueError),
    ],
)
def test_invalid_arguments_are_refused(case, kwargs, error):
    with pytest.raises(error, match="Received: "):
        case.cls(**kwargs)


@pytest.mark.parametrize("name", ["NACMul", "NALU", "INALU", "NPU", "NMRU"])
@pytest.mark.parametrize("epsilon", [0.0, -1e-7, float("inf")])
def test_invalid_epsilon_is_refused(name, epsilon):
    with pytest.raises(ValueError, match="Received: epsilon="):
        UNITS[name](1, epsilon=epsilon)


def test_unknown_input_width_is_refused():
    layer = UNITS["NAU"](1)
    with pytest.raises(ValueError, match="Received: input_shape="):
        layer.build((None, None))
