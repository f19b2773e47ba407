"""Loading `.keras` model files safely.

`load_model` only ever loads with Keras's `safe_mode=True`, refuses files that
contain a `Lambda` layer (whose Python code Keras would otherwise rebuild), and
turns every failure into one `ValueError` line.

Keras finds arithnet's layers by their registered names only once
`arithnet.layers` is imported; this module imports it, so
`arithnet.saving.load_model(path)` works in a fresh process. With plain
`keras.saving.load_model`, run `import arithnet.layers` first.
"""

import json
import os
import pathlib
import zipfile

import keras

import arithnet.layers  # noqa: F401  (registers the units with Keras)

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
