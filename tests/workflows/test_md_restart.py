"""MD engine behaviour: region groups, per-region thermostats, restart files and resume after a real kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from anodeflow.errors import InputError
from anodeflow.structures import REGIONS, build_couple
from anodeflow.workflows.md import LammpsMDMaker, latest_restart, resume_md
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


def test_killed_run_resumes_to_the_same_frames(uninterrupted, tmp_path):
    _, full = uninterrupted
    script = tmp_path / "run.py"
    script.write_text(RUN_SCRIPT.format(couple=repr(COUPLE), md=repr(MD)))
    directory = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(script), str(directory)])
    deadline = time.time() + 120
    while not (directory / "restart.b").exists() or not (directory / "restart.b").stat().st_size:
        assert proc.poll() is None, "the run ended before writing its second restart file"
        assert time.time() < deadline
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
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
