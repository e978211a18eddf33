"""Couple builder: orientation, composition, regions, spacing and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from anodeflow.errors import InputError
from anodeflow.structures import REGIONS, build_couple, parse_miller, parse_system
from anodeflow.structures.couples import min_distance, orthogonal_directions

A_SI = 5.431  # Okada & Tokumaru (1984), room temperature


@pytest.mark.parametrize(("text", "hkl"), [("110", (1, 1, 0)), ("1,1,1", (1, 1, 1)), ("(2 2 0)", (1, 1, 0)),
                                            ("1-10", (1, -1, 0)), ([0, 0, 3], (0, 0, 1))])
def test_parse_miller(text, hkl):
    assert parse_miller(text) == hkl


@pytest.mark.parametrize("bad", ["000", "1x0", "11", "1,2,3,4", "9,0,1"])
def test_parse_miller_rejects(bad):
    with pytest.raises(InputError, match="orientation"):
        parse_miller(bad)


def test_parse_system():
    assert parse_system("Li-Si") == ("Li", "Si")
    with pytest.raises(InputError, match="unknown carrier 'Xx' in 'Xx-Si'; carriers: Li, Na"):
        parse_system("Xx-Si")
    with pytest.raises(InputError, match="unknown host 'Cu'"):
        parse_system("Li-Cu")
    with pytest.raises(InputError, match="CARRIER-HOST"):
        parse_system("LiSi")


@pytest.mark.parametrize("hkl", [(1, 0, 0), (1, 1, 0), (1, 1, 1), (2, 1, 1), (3, 1, 0)])
def test_orthogonal_directions_are_right_handed(hkl):
    u, v, n = map(np.array, orthogonal_directions(hkl))
    assert u @ n == 0 and v @ n == 0 and u @ v == 0
    assert np.cross(u, v) @ n > 0
    assert tuple(n) == hkl


# interplanar spacings of diamond Si along [hkl]: (100) a/4, (110) a/(2 sqrt 2), (111) alternating
# a sqrt(3)/12 and a sqrt(3)/4 (shuffle and glide planes)
@pytest.mark.parametrize(("miller", "spacings"), [
    ("100", [A_SI / 4]),
    ("110", [A_SI / (2 * np.sqrt(2))]),
    ("111", [A_SI * np.sqrt(3) / 12, A_SI * np.sqrt(3) / 4]),
])
def test_host_planes_are_normal_to_z(miller, spacings):
    atoms = build_couple("Li-Si", miller, host_thickness_nm=2.0, reservoir_thickness_nm=1.5, size_nm=1.5)
    host = atoms.arrays["region"] == REGIONS["host"]
    z = np.unique(np.round(atoms.positions[host, 2], 4))
    gaps = np.unique(np.round(np.diff(z), 3))
    np.testing.assert_allclose(sorted(gaps), sorted(np.round(spacings, 3)), atol=2e-3)
    # the slab is cut in the widest gap: Si(111) ends in whole bilayers (one dangling bond per
    # surface atom), so the outermost planes sit a sqrt(3)/12 = 0.784 A from their neighbours
    np.testing.assert_allclose([z[1] - z[0], z[-1] - z[-2]], min(spacings), atol=2e-3)


def test_couple_composition_regions_and_density():
    atoms = build_couple("Li-Si", "110", host_thickness_nm=2.0, reservoir_thickness_nm=2.0, size_nm=2.0)
    region = atoms.arrays["region"]
    symbols = np.array(atoms.get_chemical_symbols())
    assert set(symbols[region == REGIONS["host"]]) == {"Si"}
    assert set(symbols[region == REGIONS["reservoir"]]) == {"Li"}
    info = atoms.info
    assert info["n_interfaces"] == 2 and info["miller"] == "110"
    assert min_distance(atoms) == pytest.approx(info["min_distance_A"])
    assert min_distance(atoms) >= 2.2 - 1e-6
    # Si slab holds 8 atoms per a^3 over its periodic thickness
    n_si = (symbols == "Si").sum()
    assert n_si == pytest.approx(8 / A_SI**3 * info["area_A2"] * info["host_thickness_A"], rel=1e-9)
    # the reservoir keeps the density of bcc Li (a = 3.51 A, 2 atoms per cell) despite in-plane strain
    n_li = (symbols == "Li").sum()
    z_li = atoms.positions[symbols == "Li", 2]
    layer = np.diff(np.unique(np.round(z_li, 4)))[0]
    volume = info["area_A2"] * (np.ptp(z_li) + layer)
    assert n_li / volume == pytest.approx(2 / 3.51**3, rel=1e-4)
    assert all(abs(s) < 0.15 for s in info["reservoir_strain"])


def test_fixed_layer_sits_in_the_slab_centre():
    atoms = build_couple("Li-Si", "100", host_thickness_nm=2.0, reservoir_thickness_nm=1.0, size_nm=1.2,
                         fixed_thickness_nm=0.5)
    fixed = atoms.arrays["region"] == REGIONS["fixed"]
    host_z = atoms.positions[atoms.arrays["region"] != REGIONS["reservoir"], 2]
    centre = 0.5 * (host_z.min() + host_z.max())
    assert fixed.sum() > 0
    assert np.all(np.abs(atoms.positions[fixed, 2] - centre) <= 2.5 + 1e-9)


def test_bad_couple_input():
    with pytest.raises(InputError, match="size_nm must be > 0"):
        build_couple("Li-Si", "110", size_nm=-1)
    with pytest.raises(InputError, match=r"atoms 0\.\d\d A apart \(< min_distance_A=1.8\)"):
        build_couple("Li-Si", "100", size_nm=1.0, interface_gap_A=0.2)
