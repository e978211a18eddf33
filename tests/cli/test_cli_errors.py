"""The CLI: version, one-line errors with exit codes, and nothing stored on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def anodeflow(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "anodeflow.cli", *args], capture_output=True, text=True, timeout=120)


def _stored_documents(home) -> int:
    from anodeflow.store import open_store

    if not (home / "store").exists():
        return 0
    return open_store().count()


def test_version():
    import anodeflow as pkg

    result = anodeflow("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"anodeflow {pkg.__version__}"


@pytest.mark.parametrize(("args", "message"), [
    (["run", "couple", "Xx-Si"], "error: unknown carrier 'Xx' in 'Xx-Si'; carriers: Li, Na"),
    (["run", "couple", "Li-Cu"], "error: unknown host 'Cu' in 'Li-Cu'; hosts: Si, Ge, Sn, Sb, P"),
    # black P is a bulk host (screen, NEB, site networks): no front classifier, so no couple is built
    (["build", "interface", "Li-P", "--output", "couple.extxyz"],
     "error: no couples or nanowires of host 'P': its crystallinity is not classified; hosts with fronts: "
     "Si, Ge, Sn, Sb"),
    (["demo", "--temperature", "-5"], "error: temperature must be > 0 K, got -5.0"),
    (["demo", "--orientation", "1x0"], "error: orientation '1x0' is not a Miller index such as 110 or 1,1,1"),
    (["demo", "--orientation", "000"], "error: orientation '000' must be three integers, not all zero, e.g. 110"),
    (["demo", "--time-ps", "0"], "error: time must be > 0 ps, got 0.0"),
    (["run", "couple", "Na-Si"], "error: no potential for system 'Na-Si'; systems with a default: Li-Si, Na-Sb, Na-Sn"),
    (["results", "show", "abcdef"], "error: no result with id 'abcdef'; see 'anodeflow results list'"),
    (["potentials", "show", "nope"], "error: unknown potential 'nope'; known: CHGNet-0.3.0, "
     "Li-Si-UF3SNAP-LiSi-Cui2012-MEAM, LiSi-Cui2012-MEAM, Na-Sb-UF3SNAP-SevenNet-0, Na-Sb-UF3SNAP-SevenNet-l3i5, "
     "Na-Sn-UF3SNAP-SevenNet-0, Na-Sn-UF3SNAP-SevenNet-l3i5, SevenNet-0, SevenNet-l3i5"),
    (["potentials", "fit", "Na-Sn", "--form", "ace"], "error: unknown --form 'ace'; choose uf3+snap or snap"),
    (["potentials", "fit", "Na-Sn", "--host-md-temperatures", "400,-5"],
     "error: --host-md-temperatures must be positive (K), got 400,-5"),
    (["potentials", "fit", "Na-Sn", "--host-md-temperatures", "hot"],
     "error: --host-md-temperatures 'hot' must be comma-separated numbers, e.g. 1000,1200,1400"),
    (["potentials", "fit", "Li-Si", "--teacher", "CP2K", "--active-rounds", "1"],
     "error: a fit to labels made elsewhere cannot call its teacher; set active_rounds to 0 (got {'active_rounds': 1})"),
    (["potentials", "fit", "Li-Si", "--teacher", "CP2K", "--configurations", "missing.extxyz"],
     "error: structure file 'missing.extxyz' does not exist"),
    (["potentials", "fit", "Li-Si", "--configurations", "missing.extxyz"],
     "error: --configurations labels cells with DFT: use it with --teacher CP2K, not 'SevenNet-0'"),
    (["potentials", "fit", "Na-Sb", "--teacher", "CHGNet-0.3.0"],
     "error: teacher 'CHGNet-0.3.0' fails the host-crystal check of Na-Sb and cannot teach it: relaxes A7 Sb "
     "towards simple cubic (Sb-Sb bonds 3.05-3.18 A; experiment 2.91 x3 / 3.36 x3 A, Barrett, Cucka and Haefner, "
     "Acta Cryst. 16 (1963) 451), so an Sb front is not crystalline A7; use SevenNet-l3i5 or "
     "Na-Sb-UF3SNAP-SevenNet-l3i5"),
])
def test_bad_input_is_one_line_exit_2_and_stores_nothing(args, message, isolated_home):
    result = anodeflow(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == message
    assert result.stdout == ""
    assert _stored_documents(isolated_home) == 0


def test_results_list_on_an_empty_store_is_empty_json():
    result = anodeflow("results", "list", "--json")
    assert result.returncode == 0 and json.loads(result.stdout) == []


def test_potentials_list_json():
    result = anodeflow("potentials", "list", "--json")
    assert result.returncode == 0
    records = {r["name"]: r for r in json.loads(result.stdout)}
    by_system = {system: sorted(n for n, r in records.items() if system in r["systems"])
                 for system in ("Li-Si", "Na-Sn", "Na-Sb")}
    assert by_system == {"Li-Si": ["CHGNet-0.3.0", "Li-Si-UF3SNAP-LiSi-Cui2012-MEAM", "LiSi-Cui2012-MEAM", "SevenNet-0",
                                   "SevenNet-l3i5"],
                         "Na-Sn": ["CHGNet-0.3.0", "Na-Sn-UF3SNAP-SevenNet-0", "Na-Sn-UF3SNAP-SevenNet-l3i5", "SevenNet-0",
                                   "SevenNet-l3i5"],
                         "Na-Sb": ["CHGNet-0.3.0", "Na-Sb-UF3SNAP-SevenNet-0", "Na-Sb-UF3SNAP-SevenNet-l3i5", "SevenNet-0",
                                   "SevenNet-l3i5"]}
    # CHGNet 0.3.0 loses A7 Sb's Peierls distortion (tests/potentials/test_mlip.py), the SevenNet-0-taught Na-Sn /
    # Na-Sb fits lose beta-Sn and A7 Sb (tests/workflows/test_validation.py, tests/potentials/test_shipped_fits.py),
    # and the SevenNet-l3i5-taught Na-Sn fit loses beta-Sn in a 1,440-atom cell at 300 K (docs/host_fidelity);
    # in black P CHGNet parts the layers, SevenNet-0 is a third as stiff as PBE along the chains and SevenNet-l3i5
    # lets the layers slide (docs/host_fidelity/black_p_stiffness.json); SevenNet-0's Ge is a sixth as stiff in
    # shear as experiment's: each is listed as failing its system's host-crystal check
    assert {n: list(r["fails_host_check"]) for n, r in records.items() if r["fails_host_check"]} == \
        {"CHGNet-0.3.0": ["Na-Sb", "Li-P", "Na-P"], "Na-Sn-UF3SNAP-SevenNet-0": ["Na-Sn"],
         "Na-Sb-UF3SNAP-SevenNet-0": ["Na-Sb"], "Na-Sn-UF3SNAP-SevenNet-l3i5": ["Na-Sn"],
         "SevenNet-0": ["Li-P", "Na-P", "Li-Ge"], "SevenNet-l3i5": ["Li-P", "Na-P"]}
    for name in ("Na-Sn-UF3SNAP-SevenNet-0", "Na-Sn-UF3SNAP-SevenNet-l3i5", "Na-Sb-UF3SNAP-SevenNet-l3i5"):
        assert records[name]["md_speed_atom_steps_per_s"] > 100 * records["SevenNet-l3i5"]["md_speed_atom_steps_per_s"]
    record = records["LiSi-Cui2012-MEAM"]
    assert record["timestep_fs"] == 1.0 and records["SevenNet-0"]["pair_style"] == "external"
