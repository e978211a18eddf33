"""Pieces every CLI module shares: consoles, error handling, option checks, JSON output.

User text (file names, option values, stored strings) is never interpreted by rich: errors are
plain one-line writes to stderr, :class:`Table` keeps its title and cells literal, and prints that
carry user text pass ``markup=False``; no console turns ``:name:`` into emoji.
"""

from __future__ import annotations

import functools
import json
import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text
from typer.core import TyperGroup

try:  # typer >= 0.26 carries its own copy of click
    from typer._click.exceptions import BadParameter, ClickException, MissingParameter, NoArgsIsHelpError
    from typer._click.globals import get_current_context
except ImportError:  # older typer runs on click itself
    from click.exceptions import BadParameter, ClickException, MissingParameter, NoArgsIsHelpError
    from click.globals import get_current_context

from anodeflow.errors import AnodeflowError, InputError

console = Console(emoji=False, highlight=False)

JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output (units in key names)")]
PlotOpt = Annotated[Path | None, typer.Option("--plot", help="write a PNG figure")]


class Table(RichTable):
    """A rich table whose title and string cells are shown as given (no markup, no emoji)."""

    def __init__(self, *columns, title: str | None = None, **kwargs):
        super().__init__(*columns, title=None if title is None else Text(str(title)), **kwargs)

    def add_row(self, *cells, **kwargs) -> None:
        super().add_row(*(Text(c) if isinstance(c, str) else c for c in cells), **kwargs)


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters shown as escapes, so it stays one line."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))


def check_option(option: str, value: float, *, gt: float | None = None, ge: float | None = None,
                 lt: float | None = None, le: float | None = None, unit: str = "") -> None:
    """Raise :class:`InputError` naming ``option`` unless ``value`` is finite and within the bounds given."""
    if not math.isfinite(value):
        raise InputError(f"{option} must be a finite number, got {value}")
    bounds = [(gt, ">", lambda v, b: v > b), (ge, ">=", lambda v, b: v >= b),
              (lt, "<", lambda v, b: v < b), (le, "<=", lambda v, b: v <= b)]
    if not all(test(value, bound) for bound, _, test in bounds if bound is not None):
        wanted = " and ".join(f"{symbol} {bound:g}" for bound, symbol, _ in bounds if bound is not None)
        raise InputError(f"{option} must be {wanted}{' ' + unit if unit else ''}, got {value:g}")


def check_atom_option(n_atoms: int) -> None:
    """``--atoms`` of a random packing: at least 2 and within the ``max_atoms`` setting."""
    from anodeflow.structures.sizes import check_atoms

    if n_atoms < 2:
        raise InputError(f"--atoms must be >= 2, got {n_atoms}")
    check_atoms(n_atoms, f"--atoms {n_atoms}")


def check_reservoir_x(reservoir: str, x: float | None) -> None:
    """``--x`` (carrier fraction) goes with ``--reservoir amorphous`` and only with it."""
    if (reservoir == "amorphous") != (x is not None):
        given = f"--x {x:g} with --reservoir {reservoir}" if x is not None else "--reservoir amorphous without --x"
        raise InputError(f"--x (carrier fraction, 0 < x <= 1) goes with --reservoir amorphous and only with it; "
                         f"got {given}")


def parse_floats(text: str, what: str) -> tuple[float, ...]:
    """'1000,1200' -> (1000.0, 1200.0), every value finite; ``what`` names the option in the error."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"{what} '{text}' must be comma-separated numbers, e.g. 1000,1200,1400") from None
    if not all(math.isfinite(v) for v in values):
        raise InputError(f"{what} '{text}' must be finite numbers, e.g. 1000,1200,1400")
    return values


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
    for i, atoms in enumerate(frames):
        if len(atoms) == 0:
            raise InputError(f"structure file '{file}' has no atoms in frame {i}")
        if not (math.isfinite(atoms.positions.sum()) and math.isfinite(atoms.cell.array.sum())):
            raise InputError(f"structure file '{file}' has a non-finite position or cell (nan or inf) in frame {i}")
    return frames


def print_error(message: str) -> None:
    """Write ``error: <message>`` to stderr as one plain line."""
    sys.stderr.write(f"error: {one_line(message)}\n")
    sys.stderr.flush()


def check_finite_options(kwargs: dict, ctx=None) -> None:
    """Every float option of the command of ``ctx`` (default: the running one) must be finite (no nan, inf);
    errors name the option."""
    ctx = ctx or get_current_context(silent=True)
    if ctx is None:
        return
    for param in ctx.command.params:
        value = kwargs.get(param.name)
        if isinstance(value, float) and not math.isfinite(value):
            name = param.opts[0] if param.opts[0].startswith("-") else param.name.upper()
            raise InputError(f"{name} must be a finite number, got {value}")


def handle_errors(func):
    """Turn anodeflow errors into one line ``error: <message>`` and the error's exit code.

    Float options are checked to be finite before the command runs. An error of a failed run also
    names its run folder (where ``error.log`` and the partial data are).
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            check_finite_options(kwargs)
            return func(*args, **kwargs)
        except AnodeflowError as exc:
            where = f" (run folder {exc.run_dir})" if getattr(exc, "run_dir", None) else ""
            print_error(f"{exc}{where}")
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def _syntax_message(exc, args: list[str]) -> str:
    """A command-line syntax error as one message; a bad option value is quoted as given."""
    param = getattr(exc, "param", None)
    if not isinstance(exc, BadParameter) or isinstance(exc, MissingParameter) or param is None:
        return exc.format_message()
    given = None
    for i, arg in enumerate(args):
        for opt in param.opts:
            if arg == opt and i + 1 < len(args):
                given = args[i + 1]
            elif arg.startswith(opt + "="):
                given = arg[len(opt) + 1:]
    name = param.opts[0] if param.opts[0].startswith("-") else param.name.upper()
    value = f" {given!r}" if given is not None else ""
    message = exc.message.replace("Input should be", "should be")
    return f"invalid value{value} for {name}: {message}"


class OneLineErrors(TyperGroup):
    """The root command group: command-line syntax errors (unknown option, value of the wrong type, missing
    argument) print one line ``error: <message>`` and exit with 2, like every other bad input."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Run the command line; in standalone mode, exit with the command's code."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except ClickException as exc:
            print_error(_syntax_message(exc, sys.argv[1:] if args is None else list(args)))
            sys.exit(exc.exit_code)
        except typer.Abort:
            print_error("aborted")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


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
