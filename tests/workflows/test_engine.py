"""The in-process LAMMPS engine: runs, failures with LAMMPS's own messages, state access."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk

from anodeflow.errors import EngineError, InputError
from anodeflow.potentials import get_potential
from anodeflow.workflows.engine import Lammps, lammps_version, load_mpi, mpi_library_path

pytestmark = pytest.mark.usefixtures("lammps_available")


def test_mpi_comes_from_the_mpich_wheel():
    assert mpi_library_path().name == "libmpi.so.12"
    assert mpi_library_path().is_file()
    load_mpi()
    load_mpi()  # idempotent


def test_version_is_the_pinned_release():
    assert lammps_version() == "2025-07-22"


def test_meam_energy_and_state_roundtrip(tmp_path):
    si = bulk("Si", "diamond", a=5.4223, cubic=True).repeat(2)
    pot = get_potential("LiSi-Cui2012-MEAM")
    with Lammps(tmp_path) as lmp:
        lmp.load_atoms(si, ["Li", "Si"])
        lmp.commands(pot.lammps_commands(["Li", "Si"], tmp_path))
        lmp.run(0)
        # Cui 2012 MEAM: diamond Si cohesive energy 4.63 eV (library esub) at its own a = 5.4223 A
        assert lmp.thermo("pe") / len(si) == pytest.approx(-4.629, abs=1e-3)
        ids, types, x = lmp.positions()
        assert ids.tolist() == list(range(1, 65))
        assert set(types) == {2}
        np.testing.assert_allclose(x, si.positions, atol=1e-6)
        np.testing.assert_allclose(np.diag(lmp.box()), si.cell.lengths(), atol=1e-9)
    assert (tmp_path / "log.lammps").read_text().count("pair_style meam") >= 1


def test_bad_pair_coeff_raises_with_lammps_message(tmp_path):
    with Lammps(tmp_path) as lmp:
        lmp.load_atoms(bulk("Si", "diamond", a=5.43, cubic=True), ["Si"])
        lmp.command("pair_style meam")
        with pytest.raises(EngineError) as info:
            lmp.command(f"pair_coeff * * {tmp_path}/missing.library.meam Si {tmp_path}/missing.meam Si")
    err = info.value
    assert err.engine_message.startswith("ERROR: Cannot open MEAM library file")
    assert "missing.library.meam" in str(err)
    assert err.log_path == str(tmp_path / "log.lammps")
    assert "Cannot open MEAM library file" in (tmp_path / "log.lammps").read_text()


def test_lost_atoms_raise(tmp_path):
    """An atom flying through a non-periodic boundary is lost: LAMMPS's error reaches the user."""
    with Lammps(tmp_path) as lmp:
        lmp.commands(["units metal", "boundary p p f", "region box block 0 10 0 10 0 10", "create_box 1 box",
                      "create_atoms 1 single 5 5 9.5", "create_atoms 1 single 5 5 2", "mass 1 28.0855",
                      "pair_style zero 3.0", "pair_coeff * *", "velocity all set 0 0 50", "fix nve all nve",
                      "timestep 0.001", "thermo 10"])
        with pytest.raises(EngineError) as info:
            lmp.run(200, chunk=50)
    assert "Lost atoms" in info.value.engine_message


def test_diverging_run_raises(tmp_path):
    """Two atoms at nearly the same place under Lennard-Jones blow up: an EngineError, not garbage."""
    with Lammps(tmp_path) as lmp:
        lmp.commands(["units metal", "region box block 0 10 0 10 0 10", "create_box 1 box",
                      "create_atoms 1 single 5 5 5", "create_atoms 1 single 5 5 5.001", "mass 1 1.0",
                      "pair_style lj/cut 3.0", "pair_coeff * * 1.0 2.0", "fix nve all nve", "timestep 0.001"])
        with pytest.raises(EngineError):
            lmp.run(100, chunk=10)


def test_invalid_arguments():
    with pytest.raises(InputError, match="threads must be >= 1"):
        Lammps("/tmp/never-used", threads=0)
