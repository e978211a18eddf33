"""Screening on Li-Si with the Cui 2012 MEAM: the host numbers are physical constants of silicon.

References: Si cohesive energy 4.63 eV/atom (Kittel, Introduction to Solid State Physics, 8th ed.,
Table 3.1) -> 2.31 eV per bond with 4 bonds per atom; C44 = 79.6 GPa (McSkimin & Andreatch,
J. Appl. Phys. 35 (1964) 2161), which the relaxed xz shear of the cubic cell measures; Li hop
barrier 0.55 eV (tests/workflows/test_neb.py).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from anodeflow.errors import InputError
from anodeflow.workflows.screening import ScreeningFlowMaker

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("lammps_available")]


def test_li_si_screen_through_the_cli():
    res = subprocess.run([sys.executable, "-m", "anodeflow.cli", "run", "screen", "--systems", "Li-Si", "--images", "3",
                          "--json"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout)
    (row,) = out["rows"]
    assert row["bond_energy_eV"] == pytest.approx(4.63 / 2, abs=0.02)
    assert row["shear_modulus_GPa"] == pytest.approx(79.6, rel=0.1)
    assert row["barrier_eV"] == pytest.approx(0.55, abs=0.05)
    assert row["score"] == pytest.approx(1.0) and row["predicted"] == "ICR" == row["seed"]
    assert out["agreement"] == 1.0


def test_screen_needs_its_reference():
    with pytest.raises(InputError, match="reference pair 'Li-Si' is not among"):
        ScreeningFlowMaker(systems=("Na-Sn",)).make()
