"""Front kinetics L(t): linear, parabolic, power-law and mixed (Deal-Grove-like) fits.

Regime criterion (stated once, used everywhere): with the power-law exponent n of L = A t^n,
``ICR`` if n >= 0.8 (interface-controlled, linear), ``DCR`` if n <= 0.6 (diffusion-controlled,
parabolic), ``mixed`` in between. The mixed law L^2/k_p + L/k_l = t gives the crossover length
L* = k_p / k_l.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from anodeflow.errors import InputError

ICR_MIN_N = 0.8
DCR_MAX_N = 0.6


@dataclass
class KineticsFit:
    regime: str
    exponent_n: float
    exponent_n_err: float
    k_linear_nm_ps: float
    k_linear_err_nm_ps: float
    k_parabolic_nm2_ps: float
    k_parabolic_err_nm2_ps: float
    mixed_k_linear_nm_ps: float
    mixed_k_parabolic_nm2_ps: float
    crossover_nm: float
    rms_linear_nm: float
    rms_parabolic_nm: float
    rms_mixed_nm: float
    n_points: int

    def as_dict(self) -> dict:
        return asdict(self)


def _lstsq(design: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least squares with parameter standard errors."""
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    dof = max(1, len(y) - design.shape[1])
    sigma2 = float(np.sum((y - design @ coef) ** 2)) / dof
    cov = sigma2 * np.linalg.pinv(design.T @ design)
    return coef, np.sqrt(np.clip(np.diag(cov), 0, None))


def fit_kinetics(t_ps, L_nm) -> KineticsFit:
    """Fit L(t) (t in ps, L in nm, L measured from the start) with every rate law."""
    t = np.asarray(t_ps, float)
    L = np.asarray(L_nm, float)
    if t.shape != L.shape or t.ndim != 1:
        raise InputError("t_ps and L_nm must be 1-D arrays of the same length")
    if len(t) < 4:
        raise InputError(f"need at least 4 (t, L) points to fit kinetics, got {len(t)}")
    if not np.all(np.isfinite(t)) or not np.all(np.isfinite(L)):
        raise InputError("t_ps and L_nm must be finite numbers")
    if np.any(t < 0):
        raise InputError("times must be >= 0 ps")
    ones = np.ones_like(t)
    # linear L = L0 + k_l t
    (L0, k_l), (_, k_l_err) = _lstsq(np.column_stack([ones, t]), L)
    rms_lin = float(np.sqrt(np.mean((L - L0 - k_l * t) ** 2)))
    # parabolic L^2 = c + k_p t
    (c, k_p), (_, k_p_err) = _lstsq(np.column_stack([ones, t]), L**2)
    rms_par = float(np.sqrt(np.mean((np.sqrt(np.clip(c + k_p * t, 0, None)) - L) ** 2)))
    # power law on positive points: log L = log A + n log t
    pos = (t > 0) & (L > 0)
    if pos.sum() < 3:
        raise InputError("need at least 3 points with t > 0 and L > 0 for the power law")
    (_, n), (_, n_err) = _lstsq(np.column_stack([np.ones(pos.sum()), np.log(t[pos])]), np.log(L[pos]))
    # mixed: t = t0 + L^2 / k_p + L / k_l  (linear in 1/k_p, 1/k_l)
    (t0, inv_kp, inv_kl), _ = _lstsq(np.column_stack([ones, L**2, L]), t)
    mixed_kp = 1.0 / inv_kp if inv_kp > 0 else float("inf")
    mixed_kl = 1.0 / inv_kl if inv_kl > 0 else float("inf")
    crossover = mixed_kp / mixed_kl if np.isfinite(mixed_kp) and np.isfinite(mixed_kl) else float("nan")
    rms_mix = float(np.sqrt(np.mean((t0 + inv_kp * L**2 + inv_kl * L - t) ** 2)) * max(abs(k_l), 1e-300))
    regime = "ICR" if n >= ICR_MIN_N else "DCR" if n <= DCR_MAX_N else "mixed"
    return KineticsFit(
        regime=regime, exponent_n=float(n), exponent_n_err=float(n_err), k_linear_nm_ps=float(k_l),
        k_linear_err_nm_ps=float(k_l_err), k_parabolic_nm2_ps=float(k_p), k_parabolic_err_nm2_ps=float(k_p_err),
        mixed_k_linear_nm_ps=float(mixed_kl), mixed_k_parabolic_nm2_ps=float(mixed_kp), crossover_nm=float(crossover),
        rms_linear_nm=rms_lin, rms_parabolic_nm=rms_par, rms_mixed_nm=rms_mix, n_points=len(t),
    )
