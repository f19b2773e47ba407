"""Gradients of a loss with respect to a model's weights, on any backend."""

from collections.abc import Callable

import keras
import numpy as np


def loss_gradients(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    loss: Callable | None = None,
) -> list[np.ndarray]:
    """Gradients of `loss(y, model(x))` for each trainable variable.

    Args:
        model: A built Keras model.
        x: Inputs, one batch.
        y: Targets for `x`.
        loss: A Keras loss function; mean squared error by default.

    Returns:
        One NumPy array per entry of `model.trainable_variables`.
    """
    loss = loss or keras.losses.mean_squared_error
    backend = keras.backend.backend()
    if backend == "jax":
        return _jax_gradients(model, x, y, loss)
    if backend == "tensorflow":
        return _tensorflow_gradients(model, x, y, loss)
    if backend == "torch":
        return _torch_gradients(model, x, y, loss)
    raise NotImplementedError(
        "Gradients are implemented for the jax, tensorflow and torch backends. "
        f"Received: backend={backend!r}"
    )


def _mean_loss(loss, y, y_pred):
    return keras.ops.mean(loss(y, y_pred))


def _jax_gradients(model, x, y, loss):
    import jax

    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]

    def objective(weights):
        y_pred, _ = model.stateless_call(weights, non_trainable, x)
        return _mean_loss(loss, y, y_pred)

    return [np.asarray(g) for g in jax.grad(objective)(trainable)]


def _tensorflow_gradients(model, x, y, loss):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        value = _mean_loss(loss, y, model(x))
    grads = tape.gradient(value, [v.value for v in model.trainable_variables])
    return [
        np.zeros(v.shape) if g is None else np.asarray(g)
        for v, g in zip(model.trainable_variables, grads, strict=True)
    ]


def _torch_gradients(model, x, y, loss):
    import torch

    model.zero_grad()
    value = _mean_loss(loss, keras.ops.convert_to_tensor(y), model(x))
    value.backward()
    grads = []
    for variable in model.trainable_variables:
        grad = variable.value.grad
        grads.append(np.zeros(variable.shape) if grad is None else grad.numpy().copy())
    with torch.no_grad():
        model.zero_grad()
    return grads
