"""Reading results back from the store."""

from __future__ import annotations

from jobflow import JobStore

from anodeflow.errors import InputError

SUMMARY_KEYS = {
    "interface_md": ["system", "miller", "temperature_K", "time_ps", "front_advance_final_nm",
                     "front_advance_err_nm", "reacted_thickness_nm", "interface_width_nm", "wall_time_s"],
    "couple_structure": ["system", "miller", "n_atoms", "min_distance_A"],
    "lammps_md": ["system", "n_atoms", "temperature_K", "time_ps", "wall_time_s"],
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
