"""Partial radial distribution functions, first-shell bond lengths and coordination numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from anodeflow.analysis.structure import freud_system
from anodeflow.analysis.trajectory import Frame
from anodeflow.errors import InputError

#: host-host first-shell cutoffs (A): between the first RDF peak and the next shell, wide
#: enough for amorphous hosts (a-Si first minimum ~2.9 A; beta-Sn 3.02/3.18; A7 Sb 2.91/3.36)
FIRST_SHELL_CUTOFF_A = {"Si": 2.9, "Ge": 3.0, "Sn": 3.45, "Sb": 3.6, "Li": 3.4, "Na": 4.0}


def rdf_shells(r: np.ndarray, g: np.ndarray, n_r: np.ndarray, max_shells: int = 3,
               smooth_A: float = 0.04, prominence: float = 0.1) -> list[dict[str, float]]:
    """Split g(r) into coordination shells: peak position (A) and neighbours per shell.

    Peaks are maxima of g smoothed by a Gaussian of ``smooth_A`` whose prominence exceeds
    ``prominence`` times the highest peak; a shell ends at the minimum of the smoothed g before
    the next peak (or after the last one). Neighbour counts come from the cumulative n(r).
    """
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks

    dr = r[1] - r[0]
    gs = gaussian_filter1d(np.asarray(g, float), max(smooth_A / dr, 0.5), mode="nearest")
    peaks, _ = find_peaks(np.concatenate([gs, [0.0]]), prominence=prominence * gs.max())
    shells = []
    start = 0.0
    for i, p in enumerate(peaks[:max_shells]):
        stop = peaks[i + 1] if i + 1 < len(peaks) else len(gs)
        end = p + int(np.argmin(gs[p:stop]))
        shells.append({"r_A": _refine(r, gs, p), "neighbours": float(n_r[end] - start)})
        start = float(n_r[end])
    return shells


def _refine(r: np.ndarray, g: np.ndarray, i: int) -> float:
    """Parabolic refinement of a maximum at bin i."""
    if 0 < i < len(g) - 1:
        denom = g[i - 1] - 2 * g[i] + g[i + 1]
        if denom < 0:
            return float(r[i] + 0.5 * (g[i - 1] - g[i + 1]) / denom * (r[1] - r[0]))
    return float(r[i])


@dataclass
class PairResult:
    pair: str
    first_peak_A: float
    coordination: float
    shells: list[dict[str, float]]
    r_A: list[float] = field(repr=False)
    g: list[float] = field(repr=False)


class PartialRDF:
    """Partial RDFs g_AB(r) accumulated over frames (freud), with peaks and coordination.

    ``coordination`` of pair A-B is the mean number of B atoms around an A atom up to the first
    minimum of g_AB. ``select`` (bool mask per atom) restricts the A centres, e.g. to a layer.
    Frames may be counted elsewhere (:func:`rdf_counts`, e.g. in worker processes) and added in order
    with :meth:`add`; the result is the same as computing them here.
    """

    def __init__(self, pairs: Iterable[str] | None = None, r_max_A: float = 6.0, bins: int = 300):
        if not r_max_A > 0 or bins < 10:
            raise InputError(f"need r_max_A > 0 and bins >= 10, got {r_max_A}, {bins}")
        self.pairs = list(pairs) if pairs else None
        self.r_max_A, self.bins = r_max_A, bins
        self._counts: dict[str, tuple] = {}

    def compute(self, frame: Frame, select: np.ndarray | None = None) -> PartialRDF:
        return self.add(rdf_counts(frame, self.pairs, self.r_max_A, self.bins, select))

    def add(self, counts: dict[str, tuple[np.ndarray, int, int, float]]) -> PartialRDF:
        """Accumulate one frame's histograms from :func:`rdf_counts` (with this object's ``r_max_A`` and ``bins``)."""
        for pair, (histogram, n_points, n_query, volume) in counts.items():
            total, _, _, _, n_frames = self._counts.get(pair, (0, 0, 0, 0.0, 0))
            self._counts[pair] = (total + histogram, n_points, n_query, volume, n_frames + 1)
        return self

    def results(self) -> dict[str, PairResult]:
        rdf = _rdf(self.bins, self.r_max_A)
        r, edges = np.asarray(rdf.bin_centers), np.asarray(rdf.bin_edges)
        out = {}
        for pair, (histogram, n_points, n_query, volume, n_frames) in self._counts.items():
            g, n_r = _normalised(histogram, n_points, n_query, volume, n_frames, edges)
            shells = rdf_shells(r, g, n_r)
            first = shells[0] if shells else {"r_A": float("nan"), "neighbours": 0.0}
            out[pair] = PairResult(pair, first["r_A"], first["neighbours"], shells, r.tolist(), g.tolist())
        return out


def rdf_counts(frame: Frame, pairs: Iterable[str] | None, r_max_A: float, bins: int,
               select: np.ndarray | None = None, region: tuple[int, float, float] | None = None) -> dict:
    """One frame's pair-distance histograms (freud): ``{"A-B": (counts per bin, number of B atoms, number of
    A centres, cell volume A^3)}`` for ``pairs`` (default: every pair of elements present). ``select`` (bool
    per atom) or ``region`` (axis, lo A, hi A: centres with lo <= coordinate < hi) restricts the A centres."""
    cell = frame.cell
    max_r = 0.5 * min(np.abs(np.linalg.det(cell)) / np.linalg.norm(np.cross(cell[(i + 1) % 3], cell[(i + 2) % 3]))
                      for i in range(3))
    if r_max_A >= max_r:
        raise InputError(f"r_max {r_max_A} A must be below half the cell width ({max_r:.2f} A)")
    if region is not None:
        axis, lo, hi = region
        select = (frame.positions[:, axis] >= lo) & (frame.positions[:, axis] < hi)
    box, points = freud_system(frame.positions, cell)
    out = {}
    for a, b in _pair_list(frame.symbols, pairs):
        ma, mb = frame.mask(a), frame.mask(b)
        if select is not None:
            ma = ma & select
        if not ma.any() or not mb.any():
            raise InputError(f"pair {a}-{b}: no atoms of {a if not ma.any() else b} in the selection")
        rdf = _rdf(bins, r_max_A)
        if a == b and select is None:
            rdf.compute((box, points[mb]))
        else:
            rdf.compute((box, points[mb]), query_points=points[ma],
                        neighbors={"r_max": r_max_A, "exclude_ii": a == b and select is None})
        n_query = int(mb.sum()) if a == b and select is None else int(ma.sum())
        out[f"{a}-{b}"] = (np.asarray(rdf.bin_counts, dtype=np.int64), int(mb.sum()), n_query, box.volume)
    return out


@cache
def _rdf(bins: int, r_max_A: float):
    """A freud ``RDF``, made once per setting (making one takes time and memory that grow as bins^3)."""
    import freud

    return freud.density.RDF(bins, r_max_A)


def _pair_list(symbols: np.ndarray, pairs: Iterable[str] | None) -> list[tuple[str, str]]:
    if pairs is None:
        present = sorted(set(symbols))
        return [(a, b) for i, a in enumerate(present) for b in present[i:]]
    out = []
    for p in pairs:
        a, _, b = p.partition("-")
        if not a or not b:
            raise InputError(f"pair '{p}' is not of the form A-B, e.g. Si-Si")
        out.append((a, b))
    return out


def _normalised(histogram: np.ndarray, n_points: int, n_query: int, volume_A3: float, n_frames: int,
                edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(g(r), n(r)) from pair-distance counts summed over ``n_frames`` frames, normalised with the last
    frame's atom counts and volume, in single precision exactly as freud's ``RDF`` does."""
    f32 = np.float32
    density = f32(n_query) / f32(volume_A3)
    prefactor = f32(1.0) / (f32(n_points) * density * f32(n_frames))
    r, r_next = edges[:-1].astype(f32), edges[1:].astype(f32)
    shell = f32(float(f32(4.0) / f32(3.0)) * np.pi) * (r_next * r_next * r_next - r * r * r)  # 4/3 single, pi double
    counts = histogram.astype(f32)
    return counts * prefactor / shell, np.cumsum(counts * (f32(1.0) / (f32(n_query) * f32(n_frames))), dtype=f32)


def host_bond_lengths(frame: Frame, host: str, cutoff_A: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Host-host first-shell bonds: (index of first atom, length in A), each bond once (OVITO)."""
    from ovito.modifiers import ComputePropertyModifier, CreateBondsModifier

    from anodeflow.analysis.structure import ovito_data

    cutoff = cutoff_A or FIRST_SHELL_CUTOFF_A.get(host)
    if cutoff is None:
        raise InputError(f"no first-shell cutoff for '{host}'; pass one (known: {', '.join(FIRST_SHELL_CUTOFF_A)})")
    index = np.flatnonzero(frame.mask(host))
    positions = frame.positions[index]
    data = ovito_data(positions, frame.cell)
    data.apply(CreateBondsModifier(cutoff=cutoff))
    if data.particles.bonds is None or data.particles.bonds.count == 0:
        return index[:0], np.zeros(0)
    data.apply(ComputePropertyModifier(operate_on="bonds", output_property="Length", expressions=["BondLength"]))
    bonds = data.particles.bonds
    return index[np.asarray(bonds.topology)[:, 0]], np.asarray(bonds["Length"], dtype=float)
