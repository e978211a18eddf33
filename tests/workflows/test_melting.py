"""Melting point by solid-liquid coexistence: the root finder on synthetic rates (the LAMMPS chain runs in
the quick seed study, tests/workflows/test_seed_study.py, which checks its melting point).

Measured here with the Cui 2012 MEAM in the workstation seed study (576 atoms, 3x3x8 conventional cells,
10 ps per temperature): the crystal still grows at 1.4 x 1687 K (+0.0045 +- 0.0024 per ps) and melts at
1.6 x 1687 K (-0.025 +- 0.002 per ps): Tm = 2413 +- 23 K, 43 % above experiment. In a 128-atom cell
(2x2x4, the quick study's), 2 ps: +0.003 to +0.040 per ps at 0.6 x 1687 K and -0.23 to -0.31 at 2.0 x 1687 K (3 seeds).
"""

from __future__ import annotations

import numpy as np
import pytest

from anodeflow.analysis.melting import crystal_growth_rate, melting_point
from anodeflow.errors import InputError
from anodeflow.workflows.melting import CoexistenceMeltingMaker


def test_root_of_linear_rates_with_its_error():
    """Rates r = -1e-4 (T - 1500) with 10 % noise: the root within its error, over 300 synthetic sets the
    error is one standard deviation (68 +- 10 % within 1 sigma)."""
    T = np.array([1200.0, 1400.0, 1600.0, 1800.0])
    rng = np.random.default_rng(3)
    z = []
    for _ in range(300):
        err = np.full(T.size, 0.005)
        rates = -1e-4 * (T - 1500.0) + err * rng.standard_normal(T.size)
        result = melting_point(T, rates, err)
        z.append((result.melting_point_K - 1500.0) / result.melting_point_err_K)
    within = np.mean(np.abs(z) < 1)
    assert 0.58 <= within <= 0.78, within
    exact = melting_point(T, -1e-4 * (T - 1500.0), np.full(T.size, 1e-3))
    assert exact.melting_point_K == pytest.approx(1500.0) and exact.bracketed


def test_unbracketed_and_bad_input():
    assert not melting_point([1000, 1100, 1200], [0.03, 0.02, 0.01], [0.001] * 3).bracketed
    with pytest.raises(InputError, match="at least 2 temperatures"):
        melting_point([1000], [0.1], [0.01])
    with pytest.raises(InputError, match="at least 3 times"):
        crystal_growth_rate([0, 1], [0.5, 0.6])
    with pytest.raises(InputError, match="at least 2 positive trial temperatures"):
        CoexistenceMeltingMaker(temperatures=(1.0,)).make("Li-Si")
