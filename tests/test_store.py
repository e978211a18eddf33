"""The results store: embedded MontyStore round trip, data blobs, and configuration."""

from __future__ import annotations

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
