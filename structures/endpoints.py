"""Interstitial sites and NEB endpoints for carrier hops."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree

from anodeflow.errors import InputError
from anodeflow.structures.couples import REGIONS
from anodeflow.structures.crystals import CARRIERS, CRYSTALS, bulk_crystal, repeats_to
from anodeflow.structures.orient import oriented_unit
from anodeflow.structures.sizes import check_length


def _wrap(points: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Points folded into [0, box) of an orthorhombic cell (A)."""
    wrapped = np.mod(points, box)
    wrapped[wrapped >= box] = 0.0  # np.mod(-1e-17, L) == L
    return wrapped


def _minimum_image(d: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Displacements (A) reduced to their shortest periodic image in an orthorhombic cell."""
    return d - box * np.round(d / box)


def _periodic_tree(atoms: Atoms) -> tuple[cKDTree, np.ndarray]:
    if not np.allclose(atoms.cell.array, np.diag(np.diag(atoms.cell.array))):
        raise InputError("interstitial search needs an orthorhombic cell")
    box = np.diag(atoms.cell.array).copy()
    return cKDTree(_wrap(atoms.positions, box), boxsize=box), box


def interstitial_sites(atoms: Atoms, min_clearance_A: float = 1.5, merge_A: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Centres of the empty spaces of a periodic orthorhombic cell, largest first.

    The distance to the nearest atom has its local maxima at vertices of the Voronoi
    tessellation of the atoms; every vertex inside the cell (periodic images included) with at
    least ``min_clearance_A`` clearance is returned once. Returns (positions A, clearance A).
    """
    from scipy.spatial import Voronoi

    tree, box = _periodic_tree(atoms)
    base = np.mod(atoms.positions, box)
    shifts = np.array([(i, j, k) for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)]) * box
    vertices = Voronoi((base[None, :, :] + shifts[:, None, :]).reshape(-1, 3)).vertices
    inside = np.all((vertices >= -1e-9) & (vertices < box - 1e-9), axis=1)
    vertices = np.mod(vertices[inside], box)
    clearance = tree.query(vertices)[0]
    keep = clearance >= min_clearance_A
    vertices, clearance = vertices[keep], clearance[keep]
    order = np.argsort(-clearance, kind="stable")
    sites, clear = [], []
    for p, c in zip(vertices[order], clearance[order]):
        if sites:
            d = np.array(sites) - p
            d -= box * np.round(d / box)
            if np.min(np.linalg.norm(d, axis=1)) < merge_A:
                continue
        sites.append(p)
        clear.append(c)
    return np.array(sites).reshape(-1, 3), np.array(clear)


@dataclass
class HopRecord:
    """What an NEB endpoint pair describes (distances in A)."""

    host: str
    carrier: str
    kind: str
    initial_site_A: list[float]
    final_site_A: list[float]
    hop_distance_A: float
    site_clearance_A: float
    #: the hop's midpoint (minimum image, folded into the cell) and its distance to the nearest atom
    midpoint_A: list[float]
    midpoint_clearance_A: float
    #: front hops: depth of each site below the interface (outermost host plane); dislocation hops:
    #: distance of each site from the dislocation line (A). Empty for bulk hops.
    feature_distance_A: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def bulk_hop_endpoints(host: str, carrier: str, supercell: tuple[int, int, int] | None = None,
                       min_cell_A: float = 10.0, min_hop_A: float = 1.0) -> tuple[Atoms, Atoms, HopRecord]:
    """A carrier hopping from the largest interstitial site to its nearest symmetry-equivalent site.

    For diamond Si this is Td -> Td through the hexagonal site (hop a sqrt(3)/4 = 2.352 A).
    Equivalent sites closer than ``min_hop_A`` count as one cage. The supercell is at least
    ``min_cell_A`` along each axis. Returns (initial, final, record).
    """
    if host not in CRYSTALS or CRYSTALS[host].element in CARRIERS:
        hosts = [k for k, v in CRYSTALS.items() if v.element not in CARRIERS]
        raise InputError(f"unknown host crystal '{host}'; hosts: {', '.join(hosts)}")
    if carrier not in CARRIERS:
        raise InputError(f"unknown carrier '{carrier}'; carriers: {', '.join(CARRIERS)}")
    cell = oriented_unit(bulk_crystal(host), (0, 0, 1))
    if supercell is None:
        check_length("min_cell_A", min_cell_A, unit="A")
        supercell = repeats_to(cell, min_cell_A)
    host_cell = cell.repeat(supercell)
    tree, box = _periodic_tree(host_cell)
    sites, clearance = interstitial_sites(cell)
    a = sites[0]
    b = _nearest_equivalent(cell, a, min_hop_A)
    mid = _wrap(0.5 * (a + b), box)
    record = HopRecord(host, carrier, "bulk", a.tolist(), _wrap(b, box).tolist(), float(np.linalg.norm(b - a)),
                       float(clearance[0]), mid.tolist(), float(tree.query(mid)[0]))
    return (*_with_carrier(host_cell, carrier, a, np.mod(b, box), record), record)


def _with_carrier(base: Atoms, carrier: str, a: np.ndarray, b: np.ndarray, record: HopRecord) -> tuple[Atoms, Atoms]:
    """Copies of ``base`` with one ``carrier`` atom appended at ``a`` (initial) and at ``b`` (final)."""
    ends = []
    for site in (a, b):
        atoms = base.copy()
        atoms += Atoms(carrier, positions=[site], cell=base.cell, pbc=base.pbc)
        if "region" in base.arrays:
            atoms.arrays["region"][-1] = REGIONS["host"]  # the carrier moves freely
        atoms.info["hop"] = record.as_dict()
        ends.append(atoms)
    return ends[0], ends[1]


#: couple size for front hops (nm): the smallest whose slab keeps bulk cages in its middle third (Si, 118 atoms)
FRONT_HOP_COUPLE = {"host_thickness_nm": 1.2, "reservoir_thickness_nm": 1.0, "size_nm": 1.1}


def front_hop_endpoints(couple: Atoms, carrier: str, max_hop_A: float = 3.0, min_hop_A: float = 1.5) -> tuple[Atoms, Atoms, HopRecord]:
    """A carrier entering the crystal at the front of a couple (from :func:`build_couple`).

    Cages are found in the host sublattice alone: sites whose clearance is within 2 % of the
    largest clearance in the middle third of the slab (the bulk cage: Td for Si, whose hexagonal
    saddle site has 96 % of it). The initial site is the cage closest to the upper interface
    (below the outermost host plane) from which a hop of at most ``max_hop_A`` leads to a deeper
    cage: the final site. ``feature_distance_A`` holds each site's depth below the outermost host plane.
    """
    if carrier not in CARRIERS:
        raise InputError(f"unknown carrier '{carrier}'; carriers: {', '.join(CARRIERS)}")
    if "region" not in couple.arrays:
        raise InputError("front hops need a couple with region tags (anodeflow.structures.build_couple)")
    host = couple[couple.arrays["region"] != REGIONS["reservoir"]]
    host_z = host.positions[:, 2]
    top = host_z.max()
    sites, clearance = interstitial_sites(host)
    tree, box = _periodic_tree(couple)
    bottom = host_z.min()
    middle = np.abs(sites[:, 2] - 0.5 * (top + bottom)) < (top - bottom) / 6 + 0.05  # sites on the edge count
    if not middle.any():
        raise InputError("the host slab is too thin to hold a bulk cage; increase host_thickness_nm")
    bulk_cage = clearance[middle].max()
    cage = (sites[:, 2] < top) & (sites[:, 2] > bottom) & (np.abs(clearance - bulk_cage) <= 0.02 * bulk_cage)
    candidates = np.flatnonzero(cage)
    for start in candidates[np.argsort(-sites[candidates, 2])]:  # the outermost cage that leads deeper
        d = _minimum_image(sites - sites[start], box)
        r = np.linalg.norm(d, axis=1)
        deeper = np.flatnonzero(cage & (sites[:, 2] < sites[start, 2] - 0.1) & (r >= min_hop_A) & (r <= max_hop_A)
                                & (clearance >= 0.98 * clearance[start]))
        if len(deeper):
            end = deeper[np.argmax(-d[deeper, 2] - 0.2 * r[deeper])]  # most directly downwards, then shortest
            break
    else:
        raise InputError(f"no pair of cages {min_hop_A}-{max_hop_A} A apart in the host slab; increase host_thickness_nm "
                         "or max_hop_A")
    a, b, step = sites[start], sites[end], d[end]
    mid = _wrap(a + 0.5 * step, box)
    record = HopRecord(_host_of(couple, carrier), carrier, "front", a.tolist(), b.tolist(),
                       float(np.linalg.norm(step)), float(clearance[start]), mid.tolist(), float(tree.query(mid)[0]),
                       [float(top - a[2]), float(top - b[2])])
    return (*_with_carrier(couple, carrier, a, b, record), record)


def core_hop_endpoints(dislocation: Atoms, carrier: str, max_core_distance_A: float = 4.0) -> tuple[Atoms, Atoms, HopRecord]:
    """A carrier moving one line period along a dislocation core (pipe diffusion).

    ``dislocation`` comes from :func:`build_dislocation` (line along z, ``core_A`` and
    ``line_period_A`` in ``info``). The initial site is the most open interstitial site within
    ``max_core_distance_A`` of the line; the final site is its copy one line period further along z,
    equivalent by the lattice translation, so both ends have the same energy.
    ``feature_distance_A`` holds each site's distance from the line.
    """
    if carrier not in CARRIERS:
        raise InputError(f"unknown carrier '{carrier}'; carriers: {', '.join(CARRIERS)}")
    if "core_A" not in dislocation.info or "line_period_A" not in dislocation.info:
        raise InputError("core hops need a dislocation cell with its core position (anodeflow.structures.build_dislocation)")
    period = float(dislocation.info["line_period_A"])
    tree, box = _periodic_tree(dislocation)
    if box[2] < 2 * period - 1e-6:
        raise InputError(f"the cell holds {box[2] / period:.0f} line period(s) along z; need at least 2 for a core hop")
    sites, clearance = interstitial_sites(dislocation)  # most open first
    radial = np.linalg.norm(sites[:, :2] - np.asarray(dislocation.info["core_A"][:2]), axis=1)
    near = np.flatnonzero(radial <= max_core_distance_A)
    if not len(near):
        raise InputError(f"no interstitial site within {max_core_distance_A} A of the dislocation line")
    start = near[0]
    a = sites[start]
    b = _wrap(a + [0.0, 0.0, period], box)
    mid = _wrap(a + [0.0, 0.0, period / 2], box)
    record = HopRecord(_host_of(dislocation, carrier), carrier, "dislocation", a.tolist(), b.tolist(), period,
                       float(clearance[start]), mid.tolist(), float(tree.query(mid)[0]), [float(radial[start])] * 2)
    return (*_with_carrier(dislocation, carrier, a, b, record), record)


def translated_state(atoms: Atoms, shift_A) -> Atoms:
    """``atoms`` moved rigidly by the lattice translation ``shift_A`` (A), its atoms kept in their order.

    Each atom takes the shifted position of the like atom that lands nearest its own place (a
    one-to-one assignment per element, minimum image), so the copy is the same state one translation
    further on and can end an NEB path: e.g. a carrier relaxed in a dislocation core and the same
    configuration one line period further along the line (equal energies, every atom moved little
    but the carrier).
    """
    from ase.geometry import get_distances
    from scipy.optimize import linear_sum_assignment

    shifted = atoms.positions + np.asarray(shift_A, float)
    moved = atoms.copy()
    moved.set_constraint()
    symbols = np.array(atoms.get_chemical_symbols())
    for element in np.unique(symbols):
        index = np.flatnonzero(symbols == element)
        distance = get_distances(atoms.positions[index], shifted[index], cell=atoms.cell, pbc=atoms.pbc)[1]
        rows, cols = linear_sum_assignment(distance)
        moved.positions[index[rows]] = shifted[index[cols]]
    moved.wrap()
    moved.set_constraint([c.copy() for c in atoms.constraints])
    return moved


def _host_of(atoms: Atoms, carrier: str) -> str:
    others = sorted(set(atoms.get_chemical_symbols()) - {carrier})
    return "-".join(others) if others else carrier


def _nearest_equivalent(cell: Atoms, site: np.ndarray, min_hop_A: float) -> np.ndarray:
    """Nearest image of a symmetry-equivalent copy of ``site`` at least ``min_hop_A`` away (A)."""
    from pymatgen.io.ase import AseAtomsAdaptor
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    structure = AseAtomsAdaptor.get_structure(cell)
    operations = SpacegroupAnalyzer(structure, symprec=1e-3).get_symmetry_operations(cartesian=False)
    frac = np.linalg.solve(cell.cell.array.T, site)
    copies = np.mod([op.operate(frac) for op in operations], 1.0)
    shifts = np.array([(i, j, k) for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)])
    candidates = (copies[:, None, :] + shifts[None, :, :]).reshape(-1, 3) @ cell.cell.array
    distances = np.linalg.norm(candidates - site, axis=1)
    ok = distances >= min_hop_A
    if not ok.any():
        raise InputError(f"no equivalent site within reach of {site}; lower min_hop_A ({min_hop_A} A)")
    return candidates[ok][np.argmin(distances[ok])]


def most_open_point(atoms: Atoms, target_A, radius_A: float = 3.0, spacing_A: float = 0.25) -> tuple[np.ndarray, float]:
    """The point within ``radius_A`` of ``target_A`` (A) farthest from every atom of ``atoms`` (any
    cell, minimum image), on a grid of ``spacing_A``; returns (point A, its clearance A)."""
    from ase.geometry import find_mic

    if not radius_A > 0 or not 0 < spacing_A <= radius_A:
        raise InputError(f"need radius_A > 0 and 0 < spacing_A <= radius_A, got {radius_A}, {spacing_A}")
    target = np.asarray(target_A, float)
    around, r = find_mic(atoms.positions - target, atoms.cell, atoms.pbc)  # atoms seen from the target
    around = around[r <= radius_A + 6.0]
    steps = np.arange(-radius_A, radius_A + 1e-9, spacing_A)
    grid = np.array(np.meshgrid(steps, steps, steps, indexing="ij")).reshape(3, -1).T
    grid = grid[np.linalg.norm(grid, axis=1) <= radius_A]
    clearance = np.linalg.norm(grid[:, None, :] - around[None, :, :], axis=-1).min(axis=1)
    best = int(np.argmax(clearance))
    return target + grid[best], float(clearance[best])


def with_carriers(atoms: Atoms, carrier: str, targets_A, radius_A: float = 3.0) -> Atoms:
    """``atoms`` with one ``carrier`` atom at the most open point within ``radius_A`` of each target
    (:func:`most_open_point`, against the host and the carriers placed before it); carriers appended
    last, in the order of ``targets_A``."""
    if carrier not in CARRIERS:
        raise InputError(f"unknown carrier '{carrier}'; carriers: {', '.join(CARRIERS)}")
    out = atoms.copy()
    for target in np.atleast_2d(targets_A):
        point = most_open_point(out, target, radius_A)[0]
        out += Atoms(carrier, positions=[point], cell=out.cell, pbc=out.pbc)
    out.wrap()
    return out
