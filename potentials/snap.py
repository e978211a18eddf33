"""SNAP potentials: descriptor layout, least-squares fit and LAMMPS files (no engine calls here).

A linear SNAP energy is E = sum_i [beta0_t(i) + sum_k beta_k,t(i) B_k^i] on top of a ZBL reference
that keeps atoms apart at short range (Thompson et al., J. Comput. Phys. 285 (2015) 316); quadratic
SNAP adds the products B_k B_l (Wood & Thompson, J. Chem. Phys. 148 (2018) 241721). LAMMPS's
``compute snap`` gives, per configuration, the per-type sums of the descriptors (one row), their
negative gradients for every force component (3N rows) and the reference energy/forces (last column).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ase.data import atomic_numbers

from anodeflow.errors import InputError
from anodeflow.workflows.engine import lammps_path


@dataclass
class SnapSettings:
    """Descriptor and reference settings (A). Pair cutoff = rcutfac x (R_i + R_j)."""

    twojmax: int = 6
    rcutfac: float = 4.8
    rfac0: float = 0.99363
    radius: dict[str, float] = field(default_factory=dict)  # default 0.5 per element
    weight: dict[str, float] = field(default_factory=dict)  # neighbour weights, default 1.0
    zbl_inner_A: float = 1.5
    zbl_outer_A: float = 2.2
    quadratic: bool = False

    def radius_of(self, element: str) -> float:
        return self.radius.get(element, 0.5)

    def weight_of(self, element: str) -> float:
        return self.weight.get(element, 1.0)

    @property
    def n_bispectrum(self) -> int:
        """Number K of bispectrum components for ``twojmax`` (LAMMPS ordering)."""
        return sum(1 for j1 in range(self.twojmax + 1) for j2 in range(j1 + 1)
                   for j in range(j1 - j2, min(self.twojmax, j1 + j2) + 1, 2) if j >= j1)

    @property
    def n_descriptors(self) -> int:
        """Descriptors per element: K bispectrum components, plus K(K+1)/2 products if quadratic."""
        K = self.n_bispectrum
        return K + K * (K + 1) // 2 if self.quadratic else K

    def compute_command(self, type_elements: list[str], compute_id: str = "snap") -> str:
        radii = " ".join(f"{self.radius_of(e)}" for e in type_elements)
        weights = " ".join(f"{self.weight_of(e)}" for e in type_elements)
        return (f"compute {compute_id} all snap {self.rcutfac} {self.rfac0} {self.twojmax} {radii} {weights} "
                f"rmin0 0 bzeroflag 1 quadraticflag {int(self.quadratic)}")

    def reference_commands(self, type_elements: list[str]) -> list[str]:
        """ZBL screened nuclear repulsion between all pairs (the reference the fit adds to)."""
        cutoff = self.rcutfac * 2 * max(self.radius_of(e) for e in type_elements)
        # pair style zero only lengthens the neighbour list to the SNAP cutoff, as compute snap needs
        return [f"pair_style hybrid/overlay zbl {self.zbl_inner_A} {self.zbl_outer_A} zero {cutoff}",
                "pair_coeff * * zero", *zbl_pair_coeffs(type_elements)]


def pair_commands(type_elements: list[str], coeff_file: str, param_file: str, zbl_inner_A: float,
                  zbl_outer_A: float, uf3_file: str | None = None) -> list[str]:
    """LAMMPS lines for a fitted SNAP, with UF3 2+3-body terms if ``uf3_file`` is given, on top of its
    ZBL reference (``hybrid/overlay``)."""
    elements = " ".join(type_elements)
    uf3 = [f"pair_coeff * * uf3 {lammps_path(uf3_file)} {elements}"] if uf3_file else []
    snap = f"pair_coeff * * snap {lammps_path(coeff_file)} {lammps_path(param_file)} {elements}"
    return [f"pair_style hybrid/overlay zbl {zbl_inner_A} {zbl_outer_A}{' uf3 3' if uf3_file else ''} snap",
            *zbl_pair_coeffs(type_elements), *uf3, snap]


def zbl_pair_coeffs(type_elements: list[str]) -> list[str]:
    """``pair_coeff I J zbl Z_I Z_J`` for every type pair of a ``hybrid/overlay`` with ZBL."""
    return [f"pair_coeff {i} {j} zbl {atomic_numbers[a]} {atomic_numbers[b]}"
            for i, a in enumerate(type_elements, start=1) for j, b in enumerate(type_elements, start=1) if j >= i]


def design_rows(snap_array: np.ndarray, type_counts: list[int], n_descriptors: int) -> dict[str, np.ndarray]:
    """Split one ``compute snap`` array into design rows and reference values.

    Columns of the design matrix: per type, [count of atoms of that type (beta0), its descriptors].
    Returns ``energy`` (row), ``forces`` (3N rows, x y z per atom in id order), ``virial`` (6 rows,
    xx yy zz yz xz xy, eV) and the reference ``ref_energy``, ``ref_forces``, ``ref_pressure_bar``.
    """
    n_types = len(type_counts)
    n_atoms = (snap_array.shape[0] - 7) // 3
    if snap_array.shape != (1 + 3 * n_atoms + 6, n_types * n_descriptors + 1):
        raise InputError(f"compute snap array has shape {snap_array.shape}; expected "
                         f"({1 + 3 * n_atoms + 6}, {n_types * n_descriptors + 1})")
    blocks = snap_array[:, :-1].reshape(snap_array.shape[0], n_types, n_descriptors)

    def rows(sl):
        return np.concatenate([np.concatenate([np.zeros((blocks[sl].shape[0], 1)), blocks[sl, t]], axis=1)
                               for t in range(n_types)], axis=1)

    energy = np.concatenate([[type_counts[t], *blocks[0, t]] for t in range(n_types)])
    forces, virial = rows(slice(1, 1 + 3 * n_atoms)), rows(slice(1 + 3 * n_atoms, None))
    return {"energy": energy, "forces": forces, "virial": virial, "ref_energy": float(snap_array[0, -1]),
            "ref_forces": snap_array[1:1 + 3 * n_atoms, -1].copy(),
            "ref_pressure_bar": snap_array[1 + 3 * n_atoms:, -1].copy()}


def fit_coefficients(blocks: list[tuple[np.ndarray, np.ndarray, float]], ridge: float = 1e-8,
                     chunk_rows: int = 4096) -> np.ndarray:
    """Weighted linear least squares for the coefficients of a linear potential.

    ``blocks`` are (design rows, targets, weight) groups, e.g. energies per atom, force components
    and virials per atom; rows may be a scipy sparse matrix (penalties). The normal equations are
    accumulated ``chunk_rows`` rows at a time (memory grows with the number of coefficients, not of
    rows), scaled to unit diagonal, and a small relative ridge keeps them well conditioned.
    """
    from scipy.sparse import issparse

    n = blocks[0][0].shape[1]
    gram, rhs = np.zeros((n, n)), np.zeros(n)
    pending: list[tuple[np.ndarray, np.ndarray]] = []

    def flush() -> None:
        a = np.vstack([a for a, _ in pending])
        gram[...] += a.T @ a
        rhs[...] += a.T @ np.concatenate([t for _, t in pending])
        pending.clear()

    rows = 0
    for a, t, w in blocks:
        if issparse(a):
            gram += ((w * a).T @ (w * a)).toarray()
            rhs += (w * a).T @ (w * np.asarray(t))
            continue
        pending.append((w * np.atleast_2d(a), w * np.atleast_1d(t)))
        rows += len(pending[-1][1])
        if rows >= chunk_rows:
            flush()
            rows = 0
    if pending:
        flush()
    scale = np.sqrt(np.diag(gram))
    scale[scale == 0] = 1.0
    coeff = np.linalg.solve(gram / np.outer(scale, scale) + ridge * np.eye(n), rhs / scale)
    return coeff / scale


def snap_files(settings: SnapSettings, elements: list[str], coeff: np.ndarray, comment: str) -> tuple[str, str]:
    """Text of the ``.snapcoeff`` and ``.snapparam`` files for ``pair_style snap``."""
    K = settings.n_descriptors
    if coeff.shape != (len(elements) * (K + 1),):
        raise InputError(f"{len(coeff)} coefficients for {len(elements)} elements with {K} descriptors each")
    lines = [f"# {comment}", f"{len(elements)} {K + 1}"]
    for t, element in enumerate(elements):
        lines.append(f"{element} {settings.radius_of(element)} {settings.weight_of(element)}")
        lines += [f"{c:.16e}" for c in coeff[t * (K + 1):(t + 1) * (K + 1)]]
    param = [f"# {comment}", f"rcutfac {settings.rcutfac}", f"twojmax {settings.twojmax}",
             f"rfac0 {settings.rfac0}", "rmin0 0", "bzeroflag 1", f"quadraticflag {int(settings.quadratic)}"]
    return "\n".join(lines) + "\n", "\n".join(param) + "\n"
