"""Verdicts from values with error bars: decided only beyond 2 standard errors, calibrated on synthetic cases."""

from __future__ import annotations

import numpy as np
import pytest

from anodeflow.analysis.claims import (
    AGREES, DISAGREES, UNDETERMINED, Estimate, at_most, combine, descending, greater, log10_estimate, rate_law,
    replica_estimate)
from anodeflow.analysis.profiles import front_and_bulk_host_bonds


def test_replica_estimate_is_the_standard_error_of_the_mean():
    est = replica_estimate([1.0, 2.0, 3.0])
    assert est.value == 2.0 and est.n == 3
    assert est.err == pytest.approx(1.0 / np.sqrt(3))  # sample std 1 over sqrt(3)
    # identical replicas with their own errors keep the propagated error, not zero
    assert replica_estimate([2.0, 2.0], [0.2, 0.2]).err == pytest.approx(np.sqrt(0.08) / 2)
    single = replica_estimate([5.0, float("nan")], [0.5, 0.1])
    assert (single.value, single.err, single.n) == (5.0, 0.5, 1)
    assert replica_estimate([float("nan")]).n == 0


def test_replica_errors_cover_the_truth_as_one_sigma():
    """3 replicas, 300 independent studies: the mean is within 1 error of the truth about as often as a
    t-distribution with 2 degrees of freedom allows (58 %) and within 2 errors 82 %."""
    rng = np.random.default_rng(7)
    z = []
    for _ in range(300):
        est = replica_estimate(rng.normal(1.0, 0.3, 3))
        z.append(abs(est.value - 1.0) / est.err)
    within1, within2 = np.mean(np.array(z) < 1), np.mean(np.array(z) < 2)
    assert 0.50 <= within1 <= 0.67 and 0.75 <= within2 <= 0.89, (within1, within2)


def test_greater_decides_only_beyond_two_sigma():
    a, b = Estimate(1.0, 0.1, 3), Estimate(0.5, 0.1, 3)
    assert greater(a, b, "a", "b").verdict == AGREES  # 0.5 / 0.141 = 3.5 sigma
    assert greater(b, a, "b", "a").verdict == DISAGREES
    close = greater(Estimate(0.6, 0.1, 3), b, "a", "b")
    assert close.verdict == UNDETERMINED and "within 2 sigma" in close.reason
    assert greater(Estimate(float("nan"), float("nan"), 0), b, "a", "b").verdict == UNDETERMINED


def test_descending_order_and_combination():
    items = [("110", Estimate(3.0, 0.2, 3)), ("100", Estimate(2.0, 0.2, 3)), ("111", Estimate(1.0, 0.2, 3))]
    assert descending(items).verdict == AGREES
    assert descending(items[::-1]).verdict == DISAGREES
    assert descending([items[0], ("100", Estimate(2.9, 0.2, 3))]).verdict == UNDETERMINED
    assert combine([greater(*[Estimate(1, 0.1, 2), Estimate(0, 0.1, 2)], "a", "b"),
                    greater(Estimate(1, 1, 2), Estimate(0, 1, 2), "a", "b")]).verdict == UNDETERMINED


def test_rate_law_needs_an_interval_on_one_side():
    assert rate_law(Estimate(1.02, 0.05, 3), "ICR", "Li-Si").verdict == AGREES
    assert rate_law(Estimate(0.48, 0.04, 3), "ICR", "Na-Sb").verdict == DISAGREES
    assert rate_law(Estimate(0.5, 0.03, 3), "DCR", "Na-Sn").verdict == AGREES
    wide = rate_law(Estimate(0.8, 0.3, 3), "ICR", "Li-Si")
    assert wide.verdict == UNDETERMINED and "covers both n = 0.5 and n = 1" in wide.reason
    assert rate_law(Estimate(float("nan"), float("nan"), 0), "DCR", "Na-Sn").verdict == UNDETERMINED


def test_at_most_and_log10():
    assert at_most(Estimate(0.5, 0.1, 3), 1.5, "width").verdict == AGREES
    assert at_most(Estimate(3.0, 0.1, 3), 1.5, "width").verdict == DISAGREES
    assert at_most(Estimate(1.4, 0.2, 3), 1.5, "width").verdict == UNDETERMINED
    log = log10_estimate(Estimate(1e-6, 1e-7, 3))
    assert log.value == pytest.approx(-6.0) and log.err == pytest.approx(0.1 / np.log(10))
    assert not log10_estimate(Estimate(-1.0, 0.1, 3)).known


def _bins(bonds, crystalline, host=10):
    return [{"z_centred_nm": 0.2 * k, "host": host, "crystalline": c, "host_bond_A": b}
            for k, (b, c) in enumerate(zip(bonds, crystalline))]


def test_front_bonds_against_the_bulk_of_the_same_profile():
    """0.2 nm bins: crystal (all crystalline, 3.02 A), a 3-bin disordered layer (3.10 A) on each side, an
    alloy bin (3.30 A) 0.8 nm from the crystal and carrier bins without host bonds: front 3.10, bulk 3.02."""
    nan = float("nan")
    bonds = [nan, 3.30, 3.10, 3.10, 3.10, 3.02, 3.02, 3.02, 3.10, 3.10, 3.10, 3.30, nan]
    crystalline = [0, 0, 0, 2, 5, 10, 10, 10, 6, 1, 0, 0, 0]
    front, bulk = front_and_bulk_host_bonds(_bins(bonds, crystalline))
    assert bulk == pytest.approx(3.02)
    assert front == pytest.approx(3.10)
    assert all(np.isnan(front_and_bulk_host_bonds(_bins([3.1, 3.2], [0, 0]))))
