"""MD speed of every registered potential of a system on one ~1000-atom cell, and fitted-vs-teacher accuracy.

    python benchmarks/potentials.py Na-Sn [--atoms 1000] [--steps 200] [--teacher-steps 5]

Cell: a random Na-Sn alloy at x = 0.5 (Li-Si: a Si(100) | Li couple of about the same size), NVE in
LAMMPS after a short minimisation. Prints atom-steps/s per potential and each fitted potential's ratio
to its teacher; then, for every record fitted to a teacher, the energy and force RMSE against that
teacher on frames of the fit's own 900 K MD (the frames a random test split never sees), and the
closest pair reached in that MD.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from ase import Atoms

from anodeflow.errors import EngineError
from anodeflow.potentials import list_potentials
from anodeflow.structures.crystals import parse_system
from anodeflow.workflows.engine import Lammps
from anodeflow.workflows.md import type_elements_for


def benchmark_cell(system: str, n_atoms: int) -> Atoms:
    from anodeflow.structures import build_couple
    from anodeflow.structures.amorphous import random_alloy

    if system == "Li-Si":
        return build_couple(system, "100", 1.6, 1.6, 2.2)
    return random_alloy(system, 0.5, n_atoms, seed=1)


def atom_steps_per_s(atoms: Atoms, system: str, name: str, steps: int, directory: Path,
                     temperature_K: float = 0.0, dump: Path | None = None) -> float:
    """LAMMPS NVE (after 50 minimisation steps) with potential ``name``; returns atom-steps/s."""
    from anodeflow.potentials import get_potential

    pot = get_potential(name)
    types = type_elements_for(parse_system(system), pot)
    with Lammps(directory, log=False) as lmp:
        lmp.load_atoms(atoms, types)
        lmp.commands(pot.lammps_commands(types, directory))
        bridge = pot.bind(lmp, types)  # noqa: F841 - keeps an MLIP callback alive
        lmp.commands([f"timestep {pot.timestep_fs / 1000}", "thermo 0", "minimize 0 1e-3 50 100", "reset_timestep 0",
                      f"velocity all create {max(temperature_K, 300.0) * 2} 7 mom yes rot yes dist gaussian",
                      "fix nve all nve"])
        if temperature_K:
            lmp.commands([f"fix lang all langevin {temperature_K} {temperature_K} 0.1 11"])
        if dump is not None:
            lmp.command(f'dump frames all custom {max(1, steps // 10)} "{dump}" id element x y z')
            lmp.command(f"dump_modify frames element {' '.join(types)} sort id")
        start = time.perf_counter()
        lmp.command(f"run {steps}")
        return len(atoms) * steps / (time.perf_counter() - start)


def own_md_errors(system: str, fitted: str, teacher: str, directory: Path) -> dict:
    """RMSE of a fitted potential against its teacher on 10 frames of each of its own 900 K MD runs (128 atoms, 2 ps)."""
    from ase.io import read

    from anodeflow.structures.amorphous import random_alloy
    from anodeflow.structures.couples import min_distance
    from anodeflow.workflows.calculators import lammps_calculator

    calculators = [lammps_calculator(system, name, directory) for name in (fitted, teacher)]  # built once
    errors_e, errors_f, closest, blown = [], [], np.inf, 0
    for x in (0.25, 0.5, 0.75):
        dump = directory / f"own_{x}.lammpstrj"
        try:
            atom_steps_per_s(random_alloy(system, x, 128, seed=3), system, fitted, 2000, directory, 900.0, dump)
        except Exception:  # noqa: BLE001 - LAMMPS stops on lost atoms; the frames before it still count
            blown += 1
        frames = read(dump, index="1:") if dump.is_file() and dump.stat().st_size else []
        for frame in frames:
            closest = min(closest, min_distance(frame))
            pair = []
            for calculator in calculators:
                probe = frame.copy()
                probe.calc = calculator
                pair.append((probe.get_potential_energy() / len(probe), probe.get_forces()))
            errors_e.append(pair[0][0] - pair[1][0])
            errors_f.append((pair[0][1] - pair[1][1]).ravel())
    if not errors_e:
        return {"energy_rmse_meV_atom": np.nan, "force_rmse_eV_A": np.nan, "closest_pair_A": np.nan, "frames": 0,
                "blown_up_runs": blown}
    return {"energy_rmse_meV_atom": 1000 * float(np.sqrt(np.mean(np.square(errors_e)))),
            "force_rmse_eV_A": float(np.sqrt(np.mean(np.square(np.concatenate(errors_f))))),
            "closest_pair_A": float(closest), "frames": len(errors_e), "blown_up_runs": blown}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("system")
    parser.add_argument("--atoms", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=200, help="MD steps for LAMMPS-native potentials")
    parser.add_argument("--teacher-steps", type=int, default=5, help="MD steps for MLIPs (fix external)")
    args = parser.parse_args()
    atoms = benchmark_cell(args.system, args.atoms)
    records = [p for p in list_potentials() if args.system in p.systems]
    print(f"{args.system}: {len(atoms)} atoms")
    speeds = {}
    with TemporaryDirectory() as tmp:
        for pot in records:
            steps = args.teacher_steps if pot.mlip else args.steps
            try:
                speeds[pot.name] = atom_steps_per_s(atoms, args.system, pot.name, steps, Path(tmp))
            except EngineError as exc:
                print(f"  {pot.name:34s} unstable: {exc}")
                continue
            print(f"  {pot.name:34s} {speeds[pot.name]:12.0f} atom-steps/s")
        for pot in records:
            teacher = next((t.name for t in records if t.snap is None and f"teacher={t.name}," in pot.made_by), None)
            if pot.snap is None or teacher is None or pot.name not in speeds:
                continue
            print(f"  {pot.name}: {speeds[pot.name] / speeds[teacher]:.3g}x {teacher}")
            errors = own_md_errors(args.system, pot.name, teacher, Path(tmp))
            print(f"    own 900 K MD, {errors['frames']} frames: {errors['energy_rmse_meV_atom']:.1f} meV/atom, "
                  f"{errors['force_rmse_eV_A']:.3f} eV/A, closest pair {errors['closest_pair_A']:.2f} A, "
                  f"{errors['blown_up_runs']} of 3 runs blew up")


if __name__ == "__main__":
    main()
