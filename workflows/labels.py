"""Teacher labels kept on disk, so that a refit or a killed fit does not pay for them again.

A teacher (an MLIP on one core) is the slow part of a fit: its labels and the snapshots of its own MD
are cached per teacher in ``<ANODEFLOW_HOME>/label_cache/<teacher>/``, keyed by the configuration
(species, positions and cell to 1e-5 A), and read back by any later fit with the same teacher.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.io import iread, write

logger = logging.getLogger(__name__)


def configuration_key(atoms: Atoms) -> str:
    """A hash of ``atoms``' species, positions and cell (A, rounded to 1e-5) and periodicity."""
    digest = hashlib.sha1()
    for array in (atoms.numbers.astype(np.int64), np.round(atoms.positions, 5), np.round(atoms.cell.array, 5),
                  atoms.pbc.astype(np.int8)):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def read_complete(path: Path) -> list[Atoms]:
    """Frames of an extended-XYZ file up to the first broken one (a write cut short by a killed run)."""
    frames = []
    if not path.is_file():
        return frames
    try:
        for atoms in iread(path, index=":", format="extxyz"):
            frames.append(atoms)
    except Exception as error:  # noqa: BLE001 - any parse error ends the readable part
        logger.warning("%s: reading stopped after %d frames (%s)", path, len(frames), error)
    return frames


class LabelCache:
    """Labels (energy eV, forces eV/A, virial eV as xx yy zz yz xz xy, or None for an unfittable frame) of
    one teacher, by :func:`configuration_key`, in ``folder/labels.extxyz``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / "labels.extxyz"
        self.labels: dict[str, tuple | None] = {}
        for atoms in read_complete(self.path):
            info = atoms.info
            self.labels[info["key"]] = None if info.get("unfittable") else (
                float(info["energy_eV"]), np.array(atoms.arrays["forces_eV_A"]), np.array(info["virial_eV"], float))

    def get(self, atoms: Atoms) -> tuple | None | bool:
        """The cached labels of ``atoms`` (None: cached as unfittable), or False if not cached."""
        return self.labels.get(configuration_key(atoms), False)

    def put(self, atoms: Atoms, labels: tuple | None) -> None:
        """Cache ``labels`` of ``atoms`` (appended to the file at once)."""
        key = configuration_key(atoms)
        self.labels[key] = labels
        frame = Atoms(atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
        frame.info["key"] = key
        if labels is None:
            frame.info["unfittable"] = True
        else:
            energy, forces, virial = labels
            frame.info["energy_eV"] = float(energy)
            frame.info["virial_eV"] = np.asarray(virial, float)
            frame.arrays["forces_eV_A"] = np.asarray(forces, float)
        self.folder.mkdir(parents=True, exist_ok=True)
        write(self.path, frame, format="extxyz", append=True)

    def snapshots(self, key: str) -> list[tuple[str, Atoms]] | None:
        """Cached (label, frame) snapshots stored under ``key`` (:meth:`put_snapshots`), or None."""
        path = self.folder / f"snapshots-{key}.extxyz"
        if not path.is_file():
            return None
        return [(atoms.info.pop("label"), atoms) for atoms in read_complete(path)]

    def put_snapshots(self, key: str, snapshots: list[tuple[str, Atoms]]) -> None:
        """Store (label, frame) ``snapshots`` (e.g. of the teacher's own MD) under ``key``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        frames = []
        for label, atoms in snapshots:
            frame = Atoms(atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=atoms.pbc)
            frame.info["label"] = label
            frames.append(frame)
        path = self.folder / f"snapshots-{key}.extxyz"
        write(path.with_suffix(".part"), frames, format="extxyz")
        path.with_suffix(".part").replace(path)


def label_cache(teacher: str) -> LabelCache:
    """The cache of ``teacher``'s labels under ``<ANODEFLOW_HOME>/label_cache``."""
    from anodeflow.potentials.registry import user_potentials_dir

    return LabelCache(user_potentials_dir().parent / "label_cache" / teacher)
