"""Streaming frames from LAMMPS dumps and extxyz files (one frame in memory at a time)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from anodeflow.errors import InputError


@dataclass
class Frame:
    """One snapshot, atoms sorted by id.

    positions (A), 3x3 cell (rows a, b, c; A), element symbols, atom ids, numeric types,
    image flags (None if the file has none) and any extra per-atom columns asked for.
    """

    step: int
    positions: np.ndarray
    cell: np.ndarray
    symbols: np.ndarray
    ids: np.ndarray
    types: np.ndarray | None = None
    images: np.ndarray | None = None
    properties: dict[str, np.ndarray] = field(default_factory=dict)

    def mask(self, species: str) -> np.ndarray:
        """Boolean mask of atoms of an element symbol, or of a numeric LAMMPS type ("2")."""
        if species.isdigit() and self.types is not None:
            return self.types == int(species)
        return self.symbols == species


def parse_type_map(text: str | None) -> dict[int, str]:
    """``"1=Li,2=Si"`` -> {1: "Li", 2: "Si"}: LAMMPS types (integers >= 1, each once) to element symbols."""
    from ase.data import chemical_symbols

    if not text:
        return {}
    out = {}
    for item in text.split(","):
        key, _, value = (part.strip() for part in item.partition("="))
        if not key.isdigit() or not value:
            raise InputError(f"type map '{text}' is not of the form 1=Li,2=Si")
        if int(key) < 1:
            raise InputError(f"type map '{text}': LAMMPS types start at 1, got {key}")
        if value not in chemical_symbols[1:]:
            raise InputError(f"type map '{text}': '{value}' is not an element symbol (e.g. Li, Na, Si, Sn, Sb)")
        if int(key) in out:
            raise InputError(f"type map '{text}' maps type {key} twice ({out[int(key)]} and {value})")
        out[int(key)] = value
    return out


def _check_frame(path: Path, index: int, positions: np.ndarray, cell: np.ndarray, ids: np.ndarray,
                 extra: dict[str, np.ndarray]) -> None:
    """Raise ``InputError`` for a frame without atoms, with a non-finite or flat cell, or with non-finite
    positions or per-atom columns (naming the first offending atom id)."""
    if len(positions) == 0:
        raise InputError(f"trajectory '{path}' has no atoms in frame {index}")
    if not np.all(np.isfinite(cell)) or not abs(np.linalg.det(cell)) > 0:
        raise InputError(f"trajectory '{path}' has a non-finite or flat cell in frame {index}: "
                         f"{np.round(cell, 3).tolist()} (A)")
    for name, values in {"position": positions, **extra}.items():
        bad = ~np.isfinite(values.reshape(len(values), -1)).all(axis=1)
        if bad.any():
            raise InputError(f"trajectory '{path}' has a non-finite {name} (nan or inf) for atom id "
                             f"{ids[bad][0]} in frame {index}")


def read_frames(
    path: str | Path,
    type_map: Mapping[int, str] | None = None,
    columns: Sequence[str] = (),
) -> Iterator[Frame]:
    """Yield frames of a LAMMPS text dump or extxyz file, one at a time.

    ``type_map`` maps numeric LAMMPS types to elements where the dump has no element column;
    ``columns`` names extra per-atom columns to load (e.g. ``c_stress[1]``) into ``properties``.
    A missing, empty, corrupt or truncated file raises ``InputError`` naming the file and frame.
    """
    from ovito.io import import_file

    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise InputError(f"trajectory '{path}' does not exist or is empty")
    _check_dump_complete(path)
    _check_dump_columns(path, columns)
    try:
        pipeline = import_file(str(path), multiple_frames=True)
        n_frames = pipeline.num_frames
    except Exception as exc:
        raise InputError(f"cannot read trajectory '{path}': {_first_line(exc)}") from None
    type_map = dict(type_map or {})
    for index in range(n_frames):
        try:
            data = pipeline.compute(index)
            particles = data.particles
            types = particles.particle_types
            positions = np.array(particles.positions, dtype=float)
            ids = (np.array(particles.identifiers, dtype=int) if particles.identifiers is not None
                   else np.arange(1, particles.count + 1))
            names = {t.id: t.name for t in types.types}
            type_ids = np.array(types, dtype=int)
            images = np.array(particles["Periodic Image"], dtype=int) if "Periodic Image" in particles else None
            extra = {c: _column(particles, c) for c in columns}
            missing = [c for c, v in extra.items() if v is None]
            if missing:
                raise InputError(f"trajectory '{path}' has no column(s) {missing}; it has {list(particles.keys())}")
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"trajectory '{path}' is corrupt at frame {index}: {_first_line(exc)}") from None
        present = np.unique(type_ids)
        lookup = {t: type_map.get(t) or names.get(t) or str(t) for t in present.tolist()}
        symbols = np.array([lookup[t] for t in present.tolist()])[np.searchsorted(present, type_ids)]
        unknown = {s for s in lookup.values() if s.isdigit()}
        if unknown:
            raise InputError(
                f"trajectory '{path}' has numeric types {sorted(unknown)} without element names; "
                "pass a type map such as 1=Li,2=Si"
            )
        step = int(data.attributes.get("Timestep", index))
        cell = np.array(data.cell[:, :3]).T.copy()
        _check_frame(path, index, positions, cell, ids, extra)
        if np.all(ids[1:] > ids[:-1]):  # already sorted (dump_modify sort id): no copies
            yield Frame(step, positions, cell, symbols, ids, type_ids, images, extra)
            continue
        order = np.argsort(ids)
        yield Frame(step, positions[order], cell, symbols[order], ids[order], type_ids[order],
                    None if images is None else images[order], {c: v[order] for c, v in extra.items()})


def _column(particles, name: str) -> np.ndarray | None:
    """A per-atom dump column by its LAMMPS name.

    OVITO files some columns under standard properties (``c_stress[1..6]`` becomes the six
    components xx, yy, zz, xy, xz, yz of "Stress Tensor"); those are mapped back.
    """
    if name in particles:
        return np.array(particles[name])
    match = re.fullmatch(r"\w+\[([1-6])\]", name)
    if match and "Stress Tensor" in particles:
        return np.array(particles["Stress Tensor"])[:, int(match.group(1)) - 1]
    return None


def _check_dump_columns(path: Path, columns: Sequence[str], head: int = 1 << 16) -> None:
    """Raise ``InputError`` if a LAMMPS text dump's first ``ITEM: ATOMS`` header lacks one of ``columns``
    (so a column is never read from another one that OVITO files under the same property)."""
    if not columns:
        return
    with open(path, "rb") as fh:
        text = fh.read(head).decode("utf-8", "replace")
    header = next((line.split()[2:] for line in text.splitlines() if line.startswith("ITEM: ATOMS")), None)
    missing = [c for c in columns if header is not None and c not in header]
    if missing:
        raise InputError(f"trajectory '{path}' has no column(s) {missing}; it has {header}")


def _check_dump_complete(path: Path, block: int = 1 << 20) -> None:
    """Raise ``InputError`` if the last frame of a LAMMPS text dump is cut short.

    Reads backwards from the end only as far as the last frame's header.
    """
    with open(path, "rb") as fh:
        if not fh.read(15).startswith(b"ITEM: TIMESTEP"):
            return
        size = fh.seek(0, 2)
        tail = b""
        pos = size
        while pos > 0 and b"ITEM: NUMBER OF ATOMS" not in tail:
            step = min(block, pos)
            pos -= step
            fh.seek(pos)
            tail = fh.read(step) + tail
    header, _, rest = tail.rpartition(b"ITEM: NUMBER OF ATOMS")
    lines = rest.split(b"\n")
    try:
        n_atoms = int(lines[1])
        atoms_at = next(i for i, line in enumerate(lines) if line.startswith(b"ITEM: ATOMS"))
    except (IndexError, ValueError, StopIteration):
        raise InputError(f"trajectory '{path}' is truncated: its last frame has no complete header") from None
    n_rows = sum(1 for line in lines[atoms_at + 1:] if line.strip())
    if n_rows != n_atoms:
        raise InputError(
            f"trajectory '{path}' is truncated: its last frame has {n_rows} of {n_atoms} atom lines "
            "(cut the incomplete frame off, or rerun)"
        )


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
