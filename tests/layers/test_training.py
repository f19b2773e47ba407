"""Training with plain `model.fit`: the regularizer ramp, the step counter, and
the NMU learning a * b exactly, saved and reloaded in a fresh process."""

import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import ops

from arithnet.layers import NAU, NMU, ramp
from arithnet.layers.nau import nau_sparsity_loss

pytestmark = pytest.mark.backends

SOURCE = pathlib.Path(__file__).resolve().parents[2] / "src"


@pytest.mark.parametrize(
    "step, expected",
    [(0, 0.0), (100, 0.0), (150, 5.0), (200, 10.0), (10**7, 10.0)],
)
def test_ramp_is_linear_between_start_and_end(step, expected):
    value = ops.convert_to_numpy(ramp(step, scale=10.0, start=100, end=200))
    assert float(value) == expected


@pytest.mark.parametrize("step, expected", [(99, 0.0), (100, 3.0), (101, 3.0)])
def test_ramp_with_equal_start_and_end_is_a_step(step, expected):
    assert float(ops.convert_to_numpy(ramp(step, 3.0, 100, 100))) == expected


def test_ramp_keeps_the_requested_dtype():
    value = ramp(ops.convert_to_tensor(5, dtype="int32"), 1.0, 0, 10, dtype="float64")
    assert keras.backend.standardize_dtype(value.dtype) == "float64"


def test_fit_counts_steps_and_adds_the_ramped_regularizer(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(64, 2)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    layer = NAU(1, regularizer_scale=100.0, regularizer_start=0, regularizer_end=1)
    model = keras.Sequential([keras.Input((2,)), layer])
    # A zero learning rate keeps the weights, so the penalty is known.
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")

    history = model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)

    assert int(layer.step.numpy()) == 8
    mse = float(np.mean((ops.convert_to_numpy(model(x)) - y) ** 2))
    penalty = 100.0 * float(ops.convert_to_numpy(nau_sparsity_loss(layer.kernel)))
    assert penalty > 1.0
    # Epoch 1 runs steps 0..3 at strengths 0, 100, 100, 100; epoch 2 at 100.
    first, second = history.history["loss"]
    np.testing.assert_allclose(first, mse + 0.75 * penalty, rtol=1e-5)
    np.testing.assert_allclose(second, mse + penalty, rtol=1e-5)


def test_inference_does_not_count_steps_or_add_losses():
    layer = NAU(1, regularizer_start=0, regularizer_end=1)
    model = keras.Sequential([keras.Input((2,)), layer])
    model.predict(np.ones((8, 2), dtype="float32"), verbose=0)
    layer(np.ones((2, 2), dtype="float32"))
    assert int(layer.step.numpy()) == 0
    assert layer.losses == []


def _exact_products(predictions: np.ndarray, pairs: np.ndarray) -> bool:
    return bool(np.array_equal(np.round(predictions[:, 0]), pairs[:, 0] * pairs[:, 1]))


_FRESH_PROCESS = """
import sys
import arithnet.layers  # registers the units; nothing is passed to load_model
import keras
import numpy as np

model = keras.saving.load_model(sys.argv[1])
for name in sys.argv[2:]:
    pairs = np.load(name)
    predictions = model.predict(pairs, batch_size=65536, verbose=0)
    exact = np.array_equal(np.round(predictions[:, 0]), pairs[:, 0] * pairs[:, 1])
    print(type(model.layers[0]).__name__, predictions.dtype, exact)
"""


def test_nmu_learns_multiplication_exactly_and_reloads(seed, tmp_path):
    rng = np.random.default_rng(seed)
    train = rng.integers(0, 500, size=(20_000, 2)).astype("float64")
    model = keras.Sequential(
        [keras.Input((2,), dtype="float64"), NMU(1, dtype="float64")]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")

    model.fit(train, train[:, :1] * train[:, 1:], epochs=3, batch_size=256, verbose=0)

    grid = np.stack(np.meshgrid(np.arange(500.0), np.arange(500.0)), -1).reshape(-1, 2)
    large = rng.integers(0, 10**6, size=(100_000, 2)).astype("float64")
    for pairs in (grid, large):
        predictions = model.predict(pairs, batch_size=65536, verbose=0)
        assert predictions.dtype == np.float64
        assert _exact_products(predictions, pairs)

    path = tmp_path / "nmu.keras"
    model.save(path)
    np.save(tmp_path / "grid.npy", grid)
    np.save(tmp_path / "large.npy", large)
    environment = {
        **os.environ,
        "KERAS_BACKEND": keras.backend.backend(),
        "PYTHONPATH": os.pathsep.join([str(SOURCE), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-c", _FRESH_PROCESS, str(path)]
    command += [str(tmp_path / "grid.npy"), str(tmp_path / "large.npy")]
    result = subprocess.run(
        command, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[:2] == ["NMU float64 True"] * 2


@pytest.mark.skipif(
    keras.backend.backend() != "jax", reason="64-bit mode is a JAX setting"
)
def test_float64_without_jax_64_bit_mode_is_refused():
    code = (
        "import jax, arithnet.layers\n"
        "try:\n"
        "    arithnet.layers.NMU(1, dtype='float64')\n"
        "except RuntimeError as error:\n"
        "    print('refused:', error)\n"
    )
    environment = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "JAX_ENABLE_X64": "0",
        "PYTHONPATH": str(SOURCE),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "refused: float64 needs JAX's 64-bit mode" in result.stdout
