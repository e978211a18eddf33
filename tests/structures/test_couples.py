"""Couple builder: orientation of any host lattice, reservoirs, composition, regions, spacing and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from anodeflow.errors import InputError
from anodeflow.structures import REGIONS, build_couple, bulk_crystal, oriented_unit, parse_miller, parse_system
from anodeflow.structures.couples import min_distance, phase_reservoir

A_SI = 5.431  # Okada & Tokumaru (1984), room temperature
A_SN, C_SN = 5.831, 3.182  # beta-Sn, Swanson & Tatge, NBS Circular 539 (1953)
A_SB, C_SB, Z_SB = 4.307, 11.27, 0.2336  # A7 Sb (hexagonal setting), Barrett, Cucka & Haefner (1963)


@pytest.mark.parametrize(("text", "hkl"), [("110", (1, 1, 0)), ("1,1,1", (1, 1, 1)), ("(2 2 0)", (1, 1, 0)),
                                            ("1-10", (1, -1, 0)), ([0, 0, 3], (0, 0, 1))])
def test_parse_miller(text, hkl):
    assert parse_miller(text) == hkl


@pytest.mark.parametrize(("text", "hkl"), [("0001", (0, 0, 1)), ("10-10", (1, 0, 0)), ("(0 1 -1 2)", (0, 1, 2)),
                                            ("11-20", (1, 1, 0)), ("110", (1, 1, 0))])
def test_parse_four_index_miller(text, hkl):
    assert parse_miller(text, hexagonal=True) == hkl


@pytest.mark.parametrize("bad", ["000", "1x0", "11", "1,2,3,4", "9,0,1", "10-10"])
def test_parse_miller_rejects(bad):
    with pytest.raises(InputError, match="orientation"):
        parse_miller(bad)


def test_four_index_miller_needs_i_equal_minus_h_plus_k():
    with pytest.raises(InputError, match=r"orientation '1,0,1,0': in \(hkil\) i must equal -\(h\+k\) = -1, not 1"):
        parse_miller("1,0,1,0", hexagonal=True)


def test_parse_system():
    assert parse_system("Li-Si") == ("Li", "Si")
    with pytest.raises(InputError, match="unknown carrier 'Xx' in 'Xx-Si'; carriers: Li, Na"):
        parse_system("Xx-Si")
    with pytest.raises(InputError, match="unknown host 'Cu'"):
        parse_system("Li-Cu")
    with pytest.raises(InputError, match="CARRIER-HOST"):
        parse_system("LiSi")


@pytest.mark.parametrize(("crystal", "hkl", "orthogonal"), [
    ("Si", (1, 0, 0), True), ("Si", (1, 1, 1), True), ("Si", (3, 1, 0), True), ("beta-Sn", (1, 0, 0), True),
    ("beta-Sn", (1, 0, 1), False), ("beta-Sn", (1, 1, 1), False), ("Sb", (0, 0, 1), True), ("Sb", (1, 0, 0), True),
    ("Sb", (0, 1, 2), False)])
def test_oriented_unit_puts_the_plane_normal_along_z(crystal, hkl, orthogonal):
    bulk = bulk_crystal(crystal)
    unit = oriented_unit(bulk, hkl)
    cell = unit.cell.array
    assert unit.info["orthogonal"] is orthogonal
    assert cell[0, 1] == cell[0, 2] == cell[1, 0] == cell[1, 2] == 0.0  # a along x, b along y
    assert cell[2, 2] > 0 and (cell[2, :2] == 0).all() == orthogonal
    # same crystal: volume per atom, and (hkl) of the conventional cell is the xy plane
    assert unit.get_volume() / len(unit) == pytest.approx(bulk.get_volume() / len(bulk), rel=1e-9)
    t1, t2, _ = np.array(unit.info["hkl_vectors"])
    assert t1 @ hkl == pytest.approx(0, abs=1e-5) and t2 @ hkl == pytest.approx(0, abs=1e-5)  # 6 decimals kept
    # the z period is a multiple of the (hkl) spacing d = 1/|G| of the conventional cell, or of d/2 or
    # d/3 where centring translations add planes (beta-Sn (111): body centring, planes d111/2 apart)
    d = 1.0 / np.linalg.norm(np.array(hkl) @ np.linalg.inv(bulk.cell.array).T)
    assert 6 * cell[2, 2] / d == pytest.approx(round(6 * cell[2, 2] / d), abs=1e-9)
    if (crystal, hkl) == ("beta-Sn", (1, 1, 1)):
        assert cell[2, 2] == pytest.approx(d / 2, rel=1e-9)


def test_oriented_unit_rejects_a_plane_without_a_rectangle():
    with pytest.raises(InputError, match=r"plane \(1, 2, 3\) holds no rectangle of lattice vectors shorter than 10.0 A"):
        oriented_unit(bulk_crystal("beta-Sn"), (1, 2, 3), max_length_A=10.0)


# interplanar spacings of diamond Si along [hkl]: (100) a/4, (110) a/(2 sqrt 2), (111) alternating
# a sqrt(3)/12 and a sqrt(3)/4 (shuffle and glide planes)
@pytest.mark.parametrize(("miller", "spacings"), [
    ("100", [A_SI / 4]),
    ("110", [A_SI / (2 * np.sqrt(2))]),
    ("111", [A_SI * np.sqrt(3) / 12, A_SI * np.sqrt(3) / 4]),
])
def test_host_planes_are_normal_to_z(miller, spacings):
    _assert_plane_spacings("Li-Si", miller, spacings)


# Non-cubic hosts. beta-Sn (I4_1/amd, Sn at 0,0,0 / 0,1/2,1/4 / 1/2,1/2,1/2 / 1/2,0,3/4): (100) planes a/2
# apart (d200 = 2.915 A, the strongest XRD line); (101) planes at 0 and 1/4 of d101 = (a^-2 + c^-2)^-1/2
# = 2.793 A, i.e. 0.698 / 2.095 A. A7 Sb (0001): bilayers, (2z - 1/3) c = 1.509 A thick, (2/3 - 2z) c = 2.248 A
# apart (Sb at 6c, z = 0.2336).
D101_SN = (A_SN**-2 + C_SN**-2) ** -0.5


@pytest.mark.parametrize(("system", "miller", "spacings"), [
    ("Na-Sn", "100", [A_SN / 2]),
    ("Na-Sn", "101", [D101_SN / 4, 3 * D101_SN / 4]),
    ("Na-Sb", "0001", [(2 * Z_SB - 1 / 3) * C_SB, (2 / 3 - 2 * Z_SB) * C_SB]),
])
def test_non_cubic_host_planes_are_normal_to_z(system, miller, spacings):
    _assert_plane_spacings(system, miller, spacings)


def _assert_plane_spacings(system, miller, spacings):
    atoms = build_couple(system, miller, host_thickness_nm=2.0, reservoir_thickness_nm=1.5, size_nm=1.5)
    host = atoms.arrays["region"] == REGIONS["host"]
    z = np.unique(np.round(atoms.positions[host, 2], 4))
    gaps = np.sort(np.diff(z))
    distinct = gaps[np.append(True, np.diff(gaps) > 2e-3)]
    np.testing.assert_allclose(distinct, sorted(spacings), atol=2e-3)
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


@pytest.mark.parametrize(("system", "miller", "atoms_per_A3"), [
    ("Na-Sn", "100", 4 / (A_SN**2 * C_SN)),  # beta-Sn: 4 atoms per conventional cell
    ("Na-Sn", "101", 4 / (A_SN**2 * C_SN)),
    ("Na-Sb", "0001", 6 / (np.sqrt(3) / 2 * A_SB**2 * C_SB)),  # A7 Sb: 6 atoms per hexagonal cell
    ("Na-Sb", "01-12", 6 / (np.sqrt(3) / 2 * A_SB**2 * C_SB)),
])
def test_non_cubic_couples_keep_both_densities(system, miller, atoms_per_A3):
    atoms = build_couple(system, miller, host_thickness_nm=2.0, reservoir_thickness_nm=1.5, size_nm=2.0)
    info, region = atoms.info, atoms.arrays["region"]
    symbols = np.array(atoms.get_chemical_symbols())
    assert set(symbols[region == REGIONS["host"]]) == {system[3:]}
    assert (region == REGIONS["host"]).sum() == pytest.approx(atoms_per_A3 * info["area_A2"] * info["host_thickness_A"],
                                                              rel=1e-9)
    assert min_distance(atoms) >= 2.2 - 1e-6
    assert max(abs(s) for s in info["reservoir_strain"]) < 0.15
    z_na = atoms.positions[symbols == "Na", 2]
    layer = np.diff(np.unique(np.round(z_na, 4)))[0]
    assert len(z_na) / (info["area_A2"] * (np.ptp(z_na) + layer)) == pytest.approx(2 / 4.29**3, rel=1e-4)  # bcc Na


@pytest.mark.parametrize(("system", "miller"), [("Na-Sn", "001"), ("Na-Sn", "101"), ("Na-Sb", "0001"),
                                              ("Na-Sb", "01-12"), ("Li-Si", "111")])
def test_as_built_host_slabs_are_crystalline_to_the_analysis(system, miller):
    """The builders and the crystallinity analysis agree: every host atom of an unrelaxed couple is
    crystalline (IdentifyDiamond for Si; Steinhardt motif of beta-Sn / A7 Sb), surfaces included."""
    from anodeflow.analysis.structure import CrystallineHost

    atoms = build_couple(system, miller, host_thickness_nm=2.0, reservoir_thickness_nm=1.5, size_nm=2.0)
    host = np.array(atoms.get_chemical_symbols()) == system[3:]
    classifier = CrystallineHost(system[3:]).compute(atoms.positions, atoms.cell.array, host)
    assert classifier.n_crystalline == host.sum()


def test_amorphous_reservoir_has_the_requested_composition_and_density():
    from anodeflow.structures.amorphous import volume_per_atom_A3

    atoms = build_couple("Na-Sn", "001", host_thickness_nm=1.5, reservoir_thickness_nm=2.0, size_nm=1.8,
                         reservoir="amorphous", reservoir_x=0.5, seed=3)
    info, region = atoms.info, atoms.arrays["region"]
    reservoir = atoms[region == REGIONS["reservoir"]]
    x = reservoir.get_chemical_symbols().count("Na") / len(reservoir)
    assert x == pytest.approx(0.5, abs=0.02) and info["reservoir_x"] == pytest.approx(x)
    # random packing at the volume interpolated between beta-Sn, NaSn (COD 8101628) and Na15Sn4
    density = len(reservoir) / (info["area_A2"] * 20.0)
    assert density == pytest.approx(1 / volume_per_atom_A3("Na-Sn", 0.5), rel=0.02)
    assert info["reservoir_strain"] == [0.0, 0.0, 0.0]
    assert min_distance(atoms) >= 2.2 - 1e-6 or min_distance(reservoir) < 2.2


# ZSL matches: Si(100) 2a = 10.862 A on the DFT-relaxed Li15Si4, a = 10.6503 A (Materials Project mp-569849 via
# ml-evs/matador; measured 10.685 A, Obrovac & Christensen 2004): +1.99 % both ways;
# A7 Sb(0001) 5 a = 21.535 A (x) and 5 sqrt(3) a (y) on Na3Sb (Brauer & Zintl) 4 a = 21.464 A: +0.33 % both ways
@pytest.mark.parametrize(("system", "miller", "phase", "strain", "formula"), [
    ("Li-Si", "100", "Li15Si4", 2 * A_SI / 10.650335 - 1, (15, 4)),
    ("Na-Sb", "0001", "Na3Sb", 5 * A_SB / (4 * 5.366) - 1, (3, 1)),
])
def test_crystalline_alloy_reservoir_is_lattice_matched(system, miller, phase, strain, formula):
    from anodeflow.structures.phases import PHASES

    atoms = build_couple(system, miller, host_thickness_nm=1.5, reservoir_thickness_nm=1.5, size_nm=2.0,
                         reservoir=phase)
    info, region = atoms.info, atoms.arrays["region"]
    np.testing.assert_allclose(info["reservoir_strain"], [strain, strain, 0.0], atol=2e-4)
    reservoir = atoms[region == REGIONS["reservoir"]].get_chemical_symbols()
    carrier, host = system.split("-")
    assert reservoir.count(carrier) * formula[1] == reservoir.count(host) * formula[0]
    assert min_distance(atoms) >= 2.2 - 1e-6
    # the strained phase keeps the volume per atom of its built cell: in-plane strain is offset along z
    block, _, _ = phase_reservoir(phase, (atoms.cell[0, 0], atoms.cell[1, 1]), 1.5, atoms.cell[0, 0] * atoms.cell[1, 1])
    assert block.get_volume() / len(block) == pytest.approx(PHASES[phase].cell_volume_per_atom_A3, rel=1e-9)


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
    with pytest.raises(InputError, match="four-index .* only for hexagonal lattices"):
        build_couple("Li-Si", "10-10")
    with pytest.raises(InputError,
                       match="unknown reservoir 'Na3Sb' for Li-Si; choose one of bcc, amorphous, LiSi, .*Li15Si4"):
        build_couple("Li-Si", "100", reservoir="Na3Sb")
    with pytest.raises(InputError, match="reservoir_x .* goes with reservoir='amorphous'"):
        build_couple("Li-Si", "100", reservoir_x=0.5)
    with pytest.raises(InputError, match=r"reservoir_x must be in \(0, 1\], got 1.5"):
        build_couple("Li-Si", "100", reservoir="amorphous", reservoir_x=1.5)
    with pytest.raises(InputError, match="host crystal 'Si' is not a crystal of Sn; choose one of alpha-Sn, beta-Sn"):
        build_couple("Na-Sn", "100", host_crystal="Si")
    with pytest.raises(InputError, match="no lattice match of Li15Si4"):
        build_couple("Li-Si", "111", size_nm=1.0, reservoir="Li15Si4")
