"""Melting point by solid-liquid coexistence: the root finder on synthetic rates, and a tiny LAMMPS run.

Measured here with the Cui 2012 MEAM in the workstation seed study (576 atoms, 3x3x8 conventional cells,
10 ps per temperature): the crystal still grows at 1.4 x 1687 K (+0.0045 +- 0.0024 per ps) and melts at
1.6 x 1687 K (-0.025 +- 0.002 per ps): Tm = 2413 +- 23 K, 43 % above experiment. In the test's 128-atom
cell, 2 ps: +0.003 to +0.040 per ps at 0.6 x 1687 K and -0.23 to -0.31 at 2.0 x 1687 K (3 seeds).
"""

from __future__ import annotations

import numpy as np
import pytest
from jobflow import run_locally

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


@pytest.mark.slow
@pytest.mark.usefixtures("lammps_available")
def test_coexistence_grows_the_crystal_below_and_melts_it_above(tmp_path):
    maker = CoexistenceMeltingMaker(repeats=(2, 2, 4), time_ps=2.0, melt_ps=1.5, temperatures=(0.6, 2.0))
    out = run_locally(maker.make("Li-Si"), create_folders=True, root_dir=tmp_path, log=False, ensure_success=True)
    doc = next(iter(out.values()))[1].output
    assert doc.n_atoms == 128 and doc.potential == "LiSi-Cui2012-MEAM" and doc.bracketed
    (grow, melt), (grow_err, melt_err) = doc.rates_per_ps, doc.rate_errs_per_ps
    assert melt < -2 * melt_err  # the crystal melts at twice the experimental melting point
    assert grow - melt > 3 * np.hypot(grow_err, melt_err) and grow > -2 * grow_err  # and does not at 0.6 of it
    assert 0.6 * 1687 < doc.melting_point_K < 2.0 * 1687
