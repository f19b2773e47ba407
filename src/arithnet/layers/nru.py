"""NRU and NMRU, the division units of Mistry, Farrahi & Hare (2021).

Pure functions, usable outside Keras (e.g. under `jax.jit`):

- `nru_forward(x, kernel, training)`: the Neural Reciprocal Unit.
- `nru_clamp(kernel)`: W clipped to [-1, 1].
- `nru_sparsity_loss(kernel)`: mean of min(|W|, 1 - |W|).
- `nmru_forward(x, kernel, epsilon, training)`: the Neural Multiplicative
  Reciprocal Unit with sign retrieval.
- `nmru_clamp(kernel)`: W clipped to [0, 1].
- `nmru_sparsity_loss(kernel)`: mean of min(W, 1 - W).
"""

import math

import keras
import numpy as np
from keras import ops

from arithnet.layers import _ops
from arithnet.layers._base import ArithmeticUnit, check_positive
from arithnet.layers._regularizer import (
    Clamp,
    max_distance,
    snap_to_integers,
    sparsity_loss,
)
from arithnet.layers.nau import nau_initializer_limit

# Slope of the smooth |W| used while training: tanh(1000 W)^2.
_ABS_SLOPE = 1000.0


def nru_forward(x, kernel, training: bool = False):
    """z_j = prod_i (sign(x_i) |x_i|^W_ij |W_ij| + 1 - |W_ij|).

    W_ij = 1 multiplies x_i in, -1 divides by it, 0 leaves it out. While
    training, |W| is replaced by the smooth tanh(1000 W)^2, which has a
    gradient at W = 0.

    Args:
        x: Inputs `(batch_size, inputs)`; 0 with W < 0 divides by zero.
        kernel: W, `(inputs, units)`.
        training: Whether to use the smooth |W|.

    Returns:
        `(batch_size, units)`.
    """
    magnitude = (
        ops.square(_ops.tanh(_ABS_SLOPE * kernel)) if training else ops.abs(kernel)
    )
    # (batch_size, inputs, 1) against (inputs, units) -> (batch_size, inputs, units)
    x = ops.expand_dims(x, -1)
    powers = ops.sign(x) * ops.power(ops.abs(x), kernel)
    return _ops.prod(powers * magnitude + (1.0 - magnitude))


def nru_clamp(kernel):
    """W clipped to [-1, 1], the NRU's weight range."""
    return ops.clip(kernel, -1.0, 1.0)


def nru_sparsity_loss(kernel):
    """R = mean over W of min(|W|, 1 - |W|), the NAU's regularizer."""
    return sparsity_loss(kernel)


def nmru_forward(x, kernel, epsilon: float = 1.1920929e-07, training: bool = False):
    """An NMU over [x, 1/x] on magnitudes, with the sign put back by a cosine.

        x' = [x, 1 / (x + eps)]  (eps only while training)
        z_j = prod_i (W_ij |x'_i| + 1 - W_ij) * cos(pi sum_i W_ij [x'_i < 0])

    Args:
        x: Inputs `(batch_size, inputs)`.
        kernel: W, `(2 * inputs, units)`: rows for x, then rows for 1/x.
        epsilon: eps added before the reciprocal while training.
        training: Whether to add eps.

    Returns:
        `(batch_size, units)`.
    """
    shifted = x + epsilon if training else x
    # (batch_size, inputs) -> (batch_size, 2 * inputs)
    x = ops.concatenate([x, ops.reciprocal(shifted)], axis=-1)
    phase = ops.cast(x < 0, x.dtype) * math.pi

    # (batch_size, 2 * inputs, 1) against (2 * inputs, units)
    factors = ops.expand_dims(ops.abs(x), -1) * kernel + (1.0 - kernel)
    return _ops.prod(factors) * _ops.cos(_ops.matmul(phase, kernel))


def nmru_clamp(kernel):
    """W clipped to [0, 1], the NMRU's weight range."""
    return ops.clip(kernel, 0.0, 1.0)


def nmru_sparsity_loss(kernel):
    """R = mean over W of min(W, 1 - W), the NMU's regularizer."""
    return sparsity_loss(kernel)


class _KernelUnit(ArithmeticUnit):
    """A unit with one clamped `kernel` snapped to integers in [low, high]."""

    low, high = -1.0, 1.0
    default_regularizer = (10.0, 1_000_000, 2_000_000)

    def add_kernel(self, rows: int, initializer, clamp) -> None:
        self.kernel = self.add_weight(
            name="kernel",
            shape=(rows, self.units),
            initializer=initializer,
            constraint=Clamp(clamp),
        )

    def effective(self) -> dict:
        return {"kernel": ops.clip(self.kernel, self.low, self.high)}

    def sparsity_errors(self) -> dict[str, float]:
        return {"kernel": max_distance(self.numpy("kernel"))}

    def snapped(self) -> dict[str, np.ndarray]:
        return {"kernel": snap_to_integers(self.numpy("kernel"), self.low, self.high)}


@keras.saving.register_keras_serializable(package="arithnet")
class NRU(_KernelUnit):
    """Neural Reciprocal Unit: multiplication and division of signed inputs.

        z_j = prod_i (sign(x_i) |x_i|^W_ij |W_ij| + 1 - |W_ij|)

    W is clamped to [-1, 1]; while training |W| is the smooth tanh(1000 W)^2.
    Regularizer and initialization are the NAU's: R = lambda(t) * mean
    min(|W|, 1 - |W|), W ~ U[-r, r] with r = min(0.5, sqrt(6 / (inputs + units))).

    Input shape: `(batch_size, inputs)`. Output shape: `(batch_size, units)`.

    Call arguments:
        inputs: A 2D tensor.
        training: Whether the call is a training step (smooth |W|, ramp step,
            regularizer).

    Args:
        units: Number of output units.
        regularizer_scale: lambda hat; 10, the NAU/NMU setting.
        regularizer_start: 1e6 steps.
        regularizer_end: 2e6 steps.
        seed: Seed of the initializer.
        **kwargs: Passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Example:

        layer = NRU(1, dtype="float64")
        layer.build((None, 2))
        layer.kernel.assign([[1.0], [-1.0]])
        layer(np.array([[-6.0, 4.0]]))  # [[-1.5]], a / b

    Reference:
        Mistry, B., Farrahi, K. and Hare, J. (2021). Learning Division with
        Neural Arithmetic Logic Modules. https://arxiv.org/abs/2110.05177

    Warning:
        An input of 0 with a negative weight gives inf, and |x|^W has no
        gradient in W at x = 0. The regularizer schedule (10, 1e6, 2e6) is the
        NAU/NMU one the authors build on; the paper tunes it per experiment.
        The NRU cannot represent sqrt: W = 1/2 gives (sqrt(x) + 1) / 2.
    """

    def build_unit(self, inputs: int) -> None:
        limit = nau_initializer_limit(inputs, self.units)
        initializer = keras.initializers.RandomUniform(
            -limit, limit, seed=self.seed_for(0)
        )
        self.add_kernel(inputs, initializer, nru_clamp)

    def unit_call(self, inputs, training: bool):
        return nru_forward(inputs, self.kernel, training)

    def penalty(self):
        return nru_sparsity_loss(self.kernel)


@keras.saving.register_keras_serializable(package="arithnet")
class NMRU(_KernelUnit):
    """Neural Multiplicative Reciprocal Unit: an NMU over inputs and reciprocals.

        x' = [x, 1 / (x + eps)]   (eps only while training)
        z_j = prod_i (W_ij |x'_i| + 1 - W_ij) * cos(pi sum_i W_ij [x'_i < 0])

    The kernel has 2 * inputs rows: W = 1 in the first half multiplies x_i in,
    in the second half divides by x_i. W is clamped to [0, 1]. Regularizer and
    initialization are the NMU's: R = lambda(t) * mean min(W, 1 - W),
    W ~ U[0.25, 0.75].

    Input shape: `(batch_size, inputs)`. Output shape: `(batch_size, units)`.

    Call arguments:
        inputs: A 2D tensor.
        training: Whether the call is a training step.

    Args:
        units: Number of output units.
        epsilon: eps added before the reciprocal while training; float32's
            machine epsilon as in the paper.
        regularizer_scale: lambda hat; 10, the NMU setting.
        regularizer_start: 1e6 steps.
        regularizer_end: 2e6 steps.
        seed: Seed of the initializer.
        **kwargs: Passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Example:

        layer = NMRU(1, dtype="float64")
        layer.build((None, 2))
        layer.kernel.assign([[1.0], [0.0], [0.0], [1.0]])
        layer(np.array([[-6.0, 4.0]]))  # [[-1.5]], a / b

    Reference:
        Mistry, B., Farrahi, K. and Hare, J. (2021). Learning Division with
        Neural Arithmetic Logic Modules. https://arxiv.org/abs/2110.05177

    Warning:
        The paper clips gradients to [-0.1, 0.1]; that is left to the training
        loop. An input of 0 has an infinite reciprocal outside training. The
        NMRU cannot represent sqrt.
    """

    low, high = 0.0, 1.0

    def __init__(self, units: int, epsilon: float = 1.1920929e-07, **kwargs):
        super().__init__(units, **kwargs)
        check_positive("epsilon", epsilon)
        self.epsilon = float(epsilon)

    def build_unit(self, inputs: int) -> None:
        initializer = keras.initializers.RandomUniform(
            0.25, 0.75, seed=self.seed_for(0)
        )
        self.add_kernel(2 * inputs, initializer, nmru_clamp)

    def unit_call(self, inputs, training: bool):
        return nmru_forward(inputs, self.kernel, self.epsilon, training)

    def penalty(self):
        return nmru_sparsity_loss(self.kernel)

    def get_config(self) -> dict:
        return {**super().get_config(), "epsilon": self.epsilon}
