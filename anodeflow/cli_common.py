"""Pieces every CLI module shares: consoles, error handling, JSON output."""

from __future__ import annotations

import functools
import json
import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from anodeflow.errors import AnodeflowError, InputError

console = Console()
err_console = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output (units in key names)")]


def parse_floats(text: str, what: str) -> tuple[float, ...]:
    """'1000,1200' -> (1000.0, 1200.0); ``what`` names the option in the error."""
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"{what} '{text}' must be comma-separated numbers, e.g. 1000,1200,1400") from None


def read_structures(file: Path) -> list:
    """Every frame of a structure file (extxyz, CIF, POSCAR, LAMMPS data) as ASE Atoms; one-line errors."""
    from ase.io import read

    if not file.is_file():
        raise InputError(f"structure file '{file}' does not exist")
    try:
        frames = read(file, index=":")
    except Exception as exc:  # noqa: BLE001 - ASE raises many kinds
        raise InputError(f"cannot read structure '{file}': {exc}") from None
    if not frames:
        raise InputError(f"structure file '{file}' holds no structure")
    return frames


def handle_errors(func):
    """Turn anodeflow errors into one line ``error: <message>`` and the error's exit code.

    An error of a failed run also names its run folder (where ``error.log`` and the partial data are).
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except AnodeflowError as exc:
            where = f" (run folder {exc.run_dir})" if getattr(exc, "run_dir", None) else ""
            err_console.print(f"error: {exc}{where}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def _json_safe(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return _json_safe(obj.item())
    return obj


def print_json(obj) -> None:
    """Strict JSON on stdout (NaN and infinities become null)."""
    sys.stdout.write(json.dumps(_json_safe(obj), indent=2, default=str, allow_nan=False) + "\n")
