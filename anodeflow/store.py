"""The results store: a jobflow ``JobStore`` with an additional ``data`` store for big arrays.

Embedded default: maggma ``MontyStore`` (SQLite files under ``settings.store.path``), shared by any
number of processes on one machine: opening it and every write hold an exclusive ``flock`` on
``<path>/.lock`` (re-entrant within a process, released by the kernel when a process dies), and
opening makes sure each collection's SQLite table exists, so nobody meets a file without its table.
Reads take no lock; SQLite's WAL journal gives them a consistent snapshot.
MongoDB: ``MongoStore`` for documents plus ``GridFSStore`` for ``data``; configuration only, with
server selection giving up after ``server_selection_timeout_s``.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
from contextlib import closing, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from jobflow import JobStore
from maggma.stores import GridFSStore, MongoStore, MontyStore

from anodeflow.errors import AnodeflowError, StoreError
from anodeflow.settings import Settings, StoreSettings, get_settings

DATA_STORE = "data"
LOCK_FILE = ".lock"


class _FileLock:
    """Re-entrant exclusive ``flock`` on one file, shared by every thread of this process."""

    def __init__(self, path: Path):
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def _acquire(self, timeout_s: float) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise StoreError(f"the store at {self.path.parent} stayed locked by another process for "
                                     f"{timeout_s:g} s (lock file {self.path})") from None
                time.sleep(0.02)

    @contextmanager
    def hold(self, timeout_s: float):
        """Hold the lock (waiting at most ``timeout_s`` seconds for another process to release it)."""
        with self._thread_lock:
            if self._depth == 0:
                self._fd = self._acquire(timeout_s)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    os.close(self._fd)  # closing the descriptor releases the flock
                    self._fd = None


_LOCKS: dict[str, _FileLock] = {}
_LOCKS_GUARD = threading.Lock()


def folder_lock(folder: str | Path, timeout_s: float = 300.0):
    """Context manager: exclusive inter-process lock on ``folder/.lock`` (waits up to ``timeout_s`` s)."""
    path = Path(folder).expanduser().resolve() / LOCK_FILE
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(str(path), _FileLock(path))
    return lock.hold(timeout_s)


def _ensure_table(collection_file: Path) -> None:
    """Create montydb's ``documents`` table in ``collection_file`` if it is missing (WAL journal)."""
    from montydb.storage.sqlite import SQLITE_RECORD_TABLE

    collection_file.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(collection_file, timeout=60)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        with conn:
            conn.execute(f"CREATE TABLE IF NOT EXISTS [{SQLITE_RECORD_TABLE}]"
                         "(k text NOT NULL, v text NOT NULL, PRIMARY KEY(k))")


class SharedMontyStore(MontyStore):
    """maggma ``MontyStore`` on SQLite that concurrent processes can open and write.

    ``connect``, ``update`` and ``remove_docs`` hold the store folder's lock (at most
    ``lock_timeout_s`` seconds of waiting, then :class:`StoreError`).
    """

    def __init__(self, collection_name, lock_timeout_s: float = 300.0, **kwargs):
        self.lock_timeout_s = lock_timeout_s
        super().__init__(collection_name, **kwargs)

    def lock(self):
        """Context manager holding this store's inter-process lock."""
        return folder_lock(self.database_path, self.lock_timeout_s)

    def connect(self, force_reset: bool = False):
        """Connect (montydb rewrites its configuration files here, hence the lock) and create the table."""
        from montydb.storage.sqlite import SQLITE_DB_EXT

        with self.lock():
            super().connect(force_reset=force_reset)
            _ensure_table(Path(self.database_path) / self.database_name / f"{self.collection_name}{SQLITE_DB_EXT}")

    def update(self, docs, key=None):
        """Upsert ``docs`` on ``key`` while holding the lock."""
        with self.lock():
            super().update(docs, key)

    def remove_docs(self, criteria: dict):
        """Delete the documents matching ``criteria`` while holding the lock."""
        with self.lock():
            super().remove_docs(criteria)


def store_lock(store: JobStore):
    """The lock that serialises writes to ``store`` across processes (a no-op for MongoDB)."""
    docs = store.docs_store
    return docs.lock() if isinstance(docs, SharedMontyStore) else nullcontext()


def make_store(config: StoreSettings | None = None) -> JobStore:
    """Build (not connect) the JobStore described by ``config`` (default: current settings)."""
    config = config or get_settings().store
    if config.type == "monty":
        path = config.path.expanduser()
        path.mkdir(parents=True, exist_ok=True)
        common = {"database_path": str(path), "database_name": config.database, "storage": "sqlite",
                  "lock_timeout_s": config.lock_timeout_s}
        docs = SharedMontyStore(config.collection_name, **common)
        data = SharedMontyStore(f"{config.collection_name}_{DATA_STORE}", **common)
    else:
        timeout = {"serverSelectionTimeoutMS": int(config.server_selection_timeout_s * 1000),
                   "connectTimeoutMS": int(config.server_selection_timeout_s * 1000)}
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
        docs = MongoStore(config.database, config.collection_name, mongoclient_kwargs=timeout, **conn)
        data = GridFSStore(config.database, f"{config.collection_name}_{DATA_STORE}", mongoclient_kwargs=timeout,
                           **conn)
    return JobStore(docs, additional_stores={DATA_STORE: data})


#: keys indexed in the documents collection (queries by type, system, temperature, orientation)
INDEXED_KEYS = ("uuid", "output.doc_type", "output.system", "output.temperature_K", "output.miller")


def store_location(config: StoreSettings) -> str:
    """Where the configured store lives: its folder, URI (credentials masked) or host:port (for messages)."""
    if config.type == "monty":
        return str(config.path)
    return re.sub(r"//[^@/]*@", "//***@", config.uri) if config.uri else f"{config.host}:{config.port}"


def open_store(settings: Settings | None = None) -> JobStore:
    """Connect the configured store; raise ``StoreError`` naming the store if that fails.

    A MongoDB server is pinged here, so an unreachable one fails within ``server_selection_timeout_s``.
    """
    config = (settings or get_settings()).store
    try:
        store = make_store(config)
        store.connect()
        if config.type == "mongo":
            store.docs_store._collection.database.command("ping")
    except AnodeflowError:
        raise
    except Exception as exc:  # maggma and the drivers raise driver-specific errors
        reason = re.split(r" \(configured timeouts|, Timeout:", str(exc).split("\n")[0])[0]
        raise StoreError(f"cannot open the {config.type} store at {store_location(config)}: {reason}") from None
    if config.type == "mongo":  # montydb has no indexes (create_index does nothing)
        for key in INDEXED_KEYS:
            try:
                store.docs_store.ensure_index(key)
            except Exception:  # noqa: BLE001 - an index speeds queries up; its absence changes no result
                pass
    return store
