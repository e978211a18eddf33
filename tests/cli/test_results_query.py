"""Queries and exports over an embedded store holding many documents of several kinds."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from jobflow import Flow, job

from anodeflow.errors import InputError
from anodeflow.results import export_results, parse_where, query_results, results_dataframe
from anodeflow.store import open_store
from anodeflow.workflows.run import run_flow


@job
def fake_interface(system: str, T: float, thickness: float) -> dict:
    """A stored output with the interface_md keys queries use (the real document is tested elsewhere)."""
    return {"doc_type": "interface_md", "schema_version": "1.0", "system": system, "temperature_K": T,
            "amorphous_thickness_nm": thickness, "miller": "110", "front_positions_nm": [1.0, 3.0],
            "profiles": [[0.0] * 10] * 10}


@job
def fake_neb(system: str, barrier: float) -> dict:
    return {"doc_type": "neb", "schema_version": "1.0", "system": system, "barrier_eV": barrier, "kind": "bulk"}


@pytest.fixture
def store():
    jobs = [fake_interface(s, T, th) for s in ("Li-Si", "Na-Sn") for T, th in ((900, 0.2), (1200, 1.4), (1500, 2.5))]
    jobs += [fake_neb("Li-Si", 0.55), fake_neb("Na-Sn", 0.22)]
    store = open_store()
    run_flow(Flow(jobs), store=store)
    return store


def test_where_parsing():
    assert parse_where("amorphous_thickness_nm>1, temperature_K=1500") == {
        "output.amorphous_thickness_nm": {"$gt": 1}, "output.temperature_K": {"$eq": 1500}}
    assert parse_where("barrier_eV<=0.3,system!=Li-Si") == {
        "output.barrier_eV": {"$lte": 0.3}, "output.system": {"$ne": "Li-Si"}}
    with pytest.raises(InputError, match="has no operator"):
        parse_where("thickness")


def test_query_by_system_type_and_condition(store):
    rows = query_results(store, system="Na-Sn", where="amorphous_thickness_nm>1")
    assert sorted(r["temperature_K"] for r in rows) == [1200, 1500]
    assert all(r["doc_type"] == "interface_md" for r in rows)
    assert rows[0]["front_positions_nm"] == "1;3" and "profiles" not in rows[0]
    assert len(query_results(store)) == 8
    assert [r["barrier_eV"] for r in query_results(store, doc_type="neb", where="barrier_eV<0.3")] == [0.22]


def test_dataframe_and_export_round_trip(store, tmp_path):
    frame = results_dataframe(store, doc_type="interface_md")
    assert isinstance(frame, pd.DataFrame) and len(frame) == 6
    assert frame.groupby("system")["amorphous_thickness_nm"].max().to_dict() == {"Li-Si": 2.5, "Na-Sn": 2.5}
    for name in ("all.csv", "all.parquet"):
        n = export_results(store, tmp_path / name)
        back = pd.read_csv(tmp_path / name) if name.endswith("csv") else pd.read_parquet(tmp_path / name)
        assert n == len(back) == 8
        assert sorted(back["doc_type"].unique()) == ["interface_md", "neb"]
    with pytest.raises(InputError, match="export format 'xlsx'"):
        export_results(store, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_cli_query_and_export(store, tmp_path):
    cli = [sys.executable, "-m", "anodeflow.cli", "results"]
    out = subprocess.run([*cli, "query", "--system", "Na-Sn", "--where", "amorphous_thickness_nm>1", "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert sorted(r["temperature_K"] for r in json.loads(out.stdout)) == [1200, 1500]
    exp = subprocess.run([*cli, "export", str(tmp_path / "neb.csv"), "--type", "neb", "--json"],
                         capture_output=True, text=True)
    assert json.loads(exp.stdout) == {"file": str(tmp_path / "neb.csv"), "rows": 2}
    bad = subprocess.run([*cli, "query", "--where", "nonsense"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("error: condition 'nonsense'")
