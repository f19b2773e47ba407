"""The plumbing every arithmetic unit shares: validation, the step counter, the
ramped regularizer, dtype checks, readout and snapping."""

import keras
import numpy as np
from keras import ops

from arithnet import _backend
from arithnet.layers._regularizer import ramp


def _check_int(name: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(
            f"`{name}` must be an integer. Accepted: an int >= {minimum}. "
            f"Received: {name}={value!r}"
        )
    if value < minimum:
        raise ValueError(
            f"`{name}` is too small. Accepted: an int >= {minimum}. "
            f"Received: {name}={value!r}"
        )


def check_positive(name: str, value) -> None:
    """Raises unless `value` is a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise TypeError(
            f"`{name}` must be a number. Accepted: a float > 0. "
            f"Received: {name}={value!r}"
        )
    if not 0 < value < float("inf"):
        raise ValueError(
            f"`{name}` must be positive and finite. Accepted: a float > 0. "
            f"Received: {name}={value!r}"
        )


class ArithmeticUnit(keras.layers.Layer):
    """Base class of the arithmetic units; not a unit itself.

    Subclasses set `default_regularizer = (scale, start, end)` and implement
    `build_unit`, `unit_call`, `penalty`, `effective` and `snapped`.

    Args:
        units: Number of output units.
        regularizer_scale: Maximum strength of the sparsity regularizer (the
            papers' lambda hat); `None` takes the unit's default, 0 turns the
            regularizer off.
        regularizer_start: Training step at which the ramp leaves 0.
        regularizer_end: Training step at which it reaches `regularizer_scale`.
        seed: Seed of the initializers, or `None` for Keras's global seed.
        **kwargs: Passed to `keras.layers.Layer` (`name`, `dtype`, ...).
    """

    default_regularizer = (0.0, 1_000_000, 2_000_000)

    def __init__(
        self,
        units: int,
        regularizer_scale: float | None = None,
        regularizer_start: int | None = None,
        regularizer_end: int | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        scale, start, end = self.default_regularizer
        scale = scale if regularizer_scale is None else regularizer_scale
        start = start if regularizer_start is None else regularizer_start
        end = end if regularizer_end is None else regularizer_end
        self._validate(units, scale, start, end, seed)

        self.units = int(units)
        self.regularizer_scale = float(scale)
        self.regularizer_start = int(start)
        self.regularizer_end = int(end)
        self.seed = seed
        self.input_spec = keras.layers.InputSpec(ndim=2)

        policy = self.dtype_policy
        if "float64" in (policy.compute_dtype, policy.variable_dtype):
            _backend.require_float64()

    @staticmethod
    def _validate(units, scale, start, end, seed) -> None:
        _check_int("units", units, 1)
        _check_int("regularizer_start", start, 0)
        _check_int("regularizer_end", end, start)
        if isinstance(scale, bool) or not isinstance(scale, int | float):
            raise TypeError(
                "`regularizer_scale` must be a number. Accepted: a float >= 0. "
                f"Received: regularizer_scale={scale!r}"
            )
        if not scale >= 0:
            raise ValueError(
                "`regularizer_scale` must not be negative. Accepted: a float >= 0. "
                f"Received: regularizer_scale={scale!r}"
            )
        if seed is not None:
            _check_int("seed", seed, 0)

    def seed_for(self, offset: int) -> int | None:
        """A distinct initializer seed per weight, derived from `seed`."""
        return None if self.seed is None else self.seed + offset

    def build(self, input_shape):
        inputs = input_shape[-1]
        if inputs is None:
            raise ValueError(
                f"{type(self).__name__} needs a known number of input features. "
                "Accepted: input shape (batch_size, inputs) with inputs known. "
                f"Received: input_shape={input_shape}"
            )
        self.build_unit(int(inputs))
        # Counts training calls; drives the regularizer ramp. A variable (not a
        # callback) so that compiled training on every backend updates it, the
        # same way BatchNormalization updates its moving statistics.
        self.step = self.add_weight(
            name="step", shape=(), dtype="int32", initializer="zeros", trainable=False
        )

    def call(self, inputs, training=False):
        if training:
            if self.regularizer_scale > 0:
                strength = ramp(
                    self.step,
                    self.regularizer_scale,
                    self.regularizer_start,
                    self.regularizer_end,
                    dtype=self.compute_dtype,
                )
                # The trainer sums this with the compiled loss, which Keras
                # computes in floatx; TensorFlow refuses to sum mixed dtypes.
                loss = ops.cast(strength * self.penalty(), keras.config.floatx())
                self.add_loss(loss)
            self.step.assign_add(1)
        return self.unit_call(inputs, bool(training))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            units=self.units,
            regularizer_scale=self.regularizer_scale,
            regularizer_start=self.regularizer_start,
            regularizer_end=self.regularizer_end,
            seed=self.seed,
        )
        return config

    # Readout and snapping, shared by every unit.

    def effective_weights(self) -> dict[str, np.ndarray]:
        """The weights as they act in the forward pass, for formula readout.

        Returns:
            Name -> NumPy array, e.g. NAC's `kernel` = tanh(W_hat) * sigmoid(M_hat).
        """
        return {name: ops.convert_to_numpy(w) for name, w in self.effective().items()}

    def sparsity_error(self) -> float:
        """The largest distance of an effective weight from its snapped value."""
        return max(self.sparsity_errors().values())

    def snap(self) -> None:
        """Assigns `snapped_weights()` to the layer's variables."""
        for name, value in self.snapped_weights().items():
            getattr(self, name).assign(value)

    def snapped_weights(self) -> dict[str, np.ndarray]:
        """Variable name -> its value snapped to the nearest simple weights.

        The values are in the variables' dtype; assigning them (`snap()`) makes
        `effective_weights()` exactly the simple values.
        """
        return self.snapped()

    def numpy(self, name: str) -> np.ndarray:
        """The current value of the variable `name` as a NumPy array."""
        return getattr(self, name).numpy()

    # Hooks of the subclasses. Not named `forward`: on the PyTorch backend a
    # Keras layer is a torch.nn.Module, whose `forward` is how `__call__`
    # reaches `call`.

    def build_unit(self, inputs: int) -> None:
        raise NotImplementedError

    def unit_call(self, inputs, training: bool):
        raise NotImplementedError

    def penalty(self):
        raise NotImplementedError

    def effective(self) -> dict:
        raise NotImplementedError

    def sparsity_errors(self) -> dict[str, float]:
        raise NotImplementedError

    def snapped(self) -> dict[str, np.ndarray]:
        raise NotImplementedError
