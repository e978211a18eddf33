"""Interstitial sites and NEB endpoints for carrier hops."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree

from anodeflow.errors import InputError
from anodeflow.structures.crystals import CARRIERS, CRYSTALS, bulk_crystal


def _periodic_tree(atoms: Atoms) -> tuple[cKDTree, np.ndarray]:
    if not np.allclose(atoms.cell.array, np.diag(np.diag(atoms.cell.array))):
        raise InputError("interstitial search needs an orthorhombic cell")
    box = np.diag(atoms.cell.array).copy()
    return cKDTree(np.mod(atoms.positions, box), boxsize=box), box


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
    midpoint_clearance_A: float

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
    cell = _orthorhombic(bulk_crystal(host))
    if supercell is None:
        supercell = tuple(max(1, int(np.ceil(min_cell_A / L))) for L in cell.cell.lengths())
    host_cell = cell.repeat(supercell)
    tree, box = _periodic_tree(host_cell)
    sites, clearance = interstitial_sites(cell)
    a = sites[0]
    b = _nearest_equivalent(cell, a, min_hop_A)
    mid_clear = float(tree.query(np.mod(0.5 * (a + b), box))[0])
    initial = host_cell + Atoms(carrier, positions=[a])
    final = host_cell + Atoms(carrier, positions=[np.mod(b, box)])
    record = HopRecord(host, carrier, "bulk", a.tolist(), np.mod(b, box).tolist(), float(np.linalg.norm(b - a)),
                       float(clearance[0]), mid_clear)
    for atoms in (initial, final):
        atoms.info["hop"] = record.as_dict()
    return initial, final, record


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


def _orthorhombic(atoms: Atoms) -> Atoms:
    """The same crystal in an orthorhombic cell (hexagonal cells doubled along b)."""
    cell = atoms.cell.array
    if np.allclose(cell, np.diag(np.diag(cell))):
        return atoms
    from ase.build import make_supercell

    # hexagonal a, b at 120 or 60 degrees: a' = a, b' = a + 2b (or 2b - a) is orthogonal to a
    for P in ([[1, 0, 0], [1, 2, 0], [0, 0, 1]], [[1, 0, 0], [-1, 2, 0], [0, 0, 1]]):
        ortho = make_supercell(atoms, P)
        c = ortho.cell.array
        if abs(c[0] @ c[1]) < 1e-6 and abs(c[0] @ c[2]) < 1e-6 and abs(c[1] @ c[2]) < 1e-6:
            lengths = ortho.cell.lengths()
            ortho.set_cell(np.diag(lengths), scale_atoms=False)
            frac = np.linalg.solve(c.T, ortho.positions.T).T
            ortho.positions = frac @ np.diag(lengths)
            ortho.wrap()
            return ortho
    raise InputError("cannot make an orthorhombic cell for this crystal")
