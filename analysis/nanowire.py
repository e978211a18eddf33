"""Radial lithiation/sodiation front of a nanowire from the loss of crystalline host atoms."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from anodeflow.analysis.structure import CrystallineHost
from anodeflow.analysis.trajectory import Frame
from anodeflow.errors import InputError


def radial_front_advance_nm(n_crystalline, radius0_A: float) -> np.ndarray:
    """Radial advance (nm) of a cylindrical front that keeps ``n_crystalline`` of the initial crystal.

    The crystalline core is a cylinder whose cross-section scales with its atom count:
    r(t) = R0 sqrt(N_c(t) / N_c(0)), so L(t) = R0 - r(t).
    """
    n = np.asarray(n_crystalline, float)
    if not len(n) or n[0] <= 0:
        raise InputError("the first frame has no crystalline host atoms; a front needs a crystalline core")
    return (radius0_A - radius0_A * np.sqrt(np.clip(n / n[0], 0.0, None))) / 10.0


@dataclass
class NanowireResult:
    times_ps: list[float]
    crystalline_host_atoms: list[int]
    front_advance_nm: list[float]
    front_velocity_nm_ps: float
    core_radius_nm: list[float]


def analyse_nanowire(frames: Iterable[Frame], host: str, radius0_A: float, timestep_ps: float,
                     on_frame: Callable[[int], None] | None = None) -> NanowireResult:
    """Crystalline host atoms per frame -> radial front advance L(t) (nm) and its mean velocity (nm/ps)."""
    classifier = CrystallineHost(host)
    times, counts = [], []
    for i, frame in enumerate(frames):
        classifier.compute(frame.positions, frame.cell, frame.mask(host))
        times.append(frame.step * timestep_ps)
        counts.append(int(classifier.n_crystalline))
        if on_frame is not None:
            on_frame(i + 1)
    if not counts:
        raise InputError("the trajectory holds no frames")
    L = radial_front_advance_nm(counts, radius0_A)
    t = np.asarray(times)
    velocity = float(np.polyfit(t, L, 1)[0]) if len(L) > 1 and np.ptp(t) > 0 else float("nan")
    return NanowireResult(times_ps=t.tolist(), crystalline_host_atoms=counts, front_advance_nm=L.tolist(),
                          front_velocity_nm_ps=velocity, core_radius_nm=(radius0_A / 10.0 - L).tolist())
