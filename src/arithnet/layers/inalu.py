"""iNALU, the improved NALU of Schlör, Ring & Hotho (2020).

Pure functions, usable outside Keras (e.g. under `jax.jit`):

- `inalu_forward(x, add_kernel_hat, add_mask_hat, mul_kernel_hat, mul_mask_hat,
  gate, epsilon, omega)`: separate weights per path, an input-independent gate,
  a clipped exponent and sign retrieval.
- `inalu_sparsity_loss(add_kernel_hat, add_mask_hat, mul_kernel_hat,
  mul_mask_hat, gate, threshold)`: the paper's penalty on pre-activations near 0.
"""

import keras
import numpy as np
from keras import ops

from arithnet.layers import _ops
from arithnet.layers._base import ArithmeticUnit, check_positive
from arithnet.layers._regularizer import SATURATION, max_distance
from arithnet.layers.nac import nac_weight, snap_nac_weight

# Means and standard deviation of the normal initializations of W_hat, M_hat
# and the gate, as in the reference implementation's layer module.
_KERNEL_MEAN, _MASK_MEAN, _GATE_MEAN, _STDDEV = 0.88, 0.5, 0.0, 0.2
_NAMES = ("add_kernel_hat", "add_mask_hat", "mul_kernel_hat", "mul_mask_hat")


def inalu_forward(
    x,
    add_kernel_hat,
    add_mask_hat,
    mul_kernel_hat,
    mul_mask_hat,
    gate,
    epsilon: float = 1e-7,
    omega: float = 20.0,
):
    """y = g a + (1 - g) m s, the iNALU forward pass.

        a = x W_a
        m = exp(min(log(max(|x|, eps)) W_m, omega))
        s_j = clip(prod_i (sign(x_i) |W_m,ij| + 1 - |W_m,ij|), -1, 1)
        g = sigmoid(G)

    Args:
        x: Inputs `(batch_size, inputs)`.
        add_kernel_hat: W_hat of the additive path, `(inputs, units)`.
        add_mask_hat: M_hat of the additive path, `(inputs, units)`.
        mul_kernel_hat: W_hat of the multiplicative path, `(inputs, units)`.
        mul_mask_hat: M_hat of the multiplicative path, `(inputs, units)`.
        gate: G, `(units,)`.
        epsilon: Lower bound of |x| inside the logarithm.
        omega: Upper bound of the exponent.

    Returns:
        `(batch_size, units)`.
    """
    add_weight = nac_weight(add_kernel_hat, add_mask_hat)
    mul_weight = nac_weight(mul_kernel_hat, mul_mask_hat)
    added = _ops.matmul(x, add_weight)

    log_x = ops.log(_ops.maximum(ops.abs(x), epsilon))
    multiplied = ops.exp(_ops.minimum(_ops.matmul(log_x, mul_weight), omega))

    # (batch_size, inputs, 1) against (inputs, units) -> (batch_size, inputs, units)
    magnitude = ops.abs(mul_weight)
    sign_factors = ops.expand_dims(ops.sign(x), -1) * magnitude + (1.0 - magnitude)
    sign = ops.clip(_ops.prod(sign_factors), -1.0, 1.0)

    g = ops.sigmoid(gate)
    return g * added + (1.0 - g) * multiplied * sign


def inalu_sparsity_loss(
    add_kernel_hat,
    add_mask_hat,
    mul_kernel_hat,
    mul_mask_hat,
    gate,
    threshold: float = 20.0,
):
    """Sum over the five weights of mean(max(t - |w|, 0)) / t.

    It pushes every pre-activation away from 0, where tanh and sigmoid are
    undecided, towards |w| >= t.
    """
    weights = (add_kernel_hat, add_mask_hat, mul_kernel_hat, mul_mask_hat, gate)
    terms = [_ops.mean(ops.relu(threshold - ops.abs(w))) for w in weights]
    return sum(terms[1:], terms[0]) / threshold


@keras.saving.register_keras_serializable(package="arithnet")
class INALU(ArithmeticUnit):
    """Improved NALU: independent paths, a learned constant gate, sign retrieval.

        W_a = tanh(W_hat_a) * sigmoid(M_hat_a),  a = x W_a
        W_m = tanh(W_hat_m) * sigmoid(M_hat_m)
        m = exp(min(log(max(|x|, eps)) W_m, omega))
        s_j = clip(prod_i (sign(x_i) |W_m,ij| + 1 - |W_m,ij|), -1, 1)
        g = sigmoid(G)                  (one gate per unit, not input-dependent)
        y = g * a + (1 - g) * m * s

    Regularizer: R = lambda(t) * sum_w mean(max(t_reg - |w|, 0)) / t_reg over
    the five weights, t_reg = 20. Initialization: W_hat ~ N(0.88, 0.2),
    M_hat ~ N(0.5, 0.2), G ~ N(0, 0.2).

    Input shape: `(batch_size, inputs)`. Output shape: `(batch_size, units)`.

    Call arguments:
        inputs: A 2D tensor.
        training: Whether the call is a training step.

    Args:
        units: Number of output units.
        epsilon: Lower bound of |x| in the logarithm; 1e-7 as in the paper.
        omega: Upper bound of the exponent; 20 as in the paper, so the
            multiplicative path saturates at exp(20), about 4.85e8.
        regularizer_scale: lambda hat; 1.0, which equals the reference code's
            0.05 * sum_w mean(max(20 - |w|, 0)).
        regularizer_start: 10_000 steps (the reference code switches the
            regularizer on after 10 epochs of 1000 batches).
        regularizer_end: 10_000 steps: a step, not a ramp.
        seed: Seed of the initializers.
        **kwargs: Passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Example:

        model = keras.Sequential([keras.Input((2,)), INALU(1)])
        model.compile(optimizer=keras.optimizers.RMSprop(0.01), loss="mse")

    Reference:
        Schlör, D., Ring, M. and Hotho, A. (2020). iNALU: Improved Neural
        Arithmetic Logic Unit. Frontiers in Artificial Intelligence 3:71.
        https://arxiv.org/abs/2003.07629

    Warning:
        The reference code adds the regularizer only once the loss is below 1,
        in separate optimizer steps, clips gradients to [-0.1, 0.1] and
        re-initializes stalled runs; here the regularizer follows the shared
        ramp, and gradient clipping and restarts are left to the training loop.
        Its experiment scripts also override the initialization means
        (W_hat 1, M_hat -1, standard deviation 0.1); we keep the layer module's.
    """

    default_regularizer = (1.0, 10_000, 10_000)

    def __init__(
        self, units: int, epsilon: float = 1e-7, omega: float = 20.0, **kwargs
    ):
        super().__init__(units, **kwargs)
        check_positive("epsilon", epsilon)
        check_positive("omega", omega)
        self.epsilon = float(epsilon)
        self.omega = float(omega)

    def build_unit(self, inputs: int) -> None:
        means = (_KERNEL_MEAN, _MASK_MEAN, _KERNEL_MEAN, _MASK_MEAN)
        for offset, (name, mean) in enumerate(zip(_NAMES, means, strict=True)):
            weight = self.add_weight(
                name=name,
                shape=(inputs, self.units),
                initializer=self._normal(mean, offset),
            )
            setattr(self, name, weight)
        self.gate = self.add_weight(
            name="gate", shape=(self.units,), initializer=self._normal(_GATE_MEAN, 4)
        )

    def _normal(self, mean: float, offset: int):
        return keras.initializers.RandomNormal(
            mean, _STDDEV, seed=self.seed_for(offset)
        )

    def _unit_weights(self) -> tuple:
        return tuple(getattr(self, name) for name in _NAMES) + (self.gate,)

    def unit_call(self, inputs, training: bool):
        return inalu_forward(inputs, *self._unit_weights(), self.epsilon, self.omega)

    def penalty(self):
        return inalu_sparsity_loss(*self._unit_weights())

    def effective(self) -> dict:
        return {
            "add_kernel": nac_weight(self.add_kernel_hat, self.add_mask_hat),
            "mul_kernel": nac_weight(self.mul_kernel_hat, self.mul_mask_hat),
            "gate": ops.sigmoid(self.gate),
        }

    def sparsity_errors(self) -> dict[str, float]:
        return {
            name: max_distance(value)
            for name, value in self.effective_weights().items()
        }

    def snapped(self) -> dict[str, np.ndarray]:
        effective = self.effective_weights()
        gate = self.numpy("gate")
        return {
            **snap_nac_weight(effective["add_kernel"], *_NAMES[:2]),
            **snap_nac_weight(effective["mul_kernel"], *_NAMES[2:]),
            "gate": np.where(effective["gate"] >= 0.5, SATURATION, -SATURATION).astype(
                gate.dtype
            ),
        }

    def get_config(self) -> dict:
        return {**super().get_config(), "epsilon": self.epsilon, "omega": self.omega}
