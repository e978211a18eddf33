"""Reaction-front positions and advance in a periodic host slab."""

from __future__ import annotations

import numpy as np
from scipy.optimize import curve_fit
from scipy.special import erf

from anodeflow.analysis.kinetics import gls_ar1

#: what ``FrontAdvance.advance_err_nm`` (``front_advance_err_nm``) is
FRONT_ERR_KIND = ("1 sigma: standard deviation of one frame's L about the underlying advance (frame-to-frame "
                  "correlated noise about a line through the second half of L(t)); frame 0 is the exact reference")
#: 10-90 % width of an erf step in units of its sigma: 2 * sqrt(2) * erfinv(0.8)
WIDTH_10_90_PER_SIGMA = 2.5631


def _slab(z, c0, z1, s1, z2, s2):
    return 0.5 * c0 * (erf((z - z1) / (np.sqrt(2) * s1)) - erf((z - z2) / (np.sqrt(2) * s2)))


def fit_slab_fronts(z_A: np.ndarray, fraction: np.ndarray) -> dict[str, float]:
    """Fit a slab-shaped profile (two erf steps) to ``fraction(z)``.

    ``z_A`` must be bin centres with the slab roughly centred in the window. Returns the two
    front positions (A, where the fraction crosses half its plateau), their 10-90 % widths (A)
    and the plateau value. A profile without a slab gives NaN positions.
    """
    z = np.asarray(z_A, float)
    c = np.asarray(fraction, float)
    above = np.flatnonzero(c >= 0.5 * c.max()) if c.max() > 0 else []
    if len(above) < 2:
        return {"z_lo_A": np.nan, "z_hi_A": np.nan, "width_lo_A": np.nan, "width_hi_A": np.nan, "plateau": 0.0}
    p0 = [c.max(), z[above[0]], 2.0, z[above[-1]], 2.0]
    bounds = ([0, z[0], 0.1, z[0], 0.1], [1.5, z[-1], 50, z[-1], 50])
    try:
        p, _ = curve_fit(_slab, z, c, p0=p0, bounds=bounds, maxfev=5000)
    except RuntimeError:
        p = p0
    return {"z_lo_A": float(p[1]), "z_hi_A": float(p[3]), "width_lo_A": WIDTH_10_90_PER_SIGMA * float(p[2]),
            "width_hi_A": WIDTH_10_90_PER_SIGMA * float(p[4]), "plateau": float(p[0])}


class FrontAdvance:
    """Front advance L(t) from the loss of crystalline host atoms.

    L = (N_c(0) - N_c(t)) / (n_interfaces * area * host_density): the thickness of crystal
    consumed per interface, in nm. Feed frames in time order with ``append(t_ps, n_crystalline)``.
    """

    def __init__(self, area_A2: float, host_density_A3: float, n_interfaces: int = 2):
        self.area_A2 = area_A2
        self.host_density_A3 = host_density_A3
        self.n_interfaces = n_interfaces
        self.times_ps: list[float] = []
        self.n_crystalline: list[int] = []

    def append(self, t_ps: float, n_crystalline: int) -> None:
        self.times_ps.append(float(t_ps))
        self.n_crystalline.append(int(n_crystalline))

    @property
    def advance_nm(self) -> np.ndarray:
        n = np.asarray(self.n_crystalline, float)
        per_nm = self.n_interfaces * self.area_A2 * self.host_density_A3 * 10.0
        return (n[0] - n) / per_nm if len(n) else n

    @property
    def advance_err_nm(self) -> float:
        """One standard deviation (nm) of a single frame's L about the underlying advance, e.g. of the final L.

        Frame 0 is the reference (L = 0 exactly). The noise is measured about a line through the
        second half of L(t), allowing for frame-to-frame correlation (see ``FRONT_ERR_KIND``).
        """
        L = self.advance_nm
        t = np.asarray(self.times_ps)
        half = len(L) // 2
        if len(L) - half < 3 or len(np.unique(t[half:])) != len(t) - half:
            return float("nan")
        order = np.argsort(t[half:], kind="stable")
        tt, LL = t[half:][order], L[half:][order]
        _, _, sigma, _ = gls_ar1(tt, np.column_stack([np.ones_like(tt), tt]), LL)
        return sigma
