"""Fitted forms side by side on the same teacher-labelled configurations: UF3 + linear SNAP (the
workflow's default, at 2J = 2, 4, 6), quadratic SNAP alone, and ML-POD.

    python benchmarks/fit_forms.py Na-Sn [--teacher SevenNet-0] [--md-snapshots 150] [--atoms 1000]

The fit workflow's training configurations (host under strain and shear, carrier metal, alloy phases,
random alloys across x, point defects) plus teacher-driven MD snapshots at 800 and 1200 K are labelled
once and split 80/20 (seed 0). UF3 and SNAP forms are solved by the workflow's own least squares
(``FitPotentialMaker``'s weights and curvature penalty; the teacher's relaxed crystals are not added here),
ML-POD (2- to 4-body) by LAMMPS ``fitpod``; every form is then evaluated by LAMMPS. Prints held-out RMSE
over all configurations and over the teacher-MD frames alone (energy meV/atom, force eV/A), each form's
LAMMPS speed (atom-steps/s) on a host crystal of about ``--atoms`` atoms, and whether 100 NVE steps of a
random alloy at x = 0.5 from 300 K keep every atom.
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
import time
from contextlib import chdir
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from anodeflow.potentials.snap import SnapSettings, pair_commands
from anodeflow.potentials.uf3 import Uf3Basis, Uf3Settings
from anodeflow.structures.amorphous import random_alloy
from anodeflow.structures.crystals import HOST_CRYSTALS, bulk_crystal, parse_system
from anodeflow.workflows.engine import Lammps
from anodeflow.workflows.fitting import (
    FitPotentialMaker,
    curvature_penalty,
    solve_fit,
    teacher_labels,
    teacher_md_snapshots,
    training_configurations,
    training_rows,
    write_potential_files,
)
from anodeflow.workflows.calculators import lammps_calculator
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import write

from anodeflow.errors import EngineError

#: ML-POD basis (LAMMPS ML-POD keywords): Li-Si from the Cui MEAM, 200 MD frames: held-out force RMSE
#: 0.40 eV/A with 8/6/4/4/2 radial/angular functions, 0.38 eV/A with these
POD_BASIS = {"bessel_polynomial_degree": 4, "inverse_polynomial_degree": 8,
             "twobody_number_radial_basis_functions": 10, "threebody_number_radial_basis_functions": 8,
             "threebody_angular_degree": 6, "fourbody_number_radial_basis_functions": 6,
             "fourbody_angular_degree": 3, "fivebody_number_radial_basis_functions": 0, "fivebody_angular_degree": 0,
             "sixbody_number_radial_basis_functions": 0, "sixbody_angular_degree": 0,
             "sevenbody_number_radial_basis_functions": 0, "sevenbody_angular_degree": 0}


def labelled_set(system: str, teacher: str, md_snapshots: int, directory: Path) -> tuple[list[Atoms], list[Atoms]]:
    """(train, held-out) configurations with the teacher's energy, forces and virial attached."""
    calculator = lammps_calculator(system, teacher, directory)
    configs = training_configurations(system, seed=0)
    for k, temperature in enumerate(FitPotentialMaker.md_temperatures_K):
        configs += teacher_md_snapshots(system, calculator, md_snapshots, temperature, k)
    frames = []
    for text, atoms in configs:
        labels = teacher_labels(atoms, calculator)
        if labels is not None:
            frame = Atoms(atoms.get_chemical_symbols(), positions=atoms.positions, cell=atoms.cell, pbc=True)
            frame.info.update(labels=labels, label=text)
            frames.append(frame)
    order = np.random.default_rng(0).permutation(len(frames))
    n_test = max(1, round(0.2 * len(frames)))
    return [frames[i] for i in sorted(order[n_test:])], [frames[i] for i in sorted(order[:n_test])]


def predicted(frames: list[Atoms], commands: list[str], types: list[str], directory: Path) -> list[tuple]:
    """(energy eV, forces eV/A) of every frame from LAMMPS ``commands``."""
    out = []
    for atoms in frames:
        with Lammps(directory, log=False) as lmp:
            lmp.load_atoms(atoms, types)
            lmp.commands([*commands, "thermo_style custom step pe", "run 0"])
            out.append((lmp.thermo("pe"), lmp.forces()))
    return out


def rmse(frames: list[Atoms], predictions: list[tuple]) -> tuple[float, float]:
    """(energy meV/atom, force eV/A) RMSE of ``predictions`` against the frames' teacher labels."""
    de = [(e - f.info["labels"][0]) / len(f) for f, (e, _) in zip(frames, predictions)]
    df = np.concatenate([(forces - f.info["labels"][1]).ravel() for f, (_, forces) in zip(frames, predictions)])
    return 1000 * float(np.sqrt(np.mean(np.square(de)))), float(np.sqrt(np.mean(np.square(df))))


def linear_form(uf3: Uf3Settings | None, snap: SnapSettings):
    """A fit function for UF3 (if given) + SNAP, solved as ``FitPotentialMaker`` solves it."""
    maker = FitPotentialMaker(uf3=uf3, snap=snap)

    def fit(train: list[Atoms], types: list[str], directory: Path) -> list[str]:
        basis = Uf3Basis(types, uf3) if uf3 else None
        rows = [training_rows(f, *f.info["labels"], snap, basis, types, directory) for f in train]
        weights = {"energy": maker.energy_weight, "forces": 1.0, "virial": maker.virial_weight}
        coeff = solve_fit(rows, weights, maker.ridge, curvature_penalty(basis, snap, len(types)))
        files = write_potential_files(directory, "fit", types, snap, basis, coeff, "benchmark")
        return pair_commands(types, files["coeff"], files["param"], snap.zbl_inner_A, snap.zbl_outer_A,
                             files.get("uf3"))
    return fit


def fit_pod(train: list[Atoms], types: list[str], directory: Path) -> list[str]:
    """ML-POD with :data:`POD_BASIS` by LAMMPS ``fitpod``; returns its LAMMPS pair commands."""
    data = directory / "pod_train"
    data.mkdir()
    frames = []
    for f in train:
        frame = f.copy()
        frame.info.clear()
        frame.calc = SinglePointCalculator(frame, energy=f.info["labels"][0], forces=f.info["labels"][1])
        frames.append(frame)
    write(data / "train.xyz", frames, format="extxyz")
    basis = "\n".join(f"{k} {v}" for k, v in POD_BASIS.items())
    (directory / "param.pod").write_text(
        f"species {' '.join(types)}\npbc 1 1 1\nrin 1.0\nrcut 5.0\nnumber_of_environment_clusters 1\n"
        f"number_of_principal_components 2\nonebody 1\n{basis}\n")
    (directory / "data.pod").write_text(
        f'file_format extxyz\nfile_extension xyz\npath_to_training_data_set "{data}"\n'
        f'path_to_test_data_set "{data}"\npath_to_environment_configuration_set "{data}"\n'
        "fitting_weight_energy 100.0\nfitting_weight_force 1.0\nfitting_regularization_parameter 1e-10\n"
        "error_analysis_for_training_data_set 0\nerror_analysis_for_test_data_set 0\n"
        "basename_for_output_files fit\nprecision_for_pod_coefficients 10\n")
    with chdir(directory), Lammps(directory, log=False) as lmp:  # fitpod writes into the working folder
        lmp.command("fitpod param.pod data.pod")
    return ["pair_style pod", f"pair_coeff * * {directory / 'param.pod'} {directory / 'fit_coefficients.pod'} "
            + " ".join(types)]


def speed(atoms: Atoms, commands: list[str], types: list[str], directory: Path, steps: int = 100) -> float | None:
    """LAMMPS NVE atom-steps/s of ``commands`` on ``atoms`` (after 50 minimisation steps, 300 K start);
    None if the run loses atoms."""
    with Lammps(directory, log=False) as lmp:
        lmp.load_atoms(atoms, types)
        try:
            lmp.commands([*commands, "timestep 0.001", "thermo 0", "minimize 0 1e-3 50 100", "reset_timestep 0",
                          "velocity all create 300 3", "fix nve all nve", "run 5"])
            start = time.perf_counter()
            lmp.command(f"run {steps}")
        except EngineError:
            return None
        return len(atoms) * steps / (time.perf_counter() - start)


FORMS = {"uf3+snap4": ("UF3 + SNAP 2J=4", linear_form(Uf3Settings(), SnapSettings(twojmax=4))),
         "uf3+snap2": ("UF3 + SNAP 2J=2", linear_form(Uf3Settings(), SnapSettings(twojmax=2))),
         "uf3+snap6": ("UF3 + SNAP 2J=6", linear_form(Uf3Settings(), SnapSettings(twojmax=6))),
         "qsnap6": ("quadratic SNAP 2J=6", linear_form(None, SnapSettings(twojmax=6, quadratic=True))),
         "pod": ("ML-POD 4-body", fit_pod)}


def evaluate(form: str, system: str, directory: Path, n_atoms: int) -> None:
    """Fit one form to the labelled set pickled in ``directory`` and print its row."""
    types = list(parse_system(system))
    with open(directory / "labelled.pkl", "rb") as fh:
        train, test = pickle.load(fh)
    work = directory / form
    work.mkdir()
    title, fit = FORMS[form]
    commands = fit(train, types, work)
    # errors over cells of two or more atoms: LAMMPS pair_style pod crashes on an atom without neighbours
    train, test = ([f for f in frames if len(f) > 1] for frames in (train, test))
    md_test = [f for f in test if f.info["label"].startswith("md ")]
    e_te, f_te = rmse(test, predicted(test, commands, types, work))
    e_md, f_md = rmse(md_test, predicted(md_test, commands, types, work))
    host = bulk_crystal(HOST_CRYSTALS[types[1]])
    crystal = host.repeat([max(1, round((n_atoms / len(host)) ** (1 / 3)))] * 3)
    rate = speed(crystal, commands, types, work)
    alloy_md = "ok" if speed(random_alloy(system, 0.5, n_atoms, seed=1), commands, types, work) else "lost atoms"
    print(f"{title:<22}{e_te:>18.1f}{f_te:>7.3f}{e_md:>15.1f}{f_md:>7.3f}{rate or float('nan'):>13.0f}{alloy_md:>12}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("system")
    parser.add_argument("--teacher", default="SevenNet-0")
    parser.add_argument("--md-snapshots", type=int, default=150, help="teacher-MD frames at each of 800 and 1200 K")
    parser.add_argument("--atoms", type=int, default=1000)
    parser.add_argument("--evaluate", choices=sorted(FORMS), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.evaluate:
        evaluate(args.evaluate, args.system, args.data, args.atoms)
        return
    with TemporaryDirectory() as tmp:
        directory = Path(tmp)
        start = time.perf_counter()
        train, test = labelled_set(args.system, args.teacher, args.md_snapshots, directory)
        with open(directory / "labelled.pkl", "wb") as fh:
            pickle.dump((train, test), fh)
        print(f"{args.system} labelled by {args.teacher}: {len(train)} training, {len(test)} held-out configurations "
              f"({time.perf_counter() - start:.0f} s)")
        print(f"speed (atom-steps/s) on about {args.atoms} host atoms; alloy MD: 100 NVE steps of a {args.atoms}-atom "
              "random alloy at x = 0.5 from 300 K ('lost atoms' if it collapses)")
        print(f"{'form':<22}{'held-out meV/atom':>18}{'eV/A':>7}{'MD frames meV':>15}{'eV/A':>7}{'atom-steps/s':>13}"
              f"{'alloy MD':>12}")
        for form in FORMS:  # one process per form: ML-POD fails after other LAMMPS instances in a process
            subprocess.run([sys.executable, __file__, args.system, "--evaluate", form, "--data", str(directory),
                            "--atoms", str(args.atoms)], check=True)


if __name__ == "__main__":
    main()
