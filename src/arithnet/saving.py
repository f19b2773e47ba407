"""Saving and loading `.keras` model files safely.

`load_model` only ever loads with Keras's `safe_mode=True`, refuses files that
contain a `Lambda` layer (whose Python code Keras would otherwise rebuild), and
turns every failure into one `ValueError` line. `save_model` writes an
uncompiled copy of a model (a training loss need not be importable to load
it) together with arithnet's description of what it learned, `arithnet.json`
inside the same archive, and replaces the target file only once the whole
archive is written. `with_dtype` rebuilds a model in another float dtype.

Keras finds arithnet's layers by their registered names only once
`arithnet.layers` is imported; this module imports it, so
`arithnet.saving.load_model(path)` works in a fresh process. With plain
`keras.saving.load_model`, run `import arithnet.layers` first.
"""

import json
import os
import pathlib
import tempfile
import zipfile

import keras
import numpy as np

import arithnet.layers  # noqa: F401  (registers the units with Keras)

METADATA_NAME = "arithnet.json"

_ACCEPTED = (
    "Accepted: a .keras file saved by arithnet/Keras 3 whose layers are Keras "
    "or arithnet layers, without Lambda layers."
)


def _refuse(reason: str, path) -> ValueError:
    return ValueError(
        f"Cannot load the model: {reason}. {_ACCEPTED} Received: path={str(path)!r}"
    )


def _read_config(path: pathlib.Path) -> dict:
    try:
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise _refuse(
            f"the file is corrupt or not a Keras archive ({error})", path
        ) from error


def _objects(node):
    """Every serialized object (a dict with `class_name`) inside a config."""
    if isinstance(node, dict):
        if "class_name" in node:
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def _is_unknown(node: dict) -> bool:
    """Whether a non-Keras object names a class no imported module registered."""
    module = node.get("module")
    if not module or module == "builtins" or module.split(".")[0] == "keras":
        return False
    name = node.get("registered_name") or node["class_name"]
    return keras.saving.get_registered_object(name) is None


def _check_objects(config: dict, path) -> None:
    objects = list(_objects(config))
    lambdas = [
        n.get("config", {}).get("name", "?")
        for n in objects
        if n["class_name"] == "Lambda"
    ]
    if lambdas:
        names = ", ".join(map(str, lambdas))
        raise _refuse(
            f"it contains Lambda layers ({names}), which run stored code", path
        )
    unknown = [
        n.get("registered_name") or n["class_name"] for n in objects if _is_unknown(n)
    ]
    if unknown:
        raise _refuse(
            f"it uses classes arithnet does not know ({', '.join(unknown)})", path
        )


def load_model(path: str | os.PathLike) -> keras.Model:
    """Loads a `.keras` model file with `safe_mode=True` only.

    Args:
        path: Path to a `.keras` file.

    Returns:
        The model, compiled if it was saved compiled.

    Raises:
        ValueError: If the file is missing, not a `.keras` archive, corrupt,
            contains a `Lambda` layer, or names a class Keras cannot find.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise _refuse("no such file", path)
    if path.suffix != ".keras":
        raise _refuse("the file name does not end in .keras", path)

    _check_objects(_read_config(path), path)
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many types; report them as one
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise _refuse(
            f"Keras could not rebuild it ({type(error).__name__}: {reason})", path
        ) from error


def read_metadata(path: str | os.PathLike) -> dict | None:
    """arithnet's description of a saved model, or None for a plain Keras file.

    Raises:
        ValueError: If the file is not a readable archive or its description
            is not a JSON object.
    """
    path = pathlib.Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            if METADATA_NAME not in archive.namelist():
                return None
            metadata = json.loads(archive.read(METADATA_NAME))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise _refuse(f"the file is corrupt ({error})", path) from error
    if not isinstance(metadata, dict):
        raise _refuse(f"{METADATA_NAME} is not a JSON object", path)
    return metadata


def _retyped(node, dtype: str):
    """A copy of a serialized config with every float dtype set to `dtype`."""
    if isinstance(node, list):
        return [_retyped(value, dtype) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: _retyped(value, dtype) for key, value in node.items()}
    if node.get("class_name") == "DTypePolicy":
        name = node.get("config", {}).get("name", "")
        if name in ("float16", "bfloat16", "float32", "float64"):
            node["config"] = {**node["config"], "name": dtype}
    if node.get("dtype") in ("float16", "bfloat16", "float32", "float64"):
        node["dtype"] = dtype
    return node


def with_dtype(model: keras.Model, dtype: str | None = None) -> keras.Model:
    """An uncompiled copy of `model`, in `dtype` if given, with its weights.

    Snapped arithmetic units hold exactly representable weights (0, 1, -1,
    1/2), so a float32 model rebuilt in float64 computes the same formula
    exactly up to 2**53 instead of 2**24.

    Args:
        model: A Keras model of Keras and arithnet layers.
        dtype: ``"float32"`` or ``"float64"``, or None to keep the dtype.

    Returns:
        A new, uncompiled model.
    """
    # get_config, unlike serialize_keras_object, leaves out the compile
    # settings, whose loss may be a local function Keras cannot serialize.
    config = model.get_config()
    if dtype is not None:
        config = _retyped(config, dtype)
    copy = type(model).from_config(config)
    weights = model.get_weights()
    if dtype is not None:
        weights = [w.astype(dtype) if w.dtype.kind == "f" else w for w in weights]
    copy.set_weights(weights)
    return copy


def check_model_name(path: str | os.PathLike) -> pathlib.Path:
    """`path` as a Path, or a ValueError unless it ends in `.keras`."""
    path = pathlib.Path(path)
    if path.suffix != ".keras":
        raise ValueError(
            "A model file name must end in .keras. Accepted: a path such as "
            f"model.keras. Received: out={str(path)!r}"
        )
    return path


def save_model(
    model: keras.Model, path: str | os.PathLike, metadata: dict | None = None
) -> pathlib.Path:
    """Writes an uncompiled copy of `model` and `metadata` to a `.keras` file.

    The archive is written beside `path` and moved over it only when it is
    complete, so an existing file is never left half-written.

    Args:
        model: The model to save.
        path: The target, a file name ending in `.keras`.
        metadata: A JSON-ready description stored as `arithnet.json`.

    Returns:
        The path written.

    Raises:
        ValueError: If the name does not end in `.keras` or the folder cannot
            be written.
    """
    path = check_model_name(path)
    folder = path.parent if str(path.parent) else pathlib.Path(".")
    try:
        handle, temporary = tempfile.mkstemp(suffix=".keras", dir=folder)
    except OSError as error:
        raise ValueError(
            f"Cannot write the model file ({error.strerror}). Accepted: a path "
            f"in a writable folder. Received: out={str(path)!r}"
        ) from None
    os.close(handle)
    try:
        with_dtype(model).save(temporary)
        if metadata is not None:
            with zipfile.ZipFile(temporary, "a") as archive:
                archive.writestr(METADATA_NAME, json.dumps(metadata, default=_json))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def _json(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")
