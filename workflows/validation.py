"""Potential validation: host and carrier crystals, alloy phases and the bulk carrier barrier, each
next to its reference value and source (experiment, DFT literature or a reference MLIP)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms
from jobflow import Flow, Maker, job

from anodeflow.structures.crystals import CRYSTALS, HOST_CRYSTALS, bulk_crystal, parse_system
from anodeflow.workflows.calculators import cohesive_energy_eV, lammps_calculator, relax
from anodeflow.workflows.schemas import PotentialSummary, ValidationDocument, ValidationRow

KITTEL = "C. Kittel, Introduction to Solid State Physics, 8th ed. (2005), Table 3.1"
#: cohesive energies (eV/atom), experiment
COHESIVE_EV = {"Si": 4.63, "Ge": 3.85, "Sn": 3.14, "Sb": 2.75, "Li": 1.63, "Na": 1.113}
#: A7 Sb bond lengths (A), 3 short + 3 long: Barrett, Cucka & Haefner, Acta Cryst. 16 (1963) 451
SB_BONDS_A = (2.908, 3.355)
#: bulk carrier migration barriers (eV) from DFT
BARRIERS_EV = {
    "Li-Si": (0.58, "PBE, Td -> Hex -> Td; Wan et al., J. Phys.: Condens. Matter 22 (2010) 415501"),
    "Na-Sn": (0.22, "PBE, beta-Sn along [001]; Legrain, Malyi, Persson, Manzhos, J. Chem. Phys. 143 (2015) 204701"),
}


def _relaxed(atoms: Atoms, calculator) -> Atoms:
    relax(atoms, calculator, fmax=2e-3, steps=600)
    return atoms


def _energy_per_atom_eV(atoms: Atoms) -> float:
    return float(atoms.get_potential_energy() / len(atoms))


def _formation_eV_atom(atoms: Atoms, carrier_fraction: float, elemental: dict[str, float], carrier: str,
                       host: str) -> float:
    """Formation energy (eV/atom) of relaxed ``atoms`` from the relaxed elements' energies per atom."""
    x = carrier_fraction
    return _energy_per_atom_eV(atoms) - x * elemental[carrier] - (1 - x) * elemental[host]


def _sb_bonds_A(atoms: Atoms) -> tuple[float, float]:
    """Mean short and long Sb-Sb distances (A) of an A7 cell: the 3 nearest and the next 3."""
    from ase.neighborlist import neighbor_list

    i, d = neighbor_list("id", atoms, 5.0)
    shells = np.array([np.sort(d[i == k])[:6] for k in range(len(atoms))])
    return float(shells[:, :3].mean()), float(shells[:, 3:].mean())


def _failed_rows(quantities: list[tuple[str, str]], failure: str) -> list[ValidationRow]:
    """Rows (quantity, unit) that could not be measured because the relaxation failed (value NaN)."""
    return [ValidationRow(quantity=q, unit=u, value=float("nan"), passed=False, criterion="the crystal relaxes",
                          failure=failure) for q, u in quantities]


def _crystal_rows(name: str, atoms: Atoms, calculator) -> list[ValidationRow]:
    """Lattice, A7 bond and cohesive-energy rows of the relaxed elemental crystal ``name``."""
    spec = CRYSTALS[name]
    a, _, c = (float(v) for v in atoms.cell.lengths())  # conventional cells: cubic, tetragonal, hexagonal
    rows = [ValidationRow(quantity=f"{name} a", unit="A", value=a, reference=spec.a_A, source=spec.source)]
    if spec.c_A is not None:
        rows.append(ValidationRow(quantity=f"{name} c/a", unit="", value=c / a, reference=spec.c_A / spec.a_A,
                                  source=spec.source))
    if spec.structure == "A7":
        short, long = _sb_bonds_A(atoms)
        source = "Barrett, Cucka & Haefner, Acta Cryst. 16 (1963) 451"
        rows += [ValidationRow(quantity="Sb short bond (x3)", unit="A", value=short, reference=SB_BONDS_A[0],
                               source=source),
                 ValidationRow(quantity="Sb long bond (x3)", unit="A", value=long, reference=SB_BONDS_A[1],
                               source=source)]
    cohesive = cohesive_energy_eV(atoms, calculator)
    rows.append(ValidationRow(quantity=f"{name} cohesive energy", unit="eV/atom", value=cohesive,
                              reference=COHESIVE_EV[spec.element], source=KITTEL))
    return rows


def crystal_rows(system: str, potential: str | None, reference_potential: str | None, workdir: Path,
                 alloys: bool = True) -> list[dict]:
    """Rows for the host and carrier crystals and (``alloys``) the system's reference alloy phases.

    A crystal or phase whose relaxation fails in the engine (lost atoms, a neighbour-list overflow: a
    potential that collapses it) gets failed rows with NaN values, and the other rows are still measured.
    """
    from anodeflow.errors import EngineError
    from anodeflow.structures.crystals import primitive_cell
    from anodeflow.structures.phases import PHASES, build_phase, phase_names

    carrier, host = parse_system(system)
    calculator = lammps_calculator(system, potential, workdir)
    rows: list[ValidationRow] = []
    energies = {}
    for name in (HOST_CRYSTALS[host], carrier):
        try:
            atoms = _relaxed(bulk_crystal(name), calculator)
        except EngineError as exc:
            energies[CRYSTALS[name].element] = float("nan")
            rows += _failed_rows([(f"{name} a", "A")], str(exc))
            calculator = lammps_calculator(system, potential, workdir)  # a fresh engine after its error
            continue
        energies[CRYSTALS[name].element] = _energy_per_atom_eV(atoms)
        rows += _crystal_rows(name, atoms, calculator)
    reference_energies = None
    if reference_potential and reference_potential != potential:
        reference_calculator = lammps_calculator(system, reference_potential, workdir)
        reference_energies = {CRYSTALS[name].element: _energy_per_atom_eV(_relaxed(bulk_crystal(name),
                                                                                    reference_calculator))
                              for name in (HOST_CRYSTALS[host], carrier)}
    for phase in phase_names(system, buildable=True) if alloys else ():
        spec = PHASES[phase]
        cell = primitive_cell(build_phase(phase))  # Li17Si4: 105 atoms, not 420
        try:
            atoms = _relaxed(cell.copy(), calculator)
        except EngineError as exc:
            rows += _failed_rows([(f"{phase} volume", "A^3/atom"), (f"{phase} formation energy", "eV/atom")],
                                 str(exc))
            calculator = lammps_calculator(system, potential, workdir)
            continue
        rows.append(ValidationRow(quantity=f"{phase} volume", unit="A^3/atom", value=atoms.get_volume() / len(atoms),
                                  reference=spec.volume_per_atom_A3, source=spec.volume_source))
        formation = _formation_eV_atom(atoms, spec.carrier_fraction, energies, carrier, host)
        reference, source = None, "no reference"
        if reference_energies is not None:
            reference = _formation_eV_atom(_relaxed(cell.copy(), reference_calculator), spec.carrier_fraction,
                                           reference_energies, carrier, host)
            source = f"{reference_potential}, relaxed here"
        rows.append(ValidationRow(quantity=f"{phase} formation energy", unit="eV/atom", value=formation,
                                  reference=reference, source=source))
    return [r.model_dump() for r in rows]


def stability_rows(system: str, potential: str | None, workdir: Path) -> list[dict]:
    """Dynamic stability of the host crystal and the carrier's bcc crystal: rattled supercells relaxed
    with the cell free must keep their space group and not fall below the symmetric cell, the
    phonons on an 8x8x8 q-mesh must be real and the elastic tensor positive definite (``workflows.stability``);
    then the host's polymorph ordering against PBE (:func:`ordering_rows`)."""
    from anodeflow.workflows.md import resolve_potential, type_elements_for
    from anodeflow.workflows.stability import (
        ENERGY_TOLERANCE_MEV, PHONON_TOLERANCE_THZ, lowest_phonon_THz, rattled_relaxations, relaxed_crystal)

    carrier, host = parse_system(system)
    record = resolve_potential(potential, system)
    types = type_elements_for((carrier, host), record)
    rows: list[ValidationRow] = []
    for crystal in (HOST_CRYSTALS[host], carrier):
        # not a bare element name: LAMMPS' MEAM takes any readable path among its pair_coeff words for
        # the parameter file, and the job runs in ``workdir``
        folder = workdir / f"stability-{crystal}"
        symmetric = relaxed_crystal(crystal, record, types, folder)
        lowest = lowest_phonon_THz(symmetric, record, types, folder / "phonons")
        rows.append(ValidationRow(
            quantity=f"{crystal} lowest phonon (8x8x8 q-mesh)", unit="THz", value=lowest, reference=0.0,
            source="a stable crystal has real phonons", passed=lowest > -PHONON_TOLERANCE_THZ,
            criterion=f"> -{PHONON_TOLERANCE_THZ} THz",
            failure="" if lowest > -PHONON_TOLERANCE_THZ else f"imaginary mode of {-lowest:.2f} THz"))
        rows.append(born_row(crystal, symmetric, record, types, folder / "elastic"))
        # seeds 3 and 4: rattles a fit's relaxation rounds (relaxation_seeds, 1 and 2) never learned from
        for run in rattled_relaxations(symmetric, record, types, folder / "rattled", seeds=(3, 4)):
            rows.append(ValidationRow(
                quantity=f"{crystal} {run.label}, relaxed: energy below the symmetric cell", unit="meV/atom",
                value=run.energy_meV_atom, reference=0.0, source="a stable crystal is a minimum", passed=run.passed,
                criterion=f"space group stays {run.spacegroup}, energy > -{ENERGY_TOLERANCE_MEV:g} meV/atom",
                failure="" if run.passed else f"relaxed to {run.relaxed_spacegroup}, {run.energy_meV_atom:+.1f} meV/atom"))
    rows += ordering_rows(host, record, types, workdir)
    return [r.model_dump() for r in rows]


def born_row(crystal: str, symmetric: Atoms, record, types: list[str], workdir: Path) -> ValidationRow:
    """Born elastic stability of the relaxed ``crystal``: the smallest eigenvalue of its relaxed-ion elastic
    tensor (:func:`~anodeflow.workflows.stability.elastic_constants_GPa`) must be positive."""
    from anodeflow.workflows.stability import born_stiffness_GPa, elastic_constants_GPa

    constants = elastic_constants_GPa(symmetric, record, types, workdir)
    stiffness = born_stiffness_GPa(constants)
    c11, c12, c44 = constants[0, 0], constants[0, 1], constants[3, 3]
    return ValidationRow(
        quantity=f"{crystal} elastic stability (smallest eigenvalue of C)", unit="GPa", value=stiffness,
        reference=0.0, source="Born: a stable crystal resists every homogeneous strain", passed=stiffness > 0,
        criterion="> 0 GPa",
        failure="" if stiffness > 0 else f"soft to a homogeneous strain ({stiffness:.2f} GPa; C11 - C12 = "
                                         f"{c11 - c12:.2f}, C44 = {c44:.2f} GPa)")


#: PBE energy-volume data of the host polymorphs (``benchmarks/pbe_polymorphs.py``)
PBE_POLYMORPHS_FILE = "pbe_polymorphs.json"
#: an ordering row passes when the potential's energy difference is within this of PBE's, same sign (meV/atom)
ORDERING_TOLERANCE_MEV = 10.0
#: a host volume row passes within this relative difference from PBE's (2 % in a)
VOLUME_TOLERANCE = 0.06


def pbe_polymorphs() -> dict:
    """The shipped PBE polymorph data: settings under ``method`` and, per polymorph, the fixed-shape
    equilibrium volume ``V0_A3_atom`` (A^3/atom) and energy ``E0_eV_atom`` (eV/atom)."""
    import json

    from anodeflow.potentials.registry import DATA_DIR

    return json.loads((DATA_DIR / PBE_POLYMORPHS_FILE).read_text())


def ordering_rows(host: str, potential, types: list[str], workdir: Path) -> list[ValidationRow]:
    """Energies (meV/atom) of the host element's competing polymorphs above its crystal, each relaxed
    at fixed shape (``structures.crystals.POLYMORPHS``), against PBE at the same shapes; and the host
    crystal's fixed-shape volume against PBE's."""
    from anodeflow.structures.crystals import POLYMORPHS, polymorph
    from anodeflow.workflows.stability import energy_per_atom_eV, lammps_relaxed

    data = pbe_polymorphs()
    names = [n for n in POLYMORPHS.get(host, {}) if n in data["polymorphs"]]
    if not names:
        return []
    source = f"PBE at the same shape ({data['method']}; {data['command']})"
    relaxed = {n: lammps_relaxed(polymorph(n), potential, types, workdir / f"polymorph-{n}", box="iso") for n in names}
    ground = names[0]  # the host crystal leads its table
    rows = []
    volume = relaxed[ground].get_volume() / len(relaxed[ground])
    reference_volume = data["polymorphs"][ground]["V0_A3_atom"]
    error = volume / reference_volume - 1
    rows.append(ValidationRow(
        quantity=f"{ground} volume (PBE shape)", unit="A^3/atom", value=volume, reference=reference_volume,
        source=source, passed=abs(error) <= VOLUME_TOLERANCE, criterion=f"within {VOLUME_TOLERANCE:.0%} of PBE",
        failure="" if abs(error) <= VOLUME_TOLERANCE else f"{error:+.1%} from PBE"))
    for name in names[1:]:
        value = 1000 * (energy_per_atom_eV(relaxed[name]) - energy_per_atom_eV(relaxed[ground]))
        reference = 1000 * (data["polymorphs"][name]["E0_eV_atom"] - data["polymorphs"][ground]["E0_eV_atom"])
        passed = np.sign(value) == np.sign(reference) and abs(value - reference) <= ORDERING_TOLERANCE_MEV
        rows.append(ValidationRow(
            quantity=f"{name} - {ground} energy", unit="meV/atom", value=value, reference=reference, source=source,
            passed=bool(passed), criterion=f"same sign as PBE, within {ORDERING_TOLERANCE_MEV:g} meV/atom",
            failure="" if passed else f"{value - reference:+.1f} meV/atom from PBE"))
    return rows


@job
def crystal_checks(system: str, potential: str | None, reference_potential: str | None) -> list[dict]:
    return crystal_rows(system, potential, reference_potential, Path.cwd())


@job
def stability_checks(system: str, potential: str | None) -> list[dict]:
    return stability_rows(system, potential, Path.cwd())


@job
def assemble_validation(system: str, potential: str | None, reference_potential: str | None, rows: list[dict],
                        neb=None, stability: list[dict] | None = None) -> ValidationDocument:
    from anodeflow.workflows.md import resolve_potential

    table = [ValidationRow(**r) for r in [*rows, *(stability or [])]]
    if neb is not None:
        reference, source = BARRIERS_EV.get(system, (None, "no reference"))
        table.append(ValidationRow(quantity=f"bulk {system.split('-')[0]} barrier ({neb.n_atoms} atoms, CI-NEB)",
                                   unit="eV", value=neb.barrier_eV, reference=reference, source=source))
    pot = resolve_potential(potential, system)
    return ValidationDocument(system=system, potential=PotentialSummary(name=pot.name, form=pot.form,
                                                                        citation=pot.citation),
                              reference_potential=reference_potential, rows=table)


@dataclass
class ValidatePotentialMaker(Maker):
    """Validate ``potential`` (None: the system's default) on one carrier-host system.

    Relaxes host and carrier crystals (lattice, c/a, A7 bonds, cohesive energy against experiment),
    checks that both are minima (``stability``: rattled supercells relaxed with the cell free, and
    phonons) and that the host's competing polymorphs are ordered as PBE orders them
    (:func:`stability_rows`), relaxes the reference alloy phases (volume against experiment or DFT;
    formation energy against ``reference_potential``, a PBE-trained MLIP, when set), then a bulk carrier CI-NEB
    (:class:`~anodeflow.workflows.neb.HopNebMaker`) against DFT where a value is tabulated.
    """

    name: str = "validate potential"
    potential: str | None = None
    reference_potential: str | None = "SevenNet-0"
    stability: bool = True
    barrier: bool = True
    num_images: int = 5
    min_cell_A: float = 10.0

    def make(self, system: str) -> Flow:
        from anodeflow.workflows.md import resolve_potential
        from anodeflow.workflows.neb import HopNebMaker

        carrier, host = parse_system(system)
        resolve_potential(self.potential, system).check_elements([carrier, host])
        if self.reference_potential:
            resolve_potential(self.reference_potential, system).check_elements([carrier, host])
        checks = crystal_checks(system, self.potential, self.reference_potential)
        jobs: list = [checks]
        stability_output = None
        if self.stability:
            stability = stability_checks(system, self.potential)
            jobs.append(stability)
            stability_output = stability.output
        neb_output = None
        if self.barrier:
            neb = HopNebMaker(potential=self.potential, num_images=self.num_images,
                              min_cell_A=self.min_cell_A).make(system)
            jobs.append(neb)
            neb_output = neb.output
        doc = assemble_validation(system, self.potential, self.reference_potential, checks.output, neb_output,
                                  stability_output)
        return Flow([*jobs, doc], output=doc.output, name=f"{self.name} {system}")
