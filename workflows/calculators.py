"""ASE calculators for a system's potential, and the relaxations and crystal energies every workflow
shares (validation, fitting, screening, NEB, stability)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ase import Atoms

from anodeflow.structures.crystals import parse_system
from anodeflow.workflows.md import resolve_potential, type_elements_for


def lammps_calculator(system: str, potential_name=None, directory: str | Path | None = None):
    """An ASE calculator for ``system``'s elements with its potential (a record, its name, or None: the
    system's default; :meth:`Potential.calculator`: LAMMPS
    in-process for LAMMPS-native forms, files written into ``directory``, default
    ``ANODEFLOW_HOME/potential_files``; an MLIP is its own ASE calculator)."""
    potential = resolve_potential(potential_name, system)
    return potential.calculator(type_elements_for(parse_system(system), potential), directory)


def relax(atoms: Atoms, calculator, fmax: float = 1e-3, steps: int = 500, cell: bool = True) -> Atoms:
    """Relax ``atoms`` in place with ``calculator``; fmax in eV/A.

    L-BFGS, with the cell through ``FrechetCellFilter`` (``cell``) or for positions only: its cost per
    step does not grow with the square of the atom count as BFGS's does (the same steps and minimum
    on the alloy phases, a quarter of the time for Li12Si7's 152 atoms).
    """
    from ase.filters import FrechetCellFilter
    from ase.optimize import LBFGS

    from anodeflow.errors import EngineError
    from anodeflow.workflows.engine import engine_message

    atoms.calc = calculator
    try:
        LBFGS(FrechetCellFilter(atoms) if cell else atoms, logfile=None).run(fmax=fmax, steps=steps)
    except Exception as exc:  # LAMMPSlib passes LAMMPS's own errors on as bare exceptions
        if isinstance(exc, EngineError) or not str(exc).lstrip().startswith("ERROR"):
            raise
        message = engine_message(exc)
        raise EngineError(f"relaxation of {atoms.get_chemical_formula()} failed: {message}",
                          engine_message=message) from None
    return atoms


def isolated_atom_energy_eV(element: str, calculator, box_A: float = 15.0) -> float:
    """Energy (eV) of one ``element`` atom alone in a periodic cube of ``box_A`` (A): the zero of the
    cohesive energy (a box wider than twice any potential's cutoff here)."""
    atom = Atoms(element, positions=[[box_A / 2] * 3], cell=[box_A] * 3, pbc=True)
    atom.calc = calculator
    return float(atom.get_potential_energy())


def cohesive_energy_eV(crystal: Atoms, calculator) -> float:
    """Cohesive energy (eV/atom, positive when bound) of the one-element ``crystal`` with ``calculator``."""
    element = crystal.get_chemical_symbols()[0]
    crystal.calc = calculator
    return isolated_atom_energy_eV(element, calculator) - float(crystal.get_potential_energy() / len(crystal))


def lattice_deformation(crystal: str, calculator) -> np.ndarray:
    """3x3 map of the tabulated ``crystal`` cell onto the potential's relaxed one (cell used = tabulated
    @ this); shear below 1e-4 from the relaxation's numerical noise is dropped, so an orthorhombic
    crystal stays orthorhombic."""
    from anodeflow.structures.crystals import bulk_crystal

    relaxed = bulk_crystal(crystal)
    relax(relaxed, calculator, fmax=1e-4)
    deform = np.linalg.solve(bulk_crystal(crystal).cell.array, relaxed.cell.array)
    deform[np.abs(deform) < 1e-4] = 0.0
    return deform
