"""Dislocation content: OVITO's dislocation extraction algorithm (DXA) for the lattices it knows, and line-like
clusters of non-crystalline host atoms (:class:`LineDefects`) for beta-Sn and A7 Sb, which it does not."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from anodeflow.analysis.structure import ovito_data
from anodeflow.analysis.trajectory import Frame
from anodeflow.errors import InputError

#: host lattices DXA can analyse here -> OVITO lattice name
DXA_LATTICES = {"diamond": "CubicDiamond", "fcc": "FCC", "bcc": "BCC", "hcp": "HCP"}
#: element -> lattice for hosts with a DXA reference; beta-Sn and A7 Sb have none in OVITO
HOST_LATTICE = {"Si": "diamond", "Ge": "diamond", "Li": "bcc", "Na": "bcc"}


def burgers_family(b) -> str:
    """``[0.5, -0.5, 0]`` (lattice units) -> ``1/2<110>``."""
    b = np.abs(np.asarray(b, float))
    if np.allclose(b, 0):
        return "0"
    n = next((d for d in range(1, 13) if np.allclose(b * d, np.round(b * d), atol=1e-3)), None)
    if n is None:
        return "<" + " ".join(f"{v:.3f}" for v in sorted(b, reverse=True)) + ">"
    ints = sorted((int(round(v * n)) for v in b), reverse=True)
    prefix = "" if n == 1 else f"1/{n}"
    return f"{prefix}<{''.join(map(str, ints))}>"


class DislocationContent:
    """Dislocation lines of one frame (compute-object style).

    ``compute(positions, cell, pbc, host_mask)`` sets ``line_length_nm`` (total),
    ``density_m2`` (line length per volume), ``burgers_families`` ({family: length_nm}),
    ``n_segments``, ``segments`` (length_nm, true Burgers vector in lattice units) and ``lines_A``
    (each segment's polyline, unwrapped, in A; see :func:`distance_to_lines_A`).
    Lattices without a DXA reference (beta-Sn, A7 Sb) raise ``InputError``.
    """

    def __init__(self, host: str, lattice: str | None = None):
        lattice = lattice or HOST_LATTICE.get(host)
        if lattice not in DXA_LATTICES:
            raise InputError(
                f"dislocation analysis is not supported for host '{host}' (lattice {lattice}); DXA needs one of "
                f"{', '.join(DXA_LATTICES)} (beta-Sn and A7 Sb have no DXA reference lattice)"
            )
        self.host, self.lattice = host, lattice

    def compute(self, positions, cell, pbc=(True, True, True), host_mask=None) -> DislocationContent:
        from ovito.modifiers import DislocationAnalysisModifier

        positions = np.asarray(positions, float)
        if host_mask is not None:
            positions = positions[np.asarray(host_mask, bool)]
        data = ovito_data(positions, cell, pbc)
        lattice = getattr(DislocationAnalysisModifier.Lattice, DXA_LATTICES[self.lattice])
        try:
            data.apply(DislocationAnalysisModifier(input_crystal_structure=lattice))
        except RuntimeError as exc:  # e.g. a cell too short for DXA's elastic mapping
            message = str(exc).strip().splitlines()[0].replace("Modifier 'Dislocation analysis (DXA)' reported: ", "")
            raise InputError(f"DXA cannot analyse this cell: {message}") from None
        self.segments = [(seg.length / 10.0, list(map(float, seg.true_burgers_vector)))
                         for seg in data.dislocations.segments]
        self.lines_A = [np.asarray(seg.points, float) for seg in data.dislocations.segments]
        self.n_segments = len(self.segments)
        self.line_length_nm = float(sum(length for length, _ in self.segments))
        volume_m3 = abs(np.linalg.det(cell)) * 1e-30
        self.density_m2 = self.line_length_nm * 1e-9 / volume_m3
        families: Counter = Counter()
        for length, b in self.segments:
            families[burgers_family(b)] += length
        self.burgers_families = dict(families)
        return self


#: motif distortion above the median of the frame's crystalline host atoms at which a host atom counts as a core
#: atom: beta-Sn and A7 Sb with every coordinate displaced by a Gaussian of 0.15 A rms (about 300 K's) have
#: medians 0.056 / 0.055 and 99.9th percentiles 0.113 / 0.119, so excesses of 0.057 / 0.064
CORE_DISTORTION_EXCESS = 0.09
#: distinct neighbour distances in the coordination shell of each crystal (4 + 2 in beta-Sn, 3 + 3 in A7 Sb)
COORDINATION_SHELLS = {"beta-Sn": 2, "Sb": 2}


def core_cutoff_A(lattice: str) -> float:
    """Distance (A) half way between the coordination shell of the crystal ``lattice`` and its next shell."""
    from matscipy.neighbours import neighbour_list

    from anodeflow.structures.crystals import bulk_crystal

    i, d = neighbour_list("id", bulk_crystal(lattice), 6.0)
    shells = np.unique(np.round(d[i == 0], 2))
    n = COORDINATION_SHELLS[lattice]
    return float(shells[n - 1] + shells[n]) / 2


#: an atom with fewer than this fraction of the crystal's neighbours within OPEN_SPACE_RADIUS_A faces open space
OPEN_SPACE_FRACTION = 0.8
OPEN_SPACE_RADIUS_A = 6.0


def open_space(positions: np.ndarray, cell: np.ndarray, pbc, lattice: str) -> np.ndarray:
    """Per atom: True where it has fewer than ``OPEN_SPACE_FRACTION`` of the perfect crystal ``lattice``'s
    neighbours within ``OPEN_SPACE_RADIUS_A`` (A): at a free surface or a void."""
    from matscipy.neighbours import neighbour_list

    from anodeflow.structures.crystals import bulk_crystal

    crystal = bulk_crystal(lattice)
    full = len(neighbour_list("i", crystal, OPEN_SPACE_RADIUS_A)) / len(crystal)
    counts = np.bincount(neighbour_list("i", positions=positions, cell=cell, pbc=np.asarray(pbc, bool),
                                        cutoff=OPEN_SPACE_RADIUS_A), minlength=len(positions))
    return counts < OPEN_SPACE_FRACTION * full


@dataclass
class LineDefect:
    """One line-like cluster of non-crystalline host atoms."""

    n_atoms: int
    length_nm: float  # end to end along its axis, or its period if it wraps through the cell
    direction: list[float]  # unit vector of its axis
    centre_A: list[float]
    width_A: float  # rms distance of its atoms from its axis
    periodic: bool  # wraps through the cell along its axis (an infinite straight line)


class LineDefects:
    """Line defects of one frame as line-like clusters of non-crystalline host atoms inside the host crystal
    (compute-object style): dislocation cores in hosts that DXA has no reference lattice for (beta-Sn, A7 Sb).

    Core atoms are the host atoms that the host's crystallinity classifier
    (:class:`~anodeflow.analysis.structure.CrystallineHost`) calls non-crystalline, or whose descriptor lies
    farther from the crystal's templates (the classifier's ``distortion``) than the frame's
    median crystalline atom by more than ``distortion_excess``: a dislocation core keeps its coordination, so the
    classifier alone reads it as crystal, and the median takes out a potential's own lattice. Core atoms closer
    than :func:`core_cutoff_A` form clusters. A cluster is a line when it has at least ``min_atoms``; has no carrier
    atom within the cutoff (so the amorphous layer at a front is not one); has no atom at a free surface or a void
    (:func:`open_space`) or next to one; wraps through the cell along at most one direction (a slab wraps along
    two); has its atoms within ``max_width_A`` rms of its axis; and wraps through the cell (an infinite line) or is
    at least ``min_length_nm`` long.

    ``compute(positions, cell, host_mask)`` sets ``lines`` (:class:`LineDefect`), ``n_segments``, ``line_length_nm``
    (total) and ``density_m2`` (line length per cell volume). It gives no Burgers vector, misses cores the
    classifier reads as crystalline, and cannot tell a dislocation from another line-like defect (a row of
    vacancies or interstitials). Thermal motion hides a core once it exceeds about 0.1 A rms per coordinate (beta-Sn
    well below room temperature): give it positions averaged over several frames (:func:`averaged_positions`).
    """

    def __init__(self, host: str, lattice: str | None = None, min_atoms: int = 5, min_length_nm: float = 1.0,
                 max_width_A: float = 5.0, distortion_excess: float = CORE_DISTORTION_EXCESS):
        from anodeflow.analysis.structure import CrystallineHost

        self.classifier = CrystallineHost(host, lattice)
        if self.classifier.method != "motif":
            raise InputError(f"line defects by core clusters are for beta-Sn and A7 Sb; host '{host}' "
                             f"(lattice {self.classifier.lattice}) has DXA (DislocationContent)")
        self.cutoff_A = core_cutoff_A(self.classifier.lattice)
        self.min_atoms, self.min_length_nm, self.max_width_A = min_atoms, min_length_nm, max_width_A
        self.distortion_excess = distortion_excess

    def compute(self, positions, cell, host_mask, pbc=(True, True, True)) -> LineDefects:
        from matscipy.neighbours import neighbour_list
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        positions, cell = np.asarray(positions, float), np.asarray(cell, float)
        host_mask = np.asarray(host_mask, bool)
        classified = self.classifier.compute(positions, cell, host_mask)
        crystalline, distortion = classified.crystalline, classified.distortion
        core = host_mask & ~crystalline
        if crystalline.any():
            core |= host_mask & (distortion > np.median(distortion[crystalline]) + self.distortion_excess)
        i, j, vectors = neighbour_list("ijD", positions=positions, cell=cell, pbc=np.asarray(pbc, bool),
                                       cutoff=self.cutoff_A)
        exposed = open_space(positions, cell, pbc, self.classifier.lattice)  # a free surface or a void
        exposed[i[exposed[j] | ~host_mask[j]]] = True  # and its neighbours, or next to a carrier atom
        bonded = core[i] & core[j]
        n = len(positions)
        _, labels = connected_components(coo_matrix((np.ones(bonded.sum()), (i[bonded], j[bonded])), shape=(n, n)))
        self.lines = []
        for label in np.unique(labels[core]):
            members = np.flatnonzero(labels == label)
            if len(members) < self.min_atoms or exposed[members].any():
                continue
            line = _line(members, i[bonded], j[bonded], vectors[bonded], positions)
            if line is not None and line.width_A <= self.max_width_A and (
                    line.periodic or line.length_nm >= self.min_length_nm):
                self.lines.append(line)
        self.n_segments = len(self.lines)
        self.line_length_nm = float(sum(line.length_nm for line in self.lines))
        self.density_m2 = self.line_length_nm * 1e-9 / (abs(np.linalg.det(cell)) * 1e-30)
        return self


def averaged_positions(frames: Sequence[Frame]) -> np.ndarray:
    """Positions (A) of the last of ``frames`` (same atoms, sorted by id) averaged over all of them, each frame's
    displacement from the last taken by minimum image in the last frame's cell (thermal vibration averages out)."""
    last = frames[-1]
    cell = np.asarray(last.cell, float)
    inverse = np.linalg.inv(cell)
    total = np.zeros_like(last.positions, dtype=float)
    for frame in frames:
        fractional = (np.asarray(frame.positions) - last.positions) @ inverse
        total += (fractional - np.round(fractional)) @ cell
    return last.positions + total / len(frames)


def _line(members: np.ndarray, i: np.ndarray, j: np.ndarray, vectors: np.ndarray, positions: np.ndarray):
    """The :class:`LineDefect` of one cluster (bonds ``i``-``j`` with minimum-image ``vectors``), or None when it
    wraps through the cell along two or more independent directions (a sheet or a slab)."""
    inside = np.isin(i, members)
    i, j, vectors = i[inside], j[inside], vectors[inside]
    unwrapped = {int(members[0]): positions[members[0]]}
    wraps: list[np.ndarray] = []
    order = np.argsort(i, kind="stable")
    starts = np.searchsorted(i[order], members)
    ends = np.searchsorted(i[order], members, side="right")
    bonds_of = {int(m): order[s:e] for m, s, e in zip(members, starts, ends, strict=True)}
    queue = [int(members[0])]
    while queue:  # walk the bonds: each atom placed by the minimum-image bond that reached it first
        a = queue.pop()
        for b_index in bonds_of[a]:
            b, at = int(j[b_index]), unwrapped[a] + vectors[b_index]
            if b not in unwrapped:
                unwrapped[b] = at
                queue.append(b)
            elif np.linalg.norm(at - unwrapped[b]) > 1e-3:
                wraps.append(at - unwrapped[b])
    points = np.array([unwrapped[int(m)] for m in members])
    centre = points.mean(axis=0)
    if wraps and np.linalg.matrix_rank(np.array(wraps), tol=1.0) > 1:
        return None
    if wraps:
        period = min(wraps, key=np.linalg.norm)
        axis, length_A = period / np.linalg.norm(period), float(np.linalg.norm(period))
    else:
        _, vecs = np.linalg.eigh(np.cov((points - centre).T))
        axis = vecs[:, -1]
        along = (points - centre) @ axis
        length_A = float(along.max() - along.min())
    offaxis = (points - centre) - np.outer((points - centre) @ axis, axis)
    width = float(np.sqrt((offaxis**2).sum(axis=1).mean()))
    return LineDefect(len(members), length_A / 10, axis.tolist(), centre.tolist(), width, bool(wraps))


def uses_dxa(host: str, lattice: str | None = None) -> bool:
    """True where DXA measures ``host``'s dislocations; False for beta-Sn and A7 Sb (:class:`LineDefects`).
    Raises ``InputError`` for a host or lattice that neither can analyse."""
    if lattice is None and host not in HOST_LATTICE:
        LineDefects(host)
        return False
    DislocationContent(host, lattice)
    return True


def dislocation_frame(frame: Frame, host: str, lattice: str | None = None,
                      pbc: tuple[bool, bool, bool] = (True, True, True)) -> dict:
    """One frame's dislocation content (host atoms only): ``step``, ``line_length_nm``, ``density_m2``,
    ``n_segments``, ``burgers_families`` ({family: line length nm}) and ``method``: DXA where the host has its
    lattice, else line-like core clusters (:class:`LineDefects`, no Burgers families)."""
    if not uses_dxa(host, lattice):
        found = LineDefects(host).compute(frame.positions, frame.cell, frame.mask(host), pbc)
        return {"step": frame.step, "line_length_nm": found.line_length_nm, "density_m2": found.density_m2,
                "n_segments": found.n_segments, "burgers_families": {}, "method": "core clusters"}
    dxa = DislocationContent(host, lattice).compute(frame.positions, frame.cell, pbc, frame.mask(host))
    return {"step": frame.step, "line_length_nm": dxa.line_length_nm, "density_m2": dxa.density_m2,
            "n_segments": dxa.n_segments, "burgers_families": dxa.burgers_families, "method": "DXA"}


def distance_to_lines_A(positions, cell, lines_A, pbc=(True, True, True)) -> np.ndarray:
    """Shortest distance (A) of every position to any dislocation polyline (minimum image along periodic axes)."""
    positions = np.asarray(positions, float)
    cell = np.asarray(cell, float)
    inv = np.linalg.inv(cell)
    periodic = np.asarray(pbc, bool)
    best = np.full(len(positions), np.inf)
    for line in lines_A:
        for a, b in zip(line[:-1], line[1:], strict=True):
            ab = b - a
            length2 = float(ab @ ab)
            if length2 == 0:
                continue
            # minimum image about the segment's midpoint, then the closest point on [a, b]
            mid = 0.5 * (a + b)
            frac = (positions - mid) @ inv
            frac[:, periodic] -= np.round(frac[:, periodic])
            ap = frac @ cell + (mid - a)
            t = np.clip(ap @ ab / length2, 0.0, 1.0)
            best = np.minimum(best, np.linalg.norm(ap - t[:, None] * ab, axis=1))
    return best
