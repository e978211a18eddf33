"""UF3 potentials: cubic B-spline 2- and 3-body terms, their design rows and LAMMPS files (no engine calls).

E = sum_i sum_j V2(r_ij) + sum_i sum_{j<k} V3(r_ij, r_ik, r_jk) with V2 = sum_n c_n B_n(r) and
V3 = sum_lmn c_lmn B_l(r_ij) B_m(r_ik) B_n(r_jk) (Xie, Rupp & Hennig, npj Comput. Mater. 9 (2023) 162),
in the convention of LAMMPS's ``pair_style uf3`` (every ordered pair i, j; every unordered pair of
neighbours j, k of i). The energy is linear in the coefficients, so a fit is linear least squares on
the rows :func:`design_rows` returns. Fitted UF3 terms run beside a linear SNAP and a ZBL reference
(:func:`anodeflow.potentials.snap.pair_commands`).
Knots are uniform and clamped; the last three coefficients of every dimension are zero (trailing
trim 3), so each term goes smoothly to zero at its cutoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement

import numpy as np
from ase import Atoms
from scipy.interpolate import BSpline
from scipy.sparse import coo_matrix, csr_matrix, issparse

from anodeflow.errors import InputError

TRIM = 3  # trailing coefficients fixed at zero in every dimension (LAMMPS accepts only 3)


@dataclass
class Uf3Settings:
    """Knots (A) and smoothness of a UF3 basis; the same for every element pair and triplet."""

    r_min_A: float = 1.0  # first knot: below it only ZBL (LAMMPS extrapolates the 2-body spline one interval)
    r2_max_A: float = 5.5  # 2-body cutoff
    r3_max_A: float = 4.6  # 3-body cutoff of r_ij and r_ik (A7 Sb's long bonds and beta-Sn's 2nd shell); r_jk to twice that
    n2_intervals: int = 22
    n3_intervals: int = 7  # knot intervals along r_ij and r_ik; twice that along r_jk
    curvature_2b: float = 1e-6  # weight of second differences of neighbouring coefficients (relative)
    curvature_3b: float = 1e-5

    def __post_init__(self):
        if not 0 < self.r_min_A < self.r3_max_A <= self.r2_max_A:
            raise InputError(f"UF3 knots need 0 < r_min ({self.r_min_A}) < r3_max ({self.r3_max_A}) <= r2_max "
                             f"({self.r2_max_A}) A")
        if self.n2_intervals < 2 * TRIM or self.n3_intervals < TRIM:
            raise InputError(f"UF3 needs at least {2 * TRIM} 2-body and {TRIM} 3-body knot intervals, got "
                             f"{self.n2_intervals} and {self.n3_intervals}")

    def knots(self, r_max: float, n_intervals: int) -> np.ndarray:
        """Clamped uniform cubic knot vector from r_min to ``r_max`` (n_intervals + 7 knots)."""
        inner = np.linspace(self.r_min_A, r_max, n_intervals + 1)
        return np.concatenate([[self.r_min_A] * 3, inner, [r_max] * 3])

    @property
    def knots_2b(self) -> np.ndarray:
        return self.knots(self.r2_max_A, self.n2_intervals)

    @property
    def knots_3b(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Knots along r_ij, r_ik, r_jk."""
        ij = self.knots(self.r3_max_A, self.n3_intervals)
        return ij, ij, self.knots(2 * self.r3_max_A, 2 * self.n3_intervals)


def pairs_of(elements: list[str]) -> list[tuple[str, str]]:
    return list(combinations_with_replacement(elements, 2))


def triplets_of(elements: list[str]) -> list[tuple[str, str, str]]:
    """(centre i, neighbour j, neighbour k) with j, k in element order."""
    return [(i, j, k) for i in elements for j, k in combinations_with_replacement(elements, 2)]


class Uf3Basis:
    """Columns of a UF3 model for ``elements``: free 2-body coefficients per pair, then free 3-body
    coefficients per triplet (grids of triplets with two like neighbours are symmetric in ij <-> ik)."""

    def __init__(self, elements: list[str], settings: Uf3Settings):
        self.elements, self.settings = list(elements), settings
        self.pairs, self.triplets = pairs_of(self.elements), triplets_of(self.elements)
        self.n2 = len(settings.knots_2b) - 4  # basis functions per pair
        self.shape3 = tuple(len(t) - 4 for t in settings.knots_3b)
        L, M, N = self.shape3
        self.free2 = self.n2 - TRIM
        # grid -> column map per triplet: -1 for trimmed entries; (l, m) and (m, l) share a column when j, k alike
        self.grid_columns: dict[tuple, np.ndarray] = {}
        offset = len(self.pairs) * self.free2
        for trio in self.triplets:
            cols = -np.ones(self.shape3, dtype=int)
            for l in range(L - TRIM):
                for m in range(M - TRIM):
                    if trio[1] == trio[2] and m < l:
                        continue
                    for n in range(N - TRIM):
                        cols[l, m, n] = offset
                        if trio[1] == trio[2]:
                            cols[m, l, n] = offset
                        offset += 1
            self.grid_columns[trio] = cols
        self.n_columns = offset

    def pair_slice(self, pair: tuple[str, str]) -> slice:
        k = self.pairs.index(pair)
        return slice(k * self.free2, (k + 1) * self.free2)

    def coefficients_2b(self, coeff: np.ndarray, pair: tuple[str, str]) -> np.ndarray:
        return np.concatenate([coeff[self.pair_slice(pair)], np.zeros(TRIM)])

    def coefficients_3b(self, coeff: np.ndarray, trio: tuple[str, str, str]) -> np.ndarray:
        cols = self.grid_columns[trio]
        return np.where(cols >= 0, coeff[np.maximum(cols, 0)], 0.0)

    def curvature_rows(self) -> csr_matrix:
        """Second differences of neighbouring coefficients along every dimension, weighted by the
        settings' curvature strengths (sparse rows of the penalty that makes the splines smooth);
        trimmed zeros take part, so each spline bends smoothly into its cutoff."""
        rows, cols, values = [], [], []

        def add(columns, weight: float) -> None:
            """One penalty row: 1, -2, 1 on three neighbouring grid entries (-1 = a trimmed zero)."""
            entries = [(c, w) for c, w in zip(columns, (1.0, -2.0, 1.0)) if c >= 0]
            if entries:
                row = rows[-1] + 1 if rows else 0
                for c, w in entries:
                    rows.append(row)
                    cols.append(c)
                    values.append(np.sqrt(weight) * w)

        for pair in self.pairs:
            start = self.pair_slice(pair).start
            column = [start + n if n < self.free2 else -1 for n in range(self.n2)]
            for n in range(self.n2 - 2):
                add(column[n:n + 3], self.settings.curvature_2b)
        for trio in self.triplets:
            grid = self.grid_columns[trio]
            for axis in range(3):
                moved = np.moveaxis(grid, axis, 0)
                for index in np.ndindex(moved.shape[1:]):
                    line = moved[(slice(None), *index)]
                    for n in range(len(line) - 2):
                        add(line[n:n + 3], self.settings.curvature_3b)
        n_rows = rows[-1] + 1 if rows else 0
        return csr_matrix((values, (rows, cols)), shape=(n_rows, self.n_columns))


def _basis(knots: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values and r-derivatives of every cubic B-spline on ``knots`` at ``r`` (len(r) x n_basis)."""
    n = len(knots) - 4
    spline = BSpline(knots, np.eye(n), 3, extrapolate=True)
    return spline(r), spline.derivative()(r)


def _support(*arrays: np.ndarray) -> np.ndarray:
    """Column indices (terms x w) of the entries that are non-zero in any of ``arrays`` (terms x basis),
    w the most any term has (4 for cubic B-splines); rows with fewer are padded with zero entries."""
    nonzero = np.zeros(arrays[0].shape, dtype=bool)
    for a in arrays:
        nonzero |= a != 0
    width = max(1, int(nonzero.sum(axis=1).max())) if len(nonzero) else 1
    return np.argsort(~nonzero, axis=1, kind="stable")[:, :width]


class _DesignRows:
    """The energy (columns), force (3N x columns) and virial (6 x columns) rows of one configuration, filled
    term by term."""

    VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))

    def __init__(self, n_atoms: int, n_columns: int):
        self.n_atoms = n_atoms
        self.energy = np.zeros(n_columns)
        self.forces = np.zeros((3 * n_atoms, n_columns))
        self.virial = np.zeros((6, n_columns))

    def add(self, dEdr_rows, vectors: np.ndarray, first: np.ndarray, second: np.ndarray, cols: slice) -> None:
        """Forces and virial, in columns ``cols``, of terms whose energy changes along the distance
        first -> second (``vectors``) by ``dEdr_rows`` (terms x columns) per A."""
        r = np.linalg.norm(vectors, axis=1)
        unit = vectors / r[:, None]
        terms = np.repeat(np.arange(len(r)), 3)
        components = np.arange(3)
        # F_first = +dE/dr u, F_second = -dE/dr u
        spread = coo_matrix((np.concatenate([unit.ravel(), -unit.ravel()]),
                             (np.concatenate([(3 * first[:, None] + components).ravel(),
                                              (3 * second[:, None] + components).ravel()]),
                              np.concatenate([terms, terms]))), shape=(3 * self.n_atoms, len(r))).tocsr()
        term_forces = spread @ dEdr_rows
        self.forces[:, cols] += term_forces.toarray() if issparse(term_forces) else term_forces
        for v, (a, b) in enumerate(self.VOIGT):  # W_ab = r_first,a F_first,b + r_second,a F_second,b = -dE/dr r_a r_b / r
            self.virial[v, cols] -= dEdr_rows.T @ (vectors[:, a] * vectors[:, b] / r)


def design_rows(atoms: Atoms, basis: Uf3Basis) -> dict[str, np.ndarray]:
    """Rows of the linear UF3 model for one configuration: ``energy`` (one row, eV), ``forces``
    (3N rows, atom by atom x y z, eV/A) and ``virial`` (6 rows xx yy zz yz xz xy, eV), each
    with one column per free coefficient of ``basis``."""
    from matscipy.neighbours import neighbour_list

    symbols = np.array(atoms.get_chemical_symbols())
    unknown = sorted(set(symbols.tolist()) - set(basis.elements))
    if unknown:
        raise InputError(f"elements {unknown} are not in the UF3 basis {basis.elements}")
    kind = np.array([basis.elements.index(e) for e in symbols])
    rows = _DesignRows(len(atoms), basis.n_columns)
    i, j, D = neighbour_list("ijD", atoms, basis.settings.r2_max_A)  # every ordered pair
    _two_body_rows(rows, basis, kind, i, j, D)
    _three_body_rows(rows, basis, kind, *_triplets(i, j, D, kind, basis.settings.r3_max_A))
    return {"energy": rows.energy, "forces": rows.forces, "virial": rows.virial}


def _two_body_rows(rows: _DesignRows, basis: Uf3Basis, kind: np.ndarray, i: np.ndarray, j: np.ndarray,
                   D: np.ndarray) -> None:
    """The 2-body terms of every ordered pair (i, j) at vector ``D`` (A) into ``rows``."""
    values, derivatives = _basis(basis.settings.knots_2b, np.linalg.norm(D, axis=1))
    for pair in basis.pairs:
        a, b = (basis.elements.index(e) for e in pair)
        mask = ((kind[i] == a) & (kind[j] == b)) | ((kind[i] == b) & (kind[j] == a))
        if mask.any():
            sl = basis.pair_slice(pair)
            rows.energy[sl] += values[mask, :basis.free2].sum(axis=0)
            rows.add(derivatives[mask, :basis.free2], D[mask], i[mask], j[mask], sl)


def _triplets(i: np.ndarray, j: np.ndarray, D: np.ndarray, kind: np.ndarray, r3_max_A: float) -> tuple:
    """Every unordered pair of neighbours j, k closer than ``r3_max_A`` to every atom i, neighbours in the
    triplet's element order (j before k): (centre, j, k, vector i->j, vector i->k)."""
    near = np.linalg.norm(D, axis=1) <= r3_max_A
    i3, j3, D3 = i[near], j[near], D[near]
    order = np.argsort(i3, kind="stable")
    i3, j3, D3 = i3[order], j3[order], D3[order]
    counts = np.bincount(i3, minlength=len(kind))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pairs = [np.triu_indices(c, k=1) for c in counts]
    p = np.concatenate([starts[a] + pq[0] for a, pq in enumerate(pairs)]).astype(int)
    q = np.concatenate([starts[a] + pq[1] for a, pq in enumerate(pairs)]).astype(int)
    swap = kind[j3[p]] > kind[j3[q]]
    p, q = np.where(swap, q, p), np.where(swap, p, q)
    return i3[p], j3[p], j3[q], D3[p], D3[q]


def _three_body_rows(rows: _DesignRows, basis: Uf3Basis, kind: np.ndarray, centre: np.ndarray, jj: np.ndarray,
                     kk: np.ndarray, d_ij: np.ndarray, d_ik: np.ndarray) -> None:
    """The 3-body terms of the triplets (:func:`_triplets`) into ``rows``; triplets with a side shorter than
    the basis' ``r_min_A`` are left out."""
    s = basis.settings
    d_jk = d_ik - d_ij
    r_ij, r_ik, r_jk = (np.linalg.norm(d, axis=1) for d in (d_ij, d_ik, d_jk))
    keep = (r_ij >= s.r_min_A) & (r_ik >= s.r_min_A) & (r_jk >= s.r_min_A)
    knots_ij, knots_ik, knots_jk = s.knots_3b
    for trio in basis.triplets:
        ti, tj, tk = (basis.elements.index(e) for e in trio)
        m = keep & (kind[centre] == ti) & (kind[jj] == tj) & (kind[kk] == tk)
        if not m.any():
            continue
        (b_ij, db_ij), (b_ik, db_ik), (b_jk, db_jk) = (
            _basis(knots, dist[m]) for knots, dist in ((knots_ij, r_ij), (knots_ik, r_ik), (knots_jk, r_jk)))
        grid = basis.grid_columns[trio]
        _, n_m, n_n = grid.shape
        grid_cols = grid.reshape(-1)
        used = grid_cols >= 0
        sl = slice(grid_cols[used].min(), grid_cols[used].max() + 1)
        # the (at most 4) cubic B-splines that are non-zero at each term's distances
        s_ij, s_ik, s_jk = (_support(b, db) for b, db in ((b_ij, db_ij), (b_ik, db_ik), (b_jk, db_jk)))
        flat = ((s_ij[:, :, None, None] * n_m + s_ik[:, None, :, None]) * n_n + s_jk[:, None, None, :]).reshape(len(s_ij), -1)
        term_cols = grid_cols[flat]
        term_rows = np.broadcast_to(np.arange(len(flat))[:, None], flat.shape)

        def columns(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> csr_matrix:
            """Products x_l y_m z_n of every term summed into the triplet's free columns (terms x columns, sparse)."""
            x, y, z = (np.take_along_axis(v, s, axis=1) for v, s in ((x, s_ij), (y, s_ik), (z, s_jk)))
            values = (x[:, :, None, None] * y[:, None, :, None] * z[:, None, None, :]).reshape(len(x), -1)
            ok = (term_cols >= 0) & (values != 0)
            return csr_matrix((values[ok], (term_rows[ok], term_cols[ok] - sl.start)),
                              shape=(len(x), sl.stop - sl.start))  # repeated (row, column) pairs are summed

        rows.energy[sl] += np.asarray(columns(b_ij, b_ik, b_jk).sum(axis=0)).ravel()
        rows.add(columns(db_ij, b_ik, b_jk), d_ij[m], centre[m], jj[m], sl)
        rows.add(columns(b_ij, db_ik, b_jk), d_ik[m], centre[m], kk[m], sl)
        rows.add(columns(b_ij, b_ik, db_jk), d_jk[m], jj[m], kk[m], sl)


def uf3_file(basis: Uf3Basis, coeff: np.ndarray, comment: str) -> str:
    """Text of the ``pair_style uf3 3`` potential file (every 2-body and 3-body block)."""
    if coeff.shape != (basis.n_columns,):
        raise InputError(f"{len(coeff)} UF3 coefficients for a basis of {basis.n_columns}")
    s = basis.settings

    def numbers(values) -> str:
        return " ".join(f"{v:.17g}" for v in values)

    header = f"#UF3 POT UNITS: metal DATE: - AUTHOR: anodeflow CITATION: {comment.replace(chr(10), ' ')}"
    lines = []
    for pair in basis.pairs:
        knots = s.knots_2b
        c = basis.coefficients_2b(coeff, pair)
        lines += [header, f"2B {pair[0]} {pair[1]} 0 {TRIM} uk", f"{s.r2_max_A:.17g} {len(knots)}", numbers(knots),
                  f"{len(c)}", numbers(c), "#"]
    knots_ij, knots_ik, knots_jk = s.knots_3b
    for trio in basis.triplets:
        grid = basis.coefficients_3b(coeff, trio)
        lines += [header, f"3B {trio[0]} {trio[1]} {trio[2]} 0 {TRIM} uk",
                  f"{2 * s.r3_max_A:.17g} {s.r3_max_A:.17g} {s.r3_max_A:.17g} {len(knots_jk)} {len(knots_ik)} "
                  f"{len(knots_ij)}", numbers(knots_jk), numbers(knots_ik), numbers(knots_ij),
                  " ".join(str(n) for n in grid.shape),
                  *(numbers(grid[l, m]) for l in range(grid.shape[0]) for m in range(grid.shape[1])), "#"]
    return "\n".join(lines) + "\n"

