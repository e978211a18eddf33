"""The fitted potentials shipped in potentials/data: present, reproducible, faithful to their teachers, stable in MD.

Each was made by the command in its record (UF3 + linear SNAP 2J=4 over ZBL; seed 0). The Na-Sn and Na-Sb fits
tested here are distilled from SevenNet-l3i5, the one shipped-weights MLIP that keeps beta-Sn and A7 Sb and
orders their polymorphs like PBE (docs/teachers.md), with the Sn and Sb polymorph energies anchored to the
shipped PBE scans and rounds of learning their own relaxations of rattled host and bcc Na cells; the Na-Sb
one also learned its own large-cell A7 MD and took its Na-only cells from SevenNet-0. References:
SevenNet-l3i5 relaxed here (LAMMPS 2025-07-22, sevenn 0.13): beta-Sn a = 5.933, c = 3.223 A, bcc Na a = 4.187 A;
A7 Sb bonds 2.942 (x3) / 3.456 (x3) A, against experiment 2.91 / 3.36 A (Barrett et al. 1963) and CHGNet 0.3.0's
nearly simple-cubic 3.05-3.18 A. The Na-Sn fit passes every 0 K check of its host and the small 300 K check
below, but its record lists what the larger run of benchmarks/host_fidelity.py found; the Na-Sb fit passes its
host checks and is the Na-Sb default. The fits distilled from SevenNet-0 stay shipped, marked as failing their
host check (test_earlier_fits_lose_their_host_crystals_at_300_K).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.usefixtures("lammps_available")

SHIPPED = {"Na-Sn": "Na-Sn-UF3SNAP-SevenNet-l3i5", "Na-Sb": "Na-Sb-UF3SNAP-SevenNet-l3i5",
           "Li-Si": "Li-Si-UF3SNAP-LiSi-Cui2012-MEAM"}
#: distilled from SevenNet-0, whose beta-Sn is not a minimum: both lose their host crystal
EARLIER = {"Na-Sn": "Na-Sn-UF3SNAP-SevenNet-0", "Na-Sb": "Na-Sb-UF3SNAP-SevenNet-0"}


def rows(system: str, tmp_path) -> dict:
    from anodeflow.workflows.validation import crystal_rows

    return {r["quantity"]: r for r in crystal_rows(system, SHIPPED[system], None, tmp_path)}


@pytest.mark.parametrize("system", SHIPPED)
def test_record_files_and_command(system):
    from anodeflow.potentials import get_potential

    pot = get_potential(SHIPPED[system])
    assert pot.systems == [system] and pot.form == "UF3 (2+3-body) + SNAP (linear, 2J=4) + ZBL"
    for key in ("coeff_file", "param_file", "uf3_file"):
        assert Path(pot.snap[key]).is_file() and Path(pot.snap[key]).parent.name == "data"
    assert pot.command.startswith(f"anodeflow potentials fit {system} --teacher ")
    assert "blew up" in pot.validity and pot.reference_values


def test_the_na_sb_default_is_the_fit_that_keeps_its_host():
    from anodeflow.potentials import get_potential
    from anodeflow.settings import Settings

    defaults = Settings.model_fields["default_potentials"].default_factory()
    assert defaults["Na-Sb"] == SHIPPED["Na-Sb"] and not get_potential(SHIPPED["Na-Sb"]).fails_host_check
    assert "Na-Sn" in get_potential(SHIPPED["Na-Sn"]).fails_host_check and defaults["Na-Sn"] == "SevenNet-0"


@pytest.mark.parametrize("system", SHIPPED)
def test_reproduces_its_stored_validation_numbers(system, tmp_path):
    from anodeflow.potentials import get_potential

    stored = get_potential(SHIPPED[system]).reference_values
    measured = rows(system, tmp_path)
    assert set(stored) <= set(measured)  # phases tabulated after the fit add rows
    for quantity, value in stored.items():
        assert measured[quantity]["value"] == pytest.approx(value, rel=1e-4, abs=1e-5), quantity


def test_na_sb_fit_keeps_the_peierls_distortion(tmp_path):
    measured = rows("Na-Sb", tmp_path)
    short, long = measured["Sb short bond (x3)"]["value"], measured["Sb long bond (x3)"]["value"]
    assert short == pytest.approx(2.942, abs=0.03) and long == pytest.approx(3.456, abs=0.05)  # SevenNet-l3i5
    assert long / short > 1.15  # CHGNet 0.3.0: below 1.08


def test_na_sn_fit_keeps_beta_sn_and_na_on_the_teachers_lattice(tmp_path):
    measured = rows("Na-Sn", tmp_path)
    assert measured["beta-Sn a"]["value"] == pytest.approx(5.933, rel=0.015)
    # measured here: c/a 0.535, 1.5 % under the teacher's 0.543 and 1.9 % under experiment's 0.5457 (CRYSTALS)
    assert measured["beta-Sn c/a"]["value"] == pytest.approx(3.223 / 5.933, rel=0.02)
    assert measured["beta-Sn c/a"]["value"] == pytest.approx(0.5457, rel=0.02)
    assert measured["Na a"]["value"] == pytest.approx(4.187, rel=0.015)


@pytest.mark.parametrize("system", SHIPPED)
def test_900_K_md_keeps_every_atom_and_atoms_apart(system, tmp_path):
    """1 ps of Langevin MD at 900 K on 128-atom random alloys across x: no lost atoms, no collapsed pair."""
    from ase import Atoms

    from anodeflow.potentials import get_potential
    from anodeflow.structures.amorphous import random_alloy
    from anodeflow.structures.couples import min_distance
    from anodeflow.structures.crystals import parse_system
    from anodeflow.workflows.engine import Lammps

    types = list(parse_system(system))
    commands = get_potential(SHIPPED[system]).lammps_commands(types, tmp_path)
    for k, x in enumerate((0.25, 0.5, 0.75)):
        with Lammps(tmp_path / f"md{k}", log=False) as lmp:
            lmp.load_atoms(random_alloy(system, x, 128, seed=20 + k), types)
            lmp.commands([*commands, "thermo 0", "minimize 0 1e-3 100 200", "reset_timestep 0", "timestep 0.001",
                          f"velocity all create 900 {k + 3} mom yes rot yes dist gaussian", "fix nve all nve",
                          f"fix heat all langevin 900 900 0.1 {k + 5}"])
            closest = np.inf
            for _ in range(5):
                lmp.run(200)
                _, kinds, positions = lmp.positions()
                frame = Atoms([types[t - 1] for t in kinds], positions=positions, cell=lmp.box(), pbc=True)
                closest = min(closest, min_distance(frame))
            assert lmp.natoms == 128
        assert closest > 1.6, f"{system} x={x}: closest pair {closest:.2f} A"


#: the teachers' relaxed host crystals at 0 K (A^3/atom), measured here: SevenNet-l3i5 beta-Sn 5.933 x 5.933 x
#: 3.223 A / 4 atoms and A7 Sb a = 4.395, c = 11.507 A / 6 atoms, the Cui MEAM's diamond Si (a 5.4223 A)
TEACHER_HOST_VOLUME_A3 = {"Na-Sn": 28.36, "Na-Sb": 32.08, "Li-Si": 19.93}


@pytest.mark.parametrize("system", TEACHER_HOST_VOLUME_A3)
def test_host_crystal_stays_crystalline_at_300_K(system, tmp_path):
    """5 ps of zero-pressure MD at 300 K: a potential that melts its host cannot describe a crystalline front."""
    from anodeflow.potentials import get_potential
    from anodeflow.structures.crystals import HOST_CRYSTALS, parse_system
    from anodeflow.workflows.fitting import crystal_md

    types = list(parse_system(system))
    commands = get_potential(SHIPPED[system]).lammps_commands(types, tmp_path)
    check, _ = crystal_md(system, commands, HOST_CRYSTALS[types[1]], 300.0, 5.0, tmp_path)
    assert check["crystalline_fraction"] > 0.9
    # thermal expansion from 0 to 300 K: at most about 2 % in volume (beta-Sn, alpha_V about 7e-5 /K at room
    # temperature; Sb about 3e-5, Si 8e-6 /K)
    assert check["volume_per_atom_A3"] == pytest.approx(TEACHER_HOST_VOLUME_A3[system], rel=0.03)


@pytest.mark.parametrize("system", EARLIER)
def test_earlier_fits_lose_their_host_crystals_at_300_K(system, tmp_path):
    """The fits distilled from SevenNet-0 transform their hosts in the same 5 ps, as the template classifier sees
    (measured here: beta-Sn 39 % crystalline at 29.4 A^3/atom; A7 Sb 8 %, its cell near simple cubic), so their
    records list the failed host check."""
    from anodeflow.potentials import get_potential
    from anodeflow.structures.crystals import HOST_CRYSTALS, parse_system
    from anodeflow.workflows.fitting import crystal_md

    types = list(parse_system(system))
    record = get_potential(EARLIER[system])
    check, _ = crystal_md(system, record.lammps_commands(types, tmp_path), HOST_CRYSTALS[types[1]], 300.0, 5.0,
                          tmp_path)
    assert check["crystalline_fraction"] < 0.6 and system in record.fails_host_check


@pytest.mark.parametrize("system", ["Na-Sn", "Na-Sb"])
def test_fresh_rattled_host_cells_keep_the_host_and_polymorphs_order_like_pbe(system, tmp_path):
    """Rattles no fit round or validation uses (seed 7, 0.03 A, 2x2x3 and 3x3x4 cells) relax back to the
    host crystal; the host's polymorphs lie within 10 meV/atom of PBE's margins, same sign
    (potentials/data/pbe_polymorphs.json: Sn alpha -68.9, bct +43.7, simple hexagonal +6.5, simple cubic
    +36.4; Sb simple cubic +74.2 meV/atom). bcc Na: SevenNet-l3i5 does not keep it (C11 - C12 = -0.6 GPa,
    test_mlip), so the Na-Sn fit, taught by it alone, relaxes it to fcc near the teacher's own fcc - bcc energy
    (measured here: -7.7 meV/atom); the Na-Sb fit, whose Na-only configurations SevenNet-0 labelled
    (--carrier-teacher), keeps it Born-stable (C11 - C12 = 1.8 GPa, measured here; SevenNet-0 1.4)."""
    from anodeflow.potentials import get_potential
    from anodeflow.structures.crystals import HOST_CRYSTALS, parse_system
    from anodeflow.workflows.stability import (
        born_stiffness_GPa, elastic_constants_GPa, rattled_relaxations, relaxed_crystal)
    from anodeflow.workflows.validation import ordering_rows

    carrier, host = parse_system(system)
    record = get_potential(SHIPPED[system])
    types = [carrier, host]
    crystal = HOST_CRYSTALS[host]
    symmetric = relaxed_crystal(crystal, record, types, tmp_path / crystal)
    runs = rattled_relaxations(symmetric, record, types, tmp_path / crystal, amplitudes_A=(0.03,), seeds=(7,))
    assert all(r.passed for r in runs), [(r.label, r.relaxed_spacegroup, r.energy_meV_atom) for r in runs]
    rows = ordering_rows(host, record, types, tmp_path)
    assert all(r.passed for r in rows), [r.failure for r in rows]
    bcc = relaxed_crystal(carrier, record, types, tmp_path / carrier)
    (na,) = rattled_relaxations(bcc, record, types, tmp_path / carrier, sizes=((2, 2, 3),), amplitudes_A=(0.03,),
                                seeds=(7,))
    if system == "Na-Sn":
        assert na.relaxed_spacegroup == "Fm-3m" and na.energy_meV_atom == pytest.approx(-7.7, abs=3.0)
    else:
        constants = elastic_constants_GPa(bcc, record, types, tmp_path / "elastic")
        assert constants[0, 0] - constants[0, 1] == pytest.approx(1.8, abs=0.5)
        assert born_stiffness_GPa(constants) > 0 and na.passed, (na.relaxed_spacegroup, na.energy_meV_atom)
