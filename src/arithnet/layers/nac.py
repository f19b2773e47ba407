"""NAC and NACMul, the neural accumulators of Trask et al. (2018).

Pure functions, usable outside Keras (e.g. under `jax.jit`):

- `nac_weight(kernel_hat, mask_hat)`: W = tanh(W_hat) * sigmoid(M_hat).
- `nac_forward(x, kernel_hat, mask_hat)`: z = x W.
- `nac_mul_forward(x, kernel_hat, mask_hat, epsilon)`: z = exp(log(|x| + eps) W).
- `nac_sparsity_loss(kernel_hat, mask_hat)`: mean of min(|W|, 1 - |W|) (not in
  the paper; off by default).

W is bounded to (-1, 1) by construction, so NAC has no clamp.
"""

import math

import keras
import numpy as np
from keras import ops

from arithnet.layers import _ops
from arithnet.layers._base import ArithmeticUnit, check_positive
from arithnet.layers._regularizer import (
    max_distance,
    saturated,
    sparsity_loss,
)


def nac_weight(kernel_hat, mask_hat):
    """W = tanh(W_hat) * sigmoid(M_hat), elementwise, in (-1, 1)."""
    return _ops.tanh(kernel_hat) * ops.sigmoid(mask_hat)


def nac_forward(x, kernel_hat, mask_hat):
    """z = x W with W = tanh(W_hat) * sigmoid(M_hat).

    Args:
        x: Inputs `(batch_size, inputs)`.
        kernel_hat: W_hat, `(inputs, units)`.
        mask_hat: M_hat, `(inputs, units)`.

    Returns:
        `(batch_size, units)`.
    """
    return _ops.matmul(x, nac_weight(kernel_hat, mask_hat))


def nac_mul_forward(x, kernel_hat, mask_hat, epsilon: float = 1e-7):
    """z = exp(log(|x| + eps) W): the NAC in log space, for products.

    Args:
        x: Inputs `(batch_size, inputs)`.
        kernel_hat: W_hat, `(inputs, units)`.
        mask_hat: M_hat, `(inputs, units)`.
        epsilon: eps, keeps the logarithm finite at x = 0.

    Returns:
        `(batch_size, units)`, always positive: the sign of x is lost.
    """
    log_x = ops.log(ops.abs(x) + epsilon)
    return ops.exp(_ops.matmul(log_x, nac_weight(kernel_hat, mask_hat)))


def nac_sparsity_loss(kernel_hat, mask_hat):
    """Mean of min(|W|, 1 - |W|) over the effective weights W."""
    return sparsity_loss(nac_weight(kernel_hat, mask_hat))


def _weight_variance(r: float) -> float:
    """Var[tanh(w) sigmoid(m)] for w, m ~ U[-r, r] (Madsen & Johansen, 2020)."""
    return (1.0 - math.tanh(r) / r) * (r - math.tanh(r / 2.0)) / (2.0 * r)


def nac_initializer_limit(inputs: int, units: int) -> float:
    """r such that W has the Glorot variance 2 / fan when W_hat, M_hat ~ U[-r, r].

    Solves fan * Var[W](r) = 2 by bisection, with fan = max(inputs + units, 5)
    (below 5 no r reaches the Glorot variance).
    """
    fan = max(inputs + units, 5)
    low, high = 1e-6, 10.0
    for _ in range(100):
        middle = (low + high) / 2.0
        if fan * _weight_variance(middle) < 2.0:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


@keras.saving.register_keras_serializable(package="arithnet")
class NAC(ArithmeticUnit):
    """Neural Accumulator: addition and subtraction with weights pushed to {-1, 0, 1}.

    W = tanh(W_hat) * sigmoid(M_hat) and z = x W. W_hat and M_hat are drawn
    from U[-r, r] with r chosen so that W has the Glorot variance
    2 / (inputs + units), the initialization Madsen & Johansen (2020) derive for
    the NAC.

    Input shape: `(batch_size, inputs)`. Output shape: `(batch_size, units)`.

    Call arguments:
        inputs: A 2D tensor.
        training: Whether the call is a training step.

    Args:
        units: Number of output units.
        regularizer_scale: Strength of an optional sparsity regularizer, mean of
            min(|W|, 1 - |W|); 0 (off) by default, as in the paper.
        regularizer_start: Step at which the optional regularizer starts.
        regularizer_end: Step at which it reaches full strength.
        seed: Seed of the initializers.
        **kwargs: Passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Example:

        layer = NAC(1)
        layer.build((None, 2))
        layer.kernel_hat.assign([[3.0], [-3.0]])
        layer.mask_hat.assign([[3.0], [3.0]])
        layer.snap()  # W = [[1], [-1]] exactly
        layer(np.array([[7.0, 3.0]]))  # [[4.0]]

    Reference:
        Trask, A., Hill, F., Reed, S., Rae, J., Dyer, C. and Blunsom, P. (2018).
        Neural Arithmetic Logic Units. NeurIPS. https://arxiv.org/abs/1808.00508

    Warning:
        The paper gives no initialization and no regularizer; the one used here
        is from Madsen & Johansen (2020), and the regularizer is an opt-in
        extension. Snapping sets W_hat and M_hat to saturating values (+-1000),
        where the gradients vanish: a snapped NAC is for readout and exact
        evaluation, not for further training.
    """

    default_regularizer = (0.0, 1_000_000, 2_000_000)

    def build_unit(self, inputs: int) -> None:
        limit = nac_initializer_limit(inputs, self.units)
        for offset, name in enumerate(("kernel_hat", "mask_hat")):
            weight = self.add_weight(
                name=name,
                shape=(inputs, self.units),
                initializer=keras.initializers.RandomUniform(
                    -limit, limit, seed=self.seed_for(offset)
                ),
            )
            setattr(self, name, weight)

    def unit_call(self, inputs, training: bool):
        return nac_forward(inputs, self.kernel_hat, self.mask_hat)

    def penalty(self):
        return nac_sparsity_loss(self.kernel_hat, self.mask_hat)

    def effective(self) -> dict:
        return {"kernel": nac_weight(self.kernel_hat, self.mask_hat)}

    def sparsity_errors(self) -> dict[str, float]:
        return {"kernel": max_distance(self.effective_weights()["kernel"])}

    def snapped(self) -> dict[str, np.ndarray]:
        weight = self.effective_weights()["kernel"]
        return snap_nac_weight(weight, "kernel_hat", "mask_hat")


def snap_nac_weight(weight: np.ndarray, kernel_name: str, mask_name: str) -> dict:
    """W_hat and M_hat whose NAC weight is exactly round(W) in {-1, 0, 1}."""
    signs = np.clip(np.round(weight), -1.0, 1.0).astype(weight.dtype)
    return {kernel_name: saturated(signs), mask_name: saturated(np.ones_like(signs))}


@keras.saving.register_keras_serializable(package="arithnet")
class NACMul(NAC):
    """The NAC in log space, the multiplicative path of the NALU.

    z = exp(log(|x| + eps) W) with W = tanh(W_hat) * sigmoid(M_hat): W = 1
    multiplies an input in, W = -1 divides by it, W = 0 leaves it out. The
    weights and their initialization are the NAC's.

    Input shape: `(batch_size, inputs)`. Output shape: `(batch_size, units)`.

    Call arguments:
        inputs: A 2D tensor.
        training: Whether the call is a training step.

    Args:
        units: Number of output units.
        epsilon: eps in log(|x| + eps); 1e-7 as in the reference code.
        **kwargs: The NAC's arguments and those of `keras.layers.Layer`.

    Example:

        layer = NACMul(1)
        layer.build((None, 2))
        layer.kernel_hat.assign([[3.0], [3.0]])
        layer.mask_hat.assign([[3.0], [3.0]])
        layer.snap()
        layer(np.array([[7.0, 3.0]]))  # [[21.0]] up to eps

    Reference:
        Trask, A. et al. (2018). Neural Arithmetic Logic Units. NeurIPS.
        https://arxiv.org/abs/1808.00508

    Warning:
        The output is always positive (the sign of x is lost) and eps shifts
        every factor, so products are close to, not exactly, integers: about
        eps / |x| relative error per factor.
    """

    def __init__(self, units: int, epsilon: float = 1e-7, **kwargs):
        super().__init__(units, **kwargs)
        check_positive("epsilon", epsilon)
        self.epsilon = float(epsilon)

    def unit_call(self, inputs, training: bool):
        return nac_mul_forward(inputs, self.kernel_hat, self.mask_hat, self.epsilon)

    def get_config(self) -> dict:
        return {**super().get_config(), "epsilon": self.epsilon}
