"""The fitted potentials shipped in potentials/data: present, reproducible, faithful to their teachers, stable in MD.

Each was made by the command in its record (UF3 + linear SNAP 2J=4 over ZBL; seed 0). References:
SevenNet-0 relaxed here (LAMMPS 2025-07-22, sevenn 0.13): beta-Sn a = 5.959, c = 3.245 A; A7 Sb bonds
2.94 (x3) / 3.46 (x3) A (shared/SCIENCE.md), against experiment 2.91 / 3.36 A (Barrett et al. 1963) and
CHGNet 0.3.0's nearly simple-cubic 3.05-3.18 A, which is why SevenNet-0 is the Na-Sb teacher.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.usefixtures("lammps_available")

SHIPPED = {"Na-Sn": "Na-Sn-UF3SNAP-SevenNet-0", "Na-Sb": "Na-Sb-UF3SNAP-SevenNet-0",
           "Li-Si": "Li-Si-UF3SNAP-LiSi-Cui2012-MEAM"}


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
    assert short == pytest.approx(2.94, abs=0.03) and long == pytest.approx(3.46, abs=0.08)  # SevenNet-0
    assert long / short > 1.15  # CHGNet 0.3.0: below 1.08


def test_na_sn_fit_keeps_beta_sn_and_na_on_the_teachers_lattice(tmp_path):
    measured = rows("Na-Sn", tmp_path)
    assert measured["beta-Sn a"]["value"] == pytest.approx(5.959, rel=0.015)
    assert measured["beta-Sn c/a"]["value"] == pytest.approx(3.245 / 5.959, rel=0.015)
    assert measured["Na a"]["value"] == pytest.approx(4.206, rel=0.015)


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


#: the teachers' relaxed host crystals at 0 K (A^3/atom), measured here: SevenNet-0 beta-Sn 5.959 x 5.959 x
#: 3.245 A / 4 atoms, SevenNet-0 A7 Sb (a 4.381, c 11.580 A, 6 atoms), the Cui MEAM's diamond Si (a 5.4223 A)
TEACHER_HOST_VOLUME_A3 = {"Na-Sn": 28.81, "Na-Sb": 32.08, "Li-Si": 19.93}


#: the shipped Na-Sn and Na-Sb fits lose their hosts at 300 K, which the template classifier sees (measured
#: here: beta-Sn 39 % crystalline at 29.4 A^3/atom; A7 Sb 8 %, its cell at c/a 2.43, near simple cubic's 2.449)
#: and the (q4, q6) classifier before it did not; strict, so that a refit that keeps them must drop the mark
LOSES_HOST = pytest.mark.xfail(strict=True, reason="shipped fit transforms its host crystal at 300 K")


@pytest.mark.parametrize("system", [pytest.param(s, marks=LOSES_HOST) if s in ("Na-Sn", "Na-Sb") else s
                                    for s in SHIPPED])
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
    # temperature; Sb about 3e-5, Si 8e-6 /K); the shipped Na-Sn fit gave +2.2 %, a melting one +3.8 % at 30 %
    # crystalline
    assert check["volume_per_atom_A3"] == pytest.approx(TEACHER_HOST_VOLUME_A3[system], rel=0.03)
