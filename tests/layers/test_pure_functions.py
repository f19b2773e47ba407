"""The units' pure functions under `jax.jit` and `jax.vmap`, as a vectorised
many-seed trainer uses them, agree with the layers."""

import keras
import numpy as np
import pytest

from arithnet.layers import NMU, nau, nmu, npu, ramp

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "jax", reason="jax.jit and jax.vmap need JAX"
)


def test_vmapped_forward_matches_one_layer_per_seed(seed):
    import jax

    rng = np.random.default_rng(seed)
    kernels = rng.uniform(0, 1, size=(5, 3, 2))  # (seeds, inputs, units)
    x = rng.uniform(-3, 3, size=(4, 3))

    batched = jax.jit(jax.vmap(nmu.nmu_forward, in_axes=(None, 0)))(x, kernels)

    assert batched.shape == (5, 4, 2)
    assert batched.dtype == np.float64
    for kernel, outputs in zip(kernels, np.asarray(batched), strict=True):
        layer = NMU(2, dtype="float64")
        layer.build((None, 3))
        layer.kernel.assign(kernel)
        np.testing.assert_allclose(outputs, np.asarray(layer(x)), rtol=1e-14)


def test_jitted_loss_with_traced_step_and_clamp(seed):
    import jax

    rng = np.random.default_rng(seed)
    kernel = rng.uniform(-2, 2, size=(3, 2))

    @jax.jit
    def regularized(kernel, step):
        clamped = nau.nau_clamp(kernel)
        return ramp(step, 10.0, 100, 200, dtype="float64") * nau.nau_sparsity_loss(
            clamped
        )

    value = regularized(kernel, 150)
    clamped = np.clip(kernel, -1, 1)
    expected = 5.0 * np.mean(np.minimum(np.abs(clamped), 1 - np.abs(clamped)))
    np.testing.assert_allclose(float(value), expected, rtol=1e-14)


def test_gradient_of_the_npu_under_jit(seed):
    import jax

    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2.0, size=(4, 2))
    kernel, gate = rng.uniform(-1, 1, size=(2, 1)), np.array([0.6, 0.7])

    def loss(kernel):
        return jax.numpy.sum(npu.real_npu_forward(x, kernel, gate))

    grad = jax.jit(jax.grad(loss))(kernel)
    assert grad.dtype == np.float64
    assert np.all(np.isfinite(np.asarray(grad)))
