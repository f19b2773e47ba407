"""NAU, the Neural Addition Unit of Madsen & Johansen (2020).

Pure functions, usable outside Keras (e.g. under `jax.jit`):

- `nau_forward(x, kernel)`: z = x W, `(batch_size, inputs) -> (batch_size, units)`.
- `nau_clamp(kernel)`: W clipped to [-1, 1].
- `nau_sparsity_loss(kernel)`: mean of min(|W|, 1 - |W|).
"""

import math

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


def nau_forward(x, kernel):
    """z = x W.

    Args:
        x: Inputs `(batch_size, inputs)`.
        kernel: W, `(inputs, units)`.

    Returns:
        `(batch_size, units)`.
    """
    return _ops.matmul(x, kernel)


def nau_clamp(kernel):
    """W clipped to [-1, 1], the NAU's weight range."""
    return ops.clip(kernel, -1.0, 1.0)


def nau_sparsity_loss(kernel):
    """R = mean over W of min(|W|, 1 - |W|), 0 exactly when W is in {-1, 0, 1}."""
    return sparsity_loss(kernel)


def nau_initializer_limit(inputs: int, units: int) -> float:
    """r of the NAU initialization U[-r, r]: min(0.5, sqrt(6 / (inputs + units)))."""
    return min(0.5, math.sqrt(6.0 / (inputs + units)))


@keras.saving.register_keras_serializable(package="arithnet")
class NAU(ArithmeticUnit):
    """Neural Addition Unit: a linear layer whose weights learn {-1, 0, 1}.

    z_j = sum_i W_ij x_i, with W clamped to [-1, 1] after every optimizer step
    and the sparsity regularizer

        R = lambda(t) * mean_ij min(|W_ij|, 1 - |W_ij|),

    whose strength lambda(t) ramps linearly from 0 at `regularizer_start` to
    `regularizer_scale` at `regularizer_end` (see `ramp`). W is initialized from
    U[-r, r] with r = min(0.5, sqrt(6 / (inputs + units))).

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

        layer = NAU(1)
        layer.build((None, 2))
        layer.kernel.assign([[1.0], [-1.0]])
        layer(np.array([[7.0, 3.0]]))  # [[4.0]], i.e. a - b

    Reference:
        Madsen, A. and Johansen, A. R. (2020). Neural Arithmetic Units. ICLR.
        https://arxiv.org/abs/2001.05016

    Warning:
        The paper clamps W inside the forward pass (and optionally after each
        step); here the clamp is a Keras constraint applied after each
        optimizer step, so the stored W is always in [-1, 1].
    """

    default_regularizer = (10.0, 1_000_000, 2_000_000)

    def build_unit(self, inputs: int) -> None:
        limit = nau_initializer_limit(inputs, self.units)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(inputs, self.units),
            initializer=keras.initializers.RandomUniform(
                -limit, limit, seed=self.seed_for(0)
            ),
            constraint=Clamp(nau_clamp),
        )

    def unit_call(self, inputs, training: bool):
        return nau_forward(inputs, self.kernel)

    def penalty(self):
        return nau_sparsity_loss(self.kernel)

    def effective(self) -> dict:
        return {"kernel": nau_clamp(self.kernel)}

    def sparsity_errors(self) -> dict[str, float]:
        return {"kernel": max_distance(self.numpy("kernel"))}

    def snapped(self) -> dict[str, np.ndarray]:
        return {"kernel": snap_to_integers(self.numpy("kernel"), -1.0, 1.0)}
