"""Checks of the CLI's options that must pass before any training starts."""

import os
import pathlib


def check_writable(path: pathlib.Path, label: str = "plot") -> pathlib.Path:
    """Fails early, before any training, when `path` cannot be written.

    Raises:
        ValueError: If the folder is missing or not writable, or `path` is a
            folder.
    """
    path = pathlib.Path(path)
    folder = path.parent if str(path.parent) else pathlib.Path(".")
    if path.is_dir():
        raise ValueError(
            f"The {label} path is a folder. Accepted: a file path in a writable "
            f"folder. Received: {label}={str(path)!r}"
        )
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise ValueError(
            f"Cannot write the {label}: its folder is missing or not writable. "
            "Accepted: a file path in a writable folder. "
            f"Received: {label}={str(path)!r}"
        )
    return path


def require_positive(**values: int) -> None:
    """Raises a one-line ValueError for any count below 1."""
    for name, value in values.items():
        if value < 1:
            raise ValueError(
                f"{name} must be a whole number of at least 1. Received: {name}={value}"
            )


def check_folder(folder: pathlib.Path, label: str = "plot") -> pathlib.Path:
    """Fails before training unless `folder` is, or can become, a folder."""
    parent = folder.parent if str(folder.parent) else pathlib.Path(".")
    usable = folder if folder.exists() else parent
    if not usable.is_dir() or not os.access(usable, os.W_OK):
        raise ValueError(
            f"Cannot write into the {label} folder: it is not a writable folder, "
            "or its parent is not. Accepted: a folder, created if its parent "
            f"exists. Received: {label}={str(folder)!r}"
        )
    return folder
