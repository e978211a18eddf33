"""Carrier migration barriers: climbing-image NEB through atomate2's ASE NEB makers with a LAMMPS potential.

Flow of :class:`BulkNebMaker`: endpoints from :func:`anodeflow.structures.bulk_hop_endpoints`,
mapped onto the potential's own relaxed host lattice -> endpoint relaxation (fixed cell) ->
interpolation -> CI-NEB (atomate2 ``AseNebFromEndpointsMaker``) -> :class:`NebDocument`.
:class:`StrainedBarrierMaker` repeats it under hydrostatic strains and fits the activation volume.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from ase import Atoms
from atomate2.ase.jobs import AseRelaxMaker
from atomate2.ase.neb import AseNebFromEndpointsMaker
from jobflow import Flow, Maker, job
from pydantic import BaseModel, Field
from pymatgen.io.ase import AseAtomsAdaptor

from anodeflow.errors import InputError
from anodeflow.structures import parse_system
from anodeflow.structures.crystals import HOST_CRYSTALS
from anodeflow.workflows.md import resolve_potential, type_elements_for
from anodeflow.workflows.schemas import SCHEMA_VERSION, AtomsModel, PotentialSummary

#: 1 eV/A^3 in GPa
EV_A3_TO_GPA = 160.21766208


def lammps_calculator(system: str, potential_name: str | None = None, directory: str | Path | None = None):
    """An ASE calculator for ``system``'s elements with its potential.

    LAMMPS-native potentials run in-process through ``LAMMPSlib`` (files written into ``directory``,
    default: the current folder); MLIPs are their own ASE calculators.
    """
    from ase.calculators.lammpslib import LAMMPSlib

    from anodeflow.workflows.engine import load_mpi

    potential = resolve_potential(potential_name, system)
    if potential.mlip:
        from anodeflow.potentials.mlip import ase_calculator

        return ase_calculator(potential)
    load_mpi()
    type_elements = type_elements_for(parse_system(system), potential)
    cmds = potential.lammps_commands(type_elements, Path(directory or Path.cwd()))
    return LAMMPSlib(lmpcmds=cmds, atom_types={e: i + 1 for i, e in enumerate(type_elements)},
                     log_file=None, keep_alive=True)


def relax(atoms: Atoms, calculator, fmax: float = 1e-3, steps: int = 500, cell: bool = True) -> Atoms:
    """Relax ``atoms`` in place with ``calculator`` (BFGS; with the cell via ``FrechetCellFilter``); fmax in eV/A."""
    from ase.filters import FrechetCellFilter
    from ase.optimize import BFGS

    atoms.calc = calculator
    BFGS(FrechetCellFilter(atoms) if cell else atoms, logfile=None).run(fmax=fmax, steps=steps)
    return atoms


@dataclass
class LammpsCalculatorMixin:
    """Gives an atomate2 ASE maker the in-process LAMMPS calculator of ``system``'s potential."""

    system: str = "Li-Si"
    potential: str | None = None  # None: the configured default for the system

    def _get_calculator(self):
        return lammps_calculator(self.system, self.potential)


@dataclass
class LammpsRelaxMaker(LammpsCalculatorMixin, AseRelaxMaker):
    """Relax positions (and the cell with ``relax_cell``) with a LAMMPS potential (atomate2 ``AseRelaxMaker``)."""

    name: str = "lammps relax"
    relax_cell: bool = False
    relax_kwargs: dict = field(default_factory=lambda: {"fmax": 0.01})


@dataclass
class LammpsNebMaker(LammpsCalculatorMixin, AseNebFromEndpointsMaker):
    """Climbing-image NEB with a LAMMPS potential (atomate2 ``AseNebFromEndpointsMaker``)."""

    name: str = "lammps neb"
    neb_kwargs: dict = field(default_factory=lambda: {"climb": True, "method": "improvedtangent"})
    relax_kwargs: dict = field(default_factory=lambda: {"fmax": 0.02})
    endpoint_relax_maker: Maker | None = None

    def __post_init__(self):
        if self.endpoint_relax_maker is None:
            self.endpoint_relax_maker = LammpsRelaxMaker(system=self.system, potential=self.potential)


class NebDocument(BaseModel):
    """A migration barrier (eV) with its path, hop geometry and provenance."""

    schema_version: str = SCHEMA_VERSION
    doc_type: str = "neb"
    system: str
    host: str
    carrier: str
    kind: str = Field(description="bulk, front or dislocation")
    strain: float = Field(0.0, description="hydrostatic strain applied to the relaxed host lattice")
    pressure_GPa: float | None = Field(None, description="pressure of the relaxed initial cell")
    barrier_eV: float
    reverse_barrier_eV: float
    energies_eV: list[float] = Field(description="image energies relative to the initial image")
    hop_distance_A: float
    n_atoms: int
    host_cell_strain: list[list[float]] = Field(description="deformation mapping the tabulated onto the relaxed lattice")
    converged: bool
    method: str
    potential: PotentialSummary
    images: list[AtomsModel] | None = Field(None, description="final images (data store)")


@job
def neb_endpoints(system: str, kind: str = "bulk", strain: float = 0.0, potential: str | None = None,
                  min_cell_A: float = 10.0) -> dict:
    """Hop endpoints on the potential's relaxed host lattice, optionally strained hydrostatically."""
    from anodeflow.structures.crystals import bulk_crystal
    from anodeflow.structures.endpoints import bulk_hop_endpoints

    carrier, host = parse_system(system)
    if kind != "bulk":
        raise InputError(f"hop kind '{kind}' is not available yet; available: bulk")
    if not -0.1 < strain < 0.1:
        raise InputError(f"strain must be within (-0.1, 0.1), got {strain}")
    crystal = HOST_CRYSTALS[host]
    initial, final, record = bulk_hop_endpoints(crystal, carrier, min_cell_A=min_cell_A)
    cell = relax(bulk_crystal(crystal), lammps_calculator(system, potential), fmax=1e-4)
    deform = np.linalg.solve(bulk_crystal(crystal).cell.array, cell.cell.array) * (1.0 + strain)
    for atoms in (initial, final):
        atoms.set_cell(atoms.cell.array @ deform, scale_atoms=True)
    adaptor = AseAtomsAdaptor()
    return {"endpoints": [adaptor.get_structure(a) for a in (initial, final)], "hop": record.as_dict(),
            "deform": deform.tolist()}


@job(data=["images"])
def summarise_neb(neb, endpoints: dict, system: str, kind: str, strain: float, potential: str | None,
                  climb: bool = True) -> NebDocument:
    """The NEB result as a :class:`NebDocument` (barriers from the image energies)."""
    carrier, host = parse_system(system)
    energies = np.asarray(neb.energies, float)
    pot = resolve_potential(potential, system)
    first = neb.images[0]
    atoms: Atoms = AseAtomsAdaptor().get_atoms(first)
    atoms.calc = lammps_calculator(system, potential)
    pressure = float(-np.trace(atoms.get_stress(voigt=False)) / 3.0 * EV_A3_TO_GPA)
    return NebDocument(
        system=system, host=host, carrier=carrier, kind=kind, strain=strain, pressure_GPa=pressure,
        barrier_eV=float(energies.max() - energies[0]), reverse_barrier_eV=float(energies.max() - energies[-1]),
        energies_eV=(energies - energies[0]).tolist(), hop_distance_A=endpoints["hop"]["hop_distance_A"],
        n_atoms=len(first), host_cell_strain=endpoints["deform"], converged=neb.state == "successful",
        method="climbing-image NEB" if climb else "NEB",
        potential=PotentialSummary(name=pot.name, form=pot.form, citation=pot.citation),
        images=[AtomsModel.from_atoms(AseAtomsAdaptor().get_atoms(im)) for im in neb.images],
    )


@dataclass
class BulkNebMaker(Maker):
    """CI-NEB barrier of a carrier hop in the bulk host with a LAMMPS potential (one Flow).

    ``num_images`` intermediate images; ``min_cell_A`` sets the supercell (Si: 10 A -> 64 atoms).
    """

    name: str = "neb"
    kind: str = "bulk"
    num_images: int = 5
    min_cell_A: float = 10.0
    strain: float = 0.0
    potential: str | None = None
    steps: int = 500

    def make(self, system: str) -> Flow:
        carrier, host = parse_system(system)
        type_elements_for([carrier, host], resolve_potential(self.potential, system))
        if self.num_images < 1:
            raise InputError(f"num_images must be >= 1, got {self.num_images}")
        ends = neb_endpoints(system, self.kind, self.strain, self.potential, self.min_cell_A)
        neb_maker = LammpsNebMaker(system=system, potential=self.potential, steps=self.steps)
        neb = neb_maker.make(ends.output["endpoints"], self.num_images)
        doc = summarise_neb(neb.output, ends.output, system, self.kind, self.strain, self.potential,
                            bool(neb_maker.neb_kwargs.get("climb")))
        return Flow([ends, neb, doc], output=doc.output, name=f"{self.name} {system} {self.kind}")


@job
def fit_activation_volume(docs: list[NebDocument]) -> dict:
    """Activation volume dV = dEa/dP (A^3) from barriers at several pressures (least squares)."""
    p = np.array([d.pressure_GPa for d in docs])
    ea = np.array([d.barrier_eV for d in docs])
    slope, intercept = np.polyfit(p, ea, 1)
    return {"doc_type": "activation_volume", "system": docs[0].system, "kind": docs[0].kind,
            "pressures_GPa": p.tolist(), "barriers_eV": ea.tolist(), "strains": [d.strain for d in docs],
            "activation_volume_A3": float(slope * EV_A3_TO_GPA), "barrier_at_0_GPa_eV": float(intercept)}


@dataclass
class StrainedBarrierMaker(Maker):
    """Barriers under hydrostatic strain -> activation volume dV = dEa/dP (A^3) for the stress term of Eq. (1)."""

    name: str = "barrier under strain"
    strains: tuple[float, ...] = (-0.01, 0.0, 0.01)
    neb: BulkNebMaker = field(default_factory=BulkNebMaker)

    def make(self, system: str) -> Flow:
        if len(self.strains) < 2:
            raise InputError(f"need at least two strains for a slope, got {list(self.strains)}")
        flows = []
        for s in self.strains:
            maker = BulkNebMaker(**{**self.neb.__dict__, "strain": s})
            flows.append(maker.make(system))
        fit = fit_activation_volume([f.output for f in flows])
        return Flow([*flows, fit], output=fit.output, name=f"{self.name} {system}")
