"""Crystals, nanowires, NEB endpoints and dislocations: numbers from the literature."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import spglib
from ase.geometry import find_mic

from anodeflow.errors import InputError
from anodeflow.structures import REGIONS, bulk_crystal
from anodeflow.structures.couples import min_distance
from anodeflow.structures.dislocations import build_dislocation, build_dislocation_dipole
from anodeflow.structures import build_couple
from anodeflow.structures.endpoints import (bulk_hop_endpoints, core_hop_endpoints, front_hop_endpoints,
                                             interstitial_sites, translated_state)
from anodeflow.structures.nanowires import build_nanowire

AMU_G = 1.66053907e-24


# space group numbers (International Tables) and room-temperature densities (g/cm^3, CRC Handbook)
@pytest.mark.parametrize(("name", "spacegroup", "density"), [
    ("Si", 227, 2.329), ("Ge", 227, 5.323), ("alpha-Sn", 227, 5.769), ("beta-Sn", 141, 7.265),
    ("Sb", 166, 6.697), ("black-P", 64, 2.69), ("Li", 229, 0.534), ("Na", 229, 0.968),
])
def test_crystal_symmetry_and_density(name, spacegroup, density):
    atoms = bulk_crystal(name)
    cell = (atoms.cell.array, atoms.get_scaled_positions(), atoms.numbers)
    assert spglib.get_symmetry_dataset(cell, symprec=1e-4).number == spacegroup
    rho = atoms.get_masses().sum() * AMU_G / (atoms.get_volume() * 1e-24)
    assert rho == pytest.approx(density, rel=0.01)


def test_unknown_crystal():
    with pytest.raises(InputError, match="no crystal 'Xx'; known: Si, Ge, alpha-Sn, beta-Sn, Sb, black-P, Li, Na"):
        bulk_crystal("Xx")


@pytest.mark.parametrize("axis", ["100", "110", "111"])
def test_nanowire_diameter_and_axis(axis):
    wire = build_nanowire("Si", axis, diameter_nm=3.0, length_nm=2.0)
    assert abs(wire.info["diameter_nm"] - 3.0) <= 0.2352  # within one Si-Si bond (2.352 A)
    assert min_distance(wire) == pytest.approx(2.352, abs=0.001)
    # periodic along the axis: the wire repeats every |[uvw]| lattice periods (a = 5.431 A)
    hkl = np.array([int(c) for c in axis])
    period = 5.431 * np.linalg.norm(hkl) / (2 if axis == "110" else 1)
    assert wire.cell[2, 2] / period == pytest.approx(round(wire.cell[2, 2] / period), abs=1e-9)


# beta-Sn [001] (c = 3.182 A, bond 3.022 A) and A7 Sb [001] (c = 11.27 A, short bond 2.902 A): Swanson & Tatge
# (1953), Barrett et al. (1963)
@pytest.mark.parametrize(("host", "period", "bond"), [("Sn", 3.182, 3.022), ("Sb", 11.27, 2.902)])
def test_non_cubic_nanowire_along_c(host, period, bond):
    wire = build_nanowire(host, "001", diameter_nm=2.5, length_nm=1.5)
    assert abs(wire.info["diameter_nm"] - 2.5) <= bond / 10
    assert min_distance(wire) == pytest.approx(bond, abs=0.01)
    assert wire.cell[2, 2] / period == pytest.approx(round(wire.cell[2, 2] / period), abs=1e-9)


def test_nanowire_shell_keeps_metal_density():
    wire = build_nanowire("Si", "110", diameter_nm=2.0, length_nm=2.0, shell="Li", shell_thickness_nm=0.8)
    li = wire.arrays["region"] == REGIONS["reservoir"]
    r = np.linalg.norm(wire.positions[li, :2] - wire.cell[0, 0] / 2, axis=1)
    r_in, r_out = wire.info["host_radius_A"] + 2.2, 10 + 2.2 + 8
    volume = np.pi * (r_out**2 - (10 + 2.2) ** 2) * wire.cell[2, 2]
    assert li.sum() / volume == pytest.approx(2 / 3.51**3, rel=0.1)  # bcc Li, a = 3.51 A
    assert r.min() >= 10 + 2.2 - 1e-6 and r.max() <= r_out + 1e-6
    assert r_in <= 10 + 2.2 + 1e-6
    assert min_distance(wire) >= 1.8


def test_si_td_hop():
    """Li in c-Si: Td -> Td through the hexagonal site, hop a sqrt(3)/4 = 2.352 A."""
    initial, final, record = bulk_hop_endpoints("Si", "Li")
    assert record.hop_distance_A == pytest.approx(5.431 * np.sqrt(3) / 4, abs=1e-6)
    assert record.site_clearance_A == pytest.approx(5.431 * np.sqrt(3) / 4, abs=1e-6)  # Td: 4 Si at bond length
    assert record.midpoint_clearance_A < record.site_clearance_A  # the Hex site is tighter
    assert _one_carrier_moved(initial, final, record) == pytest.approx(record.hop_distance_A, abs=1e-9)
    assert min(initial.cell.lengths()) >= 10.0


def _one_carrier_moved(initial, final, record) -> float:
    """Asserts the endpoints differ by one moved carrier atom and that the record's midpoint lies
    half a hop from both ends (minimum image); returns the carrier's minimum-image move (A)."""
    moved = np.linalg.norm(initial.positions - final.positions, axis=1)
    assert (moved > 1e-9).sum() == 1
    assert initial.get_chemical_symbols()[int(np.argmax(moved))] == record.carrier
    box = np.diag(initial.cell.array)

    def mic_distance(a, b):
        d = np.asarray(b) - np.asarray(a)
        return float(np.linalg.norm(d - box * np.round(d / box)))

    hop = mic_distance(initial.positions[-1], final.positions[-1])
    for end in (initial, final):
        assert mic_distance(end.positions[-1], record.midpoint_A) == pytest.approx(hop / 2, abs=1e-9)
    assert np.all((np.asarray(record.midpoint_A) >= 0) & (np.asarray(record.midpoint_A) < box))
    return hop


@pytest.mark.parametrize("miller", ["100", "110", "111"])
def test_front_hop_enters_the_crystal_td_to_td(miller):
    """Si couples: the outermost Td cage -> the next one deeper, a sqrt(3)/4 = 2.352 A through the
    hexagonal site, whose clearance is a sqrt(11)/8 = 2.2516 A (4 Si at the Td bond length in the cage)."""
    couple = build_couple("Li-Si", miller, host_thickness_nm=1.2, reservoir_thickness_nm=1.0, size_nm=1.1)
    initial, final, record = front_hop_endpoints(couple, "Li")
    a = 5.431
    assert record.kind == "front"
    assert record.hop_distance_A == pytest.approx(a * np.sqrt(3) / 4, abs=1e-6)
    assert _one_carrier_moved(initial, final, record) == pytest.approx(record.hop_distance_A, abs=1e-9)
    assert record.site_clearance_A == pytest.approx(a * np.sqrt(3) / 4, abs=1e-6)
    assert record.midpoint_clearance_A == pytest.approx(a * np.sqrt(11) / 8, abs=1e-4)
    depth_in, depth_out = record.feature_distance_A
    assert 0 < depth_in < depth_out < depth_in + record.hop_distance_A + 1e-9  # one hop deeper into the host
    host_top = couple.positions[couple.arrays["region"] == REGIONS["host"], 2].max()
    assert initial.positions[-1, 2] == pytest.approx(host_top - depth_in)
    assert initial.arrays["region"][-1] == REGIONS["host"] and len(initial) == len(couple) + 1


def test_front_hop_across_a_periodic_boundary_keeps_its_midpoint():
    """Shifted by (a/4, a/8) in x, y, the chosen Si(100) hop crosses the cell's y boundary: the sites'
    plain difference is far longer than the hop, and the midpoint must still be half a hop from both."""
    couple = build_couple("Li-Si", "100", host_thickness_nm=1.2, reservoir_thickness_nm=1.0, size_nm=1.1)
    couple.translate([5.431 / 4, 5.431 / 8, 0.0])
    couple.wrap()
    initial, final, record = front_hop_endpoints(couple, "Li")
    assert np.linalg.norm(np.subtract(record.final_site_A, record.initial_site_A)) > 2 * record.hop_distance_A
    assert _one_carrier_moved(initial, final, record) == pytest.approx(5.431 * np.sqrt(3) / 4, abs=1e-6)
    assert record.midpoint_clearance_A == pytest.approx(5.431 * np.sqrt(11) / 8, abs=1e-4)


@pytest.mark.parametrize("kind", ["60", "screw"])
def test_core_hop_runs_one_line_period(kind):
    """Si [1-10] dislocation lines repeat every a/sqrt(2) = 3.840 A; the hop starts within 4 A of the line."""
    disloc = build_dislocation("Si", kind, radius_nm=1.2, length_cells=3, vacuum_nm=0.6)
    assert disloc.info["line_period_A"] == pytest.approx(5.431 / np.sqrt(2), abs=1e-6)
    assert np.min(disloc.positions[:, :2]) >= 6.0 - 1e-9  # 0.6 nm of vacuum to the cell faces
    fixed = disloc.arrays["region"] == REGIONS["fixed"]
    radial = np.linalg.norm(disloc.positions[:, :2] - disloc.info["core_A"], axis=1)
    # outer 0.5 nm shell fixed; matscipy draws it on the undisplaced lattice, atoms then move by <= |b|/2
    assert fixed.any() and radial[fixed].min() >= 12.0 - 5.0 - 5.431 / np.sqrt(2) / 2
    initial, final, record = core_hop_endpoints(disloc, "Li")
    assert record.hop_distance_A == pytest.approx(5.431 / np.sqrt(2), abs=1e-6)
    assert _one_carrier_moved(initial, final, record) == pytest.approx(record.hop_distance_A, abs=1e-9)
    assert record.feature_distance_A[0] == record.feature_distance_A[1] <= 4.0


def test_translated_state_is_the_same_state_one_period_on():
    """A cylinder periodic along its line maps onto itself under one period: every host atom takes a
    lattice neighbour's place (moves < 1e-6 A), only the carrier moves, by exactly the period."""
    disloc = build_dislocation("Si", "60", radius_nm=1.2, length_cells=3, vacuum_nm=0.6)
    initial, _, record = core_hop_endpoints(disloc, "Li")
    initial.rattle(0.05, seed=1)  # a relaxed-looking host: the copies must carry each displacement along
    moved = translated_state(initial, [0.0, 0.0, record.hop_distance_A])
    assert moved.get_chemical_symbols() == initial.get_chemical_symbols()
    step = find_mic(moved.positions - initial.positions, initial.cell, initial.pbc)[0]
    assert np.linalg.norm(step[-1]) == pytest.approx(record.hop_distance_A, abs=1e-9)
    assert np.abs(step[-1, :2]).max() < 1e-9  # along the line only
    assert np.linalg.norm(step[:-1], axis=1).max() < 0.5  # two 0.05 A rattles apart, far below a bond (2.35 A)
    # the host as a whole is the rattled host shifted by one period, atom for atom
    shifted = np.mod(initial.positions[:-1] + [0, 0, record.hop_distance_A], np.diag(initial.cell.array))
    got = np.mod(moved.positions[:-1], np.diag(initial.cell.array))
    assert sorted(map(tuple, np.round(got, 6))) == sorted(map(tuple, np.round(shifted, 6)))


def test_hop_builders_reject_cells_without_their_feature():
    with pytest.raises(InputError, match="core hops need a dislocation cell"):
        core_hop_endpoints(bulk_crystal("Si").repeat(2), "Li")
    with pytest.raises(InputError, match="front hops need a couple with region tags"):
        front_hop_endpoints(bulk_crystal("Si").repeat(2), "Li")
    with pytest.raises(InputError, match="unknown carrier 'K'"):
        front_hop_endpoints(build_couple("Li-Si", "100", 1.2, 1.0, 1.1), "K")
    with pytest.raises(InputError, match="line period"):
        core_hop_endpoints(build_dislocation("Si", "60", radius_nm=1.2, length_cells=1), "Li")


def test_black_p_puckered_layers():
    """Three bonds per atom, two of 2.224 A within a zigzag chain along a and one of 2.244 A between chains,
    and 3.6 A or more to the next layer (Brown & Rundqvist, Acta Cryst. 19 (1965) 684)."""
    from ase.neighborlist import neighbor_list

    atoms = bulk_crystal("black-P")
    i, d = neighbor_list("id", atoms, 2.5)
    assert np.bincount(i).tolist() == [3] * 8
    assert sorted(np.round(d[i == 0], 3)) == pytest.approx([2.224, 2.224, 2.244], abs=0.002)
    pairs = neighbor_list("ijD", atoms, 3.7)
    across = [np.linalg.norm(v) for a, b, v in zip(*pairs) if abs(v[1]) > 2.5]  # b is the stacking axis
    assert min(across) > 3.5


@pytest.mark.parametrize(("host", "carrier"), [("beta-Sn", "Na"), ("Sb", "Na"), ("Ge", "Na"), ("black-P", "Li")])
def test_other_hosts_give_one_carrier_hops(host, carrier):
    initial, final, record = bulk_hop_endpoints(host, carrier)
    assert initial.get_chemical_symbols().count(carrier) == 1 == final.get_chemical_symbols().count(carrier)
    np.testing.assert_allclose(initial.positions[:-1], final.positions[:-1])
    assert record.hop_distance_A >= 1.0 and record.site_clearance_A > 2.0


def test_interstitial_sites_of_diamond():
    sites, clearance = interstitial_sites(bulk_crystal("Si"))
    assert clearance[0] == pytest.approx(5.431 * np.sqrt(3) / 4, abs=1e-6)
    assert np.sum(np.isclose(clearance, clearance[0], atol=1e-6)) == 8  # 8 Td sites per conventional cell


@pytest.mark.parametrize("kind", ["60", "screw"])
def test_built_dislocation_is_recovered_by_dxa(kind):
    from anodeflow.analysis.dislocations import DislocationContent

    disloc = build_dislocation("Si", kind, radius_nm=2.0, length_cells=5)
    result = DislocationContent("Si").compute(disloc.positions, disloc.cell.array, (False, False, True))
    assert result.line_length_nm == pytest.approx(disloc.cell[2, 2] / 10, rel=0.05)
    b_dxa = np.sort(np.abs(result.segments[0][1])) * 5.431
    np.testing.assert_allclose(b_dxa, np.sort(np.abs(disloc.info["burgers_A"])), atol=1e-3)


@pytest.mark.parametrize("kind", ["60", "screw"])
def test_dislocation_dipole_is_recovered_by_dxa(kind):
    """Two lines of opposite a/2<110> Burgers vectors (|b| = 5.431/sqrt(2) = 3.840 A), each as long as the cell."""
    from anodeflow.analysis.dislocations import DislocationContent

    dipole = build_dislocation_dipole("Si", kind, separation=8, length_cells=3)
    assert all(dipole.pbc)
    assert dipole.cell[2, 2] == pytest.approx(3 * 5.431 / np.sqrt(2), abs=1e-6)
    result = DislocationContent("Si").compute(dipole.positions, dipole.cell.array, (True, True, True))
    assert len(result.segments) == 2
    for length_nm, _ in result.segments:
        assert length_nm == pytest.approx(dipole.cell[2, 2] / 10, rel=0.05)
    burgers = np.array([b for _, b in result.segments]) * 5.431
    np.testing.assert_allclose(np.linalg.norm(burgers, axis=1), 3.840, atol=1e-3)
    np.testing.assert_allclose(burgers.sum(axis=0), 0.0, atol=1e-6)  # a dipole: no net Burgers vector
    np.testing.assert_allclose(np.linalg.norm(dipole.info["burgers_A"], axis=1), 3.840, atol=1e-3)
    # the unrelaxed elastic field compresses core bonds (measured 1.71 A for 60, 2.08 A for screw;
    # Si bond 2.352 A); none collapses, and a relax restores them
    assert min_distance(dipole) > 1.6


def test_dislocation_errors():
    with pytest.raises(InputError, match="not supported for host 'Sb'"):
        build_dislocation("Sb")
    with pytest.raises(InputError, match="unknown dislocation kind 'edge'"):
        build_dislocation("Si", "edge")
    with pytest.raises(InputError, match="separation >= 2"):
        build_dislocation_dipole("Si", "60", separation=1)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "anodeflow.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("suffix", [".extxyz", ".data", ".cif"])
def test_build_cli_writes_readable_files(tmp_path, suffix):
    from ase.io import read

    out = tmp_path / f"couple{suffix}"
    result = _cli("build", "interface", "Li-Si", "-o", out, "--orientation", "100", "--size-nm", "1.2",
                  "--host-nm", "1.5", "--reservoir-nm", "1.0")
    assert result.returncode == 0, result.stderr
    assert "min distance (A)" in result.stdout
    kwargs = {"format": "lammps-data", "atom_style": "atomic"} if suffix == ".data" else {}
    atoms = read(out, **kwargs)
    assert 100 < len(atoms) < 1000 and set(atoms.get_chemical_symbols()) == {"Li", "Si"}
    if suffix == ".extxyz":
        assert set(atoms.arrays["region"]) == {REGIONS["host"], REGIONS["reservoir"]}


def test_build_cli_na_sb_couple_on_a_matched_na3sb_reservoir(tmp_path):
    from ase.io import read

    out = tmp_path / "couple.extxyz"
    result = _cli("build", "interface", "Na-Sb", "-o", out, "--orientation", "0001", "--reservoir", "Na3Sb",
                  "--size-nm", "2", "--host-nm", "1.2", "--reservoir-nm", "1.0")
    assert result.returncode == 0, result.stderr
    assert "Sb (001)" in result.stdout and "+0.33" in result.stdout  # 5 a(Sb) on 4 a(Na3Sb)
    atoms = read(out)
    assert set(atoms.get_chemical_symbols()) == {"Na", "Sb"}


@pytest.mark.parametrize(("args", "message"), [
    (["build", "interface", "Li-Si", "-o", "x.extxyz", "--orientation", "000"], "orientation '000' must be three"),
    (["build", "interface", "Li-Si", "-o", "x.extxyz", "--host-nm", "-1"], "host_thickness_nm must be > 0, got -1.0"),
    (["build", "crystal", "Xx", "-o", "x.cif"], "no crystal 'Xx'"),
    (["build", "crystal", "Si", "-o", "x.pdf"], "unknown output format '.pdf'"),
    (["build", "nanowire", "Si", "-o", "x.cif", "--diameter-nm", "0"], "diameter_nm must be > 0"),
    (["build", "endpoints", "Si", "K", "-o", "x.cif"], "unknown carrier 'K'"),
    (["build", "amorphous", "Na-Sn", "-o", "x.extxyz", "--x", "1.4"], "carrier fraction must be in [0, 1], got 1.4"),
    (["build", "interface", "Li-Si", "-o", "x.extxyz", "--orientation", "10-10"],
     "four-index (hkil) notation is only for hexagonal lattices"),
    (["build", "interface", "Na-Sb", "-o", "x.extxyz", "--reservoir", "Li15Si4"],
     "unknown reservoir 'Li15Si4' for Na-Sb; choose one of bcc, amorphous, NaSb, Na3Sb"),
    (["build", "nanowire", "Sn", "-o", "x.extxyz", "--axis", "101"], "axis [1, 0, 1] of beta-Sn is not normal to a lattice plane"),
    (["build", "phase", "Li22Si5", "-o", "x.cif"], "no alloy phase 'Li22Si5'; known: LiSi, Li12Si7, Li7Si3, Li13Si4"),
    (["build", "phase", "Na3Sb", "-o", "x.cif", "--repeat", "2,0,1"], "repeat '2,0,1' must be three positive"),
])
def test_build_cli_bad_input(tmp_path, args, message):
    result = _cli(*[str(tmp_path / a) if a.startswith("x.") else a for a in args])
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_build_amorphous_na_sn(tmp_path):
    from ase.io import read

    from anodeflow.structures.amorphous import volume_per_atom_A3

    out = tmp_path / "glass.extxyz"
    result = _cli("build", "amorphous", "Na-Sn", "-o", out, "--x", "0.4", "--atoms", "64")
    assert result.returncode == 0, result.stderr
    atoms = read(out)
    assert atoms.get_chemical_symbols().count("Na") == 26 and len(atoms) == 64  # round(0.4 x 64)
    # beta-Sn (Swanson & Tatge) and bcc Na (Barrett) volumes, linearly mixed (no Na-Sn phase anchor)
    assert atoms.get_volume() / 64 == pytest.approx(volume_per_atom_A3("Na-Sn", 26 / 64), rel=0.02)


def test_cli_builds_a_periodic_dipole(tmp_path):
    """Two cores, 2 x 8 glide distances x 5 line periods of Si: 1920 atoms, periodic in x, y and z."""
    from ase.io import read

    out = tmp_path / "dipole.extxyz"
    run = _cli("build", "dislocation", "Si", "-o", out, "--dipole", "--kind", "screw")
    assert run.returncode == 0, run.stderr
    atoms = read(out)
    assert len(atoms) == 1920 and all(atoms.pbc)
    bad = _cli("build", "dislocation", "Si", "-o", tmp_path / "bad.extxyz", "--dipole", "--separation", "1")
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "separation" in bad.stderr
    assert not (tmp_path / "bad.extxyz").exists()
