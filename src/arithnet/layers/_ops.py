"""Tensor operations that keep float64 inputs in float64 on every backend.

Measured with Keras 3.15: its type promotion maps float64 to float32 on the
JAX and PyTorch backends whenever an op routes its dtype through
`keras.backend.result_type`. The ops hit are, among others, `ops.tanh`,
`ops.cos`, `ops.sin` (JAX) and `ops.matmul`, `ops.prod`, `ops.maximum`,
`ops.minimum` (PyTorch). Others keep the dtype but compute in float32:
`ops.mean` (JAX, PyTorch) and, on PyTorch, `ops.add`/`ops.multiply` with a
Python float, which is first rounded to float32. The arithmetic units need
exactly these, so this module rebuilds them from ops that keep both dtype and
precision (`einsum`, `expm1`, `where`, `round`, `sum`, arithmetic operators on
tensors). Everything here is `keras.ops` only, so the
functions also run inside `jax.jit` and `jax.vmap` on plain JAX arrays.
"""

import math

from keras import ops

# Taylor coefficients (-1)^k / (2k)! of cos, enough for float64 on [-pi/2, pi/2]:
# the first omitted term is (pi/2)^24 / 24! < 1e-19.
_COS_COEFFICIENTS = tuple((-1) ** k / math.factorial(2 * k) for k in range(12))


def constant(value: float, like) -> object:
    """`value` as a tensor of the dtype of `like`.

    Not `ops.cast(value, dtype)`: on TensorFlow that rounds a Python float to
    float32 before casting it to float64.
    """
    return ops.convert_to_tensor(value, dtype=like.dtype)


def mean(x):
    """Mean of all elements, as a sum over a static element count."""
    return ops.sum(x) / math.prod(x.shape)


def matmul(x, kernel):
    """`x @ kernel` over the last axis of `x`: `(..., inputs) -> (..., units)`."""
    return ops.einsum("...i,io->...o", x, kernel)


def maximum(x, y):
    """Element-wise maximum; `y` may be a Python number."""
    y = constant(y, x) if isinstance(y, int | float) else y
    return ops.where(x >= y, x, y)


def minimum(x, y):
    """Element-wise minimum; `y` may be a Python number."""
    y = constant(y, x) if isinstance(y, int | float) else y
    return ops.where(x <= y, x, y)


def tanh(x):
    """Hyperbolic tangent, accurate near 0 and exactly +-1 when saturated.

    tanh(x) = sign(x) * (1 - e) / (1 + e) with e = exp(-2|x|), written with
    expm1 so that small arguments keep their relative precision.
    """
    t = ops.expm1(-2.0 * ops.abs(x))
    return -ops.sign(x) * t / (2.0 + t)


def cos(x):
    """Cosine by range reduction and a Taylor polynomial.

    Multiples of the float `pi` reduce exactly, so cos(pi) is exactly -1 and
    cos(0) exactly 1, which the sign retrieval of NPU and NMRU relies on.
    """
    two_pi = constant(2.0 * math.pi, x)
    pi = constant(math.pi, x)
    r = x - ops.round(x / two_pi) * two_pi  # r in [-pi, pi]

    # cos(r) = -cos(r - sign(r) * pi) folds r into [-pi/2, pi/2].
    flip = ops.abs(r) > pi / 2.0
    r = ops.where(flip, r - ops.sign(r) * pi, r)

    r2 = r * r
    result = constant(_COS_COEFFICIENTS[-1], x)
    for coefficient in reversed(_COS_COEFFICIENTS[:-1]):
        result = result * r2 + coefficient
    return ops.where(flip, -result, result)


def prod(x):
    """Product over axis -2 of `x` by pairwise multiplication.

    Args:
        x: A tensor `(..., inputs, units)` with a static `inputs` dimension.

    Returns:
        A tensor `(..., units)` in the dtype of `x`.
    """
    factors = [x[..., i, :] for i in range(x.shape[-2])]
    while len(factors) > 1:
        paired = [a * b for a, b in zip(factors[::2], factors[1::2], strict=False)]
        if len(factors) % 2:
            paired.append(factors[-1])
        factors = paired
    return factors[0]
