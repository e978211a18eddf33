"""Per-atom crystalline/amorphous classification of the host."""

from __future__ import annotations

from functools import cache

import numpy as np

from anodeflow.errors import InputError
from anodeflow.structures.crystals import HOST_CRYSTALS as DEFAULT_LATTICE  # element -> reference crystal

#: neighbours that define the local motif, per non-diamond reference crystal
MOTIF_NEIGHBOURS = {"beta-Sn": 6, "Sb": 6}
#: distance in (q4, q6) below which an atom matches the reference crystal; calibrated on thermal
#: crystals (Gaussian displacements up to 0.2 A rms per axis: 99th percentile <= 0.21) and
#: random packings at crystal density (1st percentile >= 0.37) for beta-Sn and A7 Sb
MOTIF_TOLERANCE = 0.25
#: looser distance (below the glasses' 0.5th percentile, 0.36 for beta-Sn and 0.47 for Sb) that
#: counts as crystalline when at least ``MOTIF_GROW_NEIGHBOURS`` of the atom's motif neighbours
#: are crystalline; grown to convergence (hysteresis), it recovers the crystal atoms at a
#: crystal/disorder boundary whose averaged shell reaches into the disorder
MOTIF_GROW_TOLERANCE = 0.36
MOTIF_GROW_NEIGHBOURS = 3


def freud_system(positions: np.ndarray, cell: np.ndarray):
    """(freud box, wrapped points) for a periodic cell with rows a, b, c."""
    import freud

    box = freud.box.Box.from_matrix(np.asarray(cell, float).T)
    centred = np.asarray(positions, float) - 0.5 * np.asarray(cell).sum(axis=0)
    return box, box.wrap(centred).astype(np.float32)


def _steinhardt(positions, cell, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour-averaged (q4, q6) per atom over its ``k`` nearest neighbours, and their indices."""
    import freud

    box, points = freud_system(positions, cell)
    neighbours = freud.locality.AABBQuery(box, points).query(
        points, {"num_neighbors": k, "exclude_ii": True}).toNeighborList()
    st = freud.order.Steinhardt(l=[4, 6], average=True)
    st.compute((box, points), neighbors=neighbours)
    return np.asarray(st.particle_order), np.asarray(neighbours.point_indices).reshape(len(points), k)


def host_density_A3(host: str) -> float:
    """Number density (atoms/A^3) of the crystal that ``host`` (an element) forms by default."""
    from anodeflow.structures.crystals import number_density_A3

    if host not in DEFAULT_LATTICE:
        raise InputError(f"host '{host}' is not supported; supported: {', '.join(DEFAULT_LATTICE)}")
    return number_density_A3(DEFAULT_LATTICE[host])


@cache
def reference_order(lattice: str) -> tuple[float, float]:
    """Averaged (q4, q6) of a perfect crystal of ``lattice``."""
    from anodeflow.structures.crystals import bulk_crystal, repeated_to

    atoms = repeated_to(bulk_crystal(lattice), 12.0)
    q, _ = _steinhardt(atoms.positions, atoms.cell.array, MOTIF_NEIGHBOURS[lattice])
    return float(q[0, 0]), float(q[0, 1])


class CrystallineHost:
    """Which host atoms sit in a crystalline environment (compute-object style).

    Diamond lattices (Si, Ge, alpha-Sn) use OVITO's IdentifyDiamond on the host sublattice; every
    diamond class (cubic/hexagonal, first and second neighbours) counts as crystalline.
    beta-Sn and A7 Sb use reference-motif matching: the neighbour-averaged Steinhardt (q4, q6)
    of each host atom (freud, 6 nearest host neighbours) within ``MOTIF_TOLERANCE`` of the perfect
    crystal's, grown into atoms within ``MOTIF_GROW_TOLERANCE`` that have at least
    ``MOTIF_GROW_NEIGHBOURS`` crystalline motif neighbours. Carrier atoms are ignored in both, so
    an interstitial does not amorphize its host.

    ``compute(positions, cell, host_mask)`` sets ``crystalline`` (bool per atom; False for
    non-host atoms) and ``n_crystalline``.
    """

    def __init__(self, host: str, lattice: str | None = None):
        from anodeflow.structures.crystals import CRYSTALS

        lattice = lattice or DEFAULT_LATTICE.get(host)
        if lattice is None or lattice not in CRYSTALS or CRYSTALS[lattice].element != host:
            known = ", ".join(f"{k} ({v})" for k, v in DEFAULT_LATTICE.items())
            raise InputError(f"crystallinity of host '{host}' (lattice {lattice}) is not supported; supported: {known}")
        self.host = host
        self.lattice = lattice
        self.method = "IdentifyDiamond" if CRYSTALS[lattice].structure == "diamond" else "motif"
        self.crystalline: np.ndarray | None = None
        self.n_crystalline = 0

    def compute(self, positions: np.ndarray, cell: np.ndarray, host_mask: np.ndarray) -> CrystallineHost:
        host_mask = np.asarray(host_mask, dtype=bool)
        if self.method == "IdentifyDiamond":
            self.crystalline = _identify_diamond(positions, cell, host_mask)
        else:
            self.crystalline = np.zeros(len(positions), dtype=bool)
            if host_mask.sum() > MOTIF_NEIGHBOURS[self.lattice]:
                q, neighbours = _steinhardt(np.asarray(positions)[host_mask], cell, MOTIF_NEIGHBOURS[self.lattice])
                distance = np.linalg.norm(q - np.array(reference_order(self.lattice)), axis=1)
                self.crystalline[host_mask] = _grow(distance < MOTIF_TOLERANCE, distance < MOTIF_GROW_TOLERANCE,
                                                    neighbours)
        self.n_crystalline = int(self.crystalline.sum())
        return self


def _grow(crystalline: np.ndarray, candidate: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """Add candidates with >= MOTIF_GROW_NEIGHBOURS crystalline neighbours until nothing changes."""
    while True:
        grown = crystalline | (candidate & (crystalline[neighbours].sum(axis=1) >= MOTIF_GROW_NEIGHBOURS))
        if np.array_equal(grown, crystalline):
            return crystalline
        crystalline = grown


def ovito_data(positions, cell, pbc=(True, True, True), selection=None):
    """An OVITO ``DataCollection`` of particles (A) in a cell with rows a, b, c (origin at 0)."""
    from ovito.data import DataCollection

    data = DataCollection()
    matrix = np.zeros((3, 4))
    matrix[:, :3] = np.asarray(cell).T
    data.create_cell(matrix, pbc=tuple(bool(p) for p in pbc))
    particles = data.create_particles(count=len(positions))
    particles.create_property("Position", data=np.asarray(positions, dtype=float))
    if selection is not None:
        particles.create_property("Selection", data=np.asarray(selection).astype(np.int32))
    return data


def _identify_diamond(positions, cell, host_mask) -> np.ndarray:
    from ovito.modifiers import IdentifyDiamondModifier

    data = ovito_data(positions, cell, selection=host_mask)
    data.apply(IdentifyDiamondModifier(only_selected=True))
    structure = np.asarray(data.particles["Structure Type"])
    return (structure != int(IdentifyDiamondModifier.Type.OTHER)) & host_mask
