"""arithnet: neural networks that do exact integer arithmetic.

Importing arithnet picks the JAX backend when the user has not chosen a Keras
backend, and turns on JAX's 64-bit mode if JAX is not imported yet, so that
float64 models stay float64.
"""

from arithnet import _backend

_backend.prepare()

__version__ = "0.1.0"
