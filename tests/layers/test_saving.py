"""`arithnet.saving.load_model`: safe mode only, one clear error for bad files."""

import json
import zipfile

import keras
import numpy as np
import pytest
from keras import ops

from arithnet import saving
from arithnet.layers import NAU, NMU

pytestmark = pytest.mark.backends


@pytest.fixture
def saved(tmp_path):
    model = keras.Sequential([keras.Input((2,)), NAU(2), NMU(1)])
    path = tmp_path / "model.keras"
    model.save(path)
    return model, path


def _rewrite_config(source, target, edit):
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    members["config.json"] = json.dumps(edit(config)).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_loads_a_model_of_units(saved):
    model, path = saved
    loaded = saving.load_model(path)
    x = np.array([[2.0, 3.0], [-1.0, 4.0]], dtype="float32")
    np.testing.assert_array_equal(
        ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(model(x))
    )


def test_refuses_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match="no such file.*Accepted: .*Received: path="):
        saving.load_model(tmp_path / "absent.keras")


def test_refuses_another_extension(saved, tmp_path):
    renamed = tmp_path / "model.h5"
    renamed.write_bytes(saved[1].read_bytes())
    with pytest.raises(ValueError, match="does not end in .keras"):
        saving.load_model(renamed)


def test_refuses_a_file_that_is_not_an_archive(tmp_path):
    path = tmp_path / "text.keras"
    path.write_text("not a zip file")
    with pytest.raises(ValueError, match="corrupt or not a Keras archive"):
        saving.load_model(path)


def test_refuses_a_truncated_archive(saved, tmp_path):
    path = tmp_path / "truncated.keras"
    path.write_bytes(saved[1].read_bytes()[:200])
    with pytest.raises(ValueError, match="corrupt or not a Keras archive"):
        saving.load_model(path)


def test_refuses_a_lambda_layer(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2)])
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(ValueError, match="contains Lambda layers"):
        saving.load_model(path)


def test_refuses_an_unknown_layer_class(saved, tmp_path):
    path = tmp_path / "unknown.keras"

    def rename(config):
        layer = config["config"]["layers"][-1]
        layer["class_name"] = layer["registered_name"] = "arithnet>NoSuchUnit"
        return config

    _rewrite_config(saved[1], path, rename)
    with pytest.raises(ValueError, match="does not know .arithnet>NoSuchUnit"):
        saving.load_model(path)


def test_refuses_an_unknown_keras_layer(saved, tmp_path):
    path = tmp_path / "unknown.keras"

    def rename(config):
        layer = config["config"]["layers"][-1]
        layer.update(
            class_name="NoSuchLayer", module="keras.layers", registered_name=None
        )
        return config

    _rewrite_config(saved[1], path, rename)
    with pytest.raises(ValueError, match="Keras could not rebuild it"):
        saving.load_model(path)


def test_error_is_one_line(tmp_path):
    with pytest.raises(ValueError) as info:
        saving.load_model(tmp_path / "absent.keras")
    assert "\n" not in str(info.value)
