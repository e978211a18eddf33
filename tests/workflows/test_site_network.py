"""Carrier site networks with the potential (workflows.site_network, ``anodeflow run network``).

Li in diamond Si with the Cui 2012 MEAM is the case whose answer is known independently: the only
minima are the 8 Td sites of the conventional cell (the hexagonal site between them is the saddle),
and the network percolates through Td -> Hex -> Td hops at the bulk CI-NEB barrier of this
potential, 0.5537 eV in 64 Si atoms (tests/workflows/test_neb.py; SCIENCE.md gives 0.55 eV). The
network sees none of that: it starts from every Voronoi vertex of the cell.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from anodeflow.errors import InputError
from anodeflow.workflows.site_network import SiteNetworkMaker, equivalence_classes, space_group_operations
from tests.conftest import home_env

pytestmark = pytest.mark.usefixtures("lammps_available")


@pytest.fixture(scope="module")
def li_si_network(tmp_path_factory):
    home = tmp_path_factory.mktemp("network_home")
    run = subprocess.run([sys.executable, "-m", "anodeflow.cli", "run", "network", "Li-Si", "--json", "--plot",
                          str(home / "network.png")], capture_output=True, text=True, env=home_env(home), timeout=600)
    assert run.returncode == 0, run.stderr
    return {**json.loads(run.stdout), "plot": home / "network.png"}


def test_li_in_si_minima_are_the_td_sites(li_si_network):
    sites = li_si_network["sites"]
    assert len(sites) == 8 and {s["site_class"] for s in sites} == {0}  # 8 Td sites, one class
    assert all(s["reproducible"] for s in sites)
    assert all(0.02 < s["host_shift_A"] < 0.3 for s in sites)  # Li pushes its Si neighbours a little, no more
    a = 5.4223  # the MEAM's relaxed lattice constant (A)
    frac = np.array([s["position_A"] for s in sites]) / a
    # Td sites of diamond (atoms at 0 and 1/4 of the fcc basis): (1/2,1/2,1/2) and (3/4,3/4,3/4) + fcc
    fcc = np.array([[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]])
    td = np.mod(np.vstack([fcc + 0.5, fcc + 0.75]), 1.0)
    d = np.abs(frac[:, None, :] - td[None, :, :])
    d = np.minimum(d, 1 - d)
    assert np.linalg.norm(d, axis=-1).min(axis=1).max() * a < 0.05


def test_li_in_si_percolates_at_the_bulk_barrier(li_si_network):
    doc = li_si_network
    assert doc["percolates"] and doc["well_posed"]
    assert doc["barrier_eV"] == pytest.approx(0.5537, abs=0.01)  # the CI-NEB Td -> Td of test_neb.py
    assert doc["threshold_eV"] == pytest.approx(doc["barrier_eV"])  # all sites equal: no trap
    # Td -> Td; each site is a relaxed minimum (0.01 eV/A), a few mA off the ideal Td position
    assert doc["bottleneck"]["distance_A"] == pytest.approx(5.4223 * np.sqrt(3) / 4, abs=0.02)
    assert doc["n_bands"] == 1  # every Td -> Td hop is one symmetry class
    assert all(h["converged"] for h in doc["hops"])
    assert len(doc["hops"]) == 16  # 4 Td neighbours per Td site, 8 sites, each hop once
    assert any(doc["winding"])


def test_the_plot_follows_the_winding_path(li_si_network):
    """The energy profile drawn along the winding path (its NEB bands) peaks at the barrier and returns to
    the Td site's energy after every hop."""
    from anodeflow.plots import _cycle_profile

    assert li_si_network["plot"].read_bytes()[:4] == b"\x89PNG"
    x, y = _cycle_profile(li_si_network)
    assert max(y) == pytest.approx(li_si_network["barrier_eV"], abs=1e-6)
    assert x[-1] == pytest.approx(sum(h["distance_A"] for h in li_si_network["cycle"]))
    assert y[0] == 0.0 and y[-1] == pytest.approx(0.0, abs=1e-3)  # band ends: the relaxed Td site


def test_symmetry_classes_of_hops_respect_direction_reversal():
    """The diamond Td -> Td hop and its reverse are one class; a hop twice as long is another."""
    from anodeflow.structures.crystals import bulk_crystal
    from anodeflow.structures.orient import oriented_unit

    unit = oriented_unit(bulk_crystal("Si"), (0, 0, 1))
    a = unit.cell.lengths()[0]
    operations = space_group_operations(unit)
    assert len(operations) == 192  # Fd-3m, conventional cell: 48 x 4 centrings
    t1, t2 = np.array([0.5, 0.5, 0.5]) * a, np.array([0.75, 0.75, 0.75]) * a
    hops = np.array([[t1, t2], [t2, t1], [t1, 2 * t2 - t1]])
    labels = equivalence_classes(hops, operations, unit.cell.array, (True, True, True), reversible=True)
    assert labels[0] == labels[1] != labels[2]
    assert len(set(equivalence_classes(hops, operations, unit.cell.array, (True, True, True)))) == 2


def test_bad_network_settings_are_refused():
    with pytest.raises(InputError, match="network kind"):
        SiteNetworkMaker(kind="surface").make("Li-Si")
    with pytest.raises(InputError, match="max_hop_A"):
        SiteNetworkMaker(max_hop_A=0).make("Li-Si")
