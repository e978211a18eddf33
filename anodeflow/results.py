"""Reading results back from the store."""

from __future__ import annotations

import math
import re

from jobflow import JobStore

from anodeflow.errors import InputError
from anodeflow.outputs import check_output_path, output_file

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
    """One summary per stored anodeflow document, newest first (:class:`InputError` for an unknown type)."""
    query = check_filters(store, doc_type)
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
_CONDITION = re.compile(r"\s*([^<>=!]*?)\s*(>=|<=|!=|>|<|=)\s*(.*?)\s*")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*")
#: document types anodeflow stores (others are accepted when the store holds them)
DOC_TYPES = ("couple_structure", "lammps_md", "interface_md", "nanowire_structure", "nanowire_md", "neb",
             "activation_volume", "amorphous_start", "diffusion_study", "kinetics_study", "screening",
             "dft_static", "potential_fit", "potential_validation", "seed_study")


def _value(text: str):
    text = text.strip()
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        return text.strip("'\"")


def _condition(part: str, text: str) -> tuple[str, str, object]:
    """One ``KEY OP VALUE`` condition of ``--where`` as (key, mongo operator, value); InputError naming it."""
    match = _CONDITION.fullmatch(part)
    if not part.strip():
        raise InputError(f"--where '{text}' has an empty condition; join conditions with single commas")
    if match is None:
        raise InputError(f"condition '{part}' in --where has no operator; use one of {' '.join(_OPERATORS)}")
    key, symbol, raw = match.groups()
    if not _KEY.fullmatch(key):
        raise InputError(f"bad key '{key}' in --where '{text}': give an output field name such as temperature_K")
    if not raw or any(c in raw for c in "<>=!"):
        raise InputError(f"condition '{part}' in --where needs one value after '{symbol}', e.g. {key}{symbol}1500")
    value = _value(raw)
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"condition '{part}' in --where: {raw} is not a finite number")
    if symbol not in ("=", "!=") and isinstance(value, str):
        raise InputError(f"condition '{part}' in --where: '{symbol}' compares numbers and '{raw}' is not a number")
    return key, _OPERATORS[symbol], value


def parse_where(text: str | None) -> dict:
    """``"amorphous_thickness_nm>1,temperature_K=1500"`` -> a query on the stored outputs.

    Conditions are joined by commas (all must hold); operators ``> >= < <= = !=``; values are numbers
    or, with ``=`` and ``!=``, text. A malformed condition is an :class:`InputError` naming it.
    """
    criteria: dict = {}
    if not text:
        return criteria
    for part in text.split(","):
        key, op, value = _condition(part, text)
        criteria.setdefault(f"output.{key}", {})[op] = value
    return criteria


def check_filters(store: JobStore, doc_type: str | None = None, system: str | None = None) -> dict:
    """The store query for ``doc_type`` and ``system``; :class:`InputError` for a type anodeflow does not
    make and the store does not hold, or a system that is not carrier-host and not in the store."""
    query: dict = {"output.doc_type": doc_type} if doc_type else {"output.doc_type": {"$exists": True}}
    if doc_type and doc_type not in DOC_TYPES and not store.count(query):
        raise InputError(f"unknown document type '{doc_type}'; types: {', '.join(DOC_TYPES)}")
    if system:
        query["output.system"] = system
        if not store.count({"output.system": system}):
            from anodeflow.structures.crystals import parse_system

            parse_system(system)
    return query


def _check_fields(store: JobStore, query: dict, criteria: dict, where: str) -> None:
    """Refuse ``--where`` fields that no result matching ``query`` has, and text values for numeric fields
    (nothing to check when no result matches)."""
    outputs = [d["output"] for d in store.query(query, properties=["output"], load=False)]
    if not outputs:
        return
    for path, ops in criteria.items():
        key = path.removeprefix("output.")
        values = [_field(out, key) for out in outputs]
        present = [v for v in values if v is not _MISSING]
        if not present:
            known = sorted({k for out in outputs for k, v in _scalars(out).items()})
            raise InputError(f"unknown field '{key}' in --where '{where}'; the matching results have: "
                             f"{', '.join(known)}")
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
        for value in ops.values():
            if numeric and isinstance(value, str):
                raise InputError(f"--where '{where}': {key} holds numbers and '{value}' is not a number")


_MISSING = object()


def _field(output: dict, key: str):
    """The value at dotted ``key`` in ``output``, or ``_MISSING``."""
    value = output
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


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
    """Flat rows (id, completed_at and every scalar output field) of the matching documents, newest first.

    Raises :class:`InputError` for a malformed ``where``, an unknown type, system or field."""
    criteria = parse_where(where)
    query = check_filters(store, doc_type, system)
    _check_fields(store, query, criteria, where)
    query.update(criteria)
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
    path = check_output_path(path, "export file")
    fmt = fmt or path.suffix.lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"export format '{fmt}' is not one of {', '.join(EXPORT_FORMATS)}")
    frame = results_dataframe(store, system, doc_type, where)
    with output_file(path, "export file") as tmp:
        if fmt == "csv":
            frame.to_csv(tmp, index=False)
        else:
            try:
                frame.to_parquet(tmp, index=False)
            except ImportError as exc:
                raise InputError(f"parquet export needs pyarrow ('pip install anodeflow[hpc]'): {exc}") from None
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
