"""The layer-test helper, a gradient helper for every backend, and the table of
units that parametrizes any test taking a `case` argument.

The root `tests/conftest.py` imports arithnet before Keras, which selects the
backend and turns on JAX's 64-bit mode for the float64 tests here.
"""

import dataclasses
from collections.abc import Callable

import keras
import numpy as np
import pytest
from keras import ops

from arithnet.layers import inalu, nac, nalu, nau, nmu, npu, nru


@dataclasses.dataclass(frozen=True)
class UnitCase:
    """One unit: its class, weight count, and its pure forward function.

    `forward(x, *weights, training)` is the module's pure function and
    `sample(rng, inputs, units)` draws float64 weights in its smooth region
    (away from clamps and kinks) for gradient checks.
    """

    cls: type
    trainable_weights: int
    forward: Callable
    sample: Callable


def _uniform(rng, low, high, shape, signed=False):
    values = rng.uniform(low, high, shape)
    return values * rng.choice([-1.0, 1.0], shape) if signed else values


def _nac_weights(rng, inputs, units):
    return [rng.uniform(-1.5, 1.5, (inputs, units)) for _ in range(2)]


CASES = [
    UnitCase(nac.NAC, 2, lambda x, *w, training: nac.nac_forward(x, *w), _nac_weights),
    UnitCase(
        nac.NACMul,
        2,
        lambda x, *w, training: nac.nac_mul_forward(x, *w),
        _nac_weights,
    ),
    UnitCase(
        nalu.NALU,
        3,
        lambda x, *w, training: nalu.nalu_forward(x, *w),
        lambda rng, i, u: [*_nac_weights(rng, i, u), rng.normal(0, 0.5, (i, u))],
    ),
    UnitCase(
        inalu.INALU,
        5,
        lambda x, *w, training: inalu.inalu_forward(x, *w),
        lambda rng, i, u: (
            [rng.normal(0.5, 0.5, (i, u)) for _ in range(4)]
            + [rng.normal(0, 0.5, (u,))]
        ),
    ),
    UnitCase(
        nau.NAU,
        1,
        lambda x, *w, training: nau.nau_forward(x, *w),
        lambda rng, i, u: [rng.uniform(-0.9, 0.9, (i, u))],
    ),
    UnitCase(
        nmu.NMU,
        1,
        lambda x, *w, training: nmu.nmu_forward(x, *w),
        lambda rng, i, u: [rng.uniform(0.1, 0.9, (i, u))],
    ),
    UnitCase(
        npu.NPU,
        3,
        lambda x, *w, training: npu.npu_forward(x, *w),
        lambda rng, i, u: [
            rng.uniform(-1, 1, (i, u)),
            rng.uniform(-0.5, 0.5, (i, u)),
            rng.uniform(0.2, 0.8, (i,)),
        ],
    ),
    UnitCase(
        npu.RealNPU,
        2,
        lambda x, *w, training: npu.real_npu_forward(x, *w),
        lambda rng, i, u: [rng.uniform(-1, 1, (i, u)), rng.uniform(0.2, 0.8, (i,))],
    ),
    UnitCase(
        nru.NRU,
        1,
        lambda x, *w, training: nru.nru_forward(x, *w, training=training),
        lambda rng, i, u: [_uniform(rng, 0.2, 0.9, (i, u), signed=True)],
    ),
    UnitCase(
        nru.NMRU,
        1,
        lambda x, *w, training: nru.nmru_forward(x, *w, training=training),
        lambda rng, i, u: [rng.uniform(0.1, 0.9, (2 * i, u))],
    ),
]


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        ids = [case.cls.__name__ for case in CASES]
        metafunc.parametrize("case", CASES, ids=ids)


def signed_inputs(rng, shape, low=0.5, high=3.0) -> np.ndarray:
    """Float64 inputs with random signs and |x| in [low, high): no zeros."""
    return _uniform(rng, low, high, shape, signed=True)


@pytest.fixture(name="signed_inputs")
def signed_inputs_fixture() -> Callable:
    """`signed_inputs(rng, shape, low, high)`."""
    return signed_inputs


def check_layer(
    layer_cls: type,
    trainable_weights: int,
    tmp_path,
    dtype: str = "float32",
    inputs: int = 3,
    units: int = 2,
    init_kwargs: dict | None = None,
) -> keras.layers.Layer:
    """The one layer-test helper: shape, weights, dtypes, config and `.keras`.

    Builds `layer_cls(units, dtype=dtype, **init_kwargs)` on inputs
    `(batch_size, inputs)` and checks the output shape and dtype (inference
    and training), the trainable and non-trainable weight counts and dtypes, the
    `get_config`/`from_config` round trip, and a `.keras` save and load without
    `custom_objects` that reproduces the outputs exactly.

    Returns:
        The built layer.
    """
    init_kwargs = init_kwargs or {}
    x = signed_inputs(np.random.default_rng(0), (4, inputs)).astype(dtype)
    layer = layer_cls(units, dtype=dtype, **init_kwargs)

    for training in (False, True):
        y = layer(x, training=training)
        assert tuple(y.shape) == (4, units)
        assert keras.backend.standardize_dtype(y.dtype) == dtype
        assert np.all(np.isfinite(ops.convert_to_numpy(y)))
    assert layer.compute_output_shape((None, inputs)) == (None, units)

    assert len(layer.trainable_weights) == trainable_weights
    assert [w.name for w in layer.non_trainable_weights] == ["step"]
    assert {w.dtype for w in layer.trainable_weights} == {dtype}

    config = layer.get_config()
    assert layer_cls.from_config(config).get_config() == config

    model = keras.Sequential([keras.Input((inputs,), dtype=dtype), layer])
    path = tmp_path / f"{layer_cls.__name__}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.layers[0]) is layer_cls
    expected, actual = ops.convert_to_numpy(model(x)), ops.convert_to_numpy(loaded(x))
    assert actual.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(actual, expected)
    return layer


@pytest.fixture
def layer_test() -> Callable:
    """`check_layer`, the shared layer-test helper."""
    return check_layer


def gradients(fn: Callable, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Autodiff gradients of the scalar `fn(*arrays)` on the active backend."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        argnums = tuple(range(len(arrays)))
        grads = jax.grad(fn, argnums=argnums)(*[jax.numpy.asarray(a) for a in arrays])
        return [np.asarray(g) for g in grads]
    if backend == "tensorflow":
        import tensorflow as tf

        tensors = [tf.constant(a) for a in arrays]
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            value = fn(*tensors)
        return [g.numpy() for g in tape.gradient(value, tensors)]
    import torch

    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    fn(*tensors).backward()
    return [t.grad.detach().numpy() for t in tensors]


def finite_differences(
    fn: Callable, arrays: list[np.ndarray], step: float = 1e-6
) -> list[np.ndarray]:
    """Central differences (f(a + h) - f(a - h)) / 2h of the scalar `fn`."""

    if keras.backend.backend() == "jax":
        import jax

        fn = jax.jit(fn)  # one compilation instead of op-by-op dispatch

    def value(values):
        return float(ops.convert_to_numpy(fn(*values)))

    results = []
    for index, array in enumerate(arrays):
        grad = np.zeros_like(array)
        for position in np.ndindex(array.shape):
            shifted = [a.copy() for a in arrays]
            shifted[index][position] += step
            upper = value(shifted)
            shifted[index][position] -= 2 * step
            grad[position] = (upper - value(shifted)) / (2 * step)
        results.append(grad)
    return results


@pytest.fixture
def gradient_pair() -> Callable:
    """(autodiff, finite differences) of a scalar function of float64 arrays."""

    def pair(fn, arrays):
        return gradients(fn, arrays), finite_differences(fn, arrays)

    return pair
