"""Checked reading of the ``analyze`` commands' data inputs: CSV tables, diffusion JSON, regions, plot paths.

Each function raises :class:`~anodeflow.errors.InputError` naming the file, line, column or option
and the value at fault, before any fit runs or any file is written.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

from anodeflow.errors import InputError

#: the most RDF bins an ``analyze bonds`` run may ask for
MAX_BINS = 100_000
#: the largest rendered image edge (pixels)
MAX_IMAGE_PX = 10_000


def read_csv_columns(file: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The numeric columns ``required`` (and ``optional``, NaN where empty) of the CSV ``file``.

    Every value must be a finite number; the message names the file, line, column and value.
    """
    if not file.is_file():
        raise InputError(f"file '{file}' does not exist or is not a file")
    try:
        with open(file, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            names = reader.fieldnames
            if not names or not set(required) <= set(names):
                raise InputError(f"'{file}' needs columns {' and '.join(required)}; it has {names}")
            rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"'{file}' is not a CSV text file: {exc}") from None
    columns = {}
    for name in (*required, *(o for o in optional if o in names)):
        values = []
        for line, row in enumerate(rows, start=2):
            text = row.get(name)
            if name in optional and not (text or "").strip():
                values.append(math.nan)
                continue
            try:
                value = float(text)
            except (TypeError, ValueError):
                raise InputError(f"'{file}' line {line}: {name} {text!r} is not a number") from None
            if not math.isfinite(value):
                raise InputError(f"'{file}' line {line}: {name} {text!r} is not a finite number")
            values.append(value)
        columns[name] = np.array(values)
    return columns


def front_from_csv(file: Path) -> tuple[np.ndarray, np.ndarray]:
    """Times (ps) and front advance (nm) from a ``t_ps, L_nm`` CSV: at least 4 rows, times >= 0 and
    distinct, L not the same at every time."""
    columns = read_csv_columns(file, ("t_ps", "L_nm"))
    t, L = columns["t_ps"], columns["L_nm"]
    if len(t) < 4:
        raise InputError(f"'{file}' has {len(t)} (t_ps, L_nm) rows; a kinetics fit needs at least 4")
    if (t < 0).any():
        raise InputError(f"'{file}' line {int(np.argmax(t < 0)) + 2}: t_ps {t[t < 0][0]:g} is negative; times "
                         "count from the start of the run (>= 0 ps)")
    values, counts = np.unique(t, return_counts=True)
    if (counts > 1).any():
        raise InputError(f"'{file}': t_ps {values[counts > 1][0]:g} appears {counts.max()} times; give one L_nm "
                         "per time")
    if np.ptp(L) == 0:
        raise InputError(f"'{file}': L_nm is {L[0]:g} at every time; there is no front advance to fit")
    return t, L


def _diffusion_json(path: Path) -> tuple[float, float]:
    """(D, D error) in cm^2/s from an ``analyze diffusion --json`` file (error NaN when absent)."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read diffusion JSON '{path}': {exc}") from None
    values = []
    for key in ("D_cm2_s", "D_err_cm2_s"):
        value = doc.get(key) if isinstance(doc, dict) else None
        if value is None and key == "D_err_cm2_s":
            values.append(math.nan)
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InputError(f"diffusion JSON '{path}' needs a finite number {key} (as 'analyze diffusion --json' "
                             f"writes), got {value!r}")
        values.append(float(value))
    return values[0], values[1]


def arrhenius_inputs(files: list[Path], temperatures: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """T (K), D and D errors (cm^2/s) from one ``T_K, D_cm2_s[, D_err_cm2_s]`` CSV or from diffusion JSON
    files with one ``--temperatures`` value each; T > 0, D > 0, errors >= 0, at least two distinct T."""
    from anodeflow.cli_common import parse_floats

    if len(files) == 1 and files[0].suffix.lower() == ".csv":
        columns = read_csv_columns(files[0], ("T_K", "D_cm2_s"), ("D_err_cm2_s",))
        T, D = columns["T_K"], columns["D_cm2_s"]
        E = columns.get("D_err_cm2_s", np.full(len(T), math.nan))
        where = lambda i: f"'{files[0]}' line {i + 2}"  # noqa: E731
        source = f"'{files[0]}'"
    else:
        temps = parse_floats(temperatures, "--temperatures") if temperatures else ()
        if len(temps) != len(files):
            raise InputError(f"give one temperature per file with --temperatures ({len(files)} files, {len(temps)} T)")
        T = np.array(temps)
        D, E = (np.array(v) for v in zip(*(_diffusion_json(p) for p in files)))
        where = lambda i: f"'{files[i]}'"  # noqa: E731
        source = f"--temperatures {temperatures}"
    for name, values, ok, valid in (("T_K", T, T > 0, "> 0 K"), ("D_cm2_s", D, D > 0, "> 0"),
                                    ("D_err_cm2_s", E, ~(E < 0), ">= 0")):
        if not ok.all():
            i = int(np.argmin(ok))
            raise InputError(f"{where(i)}: {name} {values[i]:g} must be {valid}")
    if len(np.unique(T)) < 2:
        got = f"every T_K is {T[0]:g}" if len(T) else "there are no rows"
        raise InputError(f"{source}: {got}; an Arrhenius fit needs at least two different temperatures")
    return T, D, E


def check_region(region: str | None) -> None:
    """Refuse a ``--region AXIS:LO_NM:HI_NM`` whose bounds are not finite (named and core regions are
    checked where they are used)."""
    from anodeflow.analysis.diffusion import NAMED_REGIONS, parse_region

    if not region or region in NAMED_REGIONS or region.startswith("core:"):
        return
    _, lo, hi = parse_region(region)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError(f"region '{region}': bounds must be finite numbers in nm, e.g. z:1.0:2.5")


def check_plot(plot: Path | None) -> None:
    """Refuse a ``--plot`` file that cannot be written (a folder, a device, an unknown extension) up front."""
    if plot is not None:
        from anodeflow.outputs import check_output_path
        from anodeflow.plots import PLOT_SUFFIXES

        check_output_path(plot, "--plot file", PLOT_SUFFIXES)


def image_size(text: str) -> tuple[int, int]:
    """``"800x600"`` -> (800, 600): width and height in pixels, each 1..:data:`MAX_IMAGE_PX`."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InputError(f"size '{text}' is not of the form WIDTHxHEIGHT, e.g. 800x600") from None
    if not (1 <= width <= MAX_IMAGE_PX and 1 <= height <= MAX_IMAGE_PX):
        raise InputError(f"size '{text}': width and height must be 1..{MAX_IMAGE_PX} pixels")
    return width, height
