"""Mean stress from LAMMPS per-atom stresses (``compute stress/atom``, metal units: bar A^3).

Sign convention: tensile positive; mean stress = tr(S_i) / (3 V_i), so a compressed region has a
negative mean stress (its pressure is positive).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import units

from anodeflow.analysis.profiles import bin_count
from anodeflow.errors import InputError

BAR_TO_GPA = 1e-4
#: 1 GPa A^3 in eV (1e9 Pa x 1e-30 m^3 / e)
GPA_A3_TO_EV = units.GPa


def stress_columns(prefix: str = "c_stress") -> list[str]:
    """Dump column names of a 6-component per-atom stress compute: xx yy zz xy xz yz."""
    return [f"{prefix}[{i}]" for i in range(1, 7)]


def region_mean_stress_GPa(stress_bar_A3: np.ndarray, volumes_A3: np.ndarray, mask: np.ndarray) -> float:
    """Volume-averaged mean stress (GPa) of the atoms in ``mask``: sum tr(S)/3 over sum V."""
    mask = np.asarray(mask, bool)
    if not mask.any():
        return float("nan")
    trace = np.asarray(stress_bar_A3)[mask, :3].sum(axis=1)
    return float(trace.sum() / 3.0 / np.asarray(volumes_A3)[mask].sum() * BAR_TO_GPA)


def bin_volumes(positions, cell, axis: int = 2, bin_nm: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """(bin index per atom, per-atom volume = bin volume / atoms in the bin), A^3."""
    cell = np.asarray(cell, float)
    frac = np.linalg.solve(cell.T, np.asarray(positions, float).T).T[:, axis] % 1.0
    L = float(np.linalg.norm(cell[axis]))
    nbins = bin_count(L, bin_nm)
    which = np.minimum((frac * nbins).astype(int), nbins - 1)
    counts = np.bincount(which, minlength=nbins)
    volume = abs(np.linalg.det(cell)) / nbins
    return which, volume / counts[which]


def eq1_stress_term_eV(sigma_host_GPa: float, volume_host_A3: float, sigma_alloy_GPa: float,
                       volume_alloy_A3: float, x: float) -> float:
    """Stress term of the seed's Eq. (1) per inserted carrier: (1/x)[s_h V_h - s_a V_a] (eV).

    ``volume_host_A3`` per host atom, ``volume_alloy_A3`` per formula unit (one host + x carriers).
    """
    if not x > 0:
        raise InputError(f"carrier/host ratio x must be > 0 for Eq. (1), got {x}")
    return float((sigma_host_GPa * volume_host_A3 - sigma_alloy_GPa * volume_alloy_A3) / x * GPA_A3_TO_EV)


@dataclass
class StressResult:
    mean_stress_host_GPa: float
    mean_stress_alloy_GPa: float
    x_alloy: float
    volume_host_A3: float
    volume_alloy_A3: float
    eq1_stress_term_eV: float
    barrier_shift_eV: float | None
    z_nm: list[float]
    mean_stress_profile_GPa: list[float]


def analyse_stress(positions, cell, symbols, stress_bar_A3, host: str, carrier: str, crystalline,
                   volumes_A3=None, axis: int = 2, bin_nm: float = 0.2,
                   activation_volume_A3: float | None = None) -> StressResult:
    """Mean-stress profile along ``axis``; host (crystalline host atoms) and alloy means; Eq. (1).

    The alloy is every atom in bins where non-crystalline host atoms make up >= 15 % and the
    carrier >= 10 % (the reacted layer of :class:`~anodeflow.analysis.profiles.InterfaceProfile`).
    ``barrier_shift_eV`` = -sigma_host x dV: compression (sigma < 0) raises a migration barrier.
    """
    from anodeflow.analysis.profiles import layer_classes

    symbols = np.asarray(symbols)
    stress = np.asarray(stress_bar_A3, float)
    if stress.shape != (len(symbols), 6):
        raise InputError(f"per-atom stress must have shape (atoms, 6), got {stress.shape}")
    which, bin_vol = bin_volumes(positions, cell, axis, bin_nm)
    volumes = bin_vol if volumes_A3 is None else np.asarray(volumes_A3, float)
    nbins = which.max() + 1 if len(which) else 0
    is_host, is_carrier = symbols == host, symbols == carrier
    crystalline = np.asarray(crystalline, bool)
    count = lambda m: np.bincount(which, weights=m.astype(float), minlength=nbins)  # noqa: E731
    classes = layer_classes(np.bincount(which, minlength=nbins), count(is_host), count(is_carrier),
                            count(is_host & crystalline))
    alloy = classes["alloy"][which]
    host_region = is_host & crystalline
    sigma_h = region_mean_stress_GPa(stress, volumes, host_region)
    sigma_a = region_mean_stress_GPa(stress, volumes, alloy)
    n_host_alloy = int((alloy & is_host).sum())
    x = (alloy & is_carrier).sum() / n_host_alloy if n_host_alloy else float("nan")
    v_h = float(volumes[host_region].mean()) if host_region.any() else float("nan")
    v_a = float(volumes[alloy].sum() / n_host_alloy) if n_host_alloy else float("nan")
    eq1 = eq1_stress_term_eV(sigma_h, v_h, sigma_a, v_a, x) if n_host_alloy and x > 0 else float("nan")
    trace = stress[:, :3].sum(axis=1) / 3.0
    prof_num = np.bincount(which, weights=trace, minlength=nbins)
    prof_den = np.bincount(which, weights=volumes, minlength=nbins)
    with np.errstate(invalid="ignore", divide="ignore"):
        profile = prof_num / prof_den * BAR_TO_GPA
    L = float(np.linalg.norm(np.asarray(cell)[axis]))
    z = (np.arange(nbins) + 0.5) * L / nbins / 10.0
    shift = None if activation_volume_A3 is None else float(-sigma_h * activation_volume_A3 * GPA_A3_TO_EV)
    return StressResult(sigma_h, sigma_a, float(x), v_h, v_a, eq1, shift, z.tolist(), profile.tolist())
