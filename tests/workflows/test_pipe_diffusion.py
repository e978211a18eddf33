"""Carrier diffusion along dislocation cores against the crystal (workflows.pipe_diffusion, ``run pipe``).

A short MD cannot measure D well; this test checks what the set-up decides and that core carriers stay
in the core over a short run. Reference: the 60-ps run at 1500 K of the same dipole 6 line periods long
(docs/site_networks/Li-Si_pipe_1500K.json, Cui MEAM) lost 2 of 12 core Li from within 4 A of the
lines, about 3e-3 per Li per ps; 6 core Li over 2 ps should then all stay with a probability near 97 %.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from anodeflow.errors import InputError
from anodeflow.workflows.pipe_diffusion import PipeDiffusionMaker, pipe_picture
from tests.conftest import home_env

pytestmark = pytest.mark.usefixtures("lammps_available")


def test_cells_put_one_carrier_per_period_in_each_core():
    from anodeflow.analysis.dislocations import DislocationContent, distance_to_lines_A
    from anodeflow.workflows.pipe_diffusion import pipe_cells

    cells = pipe_cells.original("Li-Si", "60", separation=4, length_cells=3)
    core, crystal = cells["core"].to_atoms(), cells["crystal"].to_atoms()
    assert cells["n_carriers"] == 6
    li = np.array(core.get_chemical_symbols()) == "Li"
    assert li.sum() == 6 and (np.array(crystal.get_chemical_symbols()) == "Li").sum() == 6
    dxa = DislocationContent("Si").compute(core.positions, core.cell.array, host_mask=~li)
    assert len(dxa.lines_A) == 2
    assert distance_to_lines_A(core.positions[li], core.cell.array, dxa.lines_A).max() < 2.6  # placed within 2.5 A
    assert abs(len(crystal) - len(core)) / len(core) < 0.3  # comparable cells (216 + 6 against 288 + 6)
    # the crystal's carriers sit in cages: at least 2.2 A from every Si (Td clearance is a sqrt(3)/4 = 2.35 A)
    from ase.geometry import get_distances

    d = get_distances(crystal.positions[-6:], crystal.positions[:-6], cell=crystal.cell, pbc=True)[1]
    assert d.min() > 2.2


def test_wider_spacing_places_fewer_carriers_a_whole_number_of_periods_apart():
    """One Li every 3 periods of a 6-period line: 2 per core, 3 line periods (11.5 A) apart along z."""
    from anodeflow.workflows.pipe_diffusion import pipe_cells

    cells = pipe_cells.original("Li-Si", "60", separation=4, length_cells=6, spacing_cells=3)
    core = cells["core"].to_atoms()
    li = core.positions[np.array(core.get_chemical_symbols()) == "Li"]
    assert cells["n_carriers"] == 4 and len(li) == 4
    assert (np.array(cells["crystal"].to_atoms().get_chemical_symbols()) == "Li").sum() == 4
    period = core.cell.lengths()[2] / 6
    for line in (li[:2], li[2:]):  # carriers are appended line by line
        gap = abs(line[1, 2] - line[0, 2])
        assert min(gap, core.cell.lengths()[2] - gap) == pytest.approx(3 * period, abs=1.5)


def test_core_lithium_stays_in_the_core_at_1500_K(tmp_path):
    env = home_env(tmp_path)
    run = subprocess.run([sys.executable, "-m", "anodeflow.cli", "run", "pipe", "Li-Si", "--temperature", "1500",
                          "--time-ps", "2", "--dump-every-ps", "0.02", "--separation", "4", "--length-cells", "3",
                          "--json"], capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["n_core_carriers"] == 6 and doc["n_crystal_carriers"] == 6
    assert doc["fraction_still_in_core"] == 1.0
    assert doc["picture"] in ("pipe", "trap", "undetermined")
    assert doc["D_crystal_cm2_s"] > 0 and np.isfinite(doc["ratio"])


def test_a_dipole_that_annihilates_is_refused_before_any_md(tmp_path):
    """Measured here with the Cui MEAM: the 60-degree dipole 4 glide distances apart keeps its two lines when
    relaxed with one Li in every line period, and annihilates with one Li every second period; 6 glide
    distances apart it survives with one Li per line. A run on a dipole without lines would measure nothing."""
    run = subprocess.run([sys.executable, "-m", "anodeflow.cli", "run", "pipe", "Li-Si", "--time-ps", "2",
                          "--dump-every-ps", "0.02", "--separation", "4", "--length-cells", "6", "--spacing-cells", "2"],
                         capture_output=True, text=True, env=home_env(tmp_path), timeout=900)
    assert run.returncode == 2, run.stderr[-2000:]
    assert run.stderr.startswith("error: the dislocation dipole of separation 4 annihilates when relaxed with "
                                 "LiSi-Cui2012-MEAM (0 lines left)") and run.stderr.count("\n") == 1
    assert not list(tmp_path.rglob("traj.lammpstrj"))  # no MD ran


def test_picture_needs_two_sigma():
    assert pipe_picture(3.0, 0.5) == "pipe"
    assert pipe_picture(0.2, 0.1) == "trap"
    assert pipe_picture(1.5, 0.3) == "undetermined"
    assert pipe_picture(float("nan"), 0.1) == "undetermined"


def test_bad_pipe_settings_are_refused():
    with pytest.raises(InputError, match="length_cells >= 3"):
        PipeDiffusionMaker(length_cells=2).make("Li-Si")
    with pytest.raises(InputError, match="spacing_cells must be 1..6"):
        PipeDiffusionMaker(spacing_cells=7).make("Li-Si")
    with pytest.raises(InputError):
        PipeDiffusionMaker(dislocation="edge").make("Li-Si")
