"""Reading results back from the store."""

from __future__ import annotations

from jobflow import JobStore

from anodeflow.errors import InputError

SUMMARY_KEYS = {
    "interface_md": ["system", "miller", "temperature_K", "time_ps", "front_advance_final_nm",
                     "front_advance_err_nm", "reacted_thickness_nm", "interface_width_nm", "wall_time_s"],
    "couple_structure": ["system", "miller", "n_atoms", "min_distance_A"],
    "lammps_md": ["system", "n_atoms", "temperature_K", "time_ps", "wall_time_s"],
    "neb": ["system", "kind", "barrier_eV", "n_atoms", "strain"],
    "activation_volume": ["system", "kind", "activation_volume_A3"],
    "diffusion_study": ["system", "region"],
    "kinetics_study": ["system"],
    "amorphous_start": ["system", "carrier_fraction", "n_atoms"],
}


def list_results(store: JobStore, doc_type: str | None = None, criteria: dict | None = None) -> list[dict]:
    """One summary per stored anodeflow document, newest first."""
    query = {"output.doc_type": doc_type} if doc_type else {"output.doc_type": {"$exists": True}}
    query.update(criteria or {})
    rows = []
    for doc in store.query(query, properties=["uuid", "name", "completed_at", "output"], load=False):
        out = doc["output"]
        kind = out.get("doc_type")
        row = {"id": doc["uuid"], "doc_type": kind, "name": doc.get("name"), "completed_at": str(doc.get("completed_at"))}
        row.update({k: out.get(k) for k in SUMMARY_KEYS.get(kind, [])})
        rows.append(row)
    return sorted(rows, key=lambda r: r["completed_at"], reverse=True)


def get_result(store: JobStore, id_or_prefix: str, load_data: bool = False) -> dict:
    """The full stored document whose uuid is or starts with ``id_or_prefix``."""
    if len(id_or_prefix) < 4:
        raise InputError(f"result id '{id_or_prefix}' is too short; give at least 4 characters of the uuid")
    matches = [d["uuid"] for d in store.query({"output.doc_type": {"$exists": True}}, properties=["uuid"])
               if d["uuid"].startswith(id_or_prefix)]
    if not matches:
        raise InputError(f"no result with id '{id_or_prefix}'; see 'anodeflow results list'")
    if len(set(matches)) > 1:
        raise InputError(f"result id '{id_or_prefix}' is ambiguous ({len(matches)} matches); give more characters")
    doc = store.query_one({"uuid": matches[0]}, load=load_data)
    doc.pop("_id", None)
    return doc


_OPERATORS = {">=": "$gte", "<=": "$lte", "!=": "$ne", ">": "$gt", "<": "$lt", "=": "$eq"}


def _value(text: str):
    text = text.strip()
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        return text.strip("'\"")


def parse_where(text: str | None) -> dict:
    """``"amorphous_thickness_nm>1,temperature_K=1500"`` -> a query on the stored outputs.

    Conditions are joined by commas (all must hold); operators ``> >= < <= = !=``.
    """
    criteria: dict = {}
    if not text:
        return criteria
    for part in text.split(","):
        for symbol, op in _OPERATORS.items():
            key, sep, value = part.partition(symbol)
            if sep:
                key = key.strip()
                if not key.replace("_", "").replace(".", "").isalnum():
                    raise InputError(f"bad key '{key}' in --where '{text}'")
                criteria.setdefault(f"output.{key}", {})[op] = _value(value)
                break
        else:
            raise InputError(f"condition '{part}' in --where has no operator; use one of {' '.join(_OPERATORS)}")
    return criteria


def _scalars(output: dict) -> dict:
    """Scalar fields of a stored output (numbers, strings, short lists), for tables and exports."""
    row = {}
    for key, value in output.items():
        if isinstance(value, bool | int | float | str) or value is None:
            row[key] = value
        elif isinstance(value, list) and len(value) <= 6 and all(isinstance(v, int | float) for v in value):
            row[key] = ";".join(f"{v:g}" for v in value)
        elif key == "potential" and isinstance(value, dict):
            row["potential"] = value.get("name")
    return row


def query_results(store: JobStore, system: str | None = None, doc_type: str | None = None,
                  where: str | None = None) -> list[dict]:
    """Flat rows (id, completed_at and every scalar output field) of the matching documents, newest first."""
    query: dict = {"output.doc_type": doc_type} if doc_type else {"output.doc_type": {"$exists": True}}
    if system:
        query["output.system"] = system
    query.update(parse_where(where))
    rows = []
    for doc in store.query(query, properties=["uuid", "completed_at", "output"], load=False):
        row = {"id": doc["uuid"], "completed_at": str(doc.get("completed_at"))}
        row.update(_scalars(doc["output"]))
        rows.append(row)
    return sorted(rows, key=lambda r: r["completed_at"], reverse=True)


def results_dataframe(store: JobStore, system: str | None = None, doc_type: str | None = None,
                      where: str | None = None):
    """:func:`query_results` as a pandas DataFrame (one row per document)."""
    import pandas as pd

    return pd.DataFrame(query_results(store, system, doc_type, where))


EXPORT_FORMATS = ("csv", "parquet")


def export_results(store: JobStore, path, fmt: str | None = None, system: str | None = None,
                   doc_type: str | None = None, where: str | None = None) -> int:
    """Write the matching documents' rows to CSV or Parquet (written whole, then moved into place).

    Returns the number of rows. The format defaults to the file's extension.
    """
    from pathlib import Path

    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"export format '{fmt}' is not one of {', '.join(EXPORT_FORMATS)}")
    frame = results_dataframe(store, system, doc_type, where)
    tmp = path.with_name(f".{path.name}.partial")
    if fmt == "csv":
        frame.to_csv(tmp, index=False)
    else:
        try:
            frame.to_parquet(tmp, index=False)
        except ImportError as exc:
            raise InputError(f"parquet export needs pyarrow ('pip install anodeflow[hpc]'): {exc}") from None
    tmp.replace(path)
    return len(frame)


def failed_runs(root) -> list[dict]:
    """Run folders under ``root`` that did not reach the store (failed, killed, not stored), newest first,
    each with a ``hint``: the error or the command that finishes it."""
    from anodeflow.runfolder import ERROR_FILE, list_runs

    rows = []
    for run in list_runs(root):
        status, where = run["status"], run["run_dir"]
        if status == "failed":
            hint = f"{run.get('error')} (traceback in {where}/{ERROR_FILE})"
        elif status == "killed":
            hint = f"killed before it finished; continue it with 'anodeflow run resume {where}'"
        elif status == "not stored":
            reason = f" ({run['store_error']})" if run.get("store_error") else ""
            hint = f"finished but not stored{reason}; store it with 'anodeflow results import {where}'"
        else:
            continue
        rows.append({"run_dir": where, "status": status, "name": run.get("name"), "hint": hint,
                     "error": run.get("error"), "started_at": run.get("started_at")})
    return rows


def import_run(store: JobStore, path) -> dict:
    """Put the documents of the finished run in folder ``path`` into ``store``, each only if it is not there.

    Returns counts (``documents``, ``new_documents``, ``blobs``, ``new_blobs``), ``run_dir`` and ``result_id``.
    A run that is still running, failed or was killed has nothing complete to import (:class:`InputError`).
    """
    from anodeflow.runfolder import RunFolder

    run = RunFolder.find(path)
    if run is None:
        raise InputError(f"'{path}' is not a run folder (no run.json in it or in its parent folder)")
    status, record = run.status(), run.record()
    if status in ("running", "finished"):
        doing = "running" if status == "running" else "storing its documents"
        raise InputError(f"run {run.path} is still {doing} (process {record['pid']} on {record['host']}); "
                         "it stores its documents itself")
    if status == "failed":
        raise InputError(f"run {run.path} failed ({record.get('error')}); its partial documents stay on disk "
                         "and are not imported")
    if status == "killed":
        raise InputError(f"run {run.path} was killed before it finished; finish it with "
                         f"'anodeflow run resume {run.path}'")
    counts = run.ingest(store, complete_only=True) if status == "resumed" else run.store_into(store)
    return {**counts, "run_dir": str(run.path), "result_id": record.get("output_uuid")}
