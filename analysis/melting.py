"""Melting point from solid-liquid coexistence: where the crystal neither grows nor melts."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from anodeflow.errors import InputError


@dataclass
class MeltingPoint:
    """``melting_point_K`` +- ``melting_point_err_K`` (1 sigma) from the growth rates of the crystal at the
    trial temperatures (``rates_per_ps``: change of the crystalline fraction per ps, negative when it melts).
    ``bracketed`` is False when no two neighbouring temperatures have rates of opposite sign; the value
    is then an extrapolation of the linear fit."""

    melting_point_K: float
    melting_point_err_K: float
    bracketed: bool
    temperatures_K: list[float]
    rates_per_ps: list[float]
    rate_errs_per_ps: list[float]

    def as_dict(self) -> dict:
        return asdict(self)


def crystal_growth_rate(times_ps, fractions) -> tuple[float, float]:
    """Slope (1/ps) of the crystalline fraction against time and its least-squares 1-sigma error."""
    t, f = np.asarray(times_ps, float), np.asarray(fractions, float)
    if t.size < 3:
        raise InputError(f"a growth rate needs at least 3 times, got {t.size}")
    (slope, intercept), cov = np.polyfit(t, f, 1, cov=True)
    return float(slope), float(np.sqrt(max(cov[0, 0], 0.0)))


def melting_point(temperatures_K, rates_per_ps, rate_errs_per_ps) -> MeltingPoint:
    """Zero of the growth rate: the straight line through the two temperatures that bracket the first sign
    change (the rate is not linear over a wide range: growth slows again far below the melting point), its
    root and the root's error from the two rates' errors. Without a sign change, the line through the two
    temperatures with the smallest rates, extrapolated (``bracketed`` False)."""
    T = np.asarray(temperatures_K, float)
    r, e = np.asarray(rates_per_ps, float), np.asarray(rate_errs_per_ps, float)
    if T.size < 2:
        raise InputError(f"a melting point needs at least 2 temperatures, got {T.size}")
    order = np.argsort(T)
    T, r, e = T[order], r[order], np.maximum(e[order], 1e-12)
    change = np.flatnonzero(np.sign(r[:-1]) != np.sign(r[1:]))
    bracketed = change.size > 0
    i = change[0] if bracketed else (0 if abs(r[0]) < abs(r[-1]) else T.size - 2)
    (T1, T2), (r1, r2), (e1, e2) = T[i:i + 2], r[i:i + 2], e[i:i + 2]
    if r1 == r2:
        raise InputError("the growth rate does not change with temperature: no melting point")
    root = T1 + r1 * (T2 - T1) / (r1 - r2)
    # d root / d r1 and d r2 of the line through (T1, r1) and (T2, r2)
    d1, d2 = -r2 * (T2 - T1) / (r1 - r2) ** 2, r1 * (T2 - T1) / (r1 - r2) ** 2
    err = float(np.hypot(d1 * e1, d2 * e2))
    return MeltingPoint(float(root), err, bool(bracketed), T.tolist(), r.tolist(), e.tolist())
