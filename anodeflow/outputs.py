"""Output files written whole or not at all.

Every file a command writes for the user (structures, plots, renders, exports) is written to a
hidden temporary file in the target folder and renamed over the target once complete, so a failed
write (bad input found late, a full disk, a killed process) leaves no partial file and an
existing file untouched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from anodeflow.errors import InputError


def check_output_path(path: str | Path, what: str = "output file", suffixes: tuple[str, ...] = ()) -> Path:
    """``path`` as a :class:`Path` if a file can be written there; :class:`InputError` for a folder, a
    device or pipe, or (with ``suffixes``, lower case with the dot) an extension not among them."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{what} '{path}' is a folder; give a file name")
    if path.exists() and not path.is_file():
        raise InputError(f"{what} '{path}' is not a regular file (a device or pipe); give a file name")
    if suffixes and path.suffix.lower() not in suffixes:
        raise InputError(f"{what} '{path}' has extension '{path.suffix}'; use one of {', '.join(suffixes)}")
    return path


@contextmanager
def output_file(path: str | Path, what: str = "output file") -> Iterator[Path]:
    """Yield a temporary path (same folder and extension as ``path``) to write; on success it replaces
    ``path``, on any error it is removed.

    Raises :class:`InputError` naming ``path`` when it cannot be a file (see :func:`check_output_path`),
    its folder cannot be created, or writing fails (no permission, disk full, file too large).
    """
    path = check_output_path(path, what)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder of {what} '{path}': {exc.strerror or exc}") from None
    tmp = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
    try:
        tmp.touch()  # a folder that takes no new file fails here, before any work
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"cannot write {what} '{path}': {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
