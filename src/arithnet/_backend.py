"""Keras backend selection and float64 support.

arithnet runs on every Keras 3 backend. JAX is the default when the user has
not chosen one (no ``KERAS_BACKEND`` and no ``keras.json`` naming another
backend), and JAX gets 64-bit mode switched on before it is first imported,
because without it JAX quietly computes float64 requests in float32.
"""

import contextlib
import json
import os
import pathlib
import sys

BACKENDS = ("jax", "tensorflow", "torch")


def _user_chose_backend() -> bool:
    """Whether the user named a backend.

    Keras writes ``keras.json`` with its default, TensorFlow, on first import,
    so only a file naming another backend counts as a choice.
    """
    if os.environ.get("KERAS_BACKEND"):
        return True
    keras_home = os.environ.get("KERAS_HOME", pathlib.Path.home() / ".keras")
    try:
        config = json.loads((pathlib.Path(keras_home) / "keras.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and config.get("backend") not in (
        None,
        "tensorflow",
    )


def prepare(backend: str | None = None) -> None:
    """Chooses the Keras backend before Keras is imported.

    Args:
        backend: A backend name to force, or `None` to keep the user's choice
            and fall back to JAX when there is none.

    Raises:
        ValueError: If `backend` is not a Keras backend name, or if Keras was
            already imported with another backend.
    """
    if backend is not None and backend not in BACKENDS:
        raise ValueError(
            f"Unknown backend. Accepted: {', '.join(BACKENDS)}. "
            f"Received: backend={backend!r}"
        )
    if "keras" in sys.modules:
        current = sys.modules["keras"].backend.backend()
        if backend is not None and backend != current:
            raise ValueError(
                "Keras is already imported with another backend; choose the "
                "backend before importing keras. "
                f"Received: backend={backend!r} (active: {current!r})"
            )
        return
    if backend is not None:
        os.environ["KERAS_BACKEND"] = backend
    elif not _user_chose_backend():
        os.environ["KERAS_BACKEND"] = "jax"
    if "jax" not in sys.modules:
        os.environ.setdefault("JAX_ENABLE_X64", "1")


def float64_available() -> bool:
    """Whether the active backend really computes in float64."""
    import keras

    if keras.backend.backend() != "jax":
        return True
    import jax

    return bool(jax.config.read("jax_enable_x64"))


def require_float64() -> None:
    """Raises when float64 was asked for but would silently run in float32.

    Raises:
        RuntimeError: On JAX without 64-bit mode.
    """
    if not float64_available():
        raise RuntimeError(
            "float64 needs JAX's 64-bit mode, which is off: set "
            "JAX_ENABLE_X64=1 before importing jax, or import arithnet first. "
            "Received: jax_enable_x64=False"
        )


@contextlib.contextmanager
def floatx(dtype: str):
    """Sets Keras's default float dtype to `dtype` for the duration.

    Keras's array data adapter casts every float NumPy array given to `fit`,
    `evaluate` or `predict` to `keras.config.floatx()`, so a float64 model fed
    through them silently sees its inputs and targets rounded to float32
    (16777217 arrives as 16777216). Training and predicting inside this
    context keeps them float64.
    """
    import keras

    previous = keras.config.floatx()
    keras.config.set_floatx(dtype)
    try:
        yield
    finally:
        keras.config.set_floatx(previous)
