"""Carrier site networks: minima, the hops between them and the lowest barrier that percolates.

A carrier diffuses over long range only along a connected path of hops that wraps through the
periodic cell. :class:`SiteNetwork` adds hops in order of their saddle energy (Kruskal's order,
with a union-find that keeps each site's lattice offset from its cluster root) until a cycle of
hops winds through the cell along a periodic axis. That hop's saddle is the percolation threshold;
the long-range migration energy is the threshold less the lowest site energy of the percolating
cluster (at equilibrium the carrier waits in the deepest site it can reach). The nearest pair of
sites or the single deepest trap says neither.

Pure functions and compute objects; energies in eV, positions in A, lattice offsets in cell vectors.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from anodeflow.errors import InputError


def fold(positions: np.ndarray, cell: np.ndarray, pbc) -> tuple[np.ndarray, np.ndarray]:
    """Positions (A) folded into the cell along its periodic axes, and the integer lattice offsets
    removed (folded = positions - offsets @ cell)."""
    cell = np.asarray(cell, float)
    frac = np.linalg.solve(cell.T, np.atleast_2d(positions).T).T
    offsets = np.where(np.asarray(pbc, bool), np.floor(frac + 1e-9), 0.0).astype(int)
    return (frac - offsets) @ cell, offsets


def periodic_distances(a: np.ndarray, b: np.ndarray, cell: np.ndarray, pbc) -> tuple[np.ndarray, np.ndarray]:
    """Shortest distances (A) from each point of ``a`` to each of ``b`` over the images of the
    periodic axes, and the lattice offset of the image of ``b`` that gives it (shape (len a, len b, 3))."""
    cell = np.asarray(cell, float)
    ranges = [(-1, 0, 1) if p else (0,) for p in np.asarray(pbc, bool)]
    images = np.array([(i, j, k) for i in ranges[0] for j in ranges[1] for k in ranges[2]])
    d = (np.asarray(b)[None, :, None, :] + (images @ cell)[None, None, :, :]) - np.asarray(a)[:, None, None, :]
    r = np.linalg.norm(d, axis=-1)
    best = np.argmin(r, axis=-1)
    return np.take_along_axis(r, best[..., None], -1)[..., 0], images[best]


def merge_sites(positions: np.ndarray, energies_eV: np.ndarray, cell: np.ndarray, pbc,
                tolerance_A: float = 0.3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relaxed carrier positions (A) merged into distinct minima: positions closer than
    ``tolerance_A`` (over periodic images) are one site, represented by its lowest-energy member.
    Returns (site positions folded into the cell, site energies eV, index of the site of each input)."""
    positions, energies = np.atleast_2d(positions), np.asarray(energies_eV, float)
    folded = fold(positions, cell, pbc)[0]
    order = np.argsort(energies, kind="stable")
    sites: list[int] = []
    owner = np.empty(len(positions), int)
    for index in order:
        if sites:
            r = periodic_distances(folded[[index]], folded[sites], cell, pbc)[0][0]
            if r.min() < tolerance_A:
                owner[index] = int(np.argmin(r))
                continue
        owner[index] = len(sites)
        sites.append(int(index))
    return folded[sites], energies[sites], owner


@dataclass
class Hop:
    """One hop of a site network: from site ``i`` to the image of site ``j`` displaced by ``offset``
    cell vectors, over a saddle ``saddle_eV`` (on the scale of the site energies)."""

    i: int
    j: int
    offset: tuple[int, int, int]
    saddle_eV: float
    distance_A: float = float("nan")


@dataclass
class NetworkResult:
    """Where a site network first percolates.

    ``threshold_eV``: the saddle of the hop that closes the first winding cycle; ``barrier_eV``:
    threshold less the lowest site of the percolating cluster; ``trap_site``: that site;
    ``bottleneck``: the closing hop; ``cycle``: the hops of the winding cycle (site i -> j) and
    ``winding``: its net lattice offset; ``percolating_sites``: the cluster at the threshold.
    ``escape_eV``: for each site, its lowest saddle out less its energy (the single-hop escape; None
    for a site without hops).
    All None/empty when no cycle winds along the requested axes.
    """

    percolates: bool
    threshold_eV: float | None = None
    barrier_eV: float | None = None
    trap_site: int | None = None
    bottleneck: Hop | None = None
    winding: tuple[int, int, int] | None = None
    cycle: list[Hop] = field(default_factory=list)
    percolating_sites: list[int] = field(default_factory=list)
    escape_eV: list[float | None] = field(default_factory=list)

    def as_dict(self) -> dict:
        def hop(h: Hop | None):
            return None if h is None else {"i": h.i, "j": h.j, "offset": list(h.offset), "saddle_eV": h.saddle_eV,
                                           "distance_A": h.distance_A}

        return {"percolates": self.percolates, "threshold_eV": self.threshold_eV, "barrier_eV": self.barrier_eV,
                "trap_site": self.trap_site, "bottleneck": hop(self.bottleneck),
                "winding": None if self.winding is None else list(self.winding),
                "cycle": [hop(h) for h in self.cycle], "percolating_sites": self.percolating_sites,
                "escape_eV": self.escape_eV}


class _OffsetUnionFind:
    """Union-find whose nodes carry their lattice offset from the root (unwrapped position of node =
    position of root + offset)."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.offset = np.zeros((n, 3), int)

    def find(self, a: int) -> tuple[int, np.ndarray]:
        if self.parent[a] == a:
            return a, np.zeros(3, int)
        root, up = self.find(self.parent[a])
        self.parent[a] = root
        self.offset[a] = self.offset[a] + up
        return root, self.offset[a].copy()


class SiteNetwork:
    """Percolation of a carrier's site network along ``axes`` (a subset of "xyz" naming the cell
    vectors 0, 1, 2 along which the network may wind; "z" for a dislocation line along c)."""

    def __init__(self, axes: str = "xyz"):
        if not axes or any(a not in "xyz" for a in axes):
            raise InputError(f"percolation axes '{axes}': give a subset of xyz")
        self.axes = np.array(["xyz".index(a) for a in axes])

    def compute(self, site_energies_eV, hops: list[Hop]) -> NetworkResult:
        energies = np.asarray(site_energies_eV, float)
        n = len(energies)
        for h in hops:
            if not (0 <= h.i < n and 0 <= h.j < n):
                raise InputError(f"hop {h.i}->{h.j} names a site outside 0..{n - 1}")
        escape = [None if (lowest := min((h.saddle_eV for h in hops if s in (h.i, h.j)), default=None)) is None
                  else float(lowest - energies[s]) for s in range(n)]
        forest = _OffsetUnionFind(n)
        tree: list[Hop] = []
        for h in sorted(hops, key=lambda h: h.saddle_eV):
            ri, oi = forest.find(h.i)
            rj, oj = forest.find(h.j)
            if ri != rj:  # j's image at offset sits at root_i + oi + offset; root_j = that - oj
                forest.parent[rj] = ri
                forest.offset[rj] = oi + np.asarray(h.offset) - oj
                tree.append(h)
                continue
            winding = oi + np.asarray(h.offset) - oj
            if np.any(winding[self.axes] != 0):
                return self._result(h, winding, tree, forest, energies, escape)
        return NetworkResult(percolates=False, escape_eV=escape)

    @staticmethod
    def _result(closing: Hop, winding: np.ndarray, tree: list[Hop], forest: _OffsetUnionFind,
                energies: np.ndarray, escape: list[float | None]) -> NetworkResult:
        root = forest.find(closing.i)[0]
        cluster = [s for s in range(len(energies)) if forest.find(s)[0] == root]
        trap = min(cluster, key=lambda s: energies[s])
        cycle = _tree_path(tree, closing.j, closing.i) + [closing]
        return NetworkResult(percolates=True, threshold_eV=float(closing.saddle_eV),
                             barrier_eV=float(closing.saddle_eV - energies[trap]), trap_site=int(trap),
                             bottleneck=closing, winding=tuple(int(w) for w in winding), cycle=cycle,
                             percolating_sites=cluster, escape_eV=escape)


def _tree_path(tree: list[Hop], start: int, goal: int) -> list[Hop]:
    """Hops of the spanning forest from ``start`` to ``goal`` (each oriented along the walk)."""
    links: dict[int, list[Hop]] = {}
    for h in tree:
        links.setdefault(h.i, []).append(h)
        links.setdefault(h.j, []).append(Hop(h.j, h.i, tuple(-np.asarray(h.offset)), h.saddle_eV, h.distance_A))
    previous: dict[int, Hop | None] = {start: None}
    queue = deque([start])
    while queue:
        site = queue.popleft()
        if site == goal:
            break
        for h in links.get(site, []):
            if h.j not in previous:
                previous[h.j] = h
                queue.append(h.j)
    path = []
    site = goal
    while previous.get(site) is not None:
        path.append(previous[site])
        site = previous[site].i
    return path[::-1]
