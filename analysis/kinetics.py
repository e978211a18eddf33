"""Front kinetics L(t): linear, parabolic, power-law and mixed (Deal-Grove-like) fits.

Regime criterion (stated once, used everywhere): with the power-law exponent n of L = A t^n,
``ICR`` if n >= 0.8 (interface-controlled, linear), ``DCR`` if n <= 0.6 (diffusion-controlled,
parabolic), ``mixed`` in between. The mixed law L^2/k_p + L/k_l = t gives the crossover length
L* = k_p / k_l.

Error bars (``*_err``) are one standard deviation. The noise of L(t) is modelled as stationary
and correlated from frame to frame (an Ornstein-Uhlenbeck / AR(1) process in time); its lag
correlation and amplitude are estimated from the fit residuals (restricted maximum likelihood),
and the rates are generalised-least-squares estimates under that noise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import least_squares, minimize_scalar

from anodeflow.errors import InputError

ICR_MIN_N = 0.8
DCR_MAX_N = 0.6
#: largest frame-to-frame noise correlation the fits consider
MAX_NOISE_CORRELATION = 0.95
#: what the ``*_err`` values of :class:`KineticsFit` are
KINETICS_ERR_KIND = ("1 sigma: standard error of generalised least squares with frame-to-frame correlated "
                     "(AR(1)) noise whose correlation and amplitude are estimated from the residuals")


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
    noise_correlation: float = 0.0
    err_kind: str = KINETICS_ERR_KIND

    def as_dict(self) -> dict:
        return asdict(self)


def _lstsq(design: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least squares with parameter standard errors."""
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    dof = max(1, len(y) - design.shape[1])
    sigma2 = float(np.sum((y - design @ coef) ** 2)) / dof
    cov = sigma2 * np.linalg.pinv(design.T @ design)
    return coef, np.sqrt(np.clip(np.diag(cov), 0, None))


def whiten(t: np.ndarray, values: np.ndarray, rho: float) -> tuple[np.ndarray, float]:
    """Decorrelate ``values`` (rows at sorted times ``t``) for noise with correlation rho per median spacing.

    The noise correlation between times t_i and t_j is rho**(|t_i - t_j| / dt), dt the median
    spacing (AR(1) for equally spaced frames). Returns the whitened rows and log det of the
    correlation matrix.
    """
    if rho <= 0:
        return values, 0.0
    dt = float(np.median(np.diff(t)))
    phi = rho ** (np.diff(t) / dt)
    scale = np.sqrt(1 - phi**2)
    out = np.array(values, float, copy=True)
    phi_b = phi.reshape((-1,) + (1,) * (out.ndim - 1))
    scale_b = scale.reshape(phi_b.shape)
    out[1:] = (values[1:] - phi_b * values[:-1]) / scale_b
    return out, float(2 * np.sum(np.log(scale)))


def _gls_at(t, design, y, rho):
    """Least squares on whitened rows: (coef, whitened design, whitened residual sum of squares, log det)."""
    dw, logdet = whiten(t, design, rho)
    yw, _ = whiten(t, y, rho)
    coef, *_ = np.linalg.lstsq(dw, yw, rcond=None)
    rss = float(np.sum((yw - dw @ coef) ** 2))
    return coef, dw, rss, logdet


def noise_correlation(t: np.ndarray, design: np.ndarray, y: np.ndarray) -> float:
    """Frame-to-frame noise correlation of y = design @ coef + noise, by restricted maximum likelihood."""
    n, p = design.shape
    if n - p < 3:
        return 0.0

    def reml(rho: float) -> float:
        _, dw, rss, logdet = _gls_at(t, design, y, rho)
        sign, logdet_info = np.linalg.slogdet(dw.T @ dw)
        if rss <= 0 or sign <= 0:
            return np.inf
        return logdet + logdet_info + (n - p) * np.log(rss)

    best = minimize_scalar(reml, bounds=(0.0, MAX_NOISE_CORRELATION), method="bounded",
                           options={"xatol": 1e-3})
    rho = float(best.x)
    return rho if reml(rho) < reml(0.0) else 0.0


def gls_ar1(t: np.ndarray, design: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Fit y = design @ coef under correlated noise: (coef, 1-sigma errors, noise sigma, noise correlation).

    ``t`` must be sorted and distinct; the noise correlation comes from :func:`noise_correlation`,
    its standard deviation (units of y) from the whitened residuals with n - p degrees of freedom.
    """
    rho = noise_correlation(t, design, y)
    coef, dw, rss, _ = _gls_at(t, design, y, rho)
    sigma2 = rss / max(1, len(y) - design.shape[1])
    cov = sigma2 * np.linalg.pinv(dw.T @ dw)
    return coef, np.sqrt(np.clip(np.diag(cov), 0, None)), float(np.sqrt(sigma2)), rho


def _power_law(t: np.ndarray, L: np.ndarray) -> tuple[float, float, float, float]:
    """L = A t^n on points with t > 0 by nonlinear least squares under correlated noise: (A, n, n_err, rho)."""
    keep = t > 0
    t, L = t[keep], L[keep]
    pos = L > 0
    if pos.sum() < 3:
        raise InputError("need at least 3 points with t > 0 and L > 0 for the power law")
    n0, logA0 = np.polyfit(np.log(t[pos]), np.log(L[pos]), 1)
    tn = t / t.max()  # A refers to t in units of the last time, for conditioning

    def residuals(p, rho):
        return whiten(t, p[0] * tn ** p[1] - L, rho)[0]

    guess = np.array([np.exp(logA0) * t.max() ** n0, n0])
    fit = least_squares(residuals, guess, args=(0.0,), method="lm")
    jac = np.column_stack([tn ** fit.x[1], fit.x[0] * tn ** fit.x[1] * np.log(tn)])
    rho = noise_correlation(t, jac, L - (fit.x[0] * tn ** fit.x[1]) + jac @ fit.x)
    if rho > 0:
        fit = least_squares(residuals, fit.x, args=(rho,), method="lm")
    dof = max(1, len(L) - 2)
    cov = (2 * fit.cost / dof) * np.linalg.pinv(fit.jac.T @ fit.jac)
    A = fit.x[0] / t.max() ** fit.x[1]
    return float(A), float(fit.x[1]), float(np.sqrt(max(cov[1, 1], 0.0))), rho


#: a couple's host crystal counts as consumed once its crystalline atoms fall below this fraction of the first frame's
CONSUMED_HOST_FRACTION = 0.1


def frames_before_consumed(crystalline_host_atoms, fraction: float = CONSUMED_HOST_FRACTION) -> int:
    """How many leading frames of a couple come before its host crystal is consumed (crystalline host atoms below
    ``fraction`` of the first frame's). After that L(t) only sits at the slab's half-thickness: rate laws, front
    speeds and front-relative averages must not see those frames."""
    n = np.asarray(crystalline_host_atoms, float)
    if not len(n) or n[0] <= 0:
        return len(n)
    below = np.flatnonzero(n < fraction * n[0])
    return int(below[0]) if len(below) else len(n)


def front_before_consumed(times_ps, front_advance_nm, crystalline_host_atoms) -> tuple[np.ndarray, np.ndarray]:
    """(t in ps, L in nm) of a couple over the frames before its host crystal is consumed
    (:func:`frames_before_consumed`): the part of L(t) that a rate law describes."""
    before = frames_before_consumed(crystalline_host_atoms)
    return np.asarray(times_ps, float)[:before], np.asarray(front_advance_nm, float)[:before]


def _check(t: np.ndarray, L: np.ndarray) -> None:
    if t.shape != L.shape or t.ndim != 1:
        raise InputError("t_ps and L_nm must be 1-D arrays of the same length")
    if len(t) < 4:
        raise InputError(f"need at least 4 (t, L) points to fit kinetics, got {len(t)}")
    if not np.all(np.isfinite(t)) or not np.all(np.isfinite(L)):
        raise InputError("t_ps and L_nm must be finite numbers")
    if np.any(t < 0):
        raise InputError("times must be >= 0 ps")
    if len(np.unique(t)) != len(t):
        raise InputError("times must be distinct (one L per time)")
    if np.ptp(L) == 0:
        raise InputError("L is the same at every time: no front advance to fit")


def fit_kinetics(t_ps, L_nm) -> KineticsFit:
    """Fit L(t) (t in ps, L in nm, L measured from the start) with every rate law.

    Linear L = L0 + k_l t (k_l in nm/ps), parabolic L = L0 + sqrt(k_p t) (k_p in nm^2/ps), power
    law L = A t^n, all with 1-sigma errors (see ``KINETICS_ERR_KIND``), and the mixed law.
    ``noise_correlation`` is the noise correlation between neighbouring points about the power law.
    """
    t = np.asarray(t_ps, float)
    L = np.asarray(L_nm, float)
    _check(t, L)
    order = np.argsort(t, kind="stable")
    t, L = t[order], L[order]
    ones = np.ones_like(t)
    (L0, k_l), (_, k_l_err), _, _ = gls_ar1(t, np.column_stack([ones, t]), L)
    rms_lin = float(np.sqrt(np.mean((L - L0 - k_l * t) ** 2)))
    (Lp0, b), (_, b_err), _, _ = gls_ar1(t, np.column_stack([ones, np.sqrt(t)]), L)
    k_p, k_p_err = float(np.sign(b) * b**2), float(2 * abs(b) * b_err)
    rms_par = float(np.sqrt(np.mean((Lp0 + b * np.sqrt(t) - L) ** 2)))
    _, n, n_err, rho = _power_law(t, L)
    # mixed: t = t0 + L^2 / k_p + L / k_l  (linear in 1/k_p, 1/k_l)
    (t0, inv_kp, inv_kl), _ = _lstsq(np.column_stack([ones, L**2, L]), t)
    mixed_kp = 1.0 / inv_kp if inv_kp > 0 else float("inf")
    mixed_kl = 1.0 / inv_kl if inv_kl > 0 else float("inf")
    crossover = mixed_kp / mixed_kl if np.isfinite(mixed_kp) and np.isfinite(mixed_kl) else float("nan")
    rms_mix = float(np.sqrt(np.mean((t0 + inv_kp * L**2 + inv_kl * L - t) ** 2)) * max(abs(k_l), 1e-300))
    regime = "ICR" if n >= ICR_MIN_N else "DCR" if n <= DCR_MAX_N else "mixed"
    return KineticsFit(
        regime=regime, exponent_n=n, exponent_n_err=n_err, k_linear_nm_ps=float(k_l),
        k_linear_err_nm_ps=float(k_l_err), k_parabolic_nm2_ps=k_p, k_parabolic_err_nm2_ps=k_p_err,
        mixed_k_linear_nm_ps=float(mixed_kl), mixed_k_parabolic_nm2_ps=float(mixed_kp), crossover_nm=float(crossover),
        rms_linear_nm=rms_lin, rms_parabolic_nm=rms_par, rms_mixed_nm=rms_mix, n_points=len(t),
        noise_correlation=rho,
    )
