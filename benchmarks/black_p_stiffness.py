"""How stiff is black P with each universal potential, against PBE? The screen of hosts puts Li-P and Na-P
through a universal potential (no shipped fit covers P); its shear modulus and its Born stiffness come from that
potential's elastic tensor, so the tensor is checked here against CP2K PBE on the same cells.

    python benchmarks/black_p_stiffness.py [--potentials SevenNet-0,SevenNet-l3i5,CHGNet-0.3.0]
        [--kpoints 8,2,6] [--cutoff-Ry 400] [--relaxed] [--out FILE]

For each potential: black P (Brown & Rundqvist 1965) relaxed with the cell free, its lattice and the
screen's relaxed-ion elastic tensor on it (``workflows.stability.elastic_constants_GPa``), and, on the cell
SevenNet-0 relaxes to, the clamped-ion and relaxed-ion tensors from +-1 % of each Voigt strain; each tensor
with its Voigt-Reuss-Hill shear modulus and Born stiffness. CP2K PBE (DZVP-MOLOPT-SR-GTH, ``--kpoints``,
``--cutoff-Ry``) gives the clamped-ion tensor on that same cell and, with ``--relaxed``, the relaxed-ion one
(positions relaxed to 0.01 eV/A at each strain). The central differences need 12 strained cells where matscipy's
fit takes 30, which matters for CP2K. Writes JSON (``--out``, default ``black_p_stiffness.json``) and prints one
line per potential. a = zigzag chains, b = stacking axis, c = armchair.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

STRAIN = 0.01


def constants_GPa(crystal, calculator, relaxed: bool = False) -> np.ndarray:
    """6x6 Voigt elastic constants (GPa) by central differences of the stress over -+``STRAIN`` of each Voigt
    strain (engineering shear); with ``relaxed`` the positions relax at each strain (0.01 eV/A), else they
    follow the cell."""
    from ase.units import GPa

    from anodeflow.workflows.calculators import relax

    pairs = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]
    columns = []
    for i, j in pairs:
        stresses = []
        for strain in (-STRAIN, STRAIN):
            atoms = crystal.copy()
            epsilon = np.zeros((3, 3))
            epsilon[i, j] += strain if i == j else strain / 2
            epsilon[j, i] = epsilon[i, j]
            atoms.set_cell(crystal.cell.array @ (np.eye(3) + epsilon), scale_atoms=True)
            atoms.calc = calculator
            if relaxed:
                relax(atoms, calculator, fmax=0.01, steps=100, cell=False)
            stresses.append(atoms.get_stress(voigt=True) / GPa)
        columns.append((stresses[1] - stresses[0]) / (2 * STRAIN))
    return np.array(columns).T


def summary(tensor: np.ndarray) -> dict:
    """The tensor (GPa), its Voigt-Reuss-Hill shear modulus and its Born stiffness (GPa)."""
    from pymatgen.analysis.elasticity import ElasticTensor

    from anodeflow.workflows.stability import born_stiffness_GPa

    return {"constants_GPa": tensor.round(2).tolist(), "shear_modulus_vrh_GPa": float(ElasticTensor.from_voigt(
        0.5 * (tensor + tensor.T)).g_vrh), "born_stiffness_GPa": born_stiffness_GPa(tensor)}


def mlip_row(name: str, reference_cell, work: Path) -> dict:
    from anodeflow.workflows.md import resolve_potential
    from anodeflow.workflows.stability import elastic_constants_GPa, relaxed_crystal

    start = time.perf_counter()
    record = resolve_potential(name, "Na-P")
    crystal = relaxed_crystal("black-P", record, ["Na", "P"], work / name)
    calculator = record.calculator(["Na", "P"], work / name / "potential")
    return {"potential": name, "cell_A": crystal.cell.lengths().tolist(),
            "screen": summary(elastic_constants_GPa(crystal, record, ["Na", "P"], work / name)),
            "clamped": summary(constants_GPa(reference_cell, calculator)),
            "relaxed": summary(constants_GPa(reference_cell, calculator, relaxed=True)),
            "wall_time_s": time.perf_counter() - start}


def line(name: str, row: dict) -> str:
    """One printed line: the diagonal constants and G_VRH of each tensor of ``row`` (GPa)."""
    def text(kind: str) -> str:
        diagonal = np.round(np.diag(row[kind]["constants_GPa"]), 1)
        return (f"{kind} C11 C22 C33 {diagonal[:3]}, C44 C55 C66 {diagonal[3:]}, "
                f"G_VRH {row[kind]['shear_modulus_vrh_GPa']:.1f}")

    return "; ".join(text(kind) for kind in ("screen", "clamped", "relaxed") if kind in row) + f" GPa ({name})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--potentials", default="SevenNet-0,SevenNet-l3i5,CHGNet-0.3.0")
    parser.add_argument("--kpoints", default="8,2,6")
    parser.add_argument("--cutoff-Ry", type=float, default=400.0)
    parser.add_argument("--relaxed", action="store_true", help="CP2K relaxed-ion constants too (12 relaxations)")
    parser.add_argument("--out", type=Path, default=Path("black_p_stiffness.json"))
    parser.add_argument("--work", type=Path, default=Path("black_p_stiffness_runs"))
    args = parser.parse_args()

    from anodeflow.workflows.dft import cp2k_calculator
    from anodeflow.workflows.md import resolve_potential
    from anodeflow.workflows.stability import relaxed_crystal

    reference = relaxed_crystal("black-P", resolve_potential("SevenNet-0", "Na-P"), ["Na", "P"],
                                args.work / "reference")
    rows = []
    for name in args.potentials.split(","):
        rows.append(mlip_row(name, reference, args.work))
        print(line(name, rows[-1]), flush=True)
    kpoints = tuple(int(k) for k in args.kpoints.split(","))
    start = time.perf_counter()
    (args.work / "cp2k").mkdir(parents=True, exist_ok=True)
    calculator = cp2k_calculator(cutoff_Ry=args.cutoff_Ry, kpoints=kpoints, label=str(args.work / "cp2k" / "cp2k"))
    pbe = {"potential": "CP2K PBE", "kpoints": list(kpoints), "cutoff_Ry": args.cutoff_Ry,
           "clamped": summary(constants_GPa(reference, calculator))}
    if args.relaxed:
        pbe["relaxed"] = summary(constants_GPa(reference, calculator, relaxed=True))
    pbe["wall_time_s"] = time.perf_counter() - start
    print(line("CP2K PBE", pbe), flush=True)
    args.out.write_text(json.dumps({"reference_cell_A": reference.cell.lengths().tolist(), "strain": STRAIN,
                                    "rows": [*rows, pbe]}, indent=1))


if __name__ == "__main__":
    main()
