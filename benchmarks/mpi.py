"""Speed-up of LAMMPS MD on 2 MPI ranks (mpich wheel's mpiexec) against the serial in-process run.

    python benchmarks/mpi.py [--atoms-nm 3.0] [--time-ps 2]

Prints atom-steps/s of both and their ratio, and the relative step-0 energy difference.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from anodeflow.structures import build_couple
from anodeflow.workflows.md import LammpsMDMaker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-nm", type=float, default=3.0, help="in-plane size; slab and reservoir 1.25x this")
    parser.add_argument("--time-ps", type=float, default=2.0)
    parser.add_argument("--ranks", type=int, default=2)
    args = parser.parse_args()
    atoms = build_couple("Li-Si", "110", 1.25 * args.size_nm, 1.25 * args.size_nm, args.size_nm)
    settings = dict(temperature_K=1500, time_ps=args.time_ps, dump_every_ps=0.5, progress=False, minimize=False)
    with tempfile.TemporaryDirectory() as tmp:
        serial = LammpsMDMaker(**settings).run(atoms, "Li-Si", Path(tmp) / "serial")
        mpi = LammpsMDMaker(**settings, mpi_ranks=args.ranks).run(atoms, "Li-Si", Path(tmp) / "mpi")
    rel = abs(mpi.thermo[0].pe_eV - serial.thermo[0].pe_eV) / abs(serial.thermo[0].pe_eV)
    print(f"{len(atoms)} atoms, {serial.n_steps} steps, Cui 2012 MEAM")
    print(f"serial         {serial.atom_steps_per_s:12.0f} atom-steps/s")
    print(f"{args.ranks} MPI ranks    {mpi.atom_steps_per_s:12.0f} atom-steps/s")
    print(f"speed-up       {mpi.atom_steps_per_s / serial.atom_steps_per_s:12.2f}x")
    print(f"step-0 energy  relative difference {rel:.2e}")


if __name__ == "__main__":
    main()
