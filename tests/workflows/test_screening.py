"""Screening on Li-Si with the Cui 2012 MEAM: the host numbers are physical constants of silicon.

References: Si cohesive energy 4.63 eV/atom (Kittel, Introduction to Solid State Physics, 8th ed.,
Table 3.1) -> 2.31 eV per bond with 4 bonds per atom; C11 = 165.7, C12 = 63.9, C44 = 79.6 GPa (McSkimin &
Andreatch, J. Appl. Phys. 35 (1964) 2161), whose Voigt-Reuss-Hill shear modulus is 66.5 GPa and whose least
stiffness (of C11 + 2 C12, C11 - C12 and C44) is C44; Li hop barrier 0.55 eV (tests/workflows/test_neb.py).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from anodeflow.errors import InputError
from anodeflow.workflows.screening import ScreeningFlowMaker, rank_pairs

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("lammps_available")]


def test_li_si_screen_through_the_cli():
    res = subprocess.run([sys.executable, "-m", "anodeflow.cli", "run", "screen", "--systems", "Li-Si", "--images", "3",
                          "--couple-ps", "1", "--json"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout)
    (row,) = out["rows"]
    assert row["potential"] == "LiSi-Cui2012-MEAM"
    assert row["bond_energy_eV"] == pytest.approx(4.63 / 2, abs=0.02)
    assert row["shear_modulus_GPa"] == pytest.approx(66.5, rel=0.1)
    assert row["born_stiffness_GPa"] == pytest.approx(79.6, rel=0.1)
    assert row["barrier_eV"] == pytest.approx(0.55, abs=0.05)
    # 1 ps of the small (110) couple at 1500 K: a thin disordered layer at most (demo: 0.1-0.3 nm in 10 ps)
    assert 0.0 <= row["amorphous_thickness_nm"] < 0.5
    assert row["score"] == pytest.approx(1.0) and row["predicted"] == "ICR" == row["seed"]
    assert out["agreement"] == 1.0


def test_a_thicker_amorphous_layer_lowers_the_score():
    """Score arithmetic on given numbers: equal host terms, the second pair grows a 4x thicker layer."""
    from types import SimpleNamespace

    host = {"host": "Si", "potential": "test", "bond_energy_eV": 2.3, "shear_modulus_GPa": 80.0,
            "born_stiffness_GPa": 100.0}
    neb = SimpleNamespace(barrier_eV=0.55)
    couples = [SimpleNamespace(amorphous_thickness_nm=0.2), SimpleNamespace(amorphous_thickness_nm=0.8), None]
    doc = rank_pairs.original([host, {**host, "host": "Ge"}, {**host, "host": "Sn"}], [neb] * 3,
                              ["Li-Si", "Li-Ge", "Na-Sn"], "Li-Si", couples)
    scores = {r["system"]: r["score"] for r in doc.rows}
    assert scores["Li-Si"] == pytest.approx(1.0)
    assert scores["Li-Ge"] == pytest.approx((1 + 1 + 1 + 0.25) / 4)  # 0.8125: still ICR at threshold 0.75
    assert scores["Na-Sn"] == pytest.approx(1.0)  # no couple MD (beta-Sn): the layer term is left out
    assert [r["system"] for r in doc.rows][-1] == "Li-Ge"


def test_screen_needs_its_reference():
    with pytest.raises(InputError, match="reference pair 'Li-Si' is not among"):
        ScreeningFlowMaker(systems=("Na-Sn",)).make()
