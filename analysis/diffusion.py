"""Tracer diffusion: unwrapped MSD by FFT, D by generalised least squares with its MSD covariance, Arrhenius fits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
from ase import units

from anodeflow.errors import InputError

#: 1 A^2/ps = 1e-16 cm^2 / 1e-12 s
A2_PS_TO_CM2_S = 1e-4
#: Boltzmann constant (eV/K), CODATA 2018
KB_EV_K = units.kB
#: shortest trajectory (frames) for a D
MIN_FRAMES = 50


def unwrap(positions: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Unwrap a (frames, atoms, 3) array of wrapped positions by minimum-image steps.

    Valid when no atom moves more than half a box length between consecutive frames.
    """
    positions = np.asarray(positions, float)
    inv = np.linalg.inv(cell)
    frac = positions @ inv
    step = np.diff(frac, axis=0)
    step -= np.round(step)
    unwrapped = np.concatenate([frac[:1], frac[:1] + np.cumsum(step, axis=0)]) @ cell
    return unwrapped


def msd_fft(x: np.ndarray, chunk: int = 1000) -> np.ndarray:
    """Time-averaged MSD per lag of (frames, atoms, 3) unwrapped positions, averaged over atoms (A^2).

    The FFT algorithm: MSD(m) = S1(m) - 2 S2(m) (Calandrini et al., nMoldyn, 2011), over blocks
    of ``chunk`` atoms so the FFT work arrays stay small.
    """
    x = np.asarray(x, float)
    n_atoms = x.shape[1]
    if n_atoms > chunk:
        total = sum(_msd_fft_block(x[:, i:i + chunk]) * x[:, i:i + chunk].shape[1] for i in range(0, n_atoms, chunk))
        return total / n_atoms
    return _msd_fft_block(x)


def _msd_fft_block(x: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    r2 = np.sum(x**2, axis=2)  # (frames, atoms)
    r2_pad = np.concatenate([r2, np.zeros((1, r2.shape[1]))])
    total = 2 * r2.sum(axis=0)
    s1 = np.empty((n, r2.shape[1]))
    for m in range(n):
        total = total - r2_pad[m - 1] - r2_pad[n - m]
        s1[m] = total / (n - m)
    f = np.fft.rfft(x, n=2 * n, axis=0)
    acf = np.fft.irfft(f * f.conj(), axis=0)[:n].sum(axis=2)
    s2 = acf / (n - np.arange(n))[:, None]
    return (s1 - 2 * s2).mean(axis=1)


#: what ``D_err_cm2_s`` / ``D_err_A2_ps`` are (reported next to them as ``D_err_kind``)
D_ERR_KIND = ("1 sigma: standard deviation of D from a generalised-least-squares fit of the MSD with its "
              "covariance over overlapping time origins (random walk plus correlated vibrational noise), "
              "scaled up by the observed non-Gaussian variance of the squared displacements")
#: at most this many lags enter the fit, evenly spaced over the window (neighbouring lags are so
#: correlated that more add almost nothing: 25 instead of 200 lags widen D_err by 2 %)
MAX_FIT_LAGS = 64


@dataclass
class DiffusionResult:
    species: str
    n_atoms: int
    n_frames: int
    dt_ps: float
    fit_window_ps: list[float]
    D_A2_ps: float
    D_err_A2_ps: float
    D_cm2_s: float
    D_err_cm2_s: float
    lag_ps: list[float]
    msd_A2: list[float]
    D_err_kind: str = D_ERR_KIND
    msd_variance_factor: float = 1.0
    axes: str = "xyz"

    def as_dict(self, with_msd: bool = True) -> dict:
        d = asdict(self)
        if not with_msd:
            d.pop("lag_ps")
            d.pop("msd_A2")
        return d


def _power_sum(k: np.ndarray, power: int) -> np.ndarray:
    """sum_{u=1}^{k} u**power for power 2 or 3 (k >= 0)."""
    return k * (k + 1) * (2 * k + 1) / 6 if power == 2 else (k * (k + 1) / 2) ** 2


def _origin_pairs(delta: np.ndarray, m: np.ndarray, n: np.ndarray, n_frames: float) -> np.ndarray:
    """Number of origins t with windows [t, t+m) and [t+delta, t+delta+n) both inside the trajectory."""
    last = np.minimum(n_frames - 1 - m, n_frames - 1 - n - delta)
    return np.clip(last - np.maximum(0, -delta) + 1, 0, None)


def msd_covariance(lags: np.ndarray, n_frames: int,
                   noise_correlation: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Covariance of time-averaged 1-D MSDs at integer frame ``lags``, per atom: (W, X, N) matrices.

    Model: a Gaussian random walk with step variance q (A^2 per frame) seen through Gaussian
    position noise of variance a^2 (A^2; vibrations about the path) whose correlation between
    frames k apart is ``noise_correlation[k]`` (k = 0, 1, ...; zero beyond; default: independent
    frames), so that MSD(m) = q m + 2 a^2 (1 - r(m)) per dimension. The MSD at lag m averages all
    n_frames - m overlapping origins, and Cov(M_m, M_n) = q^2 W + q a^2 X + a^4 N exactly:
    2 sum_{t,s} c(t, s)^2 / ((T-m)(T-n)), c the covariance of the two displacements (shared steps
    plus noise at their end points). The walk part is summed in closed form (power sums).
    """
    lags = np.asarray(lags, float)
    T = float(n_frames)
    m, n = np.meshgrid(lags, lags, indexing="ij")
    lo_lag, hi_lag = np.minimum(m, n), np.maximum(m, n)
    c0 = T - lo_lag - hi_lag
    first, last = np.maximum(1.0, 1.0 - c0), lo_lag - 1  # shared steps u with (c0 + u) > 0 origin pairs
    has = last >= first
    s2 = np.where(has, _power_sum(last, 2) - _power_sum(first - 1, 2), 0.0)
    s3 = np.where(has, _power_sum(last, 3) - _power_sum(first - 1, 3), 0.0)
    walk = 2 * (c0 * s2 + s3) + (hi_lag - lo_lag + 1) * lo_lag**2 * (T - hi_lag)
    corr = np.array([1.0]) if noise_correlation is None else np.asarray(noise_correlation, float)
    cross, noise = _noise_sums(m, n, T, corr)
    norm = 2 / ((T - m) * (T - n))
    return norm * walk, norm * cross, norm * noise


def _noise_sums(m: np.ndarray, n: np.ndarray, T: float, corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Origin-pair sums of 2 * shared steps * g and g^2, g the noise covariance of two displacements / a^2.

    g is non-zero only within len(corr) - 1 frames of the offsets s - t where the windows end
    together, start together, or one starts where the other ends; each offset is counted once.
    """
    reach = len(corr) - 1
    table = np.append(corr, 0.0)
    m, n = m.astype(int), n.astype(int)

    def r(d):
        return table[np.minimum(np.abs(d), reach + 1)]

    centres = (m - n, 0 * m, m, -n)
    cross, noise = np.zeros(m.shape), np.zeros(m.shape)
    for i, centre in enumerate(centres):
        for j in range(-reach, reach + 1):
            delta = centre + j
            fresh = np.ones(m.shape, bool)
            for earlier in centres[:i]:
                fresh &= np.abs(delta - earlier) > reach
            g = r(delta - m + n) - r(delta - m) - r(delta + n) + r(delta)
            pairs = np.where(fresh, _origin_pairs(delta, m, n, T), 0.0)
            shared = np.clip(np.minimum(m, delta + n) - np.maximum(0, delta), 0, None)
            cross += pairs * 2 * shared * g
            noise += pairs * g**2
    return cross, noise


def gls_line(x: np.ndarray, y: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Generalised least squares of y = a + b x with noise covariance ``cov``: (a, b) and their covariance."""
    from scipy.linalg import LinAlgError, cholesky, solve_triangular

    design = np.column_stack([np.ones_like(x), x])
    jitter = 0.0
    for _ in range(6):
        try:
            chol = cholesky(cov + jitter * np.eye(len(x)), lower=True)
            break
        except LinAlgError:
            jitter = max(jitter * 100, 1e-12 * float(np.mean(np.diag(cov))))
    else:
        raise InputError("the MSD covariance is not positive definite; use a longer fit window")
    # one right-hand side at a time: small matrix right-hand sides go to multithreaded BLAS, slow on busy cores
    dw = np.column_stack([solve_triangular(chol, column, lower=True) for column in design.T])
    yw = solve_triangular(chol, y, lower=True)
    coef = np.linalg.lstsq(dw, yw, rcond=None)[0]
    return coef, np.linalg.inv(dw.T @ dw)


def squared_displacement_excess(x: np.ndarray, lags: np.ndarray, max_lags: int = 8,
                                max_values: int = 2_000_000) -> float:
    """Observed variance of squared displacements over that of isotropic Gaussian ones, >= 1.

    For Gaussian displacements of equal variance along each of the d axes of ``x``, Var(|dr|^2) =
    (2/d) MSD^2; hops
    (non-Gaussian tails) and anisotropy make it larger. Averaged over up to ``max_lags`` lags of
    ``lags`` (frames), with time origins thinned to keep at most ``max_values`` numbers per lag.
    """
    picked = np.unique(np.linspace(lags[0], lags[-1], min(max_lags, len(lags))).astype(int))
    ratios = []
    for k in picked:
        stride = max(1, int(np.ceil((len(x) - k) * x.shape[1] / max_values)))
        s = np.sum((x[k::stride] - x[:len(x) - k:stride]) ** 2, axis=2)
        mean = float(s.mean())
        if mean > 0:
            ratios.append(float(s.var()) / (2.0 / x.shape[2] * mean**2))
    return max(1.0, float(np.mean(ratios))) if ratios else 1.0


def vibration_correlation(msd: np.ndarray, below: int, slope_per_frame: float, intercept: float,
                          max_reach: int = 64) -> np.ndarray:
    """Correlation r(k) of the position noise between frames k apart, from the MSD below lag ``below``.

    With MSD(k) = slope k + intercept (1 - r(k)) (A^2, k in frames) the short-lag MSD's shortfall
    below the fitted line is the noise memory; r(0) = 1, clipped to [0, 1], cut at its first zero
    and after ``max_reach`` frames.
    """
    if intercept <= 0 or below < 2:
        return np.array([1.0])
    k = np.arange(1, min(below, max_reach + 1))
    r = np.clip(1 - (np.asarray(msd)[k] - slope_per_frame * k) / intercept, 0.0, 1.0)
    zero = np.flatnonzero(r <= 0)
    return np.concatenate([[1.0], r[:zero[0]] if len(zero) else r])


def fit_msd(msd: np.ndarray, x: np.ndarray, dt_ps: float, lo: int, hi: int) -> tuple[float, float, float]:
    """D and its 1-sigma error (A^2/ps) from the MSD (A^2, per frame lag) over lags lo..hi-1 (frames).

    Generalised least squares of MSD = 2d a^2 + 2d D t with the covariance of :func:`msd_covariance`
    for the ``x.shape[1]`` atoms of ``x`` (frames, atoms, d; unwrapped, A; d = 1, 2 or 3 axes): step
    variance q = 2 D dt and noise a^2 per axis come from the fit itself (ordinary least squares first, then three
    GLS passes), the noise memory from the first (:func:`vibration_correlation`). The error is
    scaled by the observed excess variance of the squared displacements
    (:func:`squared_displacement_excess`). Returns (D, D_err, excess factor).
    """
    dims = x.shape[2]
    lags = np.unique(np.linspace(lo, hi - 1, min(MAX_FIT_LAGS, hi - lo)).astype(int))
    t, y = lags * dt_ps, np.asarray(msd)[lags]
    intercept, slope = np.polyfit(t, y, 1)[::-1]
    memory = vibration_correlation(msd, lo, slope * dt_ps, intercept)
    walk, cross, noise = msd_covariance(lags, len(msd), memory)
    for _ in range(3):
        q, a2 = max(slope * dt_ps / dims, 0.0), max(intercept, 0.0) / (2 * dims)
        cov = q * q * walk + q * a2 * cross + a2 * a2 * noise
        if not np.any(cov):
            return float(slope / (2 * dims)), 0.0, 1.0  # atoms that do not move at all
        (intercept, slope), coef_cov = gls_line(t, y, cov)
    factor = squared_displacement_excess(x, lags)
    D_err = float(np.sqrt(coef_cov[1, 1] * dims * factor / x.shape[1]) / (2 * dims))
    return float(slope / (2 * dims)), D_err, factor


def check_axes(axes: str) -> str:
    """``axes`` for an MSD: distinct letters of x, y, z; :class:`InputError` otherwise."""
    if not axes or len(set(axes)) != len(axes) or set(axes) - set("xyz"):
        raise InputError(f"axes '{axes}' must be distinct letters of x, y, z (e.g. xyz or xy)")
    return axes


def tracer_diffusion(
    unwrapped: np.ndarray,
    dt_ps: float,
    species: str = "",
    drift: np.ndarray | None = None,
    fit_window: tuple[float, float] = (0.1, 0.5),
    axes: str = "xyz",
) -> DiffusionResult:
    """D from the MSD of (frames, atoms, 3) unwrapped positions (A) taken every ``dt_ps`` (ps).

    ``drift`` (frames, 3; A) is subtracted first (e.g. the system's centre-of-mass motion). D
    (A^2/ps and cm^2/s) is the slope/(2d) of the MSD along the d ``axes`` (``xyz``; ``xy`` for motion in
    the plane of an interface normal to z, where the slab confines the carrier along z) over lags in
    ``fit_window`` (fractions of the trajectory length), fitted by generalised least squares
    (:func:`fit_msd`); ``D_err`` is one standard deviation (see ``D_ERR_KIND``).
    """
    x = np.asarray(unwrapped, float)
    if x.ndim != 3 or x.shape[2] != 3:
        raise InputError("positions must have shape (frames, atoms, 3)")
    if x.shape[1] == 0:
        raise InputError(f"no atoms of species '{species}' selected")
    if not np.all(np.isfinite(x)):
        raise InputError("positions must be finite numbers (no nan or inf)")
    if x.shape[0] < MIN_FRAMES:
        raise InputError(f"need at least {MIN_FRAMES} frames for D, got {x.shape[0]}")
    if not dt_ps > 0:
        raise InputError(f"frame interval must be > 0 ps, got {dt_ps}")
    lo_f, hi_f = fit_window
    if not 0 <= lo_f < hi_f <= 1:
        raise InputError(f"fit window {fit_window} must satisfy 0 <= lo < hi <= 1")
    check_axes(axes)
    if drift is not None:
        x = x - (np.asarray(drift) - np.asarray(drift)[0])[:, None, :]
    x = x[:, :, ["xyz".index(a) for a in axes]]
    n = x.shape[0]
    lag = np.arange(n) * dt_ps
    msd = msd_fft(x)
    lo = max(1, int(lo_f * n))
    hi = min(n, max(lo + 3, int(hi_f * n)))
    D, D_err, factor = fit_msd(msd, x, dt_ps, lo, hi)
    return DiffusionResult(
        species=species, n_atoms=x.shape[1], n_frames=n, dt_ps=dt_ps, fit_window_ps=[lo * dt_ps, (hi - 1) * dt_ps],
        D_A2_ps=D, D_err_A2_ps=D_err, D_cm2_s=D * A2_PS_TO_CM2_S, D_err_cm2_s=D_err * A2_PS_TO_CM2_S,
        lag_ps=lag.tolist(), msd_A2=msd.tolist(), msd_variance_factor=factor, axes=axes,
    )


@dataclass
class ArrheniusFit:
    Ea_eV: float
    Ea_err_eV: float
    D0_cm2_s: float
    D0_err_cm2_s: float
    D_300K_cm2_s: float
    D_300K_err_cm2_s: float
    temperatures_K: list[float]
    D_cm2_s: list[float]

    def as_dict(self) -> dict:
        return asdict(self)


def fit_arrhenius(temperatures_K: Iterable[float], D_cm2_s: Iterable[float],
                  D_err_cm2_s: Iterable[float] | None = None, T_extrapolate_K: float = 300.0) -> ArrheniusFit:
    """Fit D = D0 exp(-Ea / kB T); weights 1/err^2 on ln D when errors are given.

    D at ``T_extrapolate_K`` carries the 1-sigma error of the fit propagated with the covariance of
    Ea and ln D0 (zero for two points, which fix the line exactly)."""
    T = np.asarray(list(temperatures_K), float)
    D = np.asarray(list(D_cm2_s), float)
    if len(T) < 2 or len(T) != len(D):
        raise InputError(f"need at least 2 (T, D) pairs of equal length, got {len(T)} T and {len(D)} D")
    if np.any(T <= 0):
        raise InputError(f"temperatures must be > 0 K, got {T.tolist()}")
    if np.any(D <= 0):
        raise InputError(f"diffusivities must be > 0, got {D.tolist()}")
    x = 1.0 / (KB_EV_K * T)
    y = np.log(D)
    w = None
    if D_err_cm2_s is not None:
        err = np.asarray(list(D_err_cm2_s), float)
        rel = np.where(err > 0, err / D, np.nan)
        if np.all(np.isfinite(rel)):
            w = 1.0 / rel
    if len(T) == 2:
        coef = np.polyfit(x, y, 1)
        cov = np.zeros((2, 2))
    else:
        coef, cov = np.polyfit(x, y, 1, w=w, cov="unscaled" if w is not None else True)
    slope, intercept = coef
    Ea, D0 = -slope, float(np.exp(intercept))
    D_extrapolated = float(D0 * np.exp(-Ea / (KB_EV_K * T_extrapolate_K)))
    gradient = np.array([1.0 / (KB_EV_K * T_extrapolate_K), 1.0])  # d ln D(T) / d(slope, intercept)
    ln_err = float(np.sqrt(max(gradient @ cov @ gradient, 0.0)))
    return ArrheniusFit(
        Ea_eV=float(Ea), Ea_err_eV=float(np.sqrt(cov[0, 0])), D0_cm2_s=D0,
        D0_err_cm2_s=float(D0 * np.sqrt(cov[1, 1])),
        D_300K_cm2_s=D_extrapolated, D_300K_err_cm2_s=D_extrapolated * ln_err,
        temperatures_K=T.tolist(), D_cm2_s=D.tolist(),
    )


#: regions named by what the first frame's profile finds there (see ``region_mask``)
NAMED_REGIONS = ("crystal", "amorphous", "alloy")


def region_mask(frame, region: str, host: str | None = None, carrier: str | None = None) -> np.ndarray:
    """Atoms of ``frame`` inside ``region``: ``AXIS:LO_NM:HI_NM`` or a named region.

    Named regions come from the profile along z of this frame: ``crystal`` (bins mostly
    crystalline host), ``alloy`` (the reacted layer) and ``amorphous`` (carrier-poor,
    non-crystalline host); they need ``host`` and ``carrier``. ``core:R`` selects atoms within R A
    of the dislocation lines OVITO's DXA finds in this frame's host atoms (needs ``host``).
    """
    if region.startswith("core:"):
        return _core_mask(frame, region, host)
    if region in NAMED_REGIONS:
        if not host or not carrier:
            raise InputError(f"region '{region}' needs the host and carrier elements (--host, --carrier)")
        from anodeflow.analysis.profiles import InterfaceProfile
        from anodeflow.analysis.structure import CrystallineHost

        host_mask, carrier_mask = frame.mask(host), frame.mask(carrier)
        crystalline = CrystallineHost(host).compute(frame.positions, frame.cell, host_mask).crystalline
        profile = InterfaceProfile().compute(frame.positions, frame.cell, host_mask, carrier_mask, crystalline)
        return getattr(profile, f"{region}_bins")[profile.bin_index]
    axis, lo, hi = parse_region(region)
    return (frame.positions[:, axis] >= lo) & (frame.positions[:, axis] < hi)


def _core_mask(frame, region: str, host: str | None) -> np.ndarray:
    from anodeflow.analysis.dislocations import DislocationContent, distance_to_lines_A

    try:
        radius = float(region.split(":", 1)[1])
    except ValueError:
        raise InputError(f"region '{region}': the core radius must be a number in A, e.g. core:8") from None
    if not radius > 0:
        raise InputError(f"region '{region}': the core radius must be > 0 A")
    if not host:
        raise InputError(f"region '{region}' needs the host element (--host)")
    dxa = DislocationContent(host).compute(frame.positions, frame.cell, host_mask=frame.mask(host))
    if not dxa.lines_A:
        raise InputError(f"region '{region}': DXA finds no dislocation line in the first frame")
    return distance_to_lines_A(frame.positions, frame.cell, dxa.lines_A) <= radius


def parse_region(text: str | None) -> tuple[int, float, float] | None:
    """``"z:1.0:2.5"`` (nm) -> (axis, lo_A, hi_A); None for no region."""
    if not text:
        return None
    parts = text.split(":")
    if len(parts) != 3 or parts[0] not in ("x", "y", "z"):
        raise InputError(f"region '{text}' is not of the form AXIS:LO_NM:HI_NM (e.g. z:1.0:2.5), "
                         f"core:R_A (near dislocation lines) nor one of {', '.join(NAMED_REGIONS)}")
    try:
        lo, hi = float(parts[1]), float(parts[2])
    except ValueError:
        raise InputError(f"region '{text}': bounds must be numbers in nm") from None
    if not hi > lo:
        raise InputError(f"region '{text}': upper bound must exceed lower bound")
    return "xyz".index(parts[0]), 10 * lo, 10 * hi


def diffusion_from_frames(frames, species: str, timestep_ps: float, region: str | None = None,
                          remove_drift: bool = True, host: str | None = None, carrier: str | None = None,
                          **kwargs) -> DiffusionResult:
    """Tracer D of ``species`` (element or LAMMPS type id) from a stream of frames.

    Positions are unwrapped with image flags when the dump has them, otherwise by
    minimum-image steps between frames; the system's centre-of-mass drift is removed
    (masses from ASE). ``region`` ("z:LO:HI" in nm, or crystal/amorphous/alloy with ``host``
    and ``carrier``; see :func:`region_mask`) selects atoms by their first-frame position. Frame times are TIMESTEP x ``timestep_ps``. Memory: selected atoms x frames.
    """
    from ase.data import atomic_masses, atomic_numbers

    if not timestep_ps > 0:
        raise InputError(f"timestep must be > 0 ps, got {timestep_ps}")
    if region and region not in NAMED_REGIONS and not region.startswith("core:"):
        parse_region(region)
    selected_path, com_path, steps = [], [], []
    prev_frac = unwrapped_frac = None
    select = masses = None
    for frame in frames:
        cell = frame.cell
        frac = np.linalg.solve(cell.T, frame.positions.T).T
        if select is None:
            select = frame.mask(species)
            if region:
                select &= region_mask(frame, region, host, carrier)
            if not select.any():
                raise InputError(f"no atoms of species '{species}'{' in region ' + region if region else ''}; "
                                 f"species present: {sorted(map(str, set(frame.symbols)))}")
            masses = np.array([atomic_masses[atomic_numbers[s]] if s in atomic_numbers else 1.0
                               for s in frame.symbols])
        if frame.images is not None:
            unwrapped_frac = frac + frame.images
        elif prev_frac is None:
            unwrapped_frac = frac.copy()
        else:
            step = frac - prev_frac
            unwrapped_frac = unwrapped_frac + step - np.round(step)
        prev_frac = frac
        cart = unwrapped_frac @ cell
        selected_path.append(cart[select])
        com_path.append(masses @ cart / masses.sum())
        steps.append(frame.step)
    if not steps:
        raise InputError("the trajectory holds no frames")
    spacing = np.diff(steps)
    if len(spacing) == 0 or np.any(spacing != spacing[0]) or spacing[0] <= 0:
        raise InputError("frames must be equally spaced in TIMESTEP for an MSD")
    drift = np.array(com_path) if remove_drift else None
    return tracer_diffusion(np.array(selected_path), float(spacing[0]) * timestep_ps, species, drift, **kwargs)
