"""NMU, the Neural Multiplication Unit of Madsen & Johansen (2020).

Pure functions, usable outside Keras (e.g. under `jax.jit`):

- `nmu_forward(x, kernel)`: z_j = prod_i (W_ij x_i + 1 - W_ij).
- `nmu_clamp(kernel)`: W clipped to [0, 1].
- `nmu_sparsity_loss(kernel)`: mean of min(W, 1 - W).
"""

import keras
import numpy as np
from keras import ops

from arithnet.layers import _ops
from arithnet.layers._base import ArithmeticUnit
from arithnet.layers._regularizer import (
    Clamp,
    max_distance,
    snap_to_integers,
    sparsity_loss,
)


def nmu_forward(x, kernel):
    """z_j = prod_i (W_ij x_i + 1 - W_ij).

    The product is taken by pairwise multiplication, not `ops.prod`, which
    returns float32 for float64 inputs on the PyTorch backend. With W exactly
    0 or 1 each factor is exactly x_i or 1, so integer products stay exact up
    to 2**53 in float64.

    Args:
        x: Inputs `(batch_size, inputs)`.
        kernel: W, `(inputs, units)`.

    Returns:
        `(batch_size, units)`.
    """
    # (batch_size, inputs, 1) against (inputs, units) -> (batch_size, inputs, units)
    factors = ops.expand_dims(x, -1) * kernel + (1.0 - kernel)
    return _ops.prod(factors)


def nmu_clamp(kernel):
    """W clipped to [0, 1], the NMU's weight range."""
    return ops.clip(kernel, 0.0, 1.0)


def nmu_sparsity_loss(kernel):
    """R = mean over W of min(W, 1 - W), 0 exactly when W is in {0, 1}."""
    return sparsity_loss(kernel)


@keras.saving.register_keras_serializable(package="arithnet")
class NMU(ArithmeticUnit):
    """Neural Multiplication Unit: a product of inputs gated by weights in [0, 1].

    z_j = prod_i (W_ij x_i + 1 - W_ij): W_ij = 1 multiplies x_i in, W_ij = 0
    leaves it out. W is clamped to [0, 1] after every optimizer step, and the
    sparsity regularizer

        R = lambda(t) * mean_ij min(W_ij, 1 - W_ij)

    ramps from 0 at `regularizer_start` to `regularizer_scale` at
    `regularizer_end`. W is initialized from U[0.25, 0.75] (mean 1/2).

    Input shape: `(batch_size, inputs)`. Output shape: `(batch_size, units)`.

    Call arguments:
        inputs: A 2D tensor.
        training: Whether the call is a training step; training steps count
            toward the ramp and add the regularizer with `add_loss`.

    Args:
        units: Number of output units.
        regularizer_scale: lambda hat; 10 as in the paper's arithmetic task.
        regularizer_start: 1e6 steps, as in the paper's arithmetic task.
        regularizer_end: 2e6 steps, as in the paper's arithmetic task.
        seed: Seed of the initializer.
        **kwargs: Passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Example:

        model = keras.Sequential([keras.Input((2,)), NMU(1)])
        model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
        model.fit(pairs, pairs[:, :1] * pairs[:, 1:], epochs=3)

    Reference:
        Madsen, A. and Johansen, A. R. (2020). Neural Arithmetic Units. ICLR.
        https://arxiv.org/abs/2001.05016

    Warning:
        The paper clamps W inside the forward pass; here the clamp is a Keras
        constraint applied after each optimizer step, so the stored W is always
        in [0, 1] and a trained weight can land on exactly 1.
    """

    default_regularizer = (10.0, 1_000_000, 2_000_000)

    def build_unit(self, inputs: int) -> None:
        self.kernel = self.add_weight(
            name="kernel",
            shape=(inputs, self.units),
            initializer=keras.initializers.RandomUniform(
                0.25, 0.75, seed=self.seed_for(0)
            ),
            constraint=Clamp(nmu_clamp),
        )

    def unit_call(self, inputs, training: bool):
        return nmu_forward(inputs, self.kernel)

    def penalty(self):
        return nmu_sparsity_loss(self.kernel)

    def effective(self) -> dict:
        return {"kernel": nmu_clamp(self.kernel)}

    def sparsity_errors(self) -> dict[str, float]:
        return {"kernel": max_distance(self.numpy("kernel"))}

    def snapped(self) -> dict[str, np.ndarray]:
        return {"kernel": snap_to_integers(self.numpy("kernel"), 0.0, 1.0)}
