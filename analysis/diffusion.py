"""Tracer diffusion: unwrapped MSD by FFT, D with block-averaged uncertainty, Arrhenius fits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np

from anodeflow.errors import InputError

#: 1 A^2/ps = 1e-16 cm^2 / 1e-12 s
A2_PS_TO_CM2_S = 1e-4
#: Boltzmann constant (eV/K), CODATA 2018
KB_EV_K = 8.617333262e-5


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

    def as_dict(self, with_msd: bool = True) -> dict:
        d = asdict(self)
        if not with_msd:
            d.pop("lag_ps")
            d.pop("msd_A2")
        return d


def _slope_D(lag: np.ndarray, msd: np.ndarray, lo: int, hi: int) -> float:
    slope = np.polyfit(lag[lo:hi], msd[lo:hi], 1)[0]
    return float(slope / 6.0)


def tracer_diffusion(
    unwrapped: np.ndarray,
    dt_ps: float,
    species: str = "",
    drift: np.ndarray | None = None,
    fit_window: tuple[float, float] = (0.1, 0.5),
    n_blocks: int = 5,
) -> DiffusionResult:
    """D from the MSD of (frames, atoms, 3) unwrapped positions taken every ``dt_ps``.

    ``drift`` (frames, 3) is subtracted first (e.g. the system's centre-of-mass motion). D is the
    slope/6 of the MSD over lags in ``fit_window`` (fractions of the trajectory length); its
    uncertainty is the standard error over ``n_blocks`` contiguous blocks of the trajectory.
    """
    x = np.asarray(unwrapped, float)
    if x.ndim != 3 or x.shape[2] != 3:
        raise InputError("positions must have shape (frames, atoms, 3)")
    if x.shape[1] == 0:
        raise InputError(f"no atoms of species '{species}' selected")
    if x.shape[0] < 10 * n_blocks:
        raise InputError(f"need at least {10 * n_blocks} frames for D with {n_blocks} blocks, got {x.shape[0]}")
    if not dt_ps > 0:
        raise InputError(f"frame interval must be > 0 ps, got {dt_ps}")
    lo_f, hi_f = fit_window
    if not 0 <= lo_f < hi_f <= 1:
        raise InputError(f"fit window {fit_window} must satisfy 0 <= lo < hi <= 1")
    if drift is not None:
        x = x - (np.asarray(drift) - np.asarray(drift)[0])[:, None, :]
    n = x.shape[0]
    lag = np.arange(n) * dt_ps
    msd = msd_fft(x)
    lo, hi = max(1, int(lo_f * n)), max(int(lo_f * n) + 2, int(hi_f * n))
    D = _slope_D(lag, msd, lo, hi)
    size = n // n_blocks
    blocks = []
    for b in range(n_blocks):
        xb = x[b * size:(b + 1) * size]
        mb = msd_fft(xb)
        lb = np.arange(size) * dt_ps
        blocks.append(_slope_D(lb, mb, max(1, int(lo_f * size)), max(int(lo_f * size) + 2, int(hi_f * size))))
    D_err = float(np.std(blocks, ddof=1) / np.sqrt(n_blocks))
    return DiffusionResult(
        species=species, n_atoms=x.shape[1], n_frames=n, dt_ps=dt_ps, fit_window_ps=[lo * dt_ps, (hi - 1) * dt_ps],
        D_A2_ps=D, D_err_A2_ps=D_err, D_cm2_s=D * A2_PS_TO_CM2_S, D_err_cm2_s=D_err * A2_PS_TO_CM2_S,
        lag_ps=lag.tolist(), msd_A2=msd.tolist(),
    )


@dataclass
class ArrheniusFit:
    Ea_eV: float
    Ea_err_eV: float
    D0_cm2_s: float
    D0_err_cm2_s: float
    D_300K_cm2_s: float
    temperatures_K: list[float]
    D_cm2_s: list[float]

    def as_dict(self) -> dict:
        return asdict(self)


def fit_arrhenius(temperatures_K: Iterable[float], D_cm2_s: Iterable[float],
                  D_err_cm2_s: Iterable[float] | None = None, T_extrapolate_K: float = 300.0) -> ArrheniusFit:
    """Fit D = D0 exp(-Ea / kB T); weights 1/err^2 on ln D when errors are given."""
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
    return ArrheniusFit(
        Ea_eV=float(Ea), Ea_err_eV=float(np.sqrt(cov[0, 0])), D0_cm2_s=D0,
        D0_err_cm2_s=float(D0 * np.sqrt(cov[1, 1])),
        D_300K_cm2_s=float(D0 * np.exp(-Ea / (KB_EV_K * T_extrapolate_K))),
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
    if region and region not in NAMED_REGIONS:
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
