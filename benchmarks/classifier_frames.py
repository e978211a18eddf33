"""Real MD frames for the beta-Sn classifier's tests (``tests/analysis/test_motif_classifier.py``): thermal
beta-Sn from a teacher that keeps it, and beta-Sn that a failing fit transformed.

    python benchmarks/classifier_frames.py [--beta-tin-potential NAME] [--out tests/analysis/data]

- ``beta_tin_teacher_400K.extxyz.gz``: every 3rd frame of SevenNet-l3i5's Langevin MD of 48 beta-Sn atoms at
  400 K (fixed cell), the teacher-MD run in the Na-Sn label cache of ``benchmarks/data``.
- ``beta_tin_transformed_300K.extxyz.gz``: 900 atoms of beta-Sn in zero-pressure MD at 300 K
  (``workflows.fitting.crystal_md``, 26 A cell, 20 ps) with ``--beta-tin-potential``, the samples at 12 and 18 ps.
  The shipped frames come from the round-3 Na-Sn fit of ``docs/host_fidelity/README.md`` (its command there, from
  the shipped label caches; found through ANODEFLOW_POTENTIALS_PATH), which turns the cell into a distorted
  simple-hexagonal-like structure within 4 ps. Quenched with that fit, these frames end 3.0 meV/atom above its
  beta-Sn at 2 % more volume, in a cell of 28.6 x 31.1 x 29.4 A (from 29.8 x 29.8 x 28.8): not beta-Sn.

Positions and cells only (A). About 10 min on one core.
"""

from __future__ import annotations

import argparse
import tarfile
from pathlib import Path
from tempfile import TemporaryDirectory

from ase import Atoms
from ase.io import read, write

from anodeflow.potentials import get_potential
from anodeflow.workflows.fitting import crystal_md

ARCHIVE = "label_cache-SevenNet-l3i5-Na-Sn.tar.xz"
TEACHER_RUN = "Sn48 md 400 K"
TRANSFORMED_PS = (12, 18)


def bare(atoms: Atoms) -> Atoms:
    """Symbols, positions and cell only."""
    return Atoms(atoms.get_chemical_symbols(), positions=atoms.positions, cell=atoms.cell, pbc=True)


def teacher_frames(data: Path, every: int = 3) -> list[Atoms]:
    """Every ``every``-th frame of the teacher's 400 K beta-Sn MD stored in the shipped label cache."""
    with TemporaryDirectory() as tmp:
        with tarfile.open(data / ARCHIVE) as archive:
            archive.extractall(tmp, filter="data")
        for path in sorted(Path(tmp).glob("SevenNet-l3i5/snapshots-*.extxyz")):
            frames = read(path, ":")
            if frames[0].info.get("label", "").startswith(TEACHER_RUN):
                return [bare(a) for a in frames[::every]]
    raise SystemExit(f"error: no '{TEACHER_RUN}' run in {data / ARCHIVE}")


def transformed_beta_tin(potential: str) -> list[Atoms]:
    """The 900-atom, 300 K, 0 bar beta-Sn samples at ``TRANSFORMED_PS`` with ``potential``."""
    record = get_potential(potential)
    with TemporaryDirectory() as tmp:
        commands = record.lammps_commands(["Na", "Sn"], Path(tmp) / "potential")
        summary, frames = crystal_md("Na-Sn", commands, "beta-Sn", 300.0, 20.0, Path(tmp), n_frames=20, n_samples=20,
                                     cell_A=26.0, progress=True)
    print(potential, summary["n_atoms"], "atoms, crystalline fraction per ps:", summary["crystalline_fraction_per_sample"])
    return [bare(frames[ps - 1][1]) for ps in TRANSFORMED_PS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beta-tin-potential", default="Na-Sn-UF3SNAP-SevenNet-l3i5")
    parser.add_argument("--out", type=Path, default=Path("tests/analysis/data"))
    parser.add_argument("--data", type=Path, default=Path(__file__).parent / "data")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / "beta_tin_teacher_400K.extxyz.gz", teacher_frames(args.data), format="extxyz")
    write(args.out / "beta_tin_transformed_300K.extxyz.gz", transformed_beta_tin(args.beta_tin_potential),
          format="extxyz")


if __name__ == "__main__":
    main()
