"""The results store: a jobflow ``JobStore`` with an additional ``data`` store for big arrays.

Embedded default: maggma ``MontyStore`` (SQLite files under ``settings.store.path``).
MongoDB: ``MongoStore`` for documents plus ``GridFSStore`` for ``data``; configuration only.
"""

from __future__ import annotations

from typing import Any

from jobflow import JobStore
from maggma.stores import GridFSStore, MongoStore, MontyStore

from anodeflow.errors import StoreError
from anodeflow.settings import Settings, StoreSettings, get_settings

DATA_STORE = "data"


def make_store(config: StoreSettings | None = None) -> JobStore:
    """Build (not connect) the JobStore described by ``config`` (default: current settings)."""
    config = config or get_settings().store
    if config.type == "monty":
        path = config.path.expanduser()
        path.mkdir(parents=True, exist_ok=True)
        common = {"database_path": str(path), "database_name": config.database, "storage": "sqlite"}
        docs = MontyStore(config.collection_name, **common)
        data = MontyStore(f"{config.collection_name}_{DATA_STORE}", **common)
    else:
        if config.uri:
            conn: dict[str, Any] = {"uri": config.uri}
        else:
            conn = {
                "host": config.host,
                "port": config.port,
                "username": config.username,
                "password": config.password,
            }
            if config.auth_source:
                conn["auth_source"] = config.auth_source
        docs = MongoStore(config.database, config.collection_name, **conn)
        data = GridFSStore(config.database, f"{config.collection_name}_{DATA_STORE}", **conn)
    return JobStore(docs, additional_stores={DATA_STORE: data})


#: keys indexed in the documents collection (queries by type, system, temperature, orientation)
INDEXED_KEYS = ("uuid", "output.doc_type", "output.system", "output.temperature_K", "output.miller")


def open_store(settings: Settings | None = None) -> JobStore:
    """Connect the configured store; raise ``StoreError`` naming the store if that fails."""
    config = (settings or get_settings()).store
    try:
        store = make_store(config)
        store.connect()
    except Exception as exc:  # maggma raises driver-specific errors
        where = config.path if config.type == "monty" else (config.uri or f"{config.host}:{config.port}")
        raise StoreError(f"cannot open the {config.type} store at {where}: {exc}") from exc
    for key in INDEXED_KEYS:
        try:
            store.docs_store.ensure_index(key)
        except Exception:  # noqa: BLE001 - an index speeds queries up; its absence changes no result
            pass
    return store
