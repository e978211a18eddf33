"""Carrier site networks in a host crystal or along a dislocation core, with the potential.

Flow of :class:`SiteNetworkMaker` (one job): the network's cell (:func:`bulk_network_cell`: the
relaxed host's unit cell in a supercell; :func:`core_network_cell`: a relaxed dislocation cylinder,
periodic along the line) -> every interstitial site of the cell relaxed with one carrier, one per
symmetry class, and the relaxed positions spread over their classes and merged into minima
(:func:`carrier_minima`) -> climbing-image NEB of every symmetry-distinct hop between minima up to
``max_hop_A`` (:func:`hop_saddle`) -> percolation of the network
(:class:`~anodeflow.analysis.site_network.SiteNetwork`) -> :class:`SiteNetworkDocument`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

import numpy as np
from ase import Atoms
from jobflow import Job, Maker, job

from anodeflow.analysis.site_network import Hop, SiteNetwork, merge_sites
from anodeflow.errors import EngineError, InputError
from anodeflow.progress import progress_bar
from anodeflow.structures import parse_system
from anodeflow.structures.couples import REGIONS
from anodeflow.structures.crystals import HOST_CRYSTALS
from anodeflow.workflows.calculators import lattice_deformation, relax
from anodeflow.workflows.engine import engine_message
from anodeflow.workflows.schemas import NetworkHop, NetworkSite, PotentialSummary, SiteNetworkDocument

#: network kinds: the host crystal, or the core of a dislocation (diamond hosts)
NETWORK_KINDS = ("bulk", "dislocation")


@dataclass
class NetworkCell:
    """Where a network is mapped: ``host`` (relaxed, constraints set) receives the carrier;
    ``unit`` (3x3, A, rows) is the network's period and ``pbc`` its periodic axes; ``candidates``
    (A) are the sites tried; ``operations`` are Cartesian (R, t), x -> R x + t, that map the host
    onto itself; ``line_A`` is the dislocation line (x, y) or None."""

    host: Atoms
    unit: np.ndarray
    pbc: tuple[bool, bool, bool]
    candidates: np.ndarray
    operations: list[tuple[np.ndarray, np.ndarray]]
    line_A: np.ndarray | None = None


def space_group_operations(unit: Atoms, symprec: float = 1e-3) -> list[tuple[np.ndarray, np.ndarray]]:
    """The space-group operations of ``unit`` as Cartesian (R, t) acting on positions in A."""
    from pymatgen.io.ase import AseAtomsAdaptor
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    structure = AseAtomsAdaptor.get_structure(unit)
    cell = unit.cell.array
    to_cart = cell.T
    operations = []
    for op in SpacegroupAnalyzer(structure, symprec=symprec).get_symmetry_operations(cartesian=False):
        rotation = to_cart @ op.rotation_matrix @ np.linalg.inv(to_cart)
        operations.append((rotation, op.translation_vector @ cell))
    return operations


def bulk_network_cell(crystal: str, calculator, min_cell_A: float = 10.0) -> NetworkCell:
    """The potential's relaxed ``crystal`` (conventional cell, z along c) as the network's unit, in a
    supercell at least ``min_cell_A`` along each axis; candidates: its interstitial sites."""
    from anodeflow.structures.crystals import bulk_crystal, repeats_to
    from anodeflow.structures.endpoints import interstitial_sites
    from anodeflow.structures.orient import oriented_unit

    deform = lattice_deformation(crystal, calculator)
    unit = oriented_unit(bulk_crystal(crystal), (0, 0, 1))
    unit.set_cell(unit.cell.array @ deform, scale_atoms=True)
    host = unit.repeat(repeats_to(unit, min_cell_A))
    return NetworkCell(host, unit.cell.array.copy(), (True, True, True), interstitial_sites(unit)[0],
                       space_group_operations(unit))


def core_network_cell(crystal: str, dislocation: str, calculator, site_radius_A: float = 6.0) -> NetworkCell:
    """A relaxed dislocation cylinder (:func:`~anodeflow.workflows.neb.relaxed_core_cylinder`) as the
    network's unit, periodic along the line; candidates: interstitial sites within ``site_radius_A``
    of the line; operations: the translations by the line period."""
    from anodeflow.structures.endpoints import interstitial_sites
    from anodeflow.workflows.neb import relaxed_core_cylinder

    cylinder = relaxed_core_cylinder(crystal, dislocation, calculator, lattice_deformation(crystal, calculator))
    line = np.asarray(cylinder.info["core_A"], float)
    period = float(cylinder.info["line_period_A"])
    sites = interstitial_sites(cylinder)[0]
    sites = sites[np.linalg.norm(sites[:, :2] - line, axis=1) <= site_radius_A]
    if not len(sites):
        raise InputError(f"no interstitial site within {site_radius_A} A of the dislocation line")
    n_periods = int(round(cylinder.cell.array[2, 2] / period))
    operations = [(np.eye(3), np.array([0.0, 0.0, k * period])) for k in range(n_periods)]
    return NetworkCell(cylinder, cylinder.cell.array.copy(), (False, False, True), sites, operations, line)


def equivalence_classes(items: np.ndarray, operations, unit: np.ndarray, pbc, tolerance_A: float = 0.1,
                        reversible: bool = False) -> np.ndarray:
    """Class label of each item (shape (n, m, 3): m points, A): two items are one class when an
    operation followed by one lattice translation of ``unit`` maps one onto the other (the points in
    reverse order too with ``reversible``, for hops)."""
    items = np.asarray(items, float)
    labels = np.full(len(items), -1)
    periodic = np.asarray(pbc, bool)
    for first in range(len(items)):
        if labels[first] >= 0:
            continue
        labels[first] = first
        images = [items[first] @ R.T + t for R, t in operations]
        if reversible:
            images += [image[::-1] for image in images]
        for image in images:
            for other in np.flatnonzero(labels < 0):
                shift = items[other][0] - image[0]
                frac = np.linalg.solve(unit.T, shift)
                lattice = np.where(periodic, np.round(frac), 0.0)
                if (np.linalg.norm((frac - lattice) @ unit) < tolerance_A
                        and np.all(np.linalg.norm(items[other] - image - lattice @ unit, axis=1) < tolerance_A)):
                    labels[other] = first
    return np.unique(labels, return_inverse=True)[1]


#: the carrier starts 0.2 A off a candidate site, in a fixed direction, so that a relaxation does not
#: rest on a saddle that symmetry holds force-free (the hexagonal site of diamond); the check of a
#: site starts off it in a second direction (A)
NUDGE_A = 0.2 * np.array([0.48, 0.6, 0.64])
CHECK_NUDGE_A = 0.2 * np.array([0.64, -0.48, 0.6])

#: an NEB end counts as its site when the relaxed carrier lies within STAY_A of it, or, in a flat
#: valley, within FLAT_STAY_A at the site's energy +- FLAT_EV (A, A, eV)
STAY_A, FLAT_STAY_A, FLAT_EV = 0.3, 1.0, 0.005


def relax_carrier(cell: NetworkCell, carrier: str, site: np.ndarray, calculator, nudge_A=0.0) -> Atoms:
    """The host with one ``carrier`` atom (appended last) relaxed from ``site`` + ``nudge_A`` (A),
    positions only."""
    atoms = cell.host.copy()
    atoms += Atoms(carrier, positions=[np.asarray(site) + nudge_A], cell=atoms.cell, pbc=atoms.pbc)
    if "region" in atoms.arrays:
        atoms.arrays["region"][-1] = REGIONS["host"]  # the carrier moves freely
    atoms.wrap()
    atoms.set_constraint([c.copy() for c in cell.host.constraints])
    relax(atoms, calculator, fmax=0.005, steps=2000, cell=False)
    atoms.info["energy_eV"] = float(atoms.get_potential_energy())
    atoms.calc = None
    return atoms


@dataclass
class CarrierMinima:
    """Distinct carrier minima of a network's unit (positions A, energies eV on the relaxed cells' scale),
    the symmetry class of each, and per site: ``reproducible`` (a second relaxation from
    :data:`CHECK_NUDGE_A` off the relaxed carrier position, the host started afresh, lands within
    :data:`STAY_A` and :data:`FLAT_EV` of the first: False at a saddle, or where the host reconstructs
    around the carrier into several states) and
    ``host_shift_A`` (largest host-atom displacement the carrier causes)."""

    positions: np.ndarray
    energies: np.ndarray
    site_class: np.ndarray
    reproducible: np.ndarray
    host_shift_A: np.ndarray
    n_relaxations: int


def carrier_minima(cell: NetworkCell, carrier: str, calculator, merge_A: float = 0.3,
                   progress: bool = False) -> CarrierMinima:
    """Relax one carrier from one candidate site per symmetry class (then once more from near where it
    landed, the host afresh), spread each relaxed position over the operations and merge within ``merge_A``."""
    from ase.geometry import find_mic

    classes = equivalence_classes(cell.candidates[:, None, :], cell.operations, cell.unit, cell.pbc)
    n_classes = int(classes.max()) + 1
    positions, energies, origin, checks = [], [], [], []
    with progress_bar(progress, "carrier sites", n_classes, "site classes") as advance:
        for label in range(n_classes):
            site = cell.candidates[np.flatnonzero(classes == label)[0]]
            relaxed = relax_carrier(cell, carrier, site, calculator, NUDGE_A)
            again = relax_carrier(cell, carrier, relaxed.positions[-1], calculator, CHECK_NUDGE_A)
            moved = find_mic(again.positions[-1] - relaxed.positions[-1], relaxed.cell, relaxed.pbc)[1]
            shift = find_mic(relaxed.positions[:-1] - cell.host.positions, relaxed.cell, relaxed.pbc)[1].max()
            checks.append((moved <= STAY_A and abs(again.info["energy_eV"] - relaxed.info["energy_eV"]) <= FLAT_EV,
                           float(shift)))
            for R, t in cell.operations:
                positions.append(R @ relaxed.positions[-1] + t)
                energies.append(relaxed.info["energy_eV"])
                origin.append(label)
            advance(label + 1)
    sites, site_energies, owner = merge_sites(np.array(positions), np.array(energies), cell.unit, cell.pbc, merge_A)
    energies = np.array(energies)
    source = [origin[min(np.flatnonzero(owner == k), key=lambda m: energies[m])] for k in range(len(sites))]
    return CarrierMinima(sites, site_energies,
                         equivalence_classes(sites[:, None, :], cell.operations, cell.unit, cell.pbc, tolerance_A=merge_A),
                         np.array([checks[c][0] for c in source]), np.array([checks[c][1] for c in source]),
                         2 * n_classes)


def candidate_hops(sites: np.ndarray, unit: np.ndarray, pbc, max_hop_A: float, min_hop_A: float = 0.3) -> list[Hop]:
    """Every pair of sites (and periodic images) from ``min_hop_A`` to ``max_hop_A`` apart, each once."""
    periodic = np.asarray(pbc, bool)
    reach = [int(np.ceil(max_hop_A / np.linalg.norm(unit[k]))) + 1 if periodic[k] else 0 for k in range(3)]
    images = np.array([(i, j, k) for i in range(-reach[0], reach[0] + 1) for j in range(-reach[1], reach[1] + 1)
                       for k in range(-reach[2], reach[2] + 1)])
    hops = []
    for a in range(len(sites)):
        for b in range(a, len(sites)):
            d = np.linalg.norm(sites[b] + images @ unit - sites[a], axis=1)
            for offset, r in zip(images, d):
                if not min_hop_A <= r <= max_hop_A:
                    continue
                if a == b and tuple(offset) < (0, 0, 0):  # a site's hop to its own image, counted once
                    continue
                hops.append(Hop(a, b, tuple(int(o) for o in offset), float("nan"), float(r)))
    return hops


def hop_saddle(cell: NetworkCell, carrier: str, start: np.ndarray, end: np.ndarray, calculator,
               n_images: int = 5, steps: int = 300, fmax: float = 0.05, reference_eV: float = 0.0,
               end_energies_eV: tuple[float, float] | None = None) -> tuple[list[float] | None, bool]:
    """Climbing-image NEB of the carrier from ``start`` to ``end`` (A, ``end`` unwrapped).

    Both ends are relaxed first (the host from its own relaxed state); if either leaves its site
    (:data:`STAY_A`; with ``end_energies_eV``, the sites' energies less ``reference_eV``, also the
    flat-valley rule), the pair is not two minima joined by a hop and the energies are None. The band
    starts from IDPP through the minimum image, then, if FIRE does not converge within ``steps``, from
    a straight band; the converged one (else the lower) is kept; a band the engine stops (LAMMPS
    loses an atom) raises :class:`EngineError`. Returns (image energies eV less ``reference_eV``, or
    None; converged).
    """
    from ase.geometry import find_mic

    ends = [relax_carrier(cell, carrier, site, calculator) for site in (start, end)]
    for k, (atoms, site) in enumerate(zip(ends, (start, end))):
        moved = find_mic(atoms.positions[-1] - site, atoms.cell, atoms.pbc)[1]
        flat = (end_energies_eV is not None and moved <= FLAT_STAY_A
                and abs(atoms.info["energy_eV"] - reference_eV - end_energies_eV[k]) <= FLAT_EV)
        if moved > STAY_A and not flat:
            return None, False
    best: list[float] | None = None
    for method in ("idpp", "linear"):
        energies, converged = _band(cell, ends, calculator, n_images, steps, fmax, method)
        if converged:
            return [e - reference_eV for e in energies], True
        if best is None or max(energies) < max(best):
            best = energies
    return [e - reference_eV for e in best], False


def _band(cell: NetworkCell, ends: list[Atoms], calculator, n_images: int, steps: int, fmax: float,
          method: str) -> tuple[list[float], bool]:
    from ase.mep import NEB
    from ase.optimize import FIRE

    images = [ends[0].copy() for _ in range(n_images + 1)] + [ends[1].copy()]
    for image in images:
        image.set_constraint([c.copy() for c in cell.host.constraints])
        image.calc = calculator
    band = NEB(images, climb=True, method="improvedtangent", allow_shared_calculator=True)
    band.interpolate(method, mic=True)
    try:
        converged = FIRE(band, logfile=None).run(fmax=fmax, steps=steps)
        energies = [float(image.get_potential_energy()) for image in images]
    except Exception as exc:  # LAMMPSlib passes LAMMPS's errors on bare, e.g. an image's carrier lost to the vacuum
        if not str(exc).lstrip().startswith("ERROR"):
            raise
        raise EngineError(f"NEB band stopped: {engine_message(exc)}", engine_message=engine_message(exc)) from None
    finally:
        for image in images:
            image.calc = None
    return energies, bool(converged)


def _measure_hops(cell: NetworkCell, carrier: str, sites: np.ndarray, energies: np.ndarray, hops: list[Hop],
                  new_calculator, settings: dict, axes: str, every_hop: bool, progress: bool) -> list[NetworkHop]:
    """The candidate hops with their NEB saddles (eV, the site energies' scale), one band per symmetry
    class, classes in order of their higher end; ``new_calculator()`` gives the calculator, and a new
    one after a band the engine stopped. Unless ``every_hop``, it stops once the measured hops
    percolate below the higher end of every class left (those hops cannot lower the threshold); the
    rest are ``skipped``. A pair whose end leaves its site on relaxation, or whose band the engine
    stops, is ``not a hop``."""
    pairs = np.array([[sites[h.i], sites[h.j] + np.asarray(h.offset) @ cell.unit] for h in hops]).reshape(-1, 2, 3)
    classes = equivalence_classes(pairs, cell.operations, cell.unit, cell.pbc, reversible=True) if hops else []
    n_classes = int(np.max(classes)) + 1 if hops else 0
    floor = [max(max(energies[h.i], energies[h.j]) for h, c in zip(hops, classes) if c == label)
             for label in range(n_classes)]
    measured: dict[int, tuple[list[float] | None, bool]] = {}
    calculator = new_calculator()
    with progress_bar(progress, "NEB hops", n_classes, "hop classes") as advance:
        for done, label in enumerate(np.argsort(floor, kind="stable"), 1):
            if not every_hop and measured:
                network = SiteNetwork(axes).compute(energies, _hops_measured(hops, classes, measured))
                if network.percolates and floor[label] >= network.threshold_eV:
                    break
            first = int(np.flatnonzero(np.asarray(classes) == label)[0])
            ends = (energies[hops[first].i], energies[hops[first].j])
            try:
                measured[label] = hop_saddle(cell, carrier, pairs[first][0], pairs[first][1], calculator,
                                             end_energies_eV=ends, **settings)
            except EngineError:  # a LAMMPS instance that lost an atom is beyond repair: start a new one
                measured[label], calculator = (None, False), new_calculator()
            advance(done)
    rows = []
    for h, label in zip(hops, classes):
        energies_eV, converged = measured.get(label, (None, False))
        status = "skipped" if label not in measured else "measured" if energies_eV else "not a hop"
        rows.append(NetworkHop(i=h.i, j=h.j, offset=list(h.offset), distance_A=h.distance_A, hop_class=int(label),
                               status=status, saddle_eV=max(energies_eV) if energies_eV else None,
                               image_energies_eV=energies_eV or [], converged=converged))
    return rows


def _hops_measured(hops: list[Hop], classes, measured: dict) -> list[Hop]:
    return [Hop(h.i, h.j, h.offset, max(measured[c][0]), h.distance_A) for h, c in zip(hops, classes)
            if measured.get(c, (None,))[0]]


@job
def site_network(system: str, kind: str = "bulk", potential: str | None = None, dislocation: str = "60",
                 max_hop_A: float = 3.5, site_radius_A: float = 6.0, min_cell_A: float = 10.0, num_images: int = 5,
                 steps: int = 300, every_hop: bool = False, progress: bool = False) -> SiteNetworkDocument:
    """The carrier's site network in ``system``'s host (``kind`` bulk) or along a dislocation core,
    its percolation threshold and long-range migration energy, with the potential (LAMMPS or MLIP)."""
    from anodeflow.workflows.md import resolve_potential
    from anodeflow.workflows.neb import hop_calculator

    start = time.perf_counter()
    carrier, host = parse_system(system)
    crystal = HOST_CRYSTALS[host]
    calculator = hop_calculator(system, potential)
    if kind == "bulk":
        cell = bulk_network_cell(crystal, calculator, min_cell_A)
    else:
        cell = core_network_cell(crystal, dislocation, calculator, site_radius_A)
    minima = carrier_minima(cell, carrier, calculator, progress=progress)
    sites = minima.positions
    axes = "xyz" if kind == "bulk" else "z"
    reference = float(minima.energies.min())
    energies = minima.energies - reference
    hops = candidate_hops(sites, cell.unit, cell.pbc, max_hop_A)
    settings = {"n_images": num_images, "steps": steps, "reference_eV": reference}
    rows = _measure_hops(cell, carrier, sites, energies, hops, partial(hop_calculator, system, potential), settings,
                         axes, every_hop, progress)
    measured = [r for r in rows if r.saddle_eV is not None]
    result = SiteNetwork(axes).compute(energies, [Hop(r.i, r.j, tuple(r.offset), r.saddle_eV, r.distance_A)
                                                  for r in measured])
    line = cell.line_A
    network_sites = [NetworkSite(position_A=p.tolist(), energy_eV=float(e), site_class=int(c), reproducible=bool(ok),
                                 host_shift_A=float(shift),
                                 line_distance_A=None if line is None else float(np.linalg.norm(p[:2] - line)))
                     for p, e, c, ok, shift in zip(sites, energies, minima.site_class, minima.reproducible,
                                                   minima.host_shift_A)]
    pot = resolve_potential(potential, system)
    return SiteNetworkDocument(
        system=system, host=host, carrier=carrier, kind=kind, dislocation=dislocation if kind != "bulk" else None,
        percolation_axes=axes, unit_cell_A=cell.unit.tolist(), n_host_atoms=len(cell.host), sites=network_sites,
        hops=rows, max_hop_A=max_hop_A, n_relaxations=minima.n_relaxations, n_bands=len({r.hop_class for r in measured}),
        every_hop=every_hop, well_posed=bool(minima.reproducible.all() and all(r.status != "not a hop" for r in rows)),
        **result.as_dict(),
        potential=PotentialSummary(name=pot.name, form=pot.form, citation=pot.citation),
        wall_time_s=time.perf_counter() - start)


@dataclass
class SiteNetworkMaker(Maker):
    """A carrier's network of minima and hops, and the barrier at which it first percolates.

    ``kind``: ``bulk`` (the host crystal; the network may wind along any axis) or ``dislocation``
    (sites within ``site_radius_A`` of the line of a ``dislocation``, 60 or screw, in a diamond host;
    the network must wind along the line: pipe diffusion). Hops up to ``max_hop_A``; CI-NEB with
    ``num_images`` images and at most ``steps`` FIRE steps. Hops whose higher end lies above the
    percolation threshold are not measured unless ``every_hop`` (then every site's escape is known).
    """

    name: str = "site network"
    kind: str = "bulk"
    potential: str | None = None
    dislocation: str = "60"
    max_hop_A: float = 3.5
    site_radius_A: float = 6.0
    min_cell_A: float = 10.0
    num_images: int = 5
    steps: int = 300
    every_hop: bool = False
    progress: bool = False

    def make(self, system: str) -> Job:
        carrier, host = parse_system(system)
        if self.kind not in NETWORK_KINDS:
            raise InputError(f"unknown network kind '{self.kind}'; kinds: {', '.join(NETWORK_KINDS)}")
        if self.kind == "dislocation":
            from anodeflow.structures.dislocations import check_dislocation

            check_dislocation(HOST_CRYSTALS[host], self.dislocation)
        for name in ("max_hop_A", "site_radius_A", "min_cell_A"):
            if not getattr(self, name) > 0:
                raise InputError(f"{name} must be > 0 A, got {getattr(self, name)}")
        if self.num_images < 1 or self.steps < 1:
            raise InputError(f"num_images and steps must be >= 1, got {self.num_images}, {self.steps}")
        return site_network(system, self.kind, self.potential, self.dislocation, self.max_hop_A, self.site_radius_A,
                            self.min_cell_A, self.num_images, self.steps, self.every_hop, self.progress)
