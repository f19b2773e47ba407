"""The regularizer ramp and the sparsity maths the units share.

Madsen & Johansen (2020) switch their sparsity regularizer on gradually: its
strength grows linearly from 0 at step `start` to the maximum `scale` at step
`end` and stays there. The same schedule drives every unit's regularizer here.
"""

from collections.abc import Callable

import keras
import numpy as np
from keras import ops

from arithnet.layers import _ops

# Pre-activation values that saturate tanh and sigmoid to exactly +-1, 1 and 0
# in float32 and float64 (sigmoid(-1000) underflows to 0), used when snapping.
SATURATION = 1000.0


def ramp(step, scale: float, start: int, end: int, dtype: str | None = None):
    """Strength of a regularizer at a training step.

    strength(t) = scale * clip((t - start) / (end - start), 0, 1), and a step
    from 0 to `scale` at `start` when `end == start`.

    Args:
        step: The training step, a number or an integer or float tensor.
        scale: The maximum strength (the papers' lambda hat).
        start: The step at which the ramp leaves 0.
        end: The step at which the ramp reaches `scale`.
        dtype: The dtype of the result; `keras.config.floatx()` by default.

    Returns:
        A scalar tensor.

    Example:

    >>> float(ramp(150, scale=10.0, start=100, end=200))
    5.0
    """
    dtype = dtype or keras.config.floatx()
    step = ops.cast(step, dtype)
    if end == start:
        return ops.cast(step >= start, dtype) * scale
    fraction = ops.clip((step - start) / float(end - start), 0.0, 1.0)
    return fraction * scale


def distance_to_sign_set(weights):
    """min(|w|, |1 - |w||): how far each weight is from {-1, 0, 1}.

    For weights in [0, 1] this equals min(w, 1 - w), the distance to {0, 1}.
    """
    magnitude = ops.abs(weights)
    return ops.where(magnitude < 1.0 - magnitude, magnitude, ops.abs(1.0 - magnitude))


def sparsity_loss(weights):
    """Madsen & Johansen's sparsity regularizer: mean of min(|w|, 1 - |w|)."""
    return _ops.mean(distance_to_sign_set(weights))


def max_distance(weights: np.ndarray) -> float:
    """The sparsity error of Madsen & Johansen: max of min(|w|, |1 - |w||)."""
    magnitude = np.abs(weights)
    return float(np.max(np.minimum(magnitude, np.abs(1.0 - magnitude)), initial=0.0))


def snap_to_integers(weights, low: float, high: float, xp=np):
    """Weights rounded to the nearest integer in [low, high], same dtype.

    Args:
        weights: An array.
        low: The smallest value allowed.
        high: The largest value allowed.
        xp: The array namespace, NumPy or `jax.numpy` (traceable).
    """
    return xp.clip(xp.round(weights), low, high).astype(weights.dtype)


def saturated(signs: np.ndarray) -> np.ndarray:
    """Pre-activations whose tanh (or sigmoid) is exactly `signs` (or 0/1)."""
    return (signs * SATURATION).astype(signs.dtype)


class Clamp(keras.constraints.Constraint):
    """Applies a unit's pure clamp function after every optimizer step.

    Args:
        fn: The clamp, e.g. `nau_clamp`, a function of one tensor.
    """

    def __init__(self, fn: Callable):
        self.fn = fn

    def __call__(self, w):
        return self.fn(w)
