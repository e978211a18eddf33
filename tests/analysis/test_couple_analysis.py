"""Analyses on constructed cells with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from scipy.special import erf

from anodeflow.analysis import CrystallineHost, FrontAdvance, InterfaceProfile, analyse_couple, fit_slab_fronts
from anodeflow.analysis.fronts import WIDTH_10_90_PER_SIGMA
from anodeflow.analysis.trajectory import Frame
from anodeflow.errors import InputError
from anodeflow.structures import build_couple


def _frame(atoms: Atoms, step: int = 0) -> Frame:
    return Frame(step, atoms.positions.copy(), atoms.cell.array.copy(), np.array(atoms.get_chemical_symbols()),
                 np.arange(1, len(atoms) + 1))


def test_perfect_and_thermal_crystal_is_crystalline():
    si = bulk("Si", "diamond", a=5.431, cubic=True).repeat(3)
    host = np.ones(len(si), bool)
    assert CrystallineHost("Si").compute(si.positions, si.cell.array, host).n_crystalline == 216
    rng = np.random.default_rng(0)
    si.positions += rng.normal(0, 0.1, si.positions.shape)  # ~ thermal displacement near 1000 K
    assert CrystallineHost("Si").compute(si.positions, si.cell.array, host).n_crystalline == 216


def test_random_packing_is_not_crystalline():
    rng = np.random.default_rng(1)
    cell = np.eye(3) * 3 * 5.431
    positions = rng.uniform(0, 3 * 5.431, (216, 3))
    result = CrystallineHost("Si").compute(positions, cell, np.ones(216, bool))
    assert result.n_crystalline <= 0.02 * 216


def test_carrier_interstitials_do_not_amorphize_the_host():
    si = bulk("Si", "diamond", a=5.431, cubic=True).repeat(2)
    li = Atoms("Li2", positions=[[2.7155] * 3, [8.1465, 2.7155, 8.1465]])  # tetrahedral sites
    atoms = si + li
    mask = np.array(atoms.get_chemical_symbols()) == "Si"
    result = CrystallineHost("Si").compute(atoms.positions, atoms.cell.array, mask)
    assert result.n_crystalline == 64
    assert not result.crystalline[~mask].any()


@pytest.mark.parametrize(("host", "lattice"), [("Cu", "None"), ("P", "black-P")])  # black P: a bulk host only
def test_unsupported_host_is_a_clear_error(host, lattice):
    with pytest.raises(InputError, match=rf"host '{host}' \(lattice {lattice}\) is not supported; supported: Si \(Si\), "
                                         r"Ge \(Ge\), Sn \(beta-Sn\), Sb \(Sb\)$"):
        CrystallineHost(host)


def test_fit_recovers_synthetic_fronts():
    z = np.arange(0.0, 50.0, 1.0) + 0.5
    sigma = 2.0
    c = 0.5 * (erf((z - 12.3) / (np.sqrt(2) * sigma)) - erf((z - 31.7) / (np.sqrt(2) * sigma)))
    fit = fit_slab_fronts(z, c)
    assert fit["z_lo_A"] == pytest.approx(12.3, abs=1e-3)
    assert fit["z_hi_A"] == pytest.approx(31.7, abs=1e-3)
    assert fit["width_lo_A"] == pytest.approx(WIDTH_10_90_PER_SIGMA * sigma, rel=1e-3)
    # 10-90 % width of an erf step: 2 sqrt(2) erfinv(0.8) sigma
    assert WIDTH_10_90_PER_SIGMA == pytest.approx(2 * np.sqrt(2) * 0.9061938, rel=1e-4)


def test_front_advance_from_counts():
    front = FrontAdvance(area_A2=100.0, host_density_A3=0.05, n_interfaces=2)
    for t, n in [(0, 100), (1, 95), (2, 90)]:
        front.append(t, n)
    # 5 atoms lost over 2 interfaces of 100 A^2 at 0.05 A^-3: 5 / (2 * 100 * 0.05) = 0.5 A per interface
    np.testing.assert_allclose(front.advance_nm, [0.0, 0.05, 0.1])


def _couple():
    return build_couple("Li-Si", "100", host_thickness_nm=2.2, reservoir_thickness_nm=2.0, size_nm=1.6)


def test_profile_of_an_ideal_couple():
    atoms = _couple()
    f = _frame(atoms)
    host = f.mask("Si")
    crystalline = CrystallineHost("Si").compute(f.positions, f.cell, host).crystalline
    profile = InterfaceProfile(bin_nm=0.2).compute(f.positions, f.cell, host, f.mask("Li"), crystalline)
    cf = np.asarray(profile.carrier_fraction)
    assert set(np.round(cf[(cf < 0.01) | (cf > 0.99)], 6)) <= {0.0, 1.0}
    # fronts lie in the gap between the outer Si plane and the first Li plane (gap 2.2 A)
    z_si = atoms.positions[host, 2]
    edges_nm = sorted([(z_si.min() - 1.1) % atoms.cell[2, 2] / 10, (z_si.max() + 1.1) / 10])
    np.testing.assert_allclose(sorted(profile.front_positions_nm), edges_nm, atol=0.12)
    assert profile.interface_width_nm < 0.3
    assert profile.amorphous_thickness_nm == 0.0
    assert profile.reacted_thickness_nm <= 0.2
    bins = profile.bins()
    assert sum(b["host"] for b in bins) == host.sum() and sum(b["carrier"] for b in bins) == (~host).sum()
    total_density = sum(b["density_atoms_nm3"] for b in bins) / len(bins)
    assert total_density == pytest.approx(len(atoms) / atoms.get_volume() * 1000, rel=1e-9)


def test_profile_does_not_depend_on_where_the_slab_sits():
    atoms = _couple()
    shifted = atoms.copy()
    shifted.positions[:, 2] += 0.37 * atoms.cell[2, 2]
    shifted.wrap()
    results = []
    for a in (atoms, shifted):
        f = _frame(a)
        host = f.mask("Si")
        crystalline = CrystallineHost("Si").compute(f.positions, f.cell, host).crystalline
        results.append(InterfaceProfile().compute(f.positions, f.cell, host, f.mask("Li"), crystalline))
    assert results[1].interface_width_nm == pytest.approx(results[0].interface_width_nm, abs=0.02)
    lz = atoms.cell[2, 2] / 10
    moved = sorted((z + 0.37 * lz) % lz for z in results[0].front_positions_nm)
    np.testing.assert_allclose(sorted(results[1].front_positions_nm), moved, atol=0.02)


def test_analyse_couple_sees_a_dissolved_layer():
    """Melt one Si plane into the Li side by hand: L equals one plane per interface."""
    atoms = _couple()
    frames = [_frame(atoms, 0)]
    host = np.array(atoms.get_chemical_symbols()) == "Si"
    z = atoms.positions[:, 2]
    top = host & (z > z[host].max() - 0.1)  # outermost (100) plane, a/4 = 1.358 A thick
    moved = atoms.copy()
    rng = np.random.default_rng(3)
    moved.positions[top] += rng.normal(0, 0.9, (top.sum(), 3))
    frames.append(_frame(moved, 1000))
    result = analyse_couple(frames, "Si", "Li", 8 / 5.431**3, timestep_ps=0.001, n_interfaces=1)
    lost = result.crystalline_host_atoms[0] - result.crystalline_host_atoms[1]
    assert lost >= top.sum()  # the plane and possibly neighbours lose their diamond environment
    plane_nm = 5.431 / 4 / 10
    assert result.front_advance_nm[1] == pytest.approx(lost / top.sum() * plane_nm, rel=1e-9)
    assert result.times_ps == [0.0, 1.0]
