"""Render a MEAM record into the two files LAMMPS ``pair_style meam`` reads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anodeflow.potentials.registry import Potential

_LIBRARY_ROWS = (
    ("lat", "z", "ielement", "atwt"),
    ("alpha", "b0", "b1", "b2", "b3", "alat", "esub", "asub"),
    ("t0", "t1", "t2", "t3", "rozero", "ibar"),
)


def meam_library_text(potential: Potential) -> str:
    """The ``library.meam`` text: one three-line block per element."""
    lines = [f"# {potential.name}: {potential.citation}"]
    for element, entry in potential.meam["library"].items():
        lines.append(f"'{element}' '{entry['lat']}' {entry['z']} {entry['ielement']} {entry['atwt']}")
        for row in _LIBRARY_ROWS[1:]:
            lines.append(" ".join(str(int(entry[k])) if k == "ibar" else repr(float(entry[k])) for k in row))
    return "\n".join(lines) + "\n"


def meam_parameter_text(potential: Potential) -> str:
    """The alloy parameter file: ``key = value`` lines."""
    return "".join(f"{key} = {value}\n" for key, value in potential.meam["parameters"].items())


def write_meam_files(potential: Potential, directory: Path) -> tuple[str, str]:
    """Write ``<name>.library.meam`` and ``<name>.meam`` into ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    library = directory / f"{potential.name}.library.meam"
    params = directory / f"{potential.name}.meam"
    library.write_text(meam_library_text(potential))
    params.write_text(meam_parameter_text(potential))
    return str(library), str(params)
