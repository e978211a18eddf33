"""Universal MLIPs as teachers for Na-Sn and Na-Sb, scored against the package's own PBE data.

    python benchmarks/teachers.py [--teachers NAME,...] [--out docs/teachers.json]

Every universal MLIP whose weights ship inside an installed wheel (``TEACHERS``) is scored on:

1. polymorph ordering: energies at the volumes of the PBE scan (``potentials/data/pbe_polymorphs.json``,
   same primitive cells, shapes and fractional coordinates; ``benchmarks/pbe_polymorphs.py``), fitted
   with the same Birch-Murnaghan EOS (the lowest point where the scan holds no minimum); energies of
   the competing Sn and Sb polymorphs above beta-Sn / A7
   (meV/atom) and the hosts' volumes, against PBE;
2. the PBE benchmark set (``potentials/data/pbe_na_host_set.extxyz``, ``benchmarks/pbe_benchmark_set.py``),
   when present: energy RMSE (meV/atom, after one fitted energy shift per element: the codes' atomic
   reference energies differ), force RMSE (eV/A) and stress RMSE (GPa);
3. stability: beta-Sn 2x2x3 and A7 Sb 2x2x1 (hexagonal) supercells, rattled by 0.05 A (seed 1), relaxed
   with the cell free (BFGS + FrechetCellFilter to 2e-3 eV/A): space group after relaxation and energy
   relative to the relaxed symmetric cell (meV/atom); A7's 3 short and 3 long bonds (A);
4. speed: atom-steps/s of energy + forces + stress on a 108-atom beta-Sn cell, one thread.

Writes (or updates, teacher by teacher) the JSON and the markdown table beside it (``.table.md``;
docs/teachers.md quotes and reads it).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from ase import Atoms

from anodeflow.potentials.registry import DATA_DIR
from anodeflow.structures.crystals import POLYMORPHS, polymorph, primitive_cell


def _sevennet(model: str, modal: str | None = None):
    def make():
        from sevenn.calculator import SevenNetCalculator

        return SevenNetCalculator(model, device="cpu", **({"modal": modal} if modal else {}))
    return make


def _chgnet(model: str):
    def make():
        from chgnet.model import CHGNet
        from chgnet.model.dynamics import CHGNetCalculator

        return CHGNetCalculator(model=CHGNet.load(model_name=model, verbose=False), use_device="cpu",
                                stress_weight=1.0 / 160.21766208)
    return make


#: teacher name -> calculator factory; the weights of each ship inside the sevenn 0.13 / chgnet 0.4 wheels
TEACHERS = {
    "SevenNet-0 (11Jul2024)": _sevennet("7net-0"),
    "SevenNet-0 (22May2024)": _sevennet("7net-0_22May2024"),
    "SevenNet-l3i5": _sevennet("7net-l3i5"),
    "SevenNet-MF-0 (PBE head)": _sevennet("7net-mf-0", "PBE"),
    "SevenNet-MF-0 (R2SCAN head)": _sevennet("7net-mf-0", "R2SCAN"),
    "CHGNet 0.3.0": _chgnet("0.3.0"),
    "CHGNet 0.2.0": _chgnet("0.2.0"),
    "CHGNet r2SCAN": _chgnet("r2scan"),
}
HOSTS = {"Sn": "beta-Sn", "Sb": "A7-Sb"}


def ordering(calc, pbe: dict) -> dict:
    """Fixed-shape EOS of each Sn and Sb polymorph at PBE's volumes: energies above the host crystal
    (meV/atom) and the host volume (A^3/atom), each next to PBE's."""
    from ase.eos import EquationOfState

    out = {}
    for element, host in HOSTS.items():
        fits = {}
        for name in POLYMORPHS[element]:
            if name not in pbe:
                continue
            cell = primitive_cell(polymorph(name))
            v0 = cell.get_volume() / len(cell)
            energies = []
            for volume in pbe[name]["volumes_A3_atom"]:
                atoms = cell.copy()
                atoms.set_cell(cell.cell.array * (volume / v0) ** (1 / 3), scale_atoms=True)
                atoms.calc = calc
                energies.append(float(atoms.get_potential_energy()) / len(atoms))
            try:
                fit = EquationOfState(pbe[name]["volumes_A3_atom"], energies, eos="birchmurnaghan").fit()
            except RuntimeError:  # no minimum inside the scan: its lowest point
                fit = (pbe[name]["volumes_A3_atom"][int(np.argmin(energies))], min(energies))
            fits[name] = (float(fit[0]), float(fit[1]))
        if host not in fits:
            continue
        out[f"{host} V0 (A^3/atom)"] = (fits[host][0], pbe[host]["V0_A3_atom"])
        for name, (_, e0) in fits.items():
            if name != host:
                out[f"{name} - {host} (meV/atom)"] = (1000 * (e0 - fits[host][1]),
                                                      1000 * (pbe[name]["E0_eV_atom"] - pbe[host]["E0_eV_atom"]))
    return out


def set_errors(calc, frames: list[Atoms]) -> dict:
    """Energy (meV/atom, one shift per element fitted), force (eV/A) and stress (GPa) RMSE on ``frames``."""
    elements = sorted({s for a in frames for s in a.get_chemical_symbols()})
    counts = np.array([[a.get_chemical_symbols().count(e) for e in elements] for a in frames], float)
    reference, predicted, df, ds = [], [], [], []
    for atoms in frames:
        pbe_energy, pbe_forces, pbe_stress = atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress()
        copy = atoms.copy()
        copy.calc = calc
        reference.append(pbe_energy)
        predicted.append(copy.get_potential_energy())
        df.append((copy.get_forces() - pbe_forces).ravel())
        ds.append((copy.get_stress() - pbe_stress) * 160.21766208)
    residual = np.array(predicted) - np.array(reference)
    shift, *_ = np.linalg.lstsq(counts, residual, rcond=None)
    per_atom = (residual - counts @ shift) / counts.sum(axis=1)
    return {"energy RMSE (meV/atom)": 1000 * float(np.sqrt(np.mean(per_atom**2))),
            "force RMSE (eV/A)": float(np.sqrt(np.mean(np.concatenate(df) ** 2))),
            "stress RMSE (GPa)": float(np.sqrt(np.mean(np.concatenate(ds) ** 2)))}


def stability(calc) -> dict:
    """Rattled beta-Sn and A7 Sb supercells relaxed with the cell free: space group and energy below
    the relaxed symmetric cell; A7 bonds."""
    from anodeflow.structures.crystals import bulk_crystal
    from anodeflow.workflows.calculators import relax
    from anodeflow.workflows.stability import spacegroup
    from anodeflow.workflows.validation import _sb_bonds_A

    out = {}
    for crystal, repeats in (("beta-Sn", (2, 2, 3)), ("Sb", (2, 2, 1))):
        symmetric = relax(bulk_crystal(crystal), calc, fmax=2e-3, steps=400)
        rattled = symmetric.repeat(repeats)
        rattled.rattle(0.05, seed=1)
        relax(rattled, calc, fmax=2e-3, steps=800)
        per_atom = [float(a.get_potential_energy()) / len(a) for a in (rattled, symmetric)]
        delta = 1000 * (per_atom[0] - per_atom[1])
        out[f"{crystal} rattled: space group"] = f"{spacegroup(symmetric)} -> {spacegroup(rattled)}"
        out[f"{crystal} rattled: energy (meV/atom)"] = delta
        if crystal == "Sb":
            out["A7 bonds (A)"] = _sb_bonds_A(symmetric)
    return out


def speed(calc, repeats: int = 5) -> float:
    """Atom-steps/s of energy, forces and stress on a 108-atom beta-Sn cell."""
    from anodeflow.structures.crystals import bulk_crystal

    atoms = bulk_crystal("beta-Sn").repeat((3, 3, 3))
    atoms.calc = calc
    atoms.get_forces()  # warm-up
    start = time.perf_counter()
    for k in range(repeats):
        atoms.positions[0, 0] += 1e-3 * (k + 1)
        atoms.get_forces(), atoms.get_stress()
    return len(atoms) * repeats / (time.perf_counter() - start)


def markdown(results: dict) -> str:
    """The teacher table: each ordering value next to PBE's, the stability results and the speed."""
    keys = list(next(iter(results.values()))["ordering"])
    head = ["teacher", *[k.replace(" (meV/atom)", "") for k in keys], "beta-Sn rattled", "A7 rattled", "A7 bonds (A)",
            "atom-steps/s"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name, row in results.items():
        stab = row["stability"]
        cells = [f"{row['ordering'][k][0]:.1f}" if k in row["ordering"] else "-" for k in keys]
        cells += [f"{stab[f'{c} rattled: space group'].split(' -> ')[1]}, {stab[f'{c} rattled: energy (meV/atom)']:+.1f}"
                  for c in ("beta-Sn", "Sb")]
        cells += ["{:.3f} / {:.3f}".format(*stab["A7 bonds (A)"]), f"{row['atom_steps_per_s']:.0f}"]
        lines.append("| " + " | ".join([name, *cells]) + " |")
    pbe = next(iter(results.values()))["ordering"]
    reference = " | ".join(f"{pbe[k][1]:.1f}" for k in keys)
    lines.append(f"| PBE (CP2K, this package) | {reference} | I4_1/amd | R-3m | | |")
    return "\n".join(lines) + "\n"


def main() -> None:
    from ase.io import read

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teachers", default=",".join(TEACHERS))
    parser.add_argument("--out", type=Path, default=Path("docs/teachers.json"))
    args = parser.parse_args()
    pbe = json.loads((DATA_DIR / "pbe_polymorphs.json").read_text())["polymorphs"]
    set_file = DATA_DIR / "pbe_na_host_set.extxyz"
    frames = read(set_file, index=":") if set_file.exists() else []
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    for name in args.teachers.split(","):
        start = time.time()
        calc = TEACHERS[name]()
        row = {"ordering": ordering(calc, pbe), "stability": stability(calc), "atom_steps_per_s": speed(calc)}
        if frames:
            row["benchmark_set"] = set_errors(calc, frames)
        row["wall_time_s"] = round(time.time() - start)
        results[name] = row
        print(name, json.dumps(row), flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n")
        args.out.with_suffix(".table.md").write_text(markdown(results))


if __name__ == "__main__":
    main()
