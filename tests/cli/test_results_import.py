"""``results import`` and ``results list --failed`` on bad or unfinished run folders; an unreachable MongoDB."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from jobflow import Flow, job


def anodeflow(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "anodeflow.cli", *args], capture_output=True, text=True, timeout=120,
                          env=env)


@job
def _structure() -> dict:
    return {"doc_type": "test_doc", "system": "Li-Si"}


@job
def _crash(_: dict) -> dict:
    from anodeflow.errors import EngineError

    raise EngineError("LAMMPS failed on 'run 10': ERROR: Lost atoms")


def test_import_refuses_what_is_not_a_finished_run(isolated_home, tmp_path):
    from anodeflow.errors import EngineError
    from anodeflow.workflows.run import run_flow

    first = _structure()
    with pytest.raises(EngineError):
        run_flow(Flow([first, _crash(first.output)]))
    (run,) = [p.parent for p in (isolated_home / "runs").glob("*/run.json")]

    failed = anodeflow("results", "import", str(run))
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.strip() == (f"error: run {run} failed (EngineError: LAMMPS failed on 'run 10': ERROR: Lost "
                                     "atoms); its partial documents stay on disk and are not imported")
    missing = anodeflow("results", "import", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == (f"error: '{tmp_path / 'nowhere'}' is not a run folder "
                                      "(no run.json in it or in its parent folder)")

    listed = anodeflow("results", "list", "--failed", "--json")
    (row,) = json.loads(listed.stdout)
    assert row["status"] == "failed" and row["run_dir"] == str(run) and "error.log" in row["hint"]
    assert json.loads(anodeflow("results", "list", "--json").stdout) == []  # no orphan document
    bad_root = anodeflow("results", "list", "--failed", "--runs", str(tmp_path / "nowhere"))
    assert bad_root.returncode == 2 and bad_root.stderr.startswith("error: --runs folder")


def test_an_unreachable_mongodb_is_one_line_within_seconds(isolated_home):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: connections are refused
    env = {**os.environ, "ANODEFLOW_STORE__TYPE": "mongo", "ANODEFLOW_STORE__HOST": "127.0.0.1",
           "ANODEFLOW_STORE__PORT": str(port)}
    for args in (["results", "list"], ["run", "couple", "Li-Si", "--time-ps", "0.1", "--no-progress"]):
        start = time.monotonic()
        result = anodeflow(*args, env=env)
        assert time.monotonic() - start < 30  # 5 s server selection plus start-up, not pymongo's 30 s per call
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.startswith(f"error: cannot open the mongo store at 127.0.0.1:{port}: ")
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (isolated_home / "runs").exists()  # refused before anything ran
