"""The embedded store under real load: concurrent CLI runs, and runs killed with SIGKILL at three moments.

Every run is a real ``anodeflow run couple`` (LAMMPS, 144 atoms) in its own process; the store is the
real embedded MontyStore of the test's home folder.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("lammps_available")]

CLI = [sys.executable, "-m", "anodeflow.cli"]
SMALL = ["--size-nm", "1", "--no-progress", "--json"]


def _cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stored(home: Path) -> collections.Counter:
    """Document types listed by the CLI, after checking that each document loads with all its data blobs."""
    from anodeflow.store import open_store

    listed = _cli("results", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    store = open_store()
    for row in rows:
        doc = store.query_one({"uuid": row["id"]}, load=True)
        assert "blob_uuid" not in json.dumps(doc["output"], default=str)  # no half-written document
    return collections.Counter(r["doc_type"] for r in rows)


def _wait_for(proc: subprocess.Popen, condition, what: str, timeout: float = 300) -> None:
    deadline = time.time() + timeout
    while not condition():
        assert proc.poll() is None, f"the run ended before {what}: {proc.communicate()[1][-2000:]}"
        assert time.time() < deadline, f"no {what} after {timeout} s"
        time.sleep(0.005)


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL


def _only_run(home: Path) -> Path:
    (run,) = [p.parent for p in (home / "runs").glob("*/run.json")]
    return run


def _failed_runs() -> list[dict]:
    listed = _cli("results", "list", "--failed", "--json")
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


def test_eight_concurrent_runs_on_a_fresh_store_store_every_document(isolated_home):
    procs = [_start("run", "couple", "Li-Si", "--time-ps", "0.1", "--seed", str(seed), *SMALL) for seed in range(1, 9)]
    results = [p.communicate(timeout=1200) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [err[-1500:] for _, err in results]
    assert all("Traceback" not in err for _, err in results)
    ids = {json.loads(out)["id"] for out, _ in results}
    assert _stored(isolated_home) == {"couple_structure": 8, "lammps_md": 8, "interface_md": 8}
    listed = json.loads(_cli("results", "list", "--type", "interface_md", "--json").stdout)
    assert {r["id"] for r in listed} == ids
    runs = [json.loads(p.read_text()) for p in (isolated_home / "runs").glob("*/run.json")]
    assert sorted(r["state"] for r in runs) == ["stored"] * 8


def test_kill_during_md_then_resume_the_run_folder(isolated_home):
    proc = _start("run", "couple", "Li-Si", "--time-ps", "0.6", "--restart-every-ps", "0.2", *SMALL)
    restart = lambda: any(p.stat().st_size for p in (isolated_home / "runs").glob("*/*/restart.a"))  # noqa: E731
    _wait_for(proc, restart, "the first restart file")
    time.sleep(0.3)  # the restart file is complete; the next one is 0.2 ps of MD away
    _kill(proc)
    run = _only_run(isolated_home)
    assert _stored(isolated_home) == {}  # the built couple of the unfinished run is not stored
    (failed,) = _failed_runs()
    assert failed["status"] == "killed" and f"anodeflow run resume {run}" in failed["hint"]

    resumed = _cli("run", "resume", str(run), "--json", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["time_ps"] == pytest.approx(0.6)
    assert _stored(isolated_home) == {"couple_structure": 1, "interface_md": 1}
    assert _failed_runs() == []
    again = _cli("run", "resume", str(run))
    assert again.returncode == 2 and again.stderr.startswith(f"error: run {run} was resumed already")


def test_kill_during_analysis_then_resume(isolated_home):
    proc = _start("run", "couple", "Li-Si", "--time-ps", "0.2", *SMALL)
    # the MD job's data blob is the last file it writes: from then on the analysis job runs
    md_done = lambda: any((isolated_home / "runs").glob("*/documents/data/*.json"))  # noqa: E731
    _wait_for(proc, md_done, "the end of the MD job")
    _kill(proc)
    run = _only_run(isolated_home)
    assert json.loads((run / "run.json").read_text())["state"] == "running"
    assert _stored(isolated_home) == {}
    resumed = _cli("run", "resume", str(run), "--json", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert _stored(isolated_home) == {"couple_structure": 1, "lammps_md": 1, "interface_md": 1}


def _rows(home: Path, collection: str) -> int:
    with sqlite3.connect(home / "store" / "anodeflow" / f"{collection}.collection") as conn:
        return conn.execute("SELECT count(*) FROM documents").fetchone()[0]


def test_kill_during_the_store_write_then_import_exactly_once(isolated_home):
    from anodeflow.store import folder_lock

    assert _cli("results", "list").returncode == 0  # the store exists
    proc = _start("run", "couple", "Li-Si", "--time-ps", "0.1", *SMALL)
    _wait_for(proc, lambda: any((isolated_home / "runs").glob("*/run.json")), "its run folder")
    run = _only_run(isolated_home)
    with folder_lock(isolated_home / "store"):  # the run finishes, then waits for the store
        _wait_for(proc, lambda: json.loads((run / "run.json").read_text())["state"] == "finished", "its end")
        time.sleep(0.2)
    _wait_for(proc, lambda: _rows(isolated_home, "outputs_data") > 0, "the first stored blob", timeout=60)
    _kill(proc)
    partial = _stored(isolated_home)  # opens, reads, and every document it holds is whole
    assert set(partial.values()) <= {1}
    assert [r["status"] for r in _failed_runs()] == ["not stored"]

    first = _cli("results", "import", str(run), "--json")
    assert first.returncode == 0, first.stderr
    counts = json.loads(first.stdout)
    assert counts["documents"] == 3 and counts["new_documents"] == 3 - sum(partial.values())
    second = json.loads(_cli("results", "import", str(run), "--json").stdout)
    assert (second["new_documents"], second["new_blobs"]) == (0, 0)
    assert _stored(isolated_home) == {"couple_structure": 1, "lammps_md": 1, "interface_md": 1}
    # blobs: the MD's final structure and the couple's per-frame profiles (positions stay in the trajectory)
    assert (_rows(isolated_home, "outputs"), _rows(isolated_home, "outputs_data")) == (3, 2)
    stored = _cli("run", "resume", str(run))
    assert stored.returncode == 2 and "finished and is stored" in stored.stderr


def test_a_failed_store_write_keeps_the_documents_for_results_import(isolated_home):
    from anodeflow.store import folder_lock

    assert _cli("results", "list").returncode == 0
    env = {**os.environ, "ANODEFLOW_STORE__LOCK_TIMEOUT_S": "1"}
    proc = subprocess.Popen([*CLI, "run", "couple", "Li-Si", "--time-ps", "0.1", *SMALL], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(proc, lambda: any((isolated_home / "runs").glob("*/run.json")), "its run folder")
    run = _only_run(isolated_home)
    with folder_lock(isolated_home / "store"):  # another process keeps the store busy for too long
        out, err = proc.communicate(timeout=600)
    assert proc.returncode == 1 and out == ""
    assert err.startswith("error: the run's documents could not be stored (the store at ")
    assert err.strip().endswith(f"store them with 'anodeflow results import {run}'") and err.count("\n") == 1
    assert _stored(isolated_home) == {}
    imported = _cli("results", "import", str(run))
    assert imported.returncode == 0 and "stored 3 of 3 documents" in " ".join(imported.stdout.split())
    assert _stored(isolated_home) == {"couple_structure": 1, "lammps_md": 1, "interface_md": 1}
