"""The results store: embedded MontyStore round trip, data blobs, and configuration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from jobflow import Flow, job
from maggma.stores import GridFSStore, MongoStore, MontyStore

from anodeflow.settings import StoreSettings, get_settings
from anodeflow.store import DATA_STORE, make_store, open_store
from anodeflow.workflows.run import run_flow


@job(data=["frames"])
def _produce(n: int) -> dict:
    return {"doc_type": "test_doc", "system": "Li-Si", "value_nm": 1.5 * n,
            "frames": np.arange(3 * n, dtype=float).reshape(n, 3).tolist()}


def test_roundtrip_through_disk(isolated_home):
    first, second = _produce(4), _produce(2)
    flow = Flow([first, second])
    flow.output = None
    run_flow(flow, root_dir=isolated_home / "runs")
    store = open_store()
    store.close()

    reopened = open_store()  # a new connection on the same SQLite files
    docs = list(reopened.query({"output.doc_type": "test_doc", "output.value_nm": {"$gt": 4.0}}))
    assert len(docs) == 1 and docs[0]["output"]["value_nm"] == 6.0
    # the big array went to the data store and only a reference stayed in the document
    ref = docs[0]["output"]["frames"]
    assert ref["store"] == DATA_STORE and len(ref["blob_uuid"]) == 36
    loaded = reopened.query_one({"output.value_nm": 6.0}, load=True)
    assert loaded["output"]["frames"][3] == [9.0, 10.0, 11.0]
    assert reopened.additional_stores[DATA_STORE].count() == 2
    assert (isolated_home / "store").is_dir()


def test_embedded_default_has_a_data_store(isolated_home):
    store = make_store()
    assert isinstance(store.docs_store, MontyStore)
    assert isinstance(store.additional_stores[DATA_STORE], MontyStore)
    assert get_settings().store.path == isolated_home / "store"


def test_mongo_configuration_from_yaml(isolated_home):
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.yaml").write_text(
        "store:\n  type: mongo\n  host: db.example.org\n  port: 27018\n  database: anodes\n"
        "  username: alice\n  password: pw\n  auth_source: admin\nwork_dir: /scratch/runs\n"
        "default_potentials:\n  Li-Si: LiSi-Cui2012-MEAM\n"
    )
    import os

    os.environ.pop("ANODEFLOW_STORE__PATH", None)
    os.environ.pop("ANODEFLOW_WORK_DIR", None)
    settings = get_settings()
    assert settings.store.type == "mongo" and settings.store.port == 27018
    assert str(settings.work_dir) == "/scratch/runs"
    store = make_store(settings.store)  # built, not connected: no server needed
    assert isinstance(store.docs_store, MongoStore)
    assert store.docs_store.host == "db.example.org" and store.docs_store.database == "anodes"
    data = store.additional_stores[DATA_STORE]
    assert isinstance(data, GridFSStore) and data.collection_name == "outputs_data"


def test_environment_overrides_file(isolated_home, monkeypatch):
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.yaml").write_text("store:\n  type: mongo\n  host: from-file\n")
    monkeypatch.setenv("ANODEFLOW_STORE__HOST", "from-env")
    monkeypatch.setenv("ANODEFLOW_LAMMPS_THREADS", "2")
    settings = get_settings()
    assert settings.store.host == "from-env" and settings.lammps_threads == 2


def test_mongo_uri_configuration():
    store = make_store(StoreSettings(type="mongo", uri="mongodb://u:p@h1:27017/?authSource=admin"))
    assert isinstance(store.docs_store, MongoStore)


def test_unreachable_store_is_a_store_error(monkeypatch):
    from anodeflow.errors import StoreError

    monkeypatch.setenv("ANODEFLOW_STORE__PATH", "/proc/no-such-dir/store")
    with pytest.raises(StoreError, match="cannot open the monty store at /proc/no-such-dir/store"):
        open_store()


# ------------------------------------------------------------------ concurrent processes, run folders, import
_WRITER = """
import sys
from anodeflow.store import open_store
store = open_store()
for i in range(int(sys.argv[2])):
    store.docs_store.update({"uuid": f"{sys.argv[1]}-{i}", "index": 1, "output": {"doc_type": "test_doc"}},
                            key=["uuid", "index"])
"""


def test_processes_opening_and_writing_a_fresh_store_at_once_lose_nothing(isolated_home):
    """8 processes open the not-yet-created embedded store together and write 10 documents each."""
    import subprocess
    import sys

    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, f"p{i}", "10"], stderr=subprocess.PIPE, text=True)
             for i in range(8)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
    store = open_store()
    assert store.docs_store.count({"output.doc_type": "test_doc"}) == 80
    assert len(store.docs_store.distinct("uuid")) == 80


def test_the_store_lock_excludes_other_processes(isolated_home):
    import subprocess
    import sys

    from anodeflow.store import folder_lock

    open_store()
    probe = ("from anodeflow.store import open_store; s = open_store(); "
             "s.docs_store.update({'uuid': 'x', 'index': 1}, key=['uuid', 'index'])")
    env = {**__import__("os").environ, "ANODEFLOW_STORE__LOCK_TIMEOUT_S": "0.5"}
    with folder_lock(isolated_home / "store"), folder_lock(isolated_home / "store"):  # re-entrant here
        blocked = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert blocked.returncode == 1
    assert "StoreError: the store at" in blocked.stderr
    assert "stayed locked by another process for 0.5 s" in blocked.stderr
    free = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert free.returncode == 0, free.stderr


def test_a_collection_file_without_its_table_is_repaired_on_open(isolated_home):
    """A process killed between creating a collection file and its table leaves an empty SQLite file."""
    folder = isolated_home / "store" / "anodeflow"
    folder.mkdir(parents=True)
    (folder / "outputs.collection").touch()
    store = open_store()
    store.docs_store.update({"uuid": "a", "index": 1}, key=["uuid", "index"])
    assert open_store().docs_store.count() == 1


@job
def _fail(x: float) -> dict:
    from anodeflow.errors import EngineError

    raise EngineError(f"engine gave up at {x}")


def test_a_failed_run_stores_nothing_and_records_its_error(isolated_home):
    from anodeflow.errors import EngineError
    from anodeflow.results import failed_runs

    first = _produce(2)
    flow = Flow([first, _fail(first.output["value_nm"])])
    with pytest.raises(EngineError, match="engine gave up at 3.0") as info:
        run_flow(flow, root_dir=isolated_home / "runs")
    assert open_store().count() == 0  # the finished first job left no orphan document
    (row,) = failed_runs(isolated_home / "runs")
    assert row["status"] == "failed" and row["error"] == "EngineError: engine gave up at 3.0"
    assert info.value.run_dir == row["run_dir"]
    assert "engine gave up" in (Path(row["run_dir"]) / "error.log").read_text()
    assert len(list((Path(row["run_dir"]) / "documents" / "docs").glob("*.json"))) == 1  # partial data kept


def test_import_of_a_run_whose_store_write_failed_is_exactly_once(isolated_home, monkeypatch):
    from anodeflow.errors import StoreError
    from anodeflow.results import failed_runs, import_run

    monkeypatch.setenv("ANODEFLOW_STORE__LOCK_TIMEOUT_S", "0.2")
    store = open_store()
    flow = Flow([_produce(3), _produce(1)])
    flow.output = flow.jobs[0].output
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from anodeflow.store import folder_lock\n"
                               f"with folder_lock({str(isolated_home / 'store')!r}):\n"
                               "    print('held', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    try:
        with pytest.raises(StoreError, match="store them with 'anodeflow results import ") as info:
            run_flow(flow, store=store, root_dir=isolated_home / "runs")
    finally:
        holder.kill()
        holder.wait()
    assert "stayed locked" in str(info.value)
    (row,) = failed_runs(isolated_home / "runs")
    assert row["status"] == "not stored" and "anodeflow results import" in row["hint"]
    assert store.count() == 0
    first = import_run(store, row["run_dir"])
    assert (first["new_documents"], first["documents"], first["new_blobs"], first["blobs"]) == (2, 2, 2, 2)
    second = import_run(store, Path(row["run_dir"]) / "documents")  # a folder inside the run folder works too
    assert (second["new_documents"], second["new_blobs"]) == (0, 0)
    assert store.count() == 2 and store.additional_stores[DATA_STORE].count() == 2
    assert store.get_output(flow.output.uuid, load=True)["frames"][2] == [6.0, 7.0, 8.0]
    assert failed_runs(isolated_home / "runs") == []


def test_unreachable_mongodb_fails_within_seconds(monkeypatch):
    import socket
    import time

    from anodeflow.errors import StoreError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: connections are refused
    monkeypatch.setenv("ANODEFLOW_STORE__TYPE", "mongo")
    monkeypatch.setenv("ANODEFLOW_STORE__HOST", "127.0.0.1")
    monkeypatch.setenv("ANODEFLOW_STORE__PORT", str(port))
    monkeypatch.setenv("ANODEFLOW_STORE__SERVER_SELECTION_TIMEOUT_S", "2")
    start = time.monotonic()
    with pytest.raises(StoreError, match=f"cannot open the mongo store at 127.0.0.1:{port}: .*refused"):
        open_store()
    assert time.monotonic() - start < 10
