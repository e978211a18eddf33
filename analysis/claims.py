"""Verdicts on claims from measured values with error bars: agrees, disagrees or undetermined.

A claim is decided only when the measurement separates its outcomes by more than ``Z_DECIDE``
standard errors; otherwise the verdict is ``undetermined`` and the reason says what overlapped.
Every measured value is an :class:`Estimate`: a mean with its 1-sigma standard error.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

import numpy as np

from anodeflow.analysis.kinetics import DCR_MAX_N, ICR_MIN_N

#: standard errors that separate two outcomes (two-sided 95 %)
Z_DECIDE = 2.0

AGREES, DISAGREES, UNDETERMINED = "agrees", "disagrees", "undetermined"


@dataclass
class Estimate:
    """Mean ``value`` over ``n`` replicas and its 1-sigma standard error ``err`` (same unit)."""

    value: float
    err: float
    n: int

    @property
    def known(self) -> bool:
        return bool(np.isfinite(self.value) and np.isfinite(self.err))

    def text(self, digits: int = 3) -> str:
        if not np.isfinite(self.value):
            return "not measured"
        return f"{self.value:.{digits}g} +- {self.err:.2g} (n={self.n})"

    def as_dict(self) -> dict:
        return asdict(self)


def replica_estimate(values: Iterable[float], errs: Iterable[float] | None = None) -> Estimate:
    """Mean of the finite ``values`` (one per replica) and its standard error.

    With two or more replicas the error is the larger of the replicas' scatter (standard error of the
    mean) and the propagated per-replica errors ``errs``; one replica keeps its own error; none gives NaN.
    """
    v = np.asarray(list(values), float)
    e = np.full(v.shape, np.nan) if errs is None else np.asarray(list(errs), float)
    keep = np.isfinite(v)
    v, e = v[keep], e[keep]
    if v.size == 0:
        return Estimate(float("nan"), float("nan"), 0)
    propagated = float(np.sqrt(np.nansum(e**2)) / v.size) if np.any(np.isfinite(e)) else 0.0
    if v.size == 1:
        return Estimate(float(v[0]), propagated if np.isfinite(e[0]) else float("nan"), 1)
    scatter = float(np.std(v, ddof=1) / np.sqrt(v.size))
    return Estimate(float(v.mean()), max(scatter, propagated), int(v.size))


@dataclass
class Verdict:
    verdict: str
    reason: str


def greater(a: Estimate, b: Estimate, label_a: str, label_b: str, unit: str = "") -> Verdict:
    """Claim: ``a`` > ``b``."""
    if not (a.known and b.known):
        missing = label_a if not a.known else label_b
        return Verdict(UNDETERMINED, f"{missing} has no value with an error bar")
    diff, sigma = a.value - b.value, float(np.hypot(a.err, b.err))
    text = f"{label_a} - {label_b} = {diff:.3g} +- {sigma:.2g}{' ' + unit if unit else ''}"
    if diff > Z_DECIDE * sigma:
        return Verdict(AGREES, text)
    if diff < -Z_DECIDE * sigma:
        return Verdict(DISAGREES, text)
    return Verdict(UNDETERMINED, f"{text}: within {Z_DECIDE:g} sigma of zero")


def descending(items: Sequence[tuple[str, Estimate]], unit: str = "") -> Verdict:
    """Claim: the ``(label, estimate)`` items are in descending order (each neighbouring pair by :func:`greater`)."""
    return combine([greater(a, b, la, lb, unit) for (la, a), (lb, b) in zip(items, items[1:])])


def at_most(a: Estimate, limit: float, label: str, unit: str = "") -> Verdict:
    """Claim: ``a`` <= ``limit``."""
    if not a.known:
        return Verdict(UNDETERMINED, f"{label} has no value with an error bar")
    text = f"{label} = {a.value:.3g} +- {a.err:.2g}{' ' + unit if unit else ''} against at most {limit:g}"
    if a.value + Z_DECIDE * a.err <= limit:
        return Verdict(AGREES, text)
    if a.value - Z_DECIDE * a.err > limit:
        return Verdict(DISAGREES, text)
    return Verdict(UNDETERMINED, f"{text}: the {Z_DECIDE:g}-sigma interval straddles it")


def rate_law(n: Estimate, expected: str, label: str) -> Verdict:
    """Claim: the front of ``label`` follows ``expected`` ('ICR': L ~ t, n = 1; 'DCR': L ~ t^0.5).

    The measured class is ICR when the whole interval n +- Z_DECIDE err lies at or above ``ICR_MIN_N``,
    DCR when it lies at or below ``DCR_MAX_N``; an interval reaching into both is undetermined.
    """
    if not n.known:
        return Verdict(UNDETERMINED, f"{label}: no exponent (no measurable front advance)")
    lo, hi = n.value - Z_DECIDE * n.err, n.value + Z_DECIDE * n.err
    text = f"{label}: n = {n.value:.2f} +- {n.err:.2f} ({Z_DECIDE:g}-sigma interval {lo:.2f} to {hi:.2f})"
    measured = "ICR" if lo >= ICR_MIN_N else "DCR" if hi <= DCR_MAX_N else None
    if measured is None:
        covers = "covers both n = 0.5 and n = 1" if lo <= 0.5 and hi >= 1 else "is neither wholly linear nor parabolic"
        return Verdict(UNDETERMINED, f"{text} {covers}")
    return Verdict(AGREES if measured == expected else DISAGREES, f"{text}: {measured}")


def log10_estimate(value: Estimate) -> Estimate:
    """log10 of a positive quantity with its error propagated (err / (value ln 10))."""
    if not value.known or value.value <= 0:
        return Estimate(float("nan"), float("nan"), value.n)
    return Estimate(float(np.log10(value.value)), float(value.err / (value.value * np.log(10))), value.n)


def combine(verdicts: Sequence[Verdict]) -> Verdict:
    """One verdict for a claim made of parts: disagrees if any part does, agrees if all do."""
    reason = "; ".join(v.reason for v in verdicts)
    if any(v.verdict == DISAGREES for v in verdicts):
        return Verdict(DISAGREES, reason)
    if verdicts and all(v.verdict == AGREES for v in verdicts):
        return Verdict(AGREES, reason)
    return Verdict(UNDETERMINED, reason)
