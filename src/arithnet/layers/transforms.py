"""Fixed input and output transforms that arithnet's models put around units.

These layers have no weights. `Replicate` lets a unit with weights in
{-1, 0, 1} express integer coefficients and constants (``2*a + 3`` is
``a + a + 1 + 1 + 1``); `SignedLog` and `SignedExp` move a baseline into log
space and back. They are registered, so saved models load without
`custom_objects`.
"""

from collections.abc import Sequence

import keras
from keras import ops


def _check_counts(copies: Sequence[int], constants: int) -> None:
    bad = [c for c in copies if isinstance(c, bool) or not isinstance(c, int) or c < 0]
    if not copies or bad or not isinstance(constants, int) or constants < 0:
        raise ValueError(
            "Replicate needs a non-empty list of copy counts >= 0 and a count of "
            "constant columns >= 0. "
            f"Received: copies={list(copies)!r}, constants={constants!r}"
        )
    if sum(copies) + constants == 0:
        raise ValueError(
            "Replicate would output no column: give at least one copy or constant. "
            f"Received: copies={list(copies)!r}, constants={constants!r}"
        )


@keras.saving.register_keras_serializable(package="arithnet")
class Replicate(keras.layers.Layer):
    """Repeats each input column and appends columns of ones.

    Output columns are ``copies[0]`` copies of input 0, then ``copies[1]``
    copies of input 1, ..., then ``constants`` columns equal to 1.

    Input shape: `(batch_size, inputs)` with ``inputs == len(copies)``.
    Output shape: `(batch_size, sum(copies) + constants)`.

    Args:
        copies: How many times each input column is repeated (0 drops it).
        constants: How many columns of ones to append.
        **kwargs: Passed to `keras.layers.Layer`.

    Example:

        Replicate([2, 1], constants=1)  # (a, b) -> (a, a, b, 1)
    """

    def __init__(self, copies: Sequence[int], constants: int = 0, **kwargs):
        super().__init__(**kwargs)
        copies = [int(c) if not isinstance(c, bool) else c for c in copies]
        _check_counts(copies, constants)
        self.copies = copies
        self.constants = constants
        self.index = [i for i, count in enumerate(copies) for _ in range(count)]

    def call(self, inputs):
        columns = ops.take(inputs, self.index, axis=-1) if self.index else None
        if not self.constants:
            return columns
        # (batch_size, 1) of ones repeated to (batch_size, constants).
        ones = ops.repeat(ops.ones_like(inputs[:, :1]), self.constants, axis=-1)
        return ones if columns is None else ops.concatenate([columns, ones], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], len(self.index) + self.constants)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(copies=list(self.copies), constants=self.constants)
        return config


@keras.saving.register_keras_serializable(package="arithnet")
class SignedLog(keras.layers.Layer):
    """sign(x) * log(1 + |x|), elementwise: integers to a scale near 1.

    Input and output shape: `(batch_size, features)`.
    """

    def call(self, inputs):
        return ops.sign(inputs) * ops.log1p(ops.abs(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="arithnet")
class SignedExp(keras.layers.Layer):
    """sign(z) * (exp(|z|) - 1), elementwise: the inverse of `SignedLog`.

    Input and output shape: `(batch_size, features)`.
    """

    def call(self, inputs):
        return ops.sign(inputs) * ops.expm1(ops.abs(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape
