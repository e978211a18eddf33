"""Carrier migration barriers: climbing-image NEB through atomate2's ASE NEB makers.

Flow of :class:`HopNebMaker`: endpoints from :mod:`anodeflow.structures.endpoints` (bulk hop or entry
at a couple's front) on the host lattice -> endpoint relaxation (fixed cell) -> interpolation ->
CI-NEB (atomate2 ``AseNebFromEndpointsMaker``) -> :class:`NebDocument`. Forces come from the
system's potential (LAMMPS or an MLIP; the lattice is the potential's own relaxed one) or from
CP2K PBE (``neb_maker=Cp2kNebMaker(...)``, tabulated lattice; tiny cells locally, any size on HPC).
:class:`StrainedBarrierMaker` repeats it under hydrostatic strains and fits the activation volume.
``neb_maker=vasp_neb_maker()`` hands the endpoints to atomate2's VASP ``NebFromEndpointsMaker`` (HPC).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
from ase import Atoms, units
from atomate2.ase.jobs import AseRelaxMaker
from atomate2.ase.neb import AseNebFromEndpointsMaker, AseNebFromImagesMaker
from jobflow import Flow, Maker, job
from pymatgen.io.ase import AseAtomsAdaptor

from anodeflow.errors import InputError
from anodeflow.structures import parse_system
from anodeflow.structures.crystals import HOST_CRYSTALS
from anodeflow.structures.sizes import atoms_in_volume, check_atoms, check_length, couple_atoms
from anodeflow.workflows.dft import CP2K_CITATION, cp2k_calculator
from anodeflow.workflows.calculators import lammps_calculator, lattice_deformation, relax
from anodeflow.workflows.md import resolve_potential, type_elements_for
from anodeflow.workflows.schemas import AtomsModel, NebDocument, PotentialSummary
from anodeflow.workflows.vasp import VASP_CITATION, VASP_INCAR, VASP_KPOINT_DENSITY

#: 1 eV/A^3 in GPa
EV_A3_TO_GPA = 1.0 / units.GPa


def dragged_path(initial: Atoms, carrier_index: int, shift_A, n_steps: int, calculator,
                 fmax: float = 0.01) -> list[Atoms]:
    """Drag method: the carrier moved in ``n_steps`` equal steps along ``shift_A`` (A); at each step its
    coordinate along the shift is held and everything else relaxes (the carrier sideways, the host
    around it), starting from the previous step. Returns ``n_steps + 1`` configurations, ``initial``
    first, each dragged one with its energy (eV) in ``info["energy_eV"]``: an energy scan along a
    line, e.g. to find the deepest carrier site along a dislocation core.
    """
    from ase.constraints import FixedPlane

    shift = np.asarray(shift_A, float)
    path = [initial.copy()]
    atoms = initial.copy()
    for _ in range(n_steps):
        atoms.set_constraint([c.copy() for c in initial.constraints] + [FixedPlane(carrier_index, shift)])
        atoms.positions[carrier_index] += shift / n_steps
        relax(atoms, calculator, fmax=fmax, steps=1000, cell=False)
        frame = atoms.copy()
        frame.set_constraint([c.copy() for c in initial.constraints])
        frame.info["energy_eV"] = float(atoms.get_potential_energy())
        path.append(frame)
    return path


#: where the forces of a hop come from: the system's potential, CP2K here, VASP on HPC
ENGINES = ("potential", "cp2k", "vasp")


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise InputError(f"unknown engine '{engine}'; engines: {', '.join(ENGINES)}")


def hop_calculator(system: str, potential: str | None = None, engine: str = "potential", dft: dict | None = None):
    """The local ASE calculator of a hop: CP2K PBE for engine ``cp2k`` (``dft``: keyword arguments of
    :func:`~anodeflow.workflows.dft.cp2k_calculator`), else ``system``'s potential (LAMMPS or MLIP),
    which also pre-relaxes the endpoints of a VASP NEB."""
    _check_engine(engine)
    if engine == "cp2k":
        return cp2k_calculator(**(dft or {}))
    return lammps_calculator(system, potential)


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
    """Climbing-image NEB with a LAMMPS potential (atomate2 ``AseNebFromEndpointsMaker``).

    Endpoints are used as given unless ``endpoint_relax_maker`` is set (e.g. a
    :class:`LammpsRelaxMaker`); fixed atoms (``selective_dynamics``) stay fixed in every image.
    """

    name: str = "lammps neb"
    neb_kwargs: dict = field(default_factory=lambda: {"climb": True, "method": "improvedtangent"})
    relax_kwargs: dict = field(default_factory=lambda: {"fmax": 0.02})
    endpoint_relax_maker: Maker | None = None


@dataclass
class LammpsNebFromImagesMaker(LammpsCalculatorMixin, AseNebFromImagesMaker):
    """NEB with a LAMMPS potential from a whole band (atomate2 ``AseNebFromImagesMaker``).

    ``optimizer``: ``FIRE`` (atomate2's default) or ``ODE``, ASE's ``NEBOptimizer`` with adaptive
    steps, which keeps a climbing image on a rough band where FIRE lets it run up a repulsive wall
    (Li along a Si dislocation core: FIRE reached 17-33 eV, ODE converged at 1.36 eV).
    """

    name: str = "lammps neb from images"
    neb_kwargs: dict = field(default_factory=lambda: {"climb": True, "method": "improvedtangent"})
    relax_kwargs: dict = field(default_factory=lambda: {"fmax": 0.02})
    optimizer: str = "FIRE"

    def run_ase(self, images: list, prev_dir: str | Path | None = None):
        from atomate2.ase.neb import AseNebInterface

        if self.optimizer not in ("FIRE", "ODE"):
            raise InputError(f"unknown NEB optimizer '{self.optimizer}'; optimizers: FIRE, ODE")
        optimizer = self.optimizer
        if optimizer == "ODE":
            from ase.mep.neb import NEBOptimizer

            optimizer = partial(NEBOptimizer, method="ode")
        return AseNebInterface(calculator=self.calculator, optimizer=optimizer, fix_symmetry=self.fix_symmetry,
                               symprec=self.symprec).run_neb(
            images, steps=self.steps, traj_file=self.traj_file, traj_file_fmt=self.traj_file_fmt,
            interval=self.traj_interval, neb_doc_kwargs=self.neb_doc_kwargs, neb_kwargs=self.neb_kwargs,
            optimizer_kwargs=self.optimizer_kwargs, **self.relax_kwargs)


@dataclass
class Cp2kNebMaker(AseNebFromEndpointsMaker):
    """Climbing-image NEB with CP2K PBE forces (atomate2 ``AseNebFromEndpointsMaker``, one CP2K shell per image)."""

    name: str = "cp2k neb"
    cutoff_Ry: float = 300.0
    kpoints: tuple[int, int, int] = (1, 1, 1)
    neb_kwargs: dict = field(default_factory=lambda: {"climb": True, "method": "improvedtangent"})
    relax_kwargs: dict = field(default_factory=lambda: {"fmax": 0.05})
    endpoint_relax_maker: Maker | None = None

    def _get_calculator(self):
        return cp2k_calculator(self.cutoff_Ry, self.kpoints)


HOP_KINDS = ("bulk", "front", "dislocation")


def _check_kind(kind: str) -> None:
    if kind not in HOP_KINDS:
        raise InputError(f"unknown hop kind '{kind}'; kinds: {', '.join(HOP_KINDS)}")


def check_band_size(system: str, kind: str, min_cell_A: float, num_images: int, request: str) -> None:
    """Refuse, as ``request``, a NEB whose band (``num_images`` + 2 cells) would hold more atoms than the
    ``max_atoms`` setting; bulk cells are at least ``min_cell_A`` (A) along each axis."""
    from anodeflow.structures.dislocations import line_period_nm
    from anodeflow.structures.endpoints import FRONT_HOP_COUPLE

    _check_kind(kind)
    crystal = HOST_CRYSTALS[parse_system(system)[1]]
    if kind == "bulk":
        if not min_cell_A > 0:
            raise InputError(f"min_cell_A must be > 0, got {min_cell_A}")
        cell = atoms_in_volume(crystal, (min_cell_A / 10) ** 3)
    elif kind == "front":
        cell = couple_atoms(system, FRONT_HOP_COUPLE["size_nm"], FRONT_HOP_COUPLE["host_thickness_nm"],
                            FRONT_HOP_COUPLE["reservoir_thickness_nm"])
    else:
        radius, cells = CORE_HOP_CYLINDER["radius_nm"], CORE_HOP_CYLINDER["length_cells"]
        cell = atoms_in_volume(crystal, math.pi * radius**2 * cells * line_period_nm(crystal))
    check_atoms((max(num_images, 0) + 2) * cell, request)


#: in front hops, atoms farther than this from the hop's midpoint keep the relaxed couple's positions (A)
FRONT_FREE_RADIUS_A = 6.0
#: dislocation cylinder of core hops (nm): Si 60-degree, 408 atoms, its outer 0.5 nm shell fixed
CORE_HOP_CYLINDER = {"radius_nm": 1.5, "length_cells": 3, "vacuum_nm": 0.5, "fixed_width_nm": 0.5}


def relaxed_core_cylinder(crystal: str, dislocation: str, calculator, deform: np.ndarray) -> Atoms:
    """The core-hop cylinder (:data:`CORE_HOP_CYLINDER`) scaled onto the potential's lattice by
    ``deform`` and relaxed with its outer shell fixed (a ``FixAtoms`` constraint, kept); ``info``
    holds the scaled line position ``core_A`` (x, y) and period ``line_period_A`` (A)."""
    from ase.constraints import FixAtoms

    from anodeflow.structures.couples import REGIONS
    from anodeflow.structures.dislocations import build_dislocation

    cylinder = build_dislocation(crystal, dislocation, **CORE_HOP_CYLINDER)
    cylinder.set_cell(cylinder.cell.array @ deform, scale_atoms=True)
    core = np.asarray(cylinder.info["core_A"]) @ deform[:2, :2]
    period = float(cylinder.info["line_period_A"] * deform[2, 2])
    cylinder.info.update(core_A=core.tolist(), line_period_A=period)
    cylinder.set_constraint(FixAtoms(mask=cylinder.arrays["region"] == REGIONS["fixed"]))
    relax(cylinder, calculator, fmax=0.01, steps=2000, cell=False)
    cylinder.calc = None
    return cylinder


def core_hop_states(crystal: str, carrier: str, dislocation: str, calculator, deform: np.ndarray, n_images: int,
                    drag_steps: int = 8, passes: int = 3) -> dict:
    """Relaxed ends and a starting band of a carrier hop one line period along a dislocation core.

    The cylinder (:data:`CORE_HOP_CYLINDER`, scaled onto the potential's lattice by ``deform``)
    is relaxed with its outer shell fixed; the carrier starts at the most open site near the line
    (:func:`~anodeflow.structures.endpoints.core_hop_endpoints`) and is dragged one period along it
    in ``drag_steps`` steps (:func:`dragged_path`). If the drag meets a lower minimum, the carrier is
    re-seated there and dragged again (at most ``passes`` drags), so the hop starts from the deepest
    core site found. The final state is the relaxed initial one translated by the period
    (:func:`~anodeflow.structures.endpoints.translated_state`): both ends have the same energy.
    The ``n_images`` band images interpolate every atom between the ends and are relaxed with the
    carrier's coordinate along the line held (the drag's own frames push core atoms along and do
    not lead into the translated state; a straight band runs the carrier into core atoms).
    """
    from ase.constraints import FixedPlane
    from ase.geometry import find_mic

    from anodeflow.structures.endpoints import core_hop_endpoints, translated_state

    cylinder = relaxed_core_cylinder(crystal, dislocation, calculator, deform)
    fixed = cylinder.constraints[0]
    core = np.asarray(cylinder.info["core_A"])
    period = float(cylinder.info["line_period_A"])
    cylinder.set_constraint()
    initial, _, record = core_hop_endpoints(cylinder, carrier)
    carrier_index = len(initial) - 1  # appended last; the fixed shell keeps its indices
    shift = np.array([0.0, 0.0, period])
    initial.set_constraint(fixed.copy())
    relax(initial, calculator, fmax=0.01, steps=2000, cell=False)
    for attempt in range(passes):
        energy = initial.get_potential_energy()
        path = dragged_path(initial, carrier_index, shift, drag_steps, calculator)
        lowest = min(path[1:-1], key=lambda frame: frame.info["energy_eV"])
        if lowest.info["energy_eV"] > energy - 1e-3 or attempt == passes - 1:
            break
        initial = lowest.copy()
        initial.set_constraint(fixed.copy())
        relax(initial, calculator, fmax=0.01, steps=2000, cell=False)
    final = translated_state(initial, shift)
    step = find_mic(final.positions - initial.positions, initial.cell, initial.pbc)[0]
    band = [initial]
    for k in range(1, n_images + 1):
        image = initial.copy()
        image.positions += step * k / (n_images + 1)
        image.set_constraint([fixed.copy(), FixedPlane(carrier_index, shift)])
        relax(image, calculator, fmax=0.01, steps=2000, cell=False)
        image.set_constraint(fixed.copy())
        band.append(image)
    band.append(final)
    for atoms in band:
        atoms.calc = None
    sites = [atoms.positions[carrier_index] for atoms in (initial, final)]
    radial = [float(np.linalg.norm(site[:2] - core)) for site in sites]
    record = replace(record, initial_site_A=sites[0].tolist(), final_site_A=sites[1].tolist(), feature_distance_A=radial)
    adaptor = AseAtomsAdaptor()
    return {"endpoints": [adaptor.get_structure(atoms) for atoms in (initial, final)],
            "band": [adaptor.get_structure(atoms) for atoms in band], "hop": record.as_dict(),
            "deform": deform.tolist(), "core_A": core.tolist()}


@job
def neb_endpoints(system: str, kind: str = "bulk", strain: float = 0.0, potential: str | None = None,
                  min_cell_A: float = 10.0, miller: str = "100", engine: str = "potential",
                  dft: dict | None = None, dislocation: str = "60", num_images: int = 5) -> dict:
    """Hop endpoints relaxed with the hop's calculator (:func:`hop_calculator`), on the potential's
    relaxed host lattice (engine ``potential``) or the tabulated one (``cp2k``, ``vasp``).

    ``bulk``: interstitial hop in the host crystal (``min_cell_A`` supercell), optionally strained
    hydrostatically. ``front``: entry into the crystal at a (``miller``) couple's front; the couple
    is relaxed first and atoms beyond ``FRONT_FREE_RADIUS_A`` of the hop stay fixed.
    ``dislocation``: one line period along the core of a ``dislocation`` (60 or screw) in a
    cylinder; the output also holds a starting ``band`` of ``num_images`` images (:func:`core_hop_states`).
    """
    from ase.constraints import FixAtoms
    from ase.geometry import get_distances

    from anodeflow.structures import build_couple
    from anodeflow.structures.crystals import bulk_crystal
    from anodeflow.structures.endpoints import FRONT_HOP_COUPLE, bulk_hop_endpoints, front_hop_endpoints

    carrier, host = parse_system(system)
    _check_kind(kind)
    if not -0.1 < strain < 0.1:
        raise InputError(f"strain must be within (-0.1, 0.1), got {strain}")
    if strain and kind != "bulk":
        raise InputError(f"strain applies to bulk hops only, got strain {strain} for a {kind} hop")
    crystal = HOST_CRYSTALS[host]
    calculator = hop_calculator(system, potential, engine, dft)
    # the potential's own lattice; DFT runs on the tabulated one
    deform = (lattice_deformation(crystal, calculator) if engine == "potential" else np.eye(3)) * (1.0 + strain)
    if kind == "dislocation":
        return core_hop_states(crystal, carrier, dislocation, calculator, deform, num_images)
    if kind == "bulk":
        initial, final, record = bulk_hop_endpoints(crystal, carrier, min_cell_A=min_cell_A)
        for atoms in (initial, final):
            atoms.set_cell(atoms.cell.array @ deform, scale_atoms=True)
    else:
        host_a_A = float(np.linalg.norm(bulk_crystal(crystal).cell.array[0] @ deform))  # strain is 0 here
        couple = build_couple(system, miller, host_a_A=host_a_A, **FRONT_HOP_COUPLE)
        relax(couple, calculator, fmax=0.01, steps=2000, cell=False)
        couple.calc = None
        initial, final, record = front_hop_endpoints(couple, carrier)
        far = get_distances([record.midpoint_A], initial.positions, cell=initial.cell, pbc=True)[1][0] > FRONT_FREE_RADIUS_A
        for atoms in (initial, final):
            atoms.set_constraint(FixAtoms(mask=far))
    for atoms in (initial, final):  # relaxed here: atomate2's relax output drops the fixed-atom flags
        relax(atoms, calculator, fmax=0.05 if engine == "cp2k" else 0.01, steps=1000, cell=False)
        atoms.calc = None
    adaptor = AseAtomsAdaptor()
    return {"endpoints": [adaptor.get_structure(a) for a in (initial, final)], "hop": record.as_dict(),
            "deform": deform.tolist()}


@job(data=["images"])
def summarise_neb(neb, endpoints: dict, system: str, kind: str, strain: float, potential: str | None,
                  climb: bool = True, engine: str = "potential", dft: dict | None = None) -> NebDocument:
    """The NEB result as a :class:`NebDocument` (barriers from the image energies)."""
    carrier, host = parse_system(system)
    energies = np.asarray(neb.energies, float)
    if engine == "cp2k":
        mesh = "x".join(str(k) for k in dft["kpoints"])
        summary = PotentialSummary(name="CP2K PBE", form=f"DFT, {dft['cutoff_Ry']:g} Ry, {mesh} k-points",
                                   citation=CP2K_CITATION)
    elif engine == "vasp":
        summary = PotentialSummary(name="VASP PBE", form=f"DFT, {VASP_INCAR['ENCUT']} eV, "
                                   f"{VASP_KPOINT_DENSITY} k-points per reciprocal atom", citation=VASP_CITATION)
    else:
        pot = resolve_potential(potential, system)
        summary = PotentialSummary(name=pot.name, form=pot.form, citation=pot.citation)
    first = neb.images[0]
    line_distance = []
    if kind == "dislocation":  # the carrier is the last atom (core_hop_path)
        core = np.asarray(endpoints["core_A"])
        line_distance = [float(np.linalg.norm(image.cart_coords[-1][:2] - core)) for image in neb.images]
    pressure = None
    if kind == "bulk" and engine != "vasp":  # a couple holds interfaces: no bulk pressure
        atoms: Atoms = AseAtomsAdaptor().get_atoms(first)
        atoms.calc = hop_calculator(system, potential, engine, dft)
        pressure = float(-np.trace(atoms.get_stress(voigt=False)) / 3.0 * EV_A3_TO_GPA)
    return NebDocument(
        system=system, host=host, carrier=carrier, kind=kind, strain=strain, pressure_GPa=pressure,
        barrier_eV=float(energies.max() - energies[0]), reverse_barrier_eV=float(energies.max() - energies[-1]),
        energies_eV=(energies - energies[0]).tolist(), hop_distance_A=endpoints["hop"]["hop_distance_A"],
        feature_distance_A=endpoints["hop"]["feature_distance_A"], image_line_distance_A=line_distance,
        n_atoms=len(first), host_cell_strain=endpoints["deform"], converged=neb.state == "successful",
        method="climbing-image NEB" if climb else "NEB", engine=engine, potential=summary,
        images=[AtomsModel.from_atoms(AseAtomsAdaptor().get_atoms(im)) for im in neb.images],
    )


def neb_engine(neb_maker: Maker | None) -> tuple[str, dict | None]:
    """(engine name, CP2K settings or None) of a hop's NEB Maker: ``potential`` (None or a
    :class:`LammpsNebMaker`), ``cp2k`` (:class:`Cp2kNebMaker`) or ``vasp`` (atomate2's VASP
    ``NebFromEndpointsMaker``, e.g. :func:`~anodeflow.workflows.vasp.vasp_neb_maker`)."""
    if neb_maker is None or isinstance(neb_maker, LammpsNebMaker):
        return "potential", None
    if isinstance(neb_maker, Cp2kNebMaker):
        return "cp2k", {"cutoff_Ry": neb_maker.cutoff_Ry, "kpoints": list(neb_maker.kpoints)}
    from atomate2.vasp.jobs.neb import NebFromEndpointsMaker

    if isinstance(neb_maker, NebFromEndpointsMaker):
        return "vasp", None
    raise InputError(f"a hop's neb_maker must be a LammpsNebMaker, a Cp2kNebMaker or atomate2's VASP "
                     f"NebFromEndpointsMaker, got {type(neb_maker).__name__}")


@dataclass
class HopNebMaker(Maker):
    """CI-NEB barrier of a carrier hop (one Flow).

    ``kind``: ``bulk`` (``min_cell_A`` sets the supercell, Si: 10 A -> 64 atoms, 5 A -> 8),
    ``front`` (entering the crystal at a ``miller`` couple's front) or ``dislocation`` (one line
    period along the core of a ``dislocation``, 60 or screw, in a diamond host,
    :func:`core_hop_states`; with the potential only). ``num_images`` intermediate images.

    ``neb_maker`` says where the forces come from (:func:`neb_engine`): None, the system's
    ``potential`` (LAMMPS or MLIP, :class:`LammpsNebMaker` with ``steps``); a :class:`Cp2kNebMaker`
    (PBE; Li in 8 Si atoms, 3x3x3 k-points: a one-image band in 4 min here), whose calculator also
    relaxes the endpoints; or atomate2's VASP ``NebFromEndpointsMaker``
    (:func:`~anodeflow.workflows.vasp.vasp_neb_maker`, for HPC; endpoints pre-relaxed with ``potential``
    on the tabulated lattice, then relaxed again by VASP).
    """

    name: str = "neb"
    kind: str = "bulk"
    num_images: int = 5
    min_cell_A: float = 10.0
    strain: float = 0.0
    miller: str = "100"
    dislocation: str = "60"
    potential: str | None = None
    steps: int = 500
    neb_maker: Maker | None = None

    def make(self, system: str) -> Flow:
        carrier, host = parse_system(system)
        engine, dft = neb_engine(self.neb_maker)
        if engine != "cp2k":  # VASP endpoints are pre-relaxed with the potential
            type_elements_for([carrier, host], resolve_potential(self.potential, system))
        neb_maker = self.neb_maker or LammpsNebMaker(system=system, potential=self.potential, steps=self.steps)
        if self.num_images < 1:
            raise InputError(f"num_images must be >= 1, got {self.num_images}")
        check_band_size(system, self.kind, self.min_cell_A, self.num_images,
                        f"a {self.kind} NEB of {self.num_images} images (min_cell_A={self.min_cell_A:g})")
        if self.kind == "bulk":
            check_length("min_cell_A", self.min_cell_A, unit="A")
        if self.kind == "dislocation":
            from anodeflow.structures.dislocations import check_dislocation

            check_dislocation(HOST_CRYSTALS[host], self.dislocation)
            if engine != "potential":
                raise InputError(f"dislocation-core hops run with the potential only (a "
                                 f"{CORE_HOP_CYLINDER['radius_nm']} nm cylinder is beyond local DFT), got "
                                 f"a {engine} neb_maker")
        ends = neb_endpoints(system, self.kind, self.strain, self.potential, self.min_cell_A, self.miller,
                             engine, dft, self.dislocation, self.num_images)
        endpoints = [ends.output["endpoints"][0], ends.output["endpoints"][1]]  # atomate2's VASP maker counts them
        jobs = [ends]
        if self.kind == "dislocation":  # the seeded band is relaxed without climbing first, then climbs (ODE)
            first = LammpsNebFromImagesMaker(name="lammps neb (no climb)", system=system, potential=self.potential,
                                             steps=self.steps, neb_kwargs={"climb": False, "method": "improvedtangent"},
                                             relax_kwargs={"fmax": 0.05}).make(ends.output["band"])
            neb = LammpsNebFromImagesMaker(system=system, potential=self.potential, steps=self.steps,
                                           optimizer="ODE").make(first.output.images)
            jobs.append(first)
        else:
            neb = neb_maker.make(endpoints, self.num_images)
        climb = engine == "vasp" or bool(neb_maker.neb_kwargs.get("climb"))
        doc = summarise_neb(neb.output, ends.output, system, self.kind, self.strain, self.potential, climb, engine, dft)
        return Flow([*jobs, neb, doc], output=doc.output, name=f"{self.name} {system} {self.kind}")


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
    neb: HopNebMaker = field(default_factory=HopNebMaker)

    def make(self, system: str) -> Flow:
        if len(self.strains) < 2:
            raise InputError(f"need at least two strains for a slope, got {list(self.strains)}")
        flows = []
        for s in self.strains:
            maker = HopNebMaker(**{**self.neb.__dict__, "strain": s})
            flows.append(maker.make(system))
        fit = fit_activation_volume([f.output for f in flows])
        return Flow([*flows, fit], output=fit.output, name=f"{self.name} {system}")
