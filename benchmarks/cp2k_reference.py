"""Shared by the CP2K reference scripts: one PBE single point through the package's ASE CP2K route,
and what a reference file records about how it was made."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from ase import Atoms

#: Fermi-Dirac electronic temperature of every reference calculation (K)
SMEARING_K = 500.0


def single_point(atoms: Atoms, cutoff_Ry: float, kpoint_density: int, workdir: Path,
                 forces_and_stress: bool = True) -> tuple[Atoms, list[int]]:
    """A copy of ``atoms`` carrying CP2K PBE energy (eV) and, unless ``forces_and_stress`` is False,
    forces (eV/A) and stress (eV/A^3) in a ``SinglePointCalculator``, and the symmetric Gamma-centred
    k-point mesh used (``workflows.dft.kpoint_mesh``; Gamma only for density 0)."""
    from ase.calculators.singlepoint import SinglePointCalculator
    from pymatgen.io.ase import AseAtomsAdaptor

    from anodeflow.workflows.dft import cp2k_calculator, kpoint_mesh

    mesh = kpoint_mesh(AseAtomsAdaptor.get_structure(atoms), kpoint_density) or (1, 1, 1)
    work = atoms.copy()
    work.calc = cp2k_calculator(cutoff_Ry=cutoff_Ry, kpoints=mesh, smearing_K=SMEARING_K, label=str(workdir / "cp2k"))
    try:
        results = {"energy": work.get_potential_energy()}
        if forces_and_stress:
            results.update(forces=work.get_forces(), stress=work.get_stress())
    finally:
        work.calc.close()  # ends the CP2K shell
    out = atoms.copy()
    out.calc = SinglePointCalculator(out, **results)
    return out, list(mesh)


def provenance(cutoff_Ry: float, kpoint_density: int) -> dict:
    """The settings of the package's ASE CP2K route as text, the CP2K version and the command line
    that is running (``python benchmarks/<script> ARGS``)."""
    version = subprocess.run(["cp2k.psmp", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {"method": f"CP2K PBE, DZVP-MOLOPT-SR-GTH / GTH-PBE, {cutoff_Ry:g} Ry, Fermi-Dirac {SMEARING_K:g} K, "
                      f"k-point density {kpoint_density} (symmetric Gamma-centred Monkhorst-Pack)",
            "cp2k": version,
            "command": f"python benchmarks/{Path(sys.argv[0]).name} " + shlex.join(sys.argv[1:])}
