"""Is a crystal a minimum of a potential? Rattled supercells relaxed with the cell free, and phonons.

A symmetric cell has zero force along every symmetry-breaking mode, so relaxing it cannot reveal an
instability; a rattled supercell can, and phonons over the Brillouin zone show which modes are soft.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms

from anodeflow.structures.crystals import bulk_crystal, repeats_to

#: symmetry tolerance (A) for naming the space group of a relaxed cell
SYMPREC_A = 0.05
#: a rattled relaxation passes when it ends at least this close above the symmetric cell (meV/atom)
ENERGY_TOLERANCE_MEV = 1.0
#: phonon frequencies above minus this count as real (THz): numerical noise of acoustic modes near Gamma
PHONON_TOLERANCE_THZ = 0.1


@dataclass
class RattledRelaxation:
    """One rattled supercell relaxed with the cell free: its repeats, rattle (A rms), seed, space group
    before and after, and energy relative to the relaxed symmetric cell (meV/atom)."""

    repeats: tuple[int, int, int]
    amplitude_A: float
    seed: int
    spacegroup: str
    relaxed_spacegroup: str
    energy_meV_atom: float

    @property
    def passed(self) -> bool:
        return self.relaxed_spacegroup == self.spacegroup and self.energy_meV_atom > -ENERGY_TOLERANCE_MEV

    @property
    def label(self) -> str:
        return "x".join(map(str, self.repeats)) + f" rattled {self.amplitude_A:g} A (seed {self.seed})"


def spacegroup(atoms: Atoms, symprec: float = SYMPREC_A) -> str:
    """International symbol of ``atoms``' space group at ``symprec`` (A), e.g. ``I4_1/amd``."""
    import spglib

    cell = (atoms.cell.array, atoms.get_scaled_positions(), atoms.numbers)
    return spglib.get_spacegroup(cell, symprec=symprec).split()[0]


def lammps_with(lmp, atoms: Atoms, potential, type_elements: list[str], workdir: Path):
    """Load ``atoms`` and ``potential`` (a :class:`~anodeflow.potentials.registry.Potential`) into ``lmp``;
    returns the binding to keep alive while LAMMPS runs (an MLIP's callback)."""
    lmp.load_atoms(atoms, type_elements)
    lmp.commands(potential.lammps_commands(type_elements, workdir / "potential"))
    return potential.bind(lmp, type_elements)


def lammps_relaxed(atoms: Atoms, potential, type_elements: list[str], workdir: Path, box: str = "tri") -> Atoms:
    """``atoms`` relaxed in LAMMPS with ``potential`` (a registry record) at zero pressure (conjugate gradients to
    1e-4 eV/A, then positions alone); its energy (eV) in ``info["energy_eV"]``.

    ``box="tri"`` frees every cell degree of freedom; ``box="iso"`` scales the cell at fixed shape.
    """
    from anodeflow.workflows.engine import Lammps

    minimize = "minimize 0 1e-4 20000 200000"
    with Lammps(workdir, log=False) as lmp:
        binding = lammps_with(lmp, atoms, potential, type_elements, workdir)  # noqa: F841
        lmp.commands(["thermo 0", "change_box all triclinic", "min_style cg",
                      f"fix relax all box/relax {box} 0.0 vmax 0.001", minimize, minimize, "unfix relax", minimize])
        relaxed = lmp.atoms(type_elements)
        relaxed.info["energy_eV"] = lmp.thermo("pe")
    return relaxed


def energy_per_atom_eV(atoms: Atoms) -> float:
    return atoms.info["energy_eV"] / len(atoms)


def relaxed_crystal(crystal: str, potential, type_elements: list[str], workdir: Path) -> Atoms:
    """The conventional cell of ``crystal`` (a key of ``CRYSTALS``) relaxed by :func:`lammps_relaxed`."""
    return lammps_relaxed(bulk_crystal(crystal), potential, type_elements, workdir / "symmetric")


def rattled_relaxations(symmetric: Atoms, potential, type_elements: list[str], workdir: Path,
                        sizes=((2, 2, 3), (3, 3, 4)), amplitudes_A=(0.01, 0.05), seeds=(1, 2)) -> list[RattledRelaxation]:
    """Relax (:func:`lammps_relaxed`) supercells of the relaxed crystal ``symmetric`` of every repeat in
    ``sizes``, rattled by every amplitude (A rms per axis) with every seed."""
    return [run for run, _, _ in rattled_relaxation_runs(symmetric, potential, type_elements, workdir, sizes,
                                                         amplitudes_A, seeds)]


def rattled_relaxation_runs(symmetric: Atoms, potential, type_elements: list[str], workdir: Path,
                            sizes=((2, 2, 3), (3, 3, 4)), amplitudes_A=(0.01, 0.05),
                            seeds=(1, 2)) -> list[tuple[RattledRelaxation, Atoms, Atoms]]:
    """:func:`rattled_relaxations` with each run's rattled start and relaxed end cells."""
    group = spacegroup(symmetric)
    runs = []
    for repeats in sizes:
        for amplitude in amplitudes_A:
            for seed in seeds:
                atoms = symmetric.repeat(repeats)
                atoms.rattle(amplitude, seed=seed)
                relaxed = lammps_relaxed(atoms, potential, type_elements, workdir / f"rattled_{seed}")
                runs.append((RattledRelaxation(
                    tuple(repeats), amplitude, seed, group, spacegroup(relaxed),
                    1000 * (energy_per_atom_eV(relaxed) - energy_per_atom_eV(symmetric))), atoms, relaxed))
    return runs


def lowest_phonon_THz(symmetric: Atoms, potential, type_elements: list[str], workdir: Path,
                      supercell_A: float = 12.0, mesh=(8, 8, 8)) -> float:
    """Lowest phonon frequency (THz; imaginary ones negative) of the relaxed crystal ``symmetric`` on a
    Gamma-centred ``mesh`` of its primitive cell, from phonopy's finite displacements (0.01 A) in the
    conventional cell repeated to at least ``supercell_A`` (A) along each axis; forces from LAMMPS."""
    from ase.calculators.lammps.coordinatetransform import Prism
    from phonopy import Phonopy
    from phonopy.structure.atoms import PhonopyAtoms

    from anodeflow.workflows.engine import Lammps

    unit = PhonopyAtoms(symbols=symmetric.get_chemical_symbols(), cell=symmetric.cell.array,
                        scaled_positions=symmetric.get_scaled_positions())
    phonon = Phonopy(unit, supercell_matrix=np.diag(repeats_to(symmetric, supercell_A)), primitive_matrix="auto")
    phonon.generate_displacements(distance=0.01)
    forces = []
    for k, displaced in enumerate(phonon.supercells_with_displacements):
        cell = Atoms(displaced.symbols, cell=displaced.cell, scaled_positions=displaced.scaled_positions, pbc=True)
        with Lammps(workdir / f"phonon_{k}", log=False) as lmp:
            binding = lammps_with(lmp, cell, potential, type_elements, workdir)  # noqa: F841
            lmp.commands(["thermo 0", "run 0"])
            forces.append(Prism(cell.cell.array).vector_to_ase(lmp.forces()))
    phonon.forces = np.array(forces)
    phonon.produce_force_constants()
    phonon.run_mesh(list(mesh), is_gamma_center=True)
    return float(phonon.mesh.frequencies.min())


def elastic_constants_GPa(symmetric: Atoms, potential, type_elements: list[str], workdir: Path,
                          strain_step: float = 0.005) -> np.ndarray:
    """Relaxed-ion elastic constants (6x6, Voigt, GPa) of the relaxed crystal ``symmetric``: matscipy's
    stress-strain fit over the 6 triclinic strain patterns, 5 strains each ``strain_step`` apart (up to
    +-1 %), ions relaxed (FIRE, 1e-3 eV/A) at each; forces and stresses from the potential's ASE calculator."""
    from ase.optimize import FIRE
    from ase.units import GPa
    from matscipy.elasticity import fit_elastic_constants

    atoms = symmetric.copy()
    atoms.calc = potential.calculator(type_elements, workdir / "potential")
    constants, _ = fit_elastic_constants(atoms, symmetry="triclinic", N_steps=5, delta=strain_step, optimizer=FIRE,
                                         verbose=False, fmax=1e-3)
    return np.asarray(constants) / GPa


def born_stiffness_GPa(constants_GPa: np.ndarray) -> float:
    """The smallest eigenvalue (GPa) of the symmetrised Voigt elastic tensor: positive for a crystal that
    resists every homogeneous strain (Born's criterion; for a cubic crystal the least of C11 - C12, C44 and
    C11 + 2 C12)."""
    return float(np.linalg.eigvalsh(0.5 * (constants_GPa + constants_GPa.T)).min())
