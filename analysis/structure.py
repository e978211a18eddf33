"""Per-atom crystalline/amorphous classification of the host."""

from __future__ import annotations

from functools import cache

import numpy as np

from anodeflow.errors import InputError
from anodeflow.structures.crystals import HOST_CRYSTALS as DEFAULT_LATTICE  # element -> reference crystal

#: nearest host neighbours whose bond directions give the Steinhardt part of the motif descriptor
MOTIF_NEIGHBOURS = 6
#: nearest host neighbours whose distances (relative to the mean of the first ``MOTIF_NEIGHBOURS``)
#: give its radial part: beta-Sn's 4 + 2 + 4 shells, A7's 3 short + 3 long bonds and the next shell
RADIAL_NEIGHBOURS = 10
#: Steinhardt orders of the descriptor
MOTIF_LS = (4, 6, 8, 10, 12)
#: Gaussian displacements (A rms per axis) of the template crystals; 300 K beta-Sn has about 0.14
#: (U_iso ~ 0.019 A^2), and uncorrelated displacements disorder first shells more than phonons do
TEMPLATE_RMS_A = (0.0, 0.04, 0.08, 0.12, 0.16, 0.20)
#: minimum distances (A) of the random packings at host density that stand for the glass
TEMPLATE_GLASS_MIN_A = (2.4, 2.5)
#: at a crystal/disorder boundary an atom also counts as crystalline when at least this many of its
#: motif neighbours are and its descriptor lies nearer the host's templates than the glass's
MOTIF_GROW_NEIGHBOURS = 3
#: shells so added (a free surface of A7 Sb (01-12) needs two); growing until nothing changes would
#: percolate through a competing structure whose atoms all lie nearer the host than the glass
MOTIF_GROW_PASSES = 2


def freud_system(positions: np.ndarray, cell: np.ndarray):
    """(freud box, wrapped points) for a periodic cell with rows a, b, c."""
    import freud

    box = freud.box.Box.from_matrix(np.asarray(cell, float).T)
    centred = np.asarray(positions, float) - 0.5 * np.asarray(cell).sum(axis=0)
    return box, box.wrap(centred).astype(np.float32)


def motif_descriptors(positions: np.ndarray, cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per atom: the motif descriptor and the indices of its ``MOTIF_NEIGHBOURS`` nearest neighbours.

    The descriptor joins the neighbour-averaged Steinhardt q_l (l in ``MOTIF_LS``; freud) over the
    ``MOTIF_NEIGHBOURS`` nearest neighbours with the distances to the ``RADIAL_NEIGHBOURS`` nearest,
    divided by the mean of the first ``MOTIF_NEIGHBOURS`` and averaged over the atom and those
    neighbours. Both parts are free of scale and orientation.
    """
    import freud

    box, points = freud_system(positions, cell)
    n, k = len(points), RADIAL_NEIGHBOURS
    nlist = freud.locality.AABBQuery(box, points).query(
        points, {"num_neighbors": k, "exclude_ii": True}).toNeighborList()
    distances = np.asarray(nlist.distances).reshape(n, k)
    order = np.argsort(distances, axis=1, kind="stable")
    rank = np.argsort(order, axis=1)
    nearest = nlist.filter((rank < MOTIF_NEIGHBOURS).ravel())
    steinhardt = freud.order.Steinhardt(l=list(MOTIF_LS), average=True)
    steinhardt.compute((box, points), neighbors=nearest)
    neighbours = np.asarray(nearest.point_indices).reshape(n, MOTIF_NEIGHBOURS)
    shells = np.take_along_axis(distances, order, axis=1)
    radial = shells / shells[:, :MOTIF_NEIGHBOURS].mean(axis=1, keepdims=True)
    radial = (radial + radial[neighbours].sum(axis=1)) / (MOTIF_NEIGHBOURS + 1)
    return np.hstack([np.asarray(steinhardt.particle_order), radial]), neighbours


def host_density_A3(host: str) -> float:
    """Number density (atoms/A^3) of the crystal that ``host`` (an element) forms by default."""
    from anodeflow.structures.crystals import FRONT_HOSTS, number_density_A3

    if host not in FRONT_HOSTS:
        raise InputError(f"host '{host}' is not supported; supported: {', '.join(FRONT_HOSTS)}")
    return number_density_A3(DEFAULT_LATTICE[host])


@cache
def motif_templates(lattice: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Template descriptors of the host crystal ``lattice`` and of what it must be told from.

    Returns (descriptors, is_host, is_glass): the mean descriptor of the crystal and of each
    competing polymorph of its element (``structures.crystals.POLYMORPHS``) at every
    ``TEMPLATE_RMS_A``, then of random packings at the host's density (``TEMPLATE_GLASS_MIN_A``).
    """
    from anodeflow.structures.amorphous import random_alloy
    from anodeflow.structures.crystals import CRYSTALS, POLYMORPHS, polymorph, repeated_to

    element = CRYSTALS[lattice].element
    rng = np.random.default_rng(0)
    volume = 1.0 / host_density_A3(element)
    templates, kinds = [], []
    for name, spec in POLYMORPHS[element].items():
        crystal = repeated_to(polymorph(name, volume), 14.0)
        for rms in TEMPLATE_RMS_A:
            displaced = crystal.positions + rng.normal(0.0, rms, crystal.positions.shape)
            templates.append(motif_descriptors(displaced, crystal.cell.array)[0].mean(axis=0))
            kinds.append("host" if spec.crystal == lattice else "other")
    for d_min in TEMPLATE_GLASS_MIN_A:
        glass = random_alloy(f"Na-{element}", 0.0, n_atoms=400, volume_per_atom=volume, min_distance_A=d_min, seed=1)
        templates.append(motif_descriptors(glass.positions, glass.cell.array)[0].mean(axis=0))
        kinds.append("glass")
    kinds = np.array(kinds)
    return np.array(templates), kinds == "host", kinds == "glass"


def classify_motif(positions: np.ndarray, cell: np.ndarray, lattice: str) -> np.ndarray:
    """Per atom: True where the motif descriptor lies nearer a template of the host crystal
    ``lattice`` (beta-Sn or Sb) than any other template, grown into boundary atoms
    (``MOTIF_GROW_NEIGHBOURS``, ``MOTIF_GROW_PASSES``)."""
    return motif_classes(positions, cell, lattice)[0]


def motif_classes(positions: np.ndarray, cell: np.ndarray, lattice: str) -> tuple[np.ndarray, np.ndarray]:
    """Per atom: crystalline as :func:`classify_motif` says, and the distance of its motif descriptor
    (:func:`motif_descriptors`, dimensionless) to the nearest template of the host crystal ``lattice``, its
    distortion (thermal crystals at 300 K stay below about 0.1), from one computation of the descriptors."""
    descriptors, neighbours = motif_descriptors(positions, cell)
    templates, is_host, is_glass = motif_templates(lattice)
    nearest_host, nearest_other, nearest_glass = _nearest_templates(descriptors, templates,
                                                                    [is_host, ~is_host, is_glass])
    return _grow(nearest_host < nearest_other, nearest_host < nearest_glass, neighbours), nearest_host


def _nearest_templates(descriptors: np.ndarray, templates: np.ndarray, groups: list[np.ndarray],
                       chunk: int = 1 << 14) -> list[np.ndarray]:
    """Per atom and per group of templates (boolean masks): the Euclidean distance of its descriptor to the
    nearest template of the group, ``chunk`` atoms at a time."""
    out = [np.empty(len(descriptors)) for _ in groups]
    for start in range(0, len(descriptors), chunk):
        rows = slice(start, start + chunk)
        distance = np.linalg.norm(descriptors[rows, None, :] - templates[None], axis=2)
        for nearest, group in zip(out, groups, strict=True):
            nearest[rows] = distance[:, group].min(axis=1)
    return out


class CrystallineHost:
    """Which host atoms sit in a crystalline environment (compute-object style).

    Diamond lattices (Si, Ge, alpha-Sn) use OVITO's IdentifyDiamond on the host sublattice; every
    diamond class (cubic/hexagonal, first and second neighbours) counts as crystalline.
    beta-Sn and A7 Sb use template matching (:func:`classify_motif`): each host atom's descriptor
    (:func:`motif_descriptors`: Steinhardt bond order and relative shell distances, freud) is
    compared with templates of the thermal host crystal, its competing polymorphs (beta-Sn: alpha,
    bct, simple hexagonal, simple cubic; A7 Sb: simple cubic) and glass, and the atom is crystalline
    where the host's template is nearest. Carrier atoms are ignored in both, so an interstitial does
    not amorphize its host.

    ``compute(positions, cell, host_mask)`` sets ``crystalline`` (bool per atom; False for
    non-host atoms), ``n_crystalline`` and, for the motif lattices, ``distortion`` (per atom, the distance of
    its descriptor to the host crystal's nearest template, :func:`motif_classes`; NaN for non-host atoms and
    for diamond lattices).
    """

    def __init__(self, host: str, lattice: str | None = None):
        from anodeflow.structures.crystals import CRYSTALS, FRONT_HOSTS

        lattice = lattice or DEFAULT_LATTICE.get(host)
        if lattice is None or lattice not in CRYSTALS or CRYSTALS[lattice].element != host or host not in FRONT_HOSTS:
            known = ", ".join(f"{k} ({v})" for k, v in DEFAULT_LATTICE.items() if k in FRONT_HOSTS)
            raise InputError(f"crystallinity of host '{host}' (lattice {lattice}) is not supported; supported: {known}")
        self.host = host
        self.lattice = lattice
        self.method = "IdentifyDiamond" if CRYSTALS[lattice].structure == "diamond" else "motif"
        self.crystalline: np.ndarray | None = None
        self.distortion: np.ndarray | None = None
        self.n_crystalline = 0

    def compute(self, positions: np.ndarray, cell: np.ndarray, host_mask: np.ndarray) -> CrystallineHost:
        host_mask = np.asarray(host_mask, dtype=bool)
        self.distortion = np.full(len(positions), np.nan)
        if self.method == "IdentifyDiamond":
            self.crystalline = _identify_diamond(positions, cell, host_mask)
        else:
            self.crystalline = np.zeros(len(positions), dtype=bool)
            if host_mask.sum() > RADIAL_NEIGHBOURS:
                self.crystalline[host_mask], self.distortion[host_mask] = motif_classes(
                    np.asarray(positions)[host_mask], cell, self.lattice)
        self.n_crystalline = int(self.crystalline.sum())
        return self


def _grow(crystalline: np.ndarray, candidate: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """Add the candidates with >= MOTIF_GROW_NEIGHBOURS crystalline neighbours, ``MOTIF_GROW_PASSES`` times."""
    for _ in range(MOTIF_GROW_PASSES):
        crystalline = crystalline | (candidate & (crystalline[neighbours].sum(axis=1) >= MOTIF_GROW_NEIGHBOURS))
    return crystalline


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
    """IdentifyDiamond on the host atoms alone (as with only the host selected, but cheaper): True where an
    atom has any diamond structure type."""
    from ovito.modifiers import IdentifyDiamondModifier

    crystalline = np.zeros(len(host_mask), dtype=bool)
    if not host_mask.any():
        return crystalline
    data = ovito_data(positions if host_mask.all() else np.asarray(positions)[host_mask], cell)
    data.apply(IdentifyDiamondModifier())
    crystalline[host_mask] = np.asarray(data.particles["Structure Type"]) != int(IdentifyDiamondModifier.Type.OTHER)
    return crystalline
