"""Nanowire MD: radial front from the crystalline core, real LAMMPS on a 477-atom Si wire in a Li shell."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from anodeflow.analysis.nanowire import radial_front_advance_nm
from anodeflow.errors import InputError


def test_radial_front_geometry():
    # a core keeping a quarter of its atoms has half its radius: L = R0 / 2
    np.testing.assert_allclose(radial_front_advance_nm([400, 100], 20.0), [0.0, 1.0])
    with pytest.raises(InputError, match="no crystalline host atoms"):
        radial_front_advance_nm([0, 0], 20.0)


@pytest.mark.slow
@pytest.mark.usefixtures("lammps_available")
def test_nanowire_run_through_the_cli():
    res = subprocess.run([sys.executable, "-m", "anodeflow.cli", "run", "nanowire", "Li-Si", "--diameter-nm", "2",
                          "--length-nm", "1.2", "--shell-nm", "0.6", "--time-ps", "1", "--json", "--no-progress"],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout)
    assert out["axis"] == "110" and out["diameter_nm"] == pytest.approx(2.0, abs=0.3)
    counts = out["crystalline_host_atoms"]
    assert len(counts) == 11 and counts[0] > 150
    assert out["front_advance_final_nm"] == pytest.approx(
        radial_front_advance_nm([counts[0], counts[-1]], 10 * out["diameter_nm"] / 2)[-1], abs=0.02)
    assert out["bonds"]["Si-Si"]["first_peak_A"] == pytest.approx(2.36, abs=0.06)
    bad = subprocess.run([sys.executable, "-m", "anodeflow.cli", "run", "nanowire", "Li-Si", "--axis", "1x0"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "error:" in bad.stderr
