"""`arithnet.saving`: trained models saved with their description, atomically,
and rebuilt in float64."""

import zipfile

import keras
import numpy as np
import pytest

from arithnet import saving, training
from arithnet.layers import NAU, NMU


def _product_model(dtype="float32"):
    x = keras.Input((2,), dtype=dtype)
    unit = NMU(1, dtype=dtype)
    model = keras.Model(x, unit(x))
    unit.kernel.assign(np.ones((2, 1)))
    model.compile(optimizer="adam", loss=lambda t, p: keras.ops.mean((t - p) ** 2))
    return model


def test_saves_uncompiled_with_metadata(tmp_path):
    path = saving.save_model(_product_model(), tmp_path / "m.keras", {"expr": "a*b"})

    loaded = saving.load_model(path)
    assert saving.read_metadata(path) == {"expr": "a*b"}
    assert loaded.compiled is False
    assert training.predict(loaded, np.array([[3.0, 4.0]]))[0] == 12.0


def test_plain_keras_files_have_no_metadata(tmp_path):
    path = tmp_path / "plain.keras"
    keras.Sequential([keras.Input((2,)), NAU(1)]).save(path)
    assert saving.read_metadata(path) is None


def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    path.write_bytes(b"old")

    def broken(model, dtype=None):
        raise OSError("disk full")

    monkeypatch.setattr(saving, "with_dtype", broken)
    with pytest.raises(OSError, match="disk full"):
        saving.save_model(_product_model(), path, {})
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_metadata_that_is_not_an_object_is_refused(tmp_path):
    path = saving.save_model(_product_model(), tmp_path / "m.keras")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(saving.METADATA_NAME, "[1, 2]")
    with pytest.raises(ValueError, match="is not a JSON object"):
        saving.read_metadata(path)


def test_float64_copy_multiplies_exactly_past_two_to_the_24():
    model = _product_model("float32")
    wide = saving.with_dtype(model, "float64")
    x = np.array([[123456789.0, 98765.0]])

    assert wide.inputs[0].dtype == "float64"
    assert training.predict(wide, x)[0] == 123456789 * 98765
    assert training.predict(model, x)[0] != 123456789 * 98765
