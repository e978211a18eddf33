"""PBE energy-volume curves of competing host polymorphs with the package's CP2K route; writes the
reference file that ``potentials validate`` compares against.

    python benchmarks/pbe_polymorphs.py [--elements Sn,Sb,Si] [--cutoff-Ry 500] [--kpoint-density 400]
        [--converge] [--out potentials/data/pbe_polymorphs.json]

Each polymorph of ``structures.crystals.POLYMORPHS`` is scanned at fixed shape over 7 volumes
(+-10 % around its starting volume, extended while the minimum sits at an edge) in its primitive cell,
with CP2K PBE (DZVP-MOLOPT-SR-GTH, GTH-PBE, Fermi-Dirac 500 K) on the symmetric Gamma-centred mesh of
``--kpoint-density`` (``workflows.dft.kpoint_mesh``), and fitted with a Birch-Murnaghan EOS (ase.eos).
``--converge`` first prints the alpha - beta Sn energy difference against cutoff and k-point density.
The file records the settings, the CP2K version, the command and the wall time.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

from anodeflow.structures.crystals import POLYMORPHS, polymorph

SMEARING_K = 500.0
N_VOLUMES = 7
VOLUME_SPAN = 0.10


def primitive(atoms):
    from pymatgen.io.ase import AseAtomsAdaptor

    return AseAtomsAdaptor.get_atoms(AseAtomsAdaptor.get_structure(atoms).get_primitive_structure())


def energy_per_atom_eV(atoms, cutoff_Ry: float, density: int, workdir: Path) -> tuple[float, list[int]]:
    """CP2K PBE energy per atom (eV) of ``atoms`` and the k-point mesh used."""
    from pymatgen.io.ase import AseAtomsAdaptor

    from anodeflow.workflows.dft import cp2k_calculator, kpoint_mesh

    mesh = kpoint_mesh(AseAtomsAdaptor.get_structure(atoms), density)
    atoms = atoms.copy()
    atoms.calc = cp2k_calculator(cutoff_Ry=cutoff_Ry, kpoints=mesh, smearing_K=SMEARING_K,
                                 label=str(workdir / "cp2k"))
    try:
        return float(atoms.get_potential_energy()) / len(atoms), list(mesh)
    finally:
        atoms.calc.close()  # ends the CP2K shell


def eos_scan(name: str, cutoff_Ry: float, density: int, workdir: Path) -> dict:
    """Energy-volume points and Birch-Murnaghan fit of polymorph ``name`` at fixed shape."""
    from ase.eos import EquationOfState

    cell = primitive(polymorph(name))
    v0 = cell.get_volume() / len(cell)
    factors = list(np.linspace(1 - VOLUME_SPAN, 1 + VOLUME_SPAN, N_VOLUMES))
    points: dict[float, float] = {}
    mesh = None
    while True:
        for f in factors:
            if round(f, 4) not in points:
                scaled = cell.copy()
                scaled.set_cell(cell.cell.array * f ** (1 / 3), scale_atoms=True)
                points[round(f, 4)], mesh = energy_per_atom_eV(scaled, cutoff_Ry, density, workdir)
                print(f"  {name} V = {f * v0:.3f} A^3/atom: {points[round(f, 4)]:.5f} eV/atom", flush=True)
        lowest = min(points, key=points.get)
        step = factors[1] - factors[0]
        if lowest == min(points):
            factors = [lowest - step]
        elif lowest == max(points):
            factors = [lowest + step]
        else:
            break
    volumes = np.array(sorted(points)) * v0
    energies = np.array([points[f] for f in sorted(points)])
    fit = EquationOfState(volumes, energies, eos="birchmurnaghan")
    v_min, e_min, bulk_modulus = fit.fit()
    return {"volumes_A3_atom": volumes.round(4).tolist(), "energies_eV_atom": energies.round(6).tolist(),
            "V0_A3_atom": round(float(v_min), 4), "E0_eV_atom": round(float(e_min), 6),
            "B0_GPa": round(float(bulk_modulus) * 160.21766, 2), "n_atoms_cell": len(cell), "kpoint_mesh": mesh,
            "shape": POLYMORPHS[cell.get_chemical_symbols()[0]][name].shape_source}


def convergence(workdir: Path) -> list[dict]:
    """alpha - beta Sn energy difference (meV/atom) at each cutoff and k-point density, at the
    tabulated volumes."""
    rows = []
    for cutoff, density in ((300, 400), (400, 400), (500, 400), (600, 400), (500, 100), (500, 200), (500, 800)):
        alpha, _ = energy_per_atom_eV(primitive(polymorph("alpha-Sn")), cutoff, density, workdir)
        beta, mesh = energy_per_atom_eV(primitive(polymorph("beta-Sn")), cutoff, density, workdir)
        rows.append({"cutoff_Ry": cutoff, "kpoint_density": density, "beta_mesh": mesh,
                     "E_beta_minus_alpha_meV_atom": round(1000 * (beta - alpha), 2)})
        print(f"  cutoff {cutoff} Ry, density {density}: beta - alpha = {rows[-1]['E_beta_minus_alpha_meV_atom']} "
              "meV/atom", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--elements", default="Sn,Sb,Si")
    parser.add_argument("--cutoff-Ry", type=float, default=500.0)
    parser.add_argument("--kpoint-density", type=int, default=400)
    parser.add_argument("--converge", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("potentials/data/pbe_polymorphs.json"))
    args = parser.parse_args()
    start = time.time()
    version = subprocess.run(["cp2k.psmp", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    result = {"method": f"CP2K PBE, DZVP-MOLOPT-SR-GTH / GTH-PBE, {args.cutoff_Ry:g} Ry, Fermi-Dirac {SMEARING_K:g} K, "
                        f"k-point density {args.kpoint_density} (symmetric Gamma-centred Monkhorst-Pack)",
              "cp2k": version, "command": "python benchmarks/pbe_polymorphs.py " + shlex.join(sys.argv[1:]),
              "polymorphs": {}}
    with TemporaryDirectory() as tmp:
        if args.converge:
            result["convergence"] = convergence(Path(tmp))
        for element in args.elements.split(","):
            for name in POLYMORPHS[element]:
                print(f"{name}:", flush=True)
                result["polymorphs"][name] = eos_scan(name, args.cutoff_Ry, args.kpoint_density, Path(tmp))
                result["wall_time_s"] = round(time.time() - start)
                args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
