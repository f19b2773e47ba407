"""NALU, the Neural Arithmetic Logic Unit of Trask et al. (2018).

Pure functions, usable outside Keras (e.g. under `jax.jit`):

- `nalu_forward(x, kernel_hat, mask_hat, gate, epsilon)`: the gated mix of the
  additive and multiplicative NAC paths.
- `nalu_sparsity_loss(kernel_hat, mask_hat)`: mean of min(|W|, 1 - |W|) over
  the shared NAC weight (not in the paper; off by default).
"""

import keras
import numpy as np
from keras import ops

from arithnet.layers import _ops
from arithnet.layers._base import ArithmeticUnit, check_positive
from arithnet.layers._regularizer import max_distance
from arithnet.layers.nac import (
    nac_forward,
    nac_initializer_limit,
    nac_mul_forward,
    nac_sparsity_loss,
    nac_weight,
    snap_nac_weight,
)


def nalu_forward(x, kernel_hat, mask_hat, gate, epsilon: float = 1e-7):
    """y = g a + (1 - g) m with a = x W, m = exp(log(|x| + eps) W), g = sigmoid(x G).

    Args:
        x: Inputs `(batch_size, inputs)`.
        kernel_hat: W_hat, `(inputs, units)`.
        mask_hat: M_hat, `(inputs, units)`.
        gate: G, `(inputs, units)`.
        epsilon: eps of the multiplicative path.

    Returns:
        `(batch_size, units)`.
    """
    g = ops.sigmoid(_ops.matmul(x, gate))
    added = nac_forward(x, kernel_hat, mask_hat)
    multiplied = nac_mul_forward(x, kernel_hat, mask_hat, epsilon)
    return g * added + (1.0 - g) * multiplied


def nalu_sparsity_loss(kernel_hat, mask_hat):
    """Mean of min(|W|, 1 - |W|) over the shared NAC weight W."""
    return nac_sparsity_loss(kernel_hat, mask_hat)


@keras.saving.register_keras_serializable(package="arithnet")
class NALU(ArithmeticUnit):
    """Neural Arithmetic Logic Unit: an input-dependent gate between two NACs.

        W = tanh(W_hat) * sigmoid(M_hat)
        a = x W                      (add, subtract)
        m = exp(log(|x| + eps) W)    (multiply, divide)
        g = sigmoid(x G)
        y = g * a + (1 - g) * m

    Both paths share W, as in the paper. W_hat and M_hat get the NAC
    initialization, G the Glorot uniform one.

    Input shape: `(batch_size, inputs)`. Output shape: `(batch_size, units)`.

    Call arguments:
        inputs: A 2D tensor.
        training: Whether the call is a training step.

    Args:
        units: Number of output units.
        epsilon: eps of the multiplicative path; 1e-7 as in the reference code.
        regularizer_scale: Strength of an optional sparsity regularizer on W;
            0 (off) by default, as in the paper.
        regularizer_start: Step at which the optional regularizer starts.
        regularizer_end: Step at which it reaches full strength.
        seed: Seed of the initializers.
        **kwargs: Passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Example:

        model = keras.Sequential([keras.Input((2,)), NALU(1)])
        model.compile(optimizer="adam", loss="mse")

    Reference:
        Trask, A., Hill, F., Reed, S., Rae, J., Dyer, C. and Blunsom, P. (2018).
        Neural Arithmetic Logic Units. NeurIPS. https://arxiv.org/abs/1808.00508

    Warning:
        The multiplicative path loses the sign of x and is off by about
        eps / |x| per factor. The gate depends on the input, so `snap()` snaps
        W only and leaves G as trained.
    """

    def __init__(self, units: int, epsilon: float = 1e-7, **kwargs):
        super().__init__(units, **kwargs)
        check_positive("epsilon", epsilon)
        self.epsilon = float(epsilon)

    def build_unit(self, inputs: int) -> None:
        limit = nac_initializer_limit(inputs, self.units)
        for offset, name in enumerate(("kernel_hat", "mask_hat")):
            initializer = keras.initializers.RandomUniform(
                -limit, limit, seed=self.seed_for(offset)
            )
            setattr(self, name, self._matrix(name, inputs, initializer))
        glorot = keras.initializers.GlorotUniform(seed=self.seed_for(2))
        self.gate = self._matrix("gate", inputs, glorot)

    def _matrix(self, name: str, inputs: int, initializer):
        return self.add_weight(
            name=name, shape=(inputs, self.units), initializer=initializer
        )

    def unit_call(self, inputs, training: bool):
        return nalu_forward(
            inputs, self.kernel_hat, self.mask_hat, self.gate, self.epsilon
        )

    def penalty(self):
        return nalu_sparsity_loss(self.kernel_hat, self.mask_hat)

    def effective(self) -> dict:
        return {
            "kernel": nac_weight(self.kernel_hat, self.mask_hat),
            "gate": self.gate.value,
        }

    def sparsity_errors(self) -> dict[str, float]:
        return {"kernel": max_distance(self.effective_weights()["kernel"])}

    def snapped(self) -> dict[str, np.ndarray]:
        weight = self.effective_weights()["kernel"]
        return snap_nac_weight(weight, "kernel_hat", "mask_hat")

    def get_config(self) -> dict:
        return {**super().get_config(), "epsilon": self.epsilon}
