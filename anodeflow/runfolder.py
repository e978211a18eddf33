"""Run folders: a run's documents go to disk first, then into the results store, exactly once.

:func:`anodeflow.workflows.run.run_flow` makes one folder per run under the work folder. It holds
the jobs' folders, ``run.json`` (state, ids, process, error) and ``documents/``: one JSON file per
job document (``documents/docs/UUID_INDEX.json``) and per blob of each additional store
(``documents/data/BLOB_UUID.json``), each written whole and renamed into place, so a killed run
leaves only complete files. Only a finished run goes into the store: blobs first, then documents,
the run's output document last, each inserted only if its key is not there yet, all under the
store's lock. So a failed or killed run stores nothing, a document in the store always has its
blobs, and importing a folder twice stores nothing twice.

``run.json`` states: ``running``; ``failed`` (with ``error``; traceback in ``error.log``);
``finished`` (documents complete on disk, not yet in the store); ``not stored`` (the store write
failed: ``store_error``); ``stored``; ``resumed`` (a killed run that ``anodeflow run resume``
finished; ``resumed_by`` is the result id of the resumed run).
"""

from __future__ import annotations

import json
import os
import re
import socket
import traceback
import uuid
from datetime import datetime, timezone
from pathlib import Path

from jobflow import JobStore
from maggma.stores import MemoryStore

from anodeflow.errors import AnodeflowError, InputError, StoreError

RUN_FILE = "run.json"
ERROR_FILE = "error.log"
DOCUMENTS = "documents"
DOCS = "docs"
DOC_KEY = ["uuid", "index"]
BLOB_KEY = ["blob_uuid"]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_json_atomic(path: Path, obj) -> None:
    """Write ``obj`` as JSON to ``path`` whole: a hidden temporary file, fsync, then rename over ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with open(tmp, "w") as fh:
        json.dump(obj, fh, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read_json_folder(folder: Path) -> list[dict]:
    """Every complete ``*.json`` document in ``folder`` (hidden partial files skipped)."""
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json")) if not p.name.startswith(".")]


class SpoolStore(MemoryStore):
    """In-memory maggma store that also writes each document it receives to ``folder``, one JSON file per key."""

    def __init__(self, folder: str, collection_name: str = "spool", **kwargs):
        self.folder = folder
        super().__init__(collection_name, **kwargs)

    def update(self, docs, key=None):
        """Upsert ``docs`` in memory, then write each to ``folder/<key values>.json``."""
        docs = docs if isinstance(docs, list) else [docs]
        super().update(docs, key)
        fields = key if isinstance(key, list) else [key or self.key]
        folder = Path(self.folder)
        folder.mkdir(parents=True, exist_ok=True)
        for doc in docs:
            name = re.sub(r"[^A-Za-z0-9_.-]", "-", "_".join(str(doc[f]) for f in fields))
            write_json_atomic(folder / f"{name}.json", {k: v for k, v in doc.items() if k != "_id"})


def _process_start(pid: int) -> str | None:
    """The kernel's start time of process ``pid`` (clock ticks since boot), or None if there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _blob_uuids(obj) -> set[str]:
    """The blob uuids that a stored document refers to (``{"blob_uuid": ..., "store": ...}`` entries)."""
    if isinstance(obj, dict):
        if "blob_uuid" in obj and "store" in obj:
            return {obj["blob_uuid"]}
        return set().union(*(_blob_uuids(v) for v in obj.values())) if obj else set()
    if isinstance(obj, list):
        return set().union(*(_blob_uuids(v) for v in obj)) if obj else set()
    return set()


def _insert_missing(target, docs: list[dict], key: list[str]) -> int:
    """Insert, one at a time and in order, each of ``docs`` whose ``key`` values ``target`` lacks; how many."""
    if not docs:
        return 0
    values = sorted({d[key[0]] for d in docs})
    present = {tuple(d.get(k) for k in key)
               for d in target.query({key[0]: {"$in": values}}, properties=key)}
    new = [d for d in docs if tuple(d[k] for k in key) not in present]
    for doc in new:
        target.update(doc, key=key)
    return len(new)


class RunFolder:
    """One run's folder: its ``run.json`` record and the documents it wrote (see the module docstring)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @classmethod
    def create(cls, root: Path, flow, **extra) -> RunFolder:
        """A new folder ``root/<UTC time>-<flow name>-<uuid8>`` recording a running ``flow`` (Flow or Job),
        with ``extra`` fields in its ``run.json``."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        name = re.sub(r"[^A-Za-z0-9.+-]+", "-", flow.name).strip("-")[:48] or "run"
        run = cls(root / f"{stamp}-{name}-{flow.uuid[:8]}")
        run.path.mkdir(parents=True)
        pid = os.getpid()
        run.write(state="running", name=flow.name, flow_uuid=flow.uuid,
                  output_uuid=getattr(flow.output, "uuid", None), pid=pid, process_start=_process_start(pid),
                  host=socket.gethostname(), started_at=_now(), **extra)
        return run

    @classmethod
    def find(cls, path: str | Path) -> RunFolder | None:
        """The run folder that is ``path`` or holds the job folder ``path``; None if neither."""
        path = Path(path).expanduser().resolve()
        for folder in (path, path.parent):
            if (folder / RUN_FILE).is_file():
                return cls(folder)
        return None

    def record(self) -> dict:
        """The contents of ``run.json``."""
        return json.loads((self.path / RUN_FILE).read_text())

    def write(self, **fields) -> None:
        """Merge ``fields`` into ``run.json`` (rewritten whole)."""
        current = self.record() if (self.path / RUN_FILE).is_file() else {}
        write_json_atomic(self.path / RUN_FILE, {**current, **fields})

    def status(self) -> str:
        """The recorded state; a dead process that was still running is ``killed``, one that had finished
        but not stored yet is ``not stored``."""
        record = self.record()
        state = record["state"]
        if state in ("running", "finished") and not self._alive(record):
            return "killed" if state == "running" else "not stored"
        return state

    @staticmethod
    def _alive(record: dict) -> bool:
        if record.get("host") != socket.gethostname() or not Path("/proc/self/stat").exists():
            return True  # another machine's process, or no /proc: cannot tell, assume it runs
        start = _process_start(record["pid"])
        return start is not None and start == record.get("process_start")

    def job_store(self, additional: list[str]) -> JobStore:
        """A JobStore that keeps the run's documents in memory and in ``documents/`` (additional stores by name)."""
        tag = uuid.uuid4().hex
        docs = SpoolStore(str(self.path / DOCUMENTS / DOCS), collection_name=f"spool-{tag}-{DOCS}")
        extra = {name: SpoolStore(str(self.path / DOCUMENTS / name), collection_name=f"spool-{tag}-{name}")
                 for name in additional}
        return JobStore(docs, additional_stores=extra)

    def fail(self, exc: BaseException) -> None:
        """Record ``exc`` (one line in ``run.json``, the traceback in ``error.log``); anodeflow errors other
        than bad input get ``run_dir`` so the CLI's error line names this folder."""
        text = "".join(traceback.format_exception(exc))
        (self.path / ERROR_FILE).write_text(text)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        self.write(state="failed", error=f"{type(exc).__name__}: {message}", failed_at=_now())
        if isinstance(exc, AnodeflowError) and not isinstance(exc, InputError):
            exc.run_dir = str(self.path)

    def finish(self) -> None:
        """Record that every job finished: the documents on disk are complete."""
        self.write(state="finished", finished_at=_now())

    def documents(self) -> tuple[list[dict], dict[str, list[dict]]]:
        """The job documents and, per additional store, the blobs this run wrote."""
        root = self.path / DOCUMENTS
        blobs = {p.name: _read_json_folder(p) for p in sorted(root.iterdir()) if p.is_dir() and p.name != DOCS} \
            if root.is_dir() else {}
        return _read_json_folder(root / DOCS), blobs

    def output_document(self) -> dict | None:
        """The stored form of the run's output job document (highest index), or None."""
        output_uuid = self.record().get("output_uuid")
        docs = [d for d in self.documents()[0] if d["uuid"] == output_uuid]
        return max(docs, key=lambda d: d["index"]) if docs else None

    def ingest(self, store: JobStore, complete_only: bool = False) -> dict:
        """Insert this run's blobs, then its documents (output last), into ``store``; counts of each.

        A document whose blobs are missing on disk (a run killed between the two writes) raises
        :class:`StoreError`, or is left out with ``complete_only``.
        """
        from anodeflow.store import store_lock

        docs, blobs = self.documents()
        have = {b["blob_uuid"] for items in blobs.values() for b in items}
        incomplete = [d for d in docs if not _blob_uuids(d) <= have]
        if incomplete and not complete_only:
            raise StoreError(f"{len(incomplete)} documents in {self.path / DOCUMENTS} lack their data blobs")
        docs = [d for d in docs if d not in incomplete]
        output_uuid = self.record().get("output_uuid")
        docs.sort(key=lambda d: (d["uuid"] == output_uuid, str(d.get("completed_at")), d["index"]))
        unknown = sorted(set(blobs) - set(store.additional_stores))
        if unknown:
            raise StoreError(f"the store has no additional store named {', '.join(unknown)} for {self.path}")
        with store_lock(store):
            new_blobs = sum(_insert_missing(store.additional_stores[n], b, BLOB_KEY) for n, b in blobs.items())
            new_docs = _insert_missing(store.docs_store, docs, DOC_KEY)
        return {"documents": len(docs), "new_documents": new_docs,
                "blobs": sum(len(b) for b in blobs.values()), "new_blobs": new_blobs}

    def store_into(self, store: JobStore, complete_only: bool = False) -> dict:
        """:meth:`ingest`; a failure is a :class:`StoreError` that names this folder and the command that
        stores it later. A finished run is marked ``stored`` (or ``not stored``); a killed run whose
        finished jobs are stored (``complete_only``) keeps its state."""
        finished = self.record()["state"] in ("finished", "not stored")
        try:
            counts = self.ingest(store, complete_only)
        except Exception as exc:  # noqa: BLE001 - any store failure leaves the documents on disk
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if finished:
                self.write(state="not stored", store_error=message)
            raise StoreError(f"the run's documents could not be stored ({message}); they are kept in "
                             f"{self.path / DOCUMENTS}: store them with 'anodeflow results import {self.path}'") \
                from None
        if finished:
            self.write(state="stored", stored_at=_now(), store_error=None)
        return counts


def list_runs(root: str | Path) -> list[dict]:
    """``run.json`` of every run folder directly under ``root`` with its ``status`` and ``run_dir``, newest first."""
    root = Path(root).expanduser()
    rows = []
    for path in sorted(root.glob(f"*/{RUN_FILE}")) if root.is_dir() else []:
        run = RunFolder(path.parent)
        try:
            rows.append({**run.record(), "status": run.status(), "run_dir": str(run.path)})
        except (OSError, ValueError, KeyError):
            continue  # a folder being created or not an anodeflow run
    return sorted(rows, key=lambda r: str(r.get("started_at")), reverse=True)
