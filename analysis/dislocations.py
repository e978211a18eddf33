"""Dislocation content with OVITO's dislocation extraction algorithm (DXA)."""

from __future__ import annotations

from collections import Counter

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


def dislocation_frame(frame: Frame, host: str, lattice: str | None = None,
                      pbc: tuple[bool, bool, bool] = (True, True, True)) -> dict:
    """One frame's dislocation content (host atoms only): ``step``, ``line_length_nm``, ``density_m2``,
    ``n_segments`` and ``burgers_families`` ({family: line length nm})."""
    dxa = DislocationContent(host, lattice).compute(frame.positions, frame.cell, pbc, frame.mask(host))
    return {"step": frame.step, "line_length_nm": dxa.line_length_nm, "density_m2": dxa.density_m2,
            "n_segments": dxa.n_segments, "burgers_families": dxa.burgers_families}


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
