"""NPU and RealNPU, the Neural Power Units of Heim, Pevný & Šmídl (2020).

Pure functions, usable outside Keras (e.g. under `jax.jit`):

- `npu_forward(x, kernel, kernel_imag, gate, epsilon)`: the complex-log power
  unit with its relevance gate.
- `real_npu_forward(x, kernel, gate, epsilon)`: the same without imaginary
  weights.
- `npu_clamp(gate)`: the relevance gate clipped to [0, 1].
- `npu_sparsity_loss(kernel, kernel_imag, gate)` and
  `real_npu_sparsity_loss(kernel, gate)`: the paper's L1 penalty.
"""

import math

import keras
import numpy as np
from keras import ops

from arithnet.layers import _ops
from arithnet.layers._base import ArithmeticUnit, check_positive
from arithnet.layers._regularizer import Clamp, max_distance


def _machine_epsilon(x) -> float:
    return float(np.finfo(keras.backend.standardize_dtype(x.dtype)).eps)


def _log_and_phase(x, gate, epsilon):
    """log r and k of the gated complex logarithm of x, `(batch_size, inputs)`.

    r = g (|x| + eps) + 1 - g and k = g pi [x < 0]: log(x) = log|x| + i pi for
    x < 0, and a gate g = 0 turns an input into the neutral factor 1.
    """
    epsilon = _machine_epsilon(x) if epsilon is None else epsilon
    g = npu_clamp(gate)
    log_r = ops.log(g * (ops.abs(x) + epsilon) + (1.0 - g))
    k = g * ops.cast(x < 0, x.dtype) * math.pi
    return log_r, k


def npu_forward(x, kernel, kernel_imag, gate, epsilon: float | None = None):
    """z = exp(log_r W_re - k W_im) * cos(k W_re + log_r W_im).

    The real part of exp(log(x) (W_re + i W_im)) with the gated complex log of
    `_log_and_phase`.

    Args:
        x: Inputs `(batch_size, inputs)`.
        kernel: W_re, `(inputs, units)`.
        kernel_imag: W_im, `(inputs, units)`.
        gate: g, `(inputs,)`, clipped to [0, 1] here.
        epsilon: eps added to |x|; the dtype's machine epsilon by default.

    Returns:
        `(batch_size, units)`.
    """
    log_r, k = _log_and_phase(x, gate, epsilon)
    magnitude = ops.exp(_ops.matmul(log_r, kernel) - _ops.matmul(k, kernel_imag))
    return magnitude * _ops.cos(
        _ops.matmul(k, kernel) + _ops.matmul(log_r, kernel_imag)
    )


def real_npu_forward(x, kernel, gate, epsilon: float | None = None):
    """z = exp(log_r W) * cos(k W), the NPU with W_im = 0.

    Args:
        x: Inputs `(batch_size, inputs)`.
        kernel: W, `(inputs, units)`.
        gate: g, `(inputs,)`, clipped to [0, 1] here.
        epsilon: eps added to |x|; the dtype's machine epsilon by default.

    Returns:
        `(batch_size, units)`.
    """
    log_r, k = _log_and_phase(x, gate, epsilon)
    return ops.exp(_ops.matmul(log_r, kernel)) * _ops.cos(_ops.matmul(k, kernel))


def npu_clamp(gate):
    """The relevance gate clipped to [0, 1]."""
    return ops.clip(gate, 0.0, 1.0)


def npu_sparsity_loss(kernel, kernel_imag, gate):
    """The L1 norm of all parameters: sum |W_re| + sum |W_im| + sum |g|."""
    return real_npu_sparsity_loss(kernel, gate) + ops.sum(ops.abs(kernel_imag))


def real_npu_sparsity_loss(kernel, gate):
    """The L1 norm of all parameters: sum |W| + sum |g|."""
    return ops.sum(ops.abs(kernel)) + ops.sum(ops.abs(gate))


def snap_exponents(kernel, xp=np):
    """Exponents rounded to the nearest multiple of 1/2 (x, 1/x, sqrt(x), ...).

    `xp` is the array namespace, NumPy or `jax.numpy` (traceable).
    """
    return (xp.round(2.0 * kernel) / 2.0).astype(kernel.dtype)


@keras.saving.register_keras_serializable(package="arithnet")
class NPU(ArithmeticUnit):
    """Neural Power Unit: products of powers, negative inputs and irrelevant inputs.

        r = g * (|x| + eps) + (1 - g),   k = g * pi * [x < 0]
        z = exp(log(r) W_re - k W_im) * cos(k W_re + log(r) W_im)

    z_j is the real part of prod_i x_i^(W_re,ij + i W_im,ij) for the inputs
    whose relevance gate g_i is 1; g_i = 0 removes input i. The gate is clipped
    to [0, 1] in the forward pass and after every optimizer step. The
    regularizer is the L1 norm of all parameters, R = lambda(t) * sum |theta|.
    Initialization: W_re Glorot uniform, W_im = 0, g = 1/2.

    Input shape: `(batch_size, inputs)`. Output shape: `(batch_size, units)`.

    Call arguments:
        inputs: A 2D tensor.
        training: Whether the call is a training step.

    Args:
        units: Number of output units.
        epsilon: eps added to |x|; `None` (default) uses the machine epsilon
            of the layer's dtype, as the reference code does.
        gate_initializer: Initializer of the relevance gate; the paper's
            constant 1/2 by default.
        train_gate: Whether the gate is trained. With `False` and a gate of
            ones, log|z| = W log|x| is linear in W (not in the paper).
        regularizer_scale: lambda hat of the L1 penalty; 1e-6, the reference
            code's final beta.
        regularizer_start: 0.
        regularizer_end: 10_000 steps, when the reference schedule reaches its
            final beta.
        seed: Seed of the initializer.
        **kwargs: Passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Example:

        layer = NPU(1, dtype="float64")
        layer.build((None, 2))
        layer.kernel.assign([[1.0], [-1.0]])
        layer.gate.assign([1.0, 1.0])
        layer(np.array([[-6.0, 4.0]]))  # [[-1.5]], a / b

    Reference:
        Heim, N., Pevný, T. and Šmídl, V. (2020). Neural Power Units. NeurIPS.
        https://arxiv.org/abs/2006.01681

    Warning:
        The reference code grows the L1 strength geometrically (1e-7 to 1e-6,
        x10 every 10_000 steps); here it follows the shared linear ramp.
    """

    default_regularizer = (1e-6, 0, 10_000)
    complex_weights = True

    def __init__(
        self,
        units: int,
        epsilon: float | None = None,
        gate_initializer="npu_default",
        train_gate: bool = True,
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        if epsilon is not None:
            check_positive("epsilon", epsilon)
            epsilon = float(epsilon)
        self.epsilon = epsilon
        if gate_initializer == "npu_default":
            gate_initializer = keras.initializers.Constant(0.5)
        self.gate_initializer = keras.initializers.get(gate_initializer)
        self.train_gate = bool(train_gate)

    def build_unit(self, inputs: int) -> None:
        shape = (inputs, self.units)
        glorot = keras.initializers.GlorotUniform(seed=self.seed_for(0))
        self.kernel = self.add_weight(name="kernel", shape=shape, initializer=glorot)
        if self.complex_weights:
            self.kernel_imag = self.add_weight(
                name="kernel_imag", shape=shape, initializer="zeros"
            )
        self.gate = self.add_weight(
            name="gate",
            shape=(inputs,),
            initializer=self.gate_initializer,
            constraint=Clamp(npu_clamp),
            trainable=self.train_gate,
        )

    def unit_call(self, inputs, training: bool):
        if self.complex_weights:
            return npu_forward(
                inputs, self.kernel, self.kernel_imag, self.gate, self.epsilon
            )
        return real_npu_forward(inputs, self.kernel, self.gate, self.epsilon)

    def penalty(self):
        if self.complex_weights:
            return npu_sparsity_loss(self.kernel, self.kernel_imag, self.gate)
        return real_npu_sparsity_loss(self.kernel, self.gate)

    def effective(self) -> dict:
        weights = {"kernel": self.kernel.value}
        if self.complex_weights:
            weights["kernel_imag"] = self.kernel_imag.value
        weights["gate"] = npu_clamp(self.gate)
        return weights

    def sparsity_errors(self) -> dict[str, float]:
        effective = self.effective_weights()
        kernel = effective["kernel"]
        errors = {
            "kernel": float(np.max(np.abs(kernel - snap_exponents(kernel)))),
            "gate": max_distance(effective["gate"]),
        }
        if self.complex_weights:
            errors["kernel_imag"] = float(np.max(np.abs(effective["kernel_imag"])))
        return errors

    def snapped(self) -> dict[str, np.ndarray]:
        effective = self.effective_weights()
        snapped = {"kernel": snap_exponents(effective["kernel"])}
        if self.complex_weights:
            snapped["kernel_imag"] = np.zeros_like(effective["kernel_imag"])
        snapped["gate"] = np.round(effective["gate"]).astype(effective["gate"].dtype)
        return snapped

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "epsilon": self.epsilon,
            "gate_initializer": keras.initializers.serialize(self.gate_initializer),
            "train_gate": self.train_gate,
        }


@keras.saving.register_keras_serializable(package="arithnet")
class RealNPU(NPU):
    """Real Neural Power Unit: the NPU without imaginary weights.

        r = g * (|x| + eps) + (1 - g),   k = g * pi * [x < 0]
        z = exp(log(r) W) * cos(k W)

    Same gate, clamp, regularizer (L1 of W and g) and initialization as `NPU`.

    Input shape: `(batch_size, inputs)`. Output shape: `(batch_size, units)`.

    Call arguments:
        inputs: A 2D tensor.
        training: Whether the call is a training step.

    Args:
        units: Number of output units.
        **kwargs: The arguments of `NPU` and of `keras.layers.Layer`.

    Example:

        layer = RealNPU(1, dtype="float64")
        layer.build((None, 2))
        layer.kernel.assign([[0.5], [0.0]])
        layer.gate.assign([1.0, 0.0])
        layer(np.array([[9.0, 4.0]]))  # [[3.0]], sqrt(a)

    Reference:
        Heim, N., Pevný, T. and Šmídl, V. (2020). Neural Power Units. NeurIPS.
        https://arxiv.org/abs/2006.01681

    Warning:
        As for `NPU`, the L1 strength follows the shared linear ramp.
    """

    complex_weights = False
