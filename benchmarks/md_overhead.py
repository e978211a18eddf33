"""Throughput of MEAM MD through anodeflow versus the same input run by the wheel's ``lmp``.

    python benchmarks/md_overhead.py [--time-ps 5] [--size-nm 2]

Both runs: Si(110) | Li couple, Cui 2012 MEAM, minimise then NVT at 1500 K with dumps every
0.1 ps. Prints atom-steps/s for each and their ratio (goal: >= 0.95).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from anodeflow.potentials import get_potential
from anodeflow.structures import build_couple
from anodeflow.workflows.engine import mpi_library_path
from anodeflow.workflows.md import LammpsMDMaker


def bare_lammps(atoms, maker: LammpsMDMaker, directory: Path) -> float:
    """Run the identical input with ``lmp``; atom-steps/s from LAMMPS's own MD loop time."""
    from ase.io import write

    pot = get_potential("LiSi-Cui2012-MEAM")
    types = ["Li", "Si"]
    directory.mkdir(parents=True)
    write(directory / "structure.data", atoms, format="lammps-data", specorder=types, masses=True,
          atom_style="atomic", units="metal")
    dt = pot.timestep_fs
    n_steps = round(1000 * maker.time_ps / dt)
    n_every = round(1000 * maker.dump_every_ps / dt)
    lines = ["units metal", "atom_style atomic", "atom_modify map array sort 0 0.0",
             f'read_data "{directory / "structure.data"}"', *pot.lammps_commands(types, directory),
             *maker.lammps_input(dt, n_every, types, directory / "traj.lammpstrj"), f"run {n_steps}"]
    (directory / "in.md").write_text("\n".join(lines) + "\n")
    lmp = shutil.which("lmp")
    env = {"LD_LIBRARY_PATH": str(mpi_library_path().parent), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run([lmp, "-in", "in.md", "-log", "log.lammps", "-screen", "none", "-nocite"], cwd=directory,
                   check=True, env=env)
    loop = re.findall(r"Loop time of ([\d.eE+-]+) on \d+ procs for (\d+) steps with (\d+) atoms",
                      (directory / "log.lammps").read_text())[-1]
    seconds, steps, natoms = float(loop[0]), int(loop[1]), int(loop[2])
    return natoms * steps / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-ps", type=float, default=5.0)
    parser.add_argument("--size-nm", type=float, default=2.0)
    args = parser.parse_args()
    atoms = build_couple("Li-Si", "110", 1.25 * args.size_nm, 1.25 * args.size_nm, args.size_nm)
    maker = LammpsMDMaker(temperature_K=1500, time_ps=args.time_ps, progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        doc = maker.run(atoms, "Li-Si", Path(tmp) / "anodeflow")
        wall = time.perf_counter() - t
        bare = bare_lammps(atoms, maker, Path(tmp) / "bare")
    print(f"atoms: {len(atoms)}, steps: {doc.n_steps}, anodeflow wall time (incl. setup): {wall:.1f} s")
    print(f"anodeflow : {doc.atom_steps_per_s:12.0f} atom-steps/s")
    print(f"bare lmp  : {bare:12.0f} atom-steps/s")
    print(f"ratio anodeflow / lmp = {doc.atom_steps_per_s / bare:.3f}  (goal >= 0.95)")


if __name__ == "__main__":
    main()
