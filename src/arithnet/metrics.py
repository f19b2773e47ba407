"""Exact-integer metrics, in NumPy for reports and as a Keras metric.

The NumPy functions never lose precision on the truth: integer targets stay
int64 or Python ints, and the prediction is split into its nearest integer
(exact in float64) and a fractional remainder, so errors on targets past
2**24 or 2**53 are measured exactly.

Example:

>>> exact_accuracy(np.array([3, 2**40]), np.array([3.2, 2.0**40]))
1.0
"""

import math
import warnings

import keras
import numpy as np


def exact_matches(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Per row, whether round(prediction) equals the integer truth.

    Args:
        y_true: Integer targets (int64 or object array of Python ints).
        y_pred: Predictions of any float dtype.

    Returns:
        A boolean array, False wherever the prediction is NaN or infinite.
    """
    y_true = np.asarray(y_true).reshape(-1)
    preds = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    finite = np.isfinite(preds)
    rounded = np.rint(np.where(finite, preds, 0.0))
    if y_true.dtype == object or np.abs(rounded).max(initial=0) >= 2.0**62:
        # Past int64: compare as Python ints (float64 integers convert exactly).
        same = [int(r) == int(t) for r, t in zip(rounded, y_true, strict=True)]
        return finite & np.asarray(same, dtype=bool)
    return finite & (rounded.astype(np.int64) == y_true.astype(np.int64))


def exact_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The share of rows where round(prediction) == truth.

    Args:
        y_true: Integer targets (int64 or object array of Python ints).
        y_pred: Predictions.

    Returns:
        A number in [0, 1].
    """
    return float(exact_matches(y_true, y_pred).mean())


def absolute_errors(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """|prediction - truth| per row, in float64, without rounding the truth.

    The difference is taken as (round(p) - t) exactly in integers plus the
    fractional part p - round(p), so a target of 2**60 is not rounded to
    float64 before subtracting.
    """
    y_true = np.asarray(y_true).reshape(-1)
    preds = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if y_true.dtype.kind == "f":
        return np.abs(preds - y_true)
    finite = np.isfinite(preds)
    preds = np.where(finite, preds, 0.0)
    rounded = np.rint(preds)
    whole = np.asarray(
        [
            float(int(r) - int(t)) if ok else math.inf
            for r, t, ok in zip(rounded, y_true, finite, strict=True)
        ]
    )
    return np.abs(whole + (preds - rounded))


def mean_absolute_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The mean of |prediction - truth|, exact in the truth."""
    return float(absolute_errors(y_true, y_pred).mean())


def max_relative_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The largest |prediction - truth| / |truth| over the rows.

    Rows whose truth is 0 count their absolute error instead, so a wrong
    prediction of 0 is never hidden.
    """
    errors = absolute_errors(y_true, y_pred)
    scale = np.abs(np.asarray(y_true, dtype=np.float64).reshape(-1))
    relative = np.where(scale > 0, errors / np.where(scale > 0, scale, 1.0), errors)
    return float(relative.max(initial=0.0))


@keras.saving.register_keras_serializable(package="arithnet")
class ExactAccuracy(keras.metrics.Metric):
    """Keras metric: the share of rows where round(y_pred) == round(y_true).

    Computed in the metric's dtype (float32 by default), so it is exact only
    while targets stay below 2**24; pass `dtype="float64"` for larger
    integers. Use the NumPy `exact_accuracy` for reports.

    Example:

    >>> model.compile(loss="mse", metrics=[ExactAccuracy()])  # doctest: +SKIP

    Args:
        name: The metric's name.
        dtype: The dtype in which predictions are rounded and compared.
    """

    def __init__(self, name: str = "exact_accuracy", dtype: str | None = None):
        super().__init__(name=name, dtype=dtype)
        self.matches = self.add_variable(
            shape=(), initializer="zeros", name="matches", dtype=self.dtype
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", name="count", dtype=self.dtype
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = keras.ops.reshape(keras.ops.cast(y_true, self.dtype), (-1,))
        y_pred = keras.ops.reshape(keras.ops.cast(y_pred, self.dtype), (-1,))
        equal = keras.ops.equal(keras.ops.round(y_pred), keras.ops.round(y_true))
        self.matches.assign_add(keras.ops.sum(keras.ops.cast(equal, self.dtype)))
        self.count.assign_add(keras.ops.cast(keras.ops.shape(y_true)[0], self.dtype))

    def result(self):
        return keras.ops.divide_no_nan(self.matches, self.count)

    def reset_state(self):
        self.matches.assign(0.0)
        self.count.assign(0.0)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


def binary_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """What Keras 3's ``'accuracy'`` computes on a one-unit regression.

    Keras resolves the string to binary accuracy: y_true == (y_pred > 0.5),
    which on integer targets is the share of targets equal to 0 predicted
    below 0.5 plus targets equal to 1 predicted above it.
    """
    y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    above = np.asarray(y_pred, dtype=np.float64).reshape(-1) > 0.5
    return float(np.mean(y_true == above.astype(np.float64)))


def warn_if_misleading_accuracy(metrics: list | None, output_units: int) -> bool:
    """Warns when ``'accuracy'`` is asked for on a one-unit regression.

    Args:
        metrics: The metrics given to `compile`.
        output_units: The model's number of outputs.

    Returns:
        Whether a warning was issued.
    """
    names = [m for m in (metrics or []) if isinstance(m, str)]
    if output_units != 1 or not {"accuracy", "acc"} & set(names):
        return False
    warnings.warn(
        "metrics=['accuracy'] on a one-unit regression is binary accuracy "
        "(y_true == (y_pred > 0.5)): it counts targets equal to 0 or 1, not "
        "correct integers. Use arithnet.metrics.ExactAccuracy() instead.",
        UserWarning,
        stacklevel=2,
    )
    return True
