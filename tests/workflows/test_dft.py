"""CP2K (Debian 2023.1): atomate2's StaticMaker with anodeflow's basis/potential defaults, and a
CI-NEB with CP2K forces through atomate2's ASE NEB maker.

Measured here: 8-atom diamond Si (a = 5.431 A), PBE, DZVP-MOLOPT-SR-GTH / GTH-PBE-q4, Gamma
point, 400 Ry, EPS_DEFAULT 1e-10: E = -846.713 eV, forces below 1e-5 eV/A by symmetry; moving one atom 0.109 A
along x raises E by 0.062 eV and gives a restoring force of 1.107 eV/A.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from ase.build import bulk

from anodeflow.errors import InputError
from tests.conftest import _engine_missing, home_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cp2k(tmp_path_factory):
    if not shutil.which("cp2k.psmp") or not os.path.isfile("/usr/share/cp2k/BASIS_MOLOPT"):
        _engine_missing(RuntimeError("cp2k.psmp or /usr/share/cp2k missing (Debian package cp2k)"))
    home = tmp_path_factory.mktemp("dft_home")
    env = {**home_env(home), "ANODEFLOW_CP2K_DATA_DIR": str(home / "cp2k_data"), "OMP_NUM_THREADS": "2"}
    si = bulk("Si", "diamond", a=5.431, cubic=True)
    moved = si.copy()
    moved.positions[0, 0] += 0.02 * 5.431
    runs = {}
    for name, atoms in (("perfect", si), ("moved", moved)):
        path = home / f"{name}.extxyz"
        atoms.write(path)
        res = subprocess.run([sys.executable, "-m", "anodeflow.cli", "run", "dft", str(path), "--json"],
                             capture_output=True, text=True, env=env, timeout=1200)
        assert res.returncode == 0, res.stderr[-2000:]
        runs[name] = json.loads(res.stdout)
    shown = subprocess.run([sys.executable, "-m", "anodeflow.cli", "results", "show", runs["moved"]["id"], "--json"],
                           capture_output=True, text=True, env=env)
    runs["moved_doc"] = json.loads(shown.stdout)["output"]
    runs["data_dir"] = home / "cp2k_data"
    return runs


def test_perfect_diamond_has_no_forces(cp2k):
    perfect = cp2k["perfect"]
    assert perfect["n_atoms"] == 8 and perfect["formula"] == "Si"
    assert perfect["max_force_eV_A"] < 1e-3
    assert perfect["energy_eV"] == pytest.approx(-846.713, abs=0.01)  # measured here (module docstring)


def test_energy_and_forces_are_consistent(cp2k):
    """Harmonic check: dE = 1/2 F dx for a small displacement (forces converted from Hartree/Bohr)."""
    dx = 0.02 * 5.431
    d_e = cp2k["moved"]["energy_eV"] - cp2k["perfect"]["energy_eV"]
    force = np.array(cp2k["moved_doc"]["forces_eV_A"])[0]
    assert force[0] < -0.5 and abs(force[1]) < 0.01 and abs(force[2]) < 0.01  # restoring, along -x
    assert d_e == pytest.approx(0.5 * abs(force[0]) * dx, rel=0.1)
    np.testing.assert_allclose(np.array(cp2k["moved_doc"]["forces_eV_A"]).sum(axis=0), 0.0, atol=0.01)


def test_basis_choice_and_bad_elements(cp2k, monkeypatch):
    from anodeflow.workflows.dft import basis_and_potential, cp2k_data_dir

    monkeypatch.setenv("ANODEFLOW_CP2K_DATA_DIR", str(cp2k["data_dir"]))  # built by the runs above
    choice = basis_and_potential(["Li", "Na", "Si", "Sn", "Sb"])
    from ruamel.yaml import YAML

    for el, picked in choice.items():
        data = YAML().load((cp2k_data_dir() / el).read_text())
        basis, pot = data["basis_sets"][picked["basis"]], data["potentials"][picked["potential"]]
        assert basis["name"].startswith("DZVP-MOLOPT") and basis["filename"] == "BASIS_MOLOPT"
        assert pot["name"].startswith("GTH-PBE") and picked["aux_basis"] is None
    with pytest.raises(InputError, match="no CP2K data for element 'Xx'"):
        basis_and_potential(["Xx"])


@pytest.fixture(scope="module")
def cp2k_neb(tmp_path_factory):
    """Li Td -> Hex -> Td in a 9-atom Si cell (a = 5.431 A), PBE, 300 Ry, 3x3x3 k-points, one climbing image."""
    if not shutil.which("cp2k.psmp") or not os.path.isfile("/usr/share/cp2k/BASIS_MOLOPT"):
        _engine_missing(RuntimeError("cp2k.psmp or /usr/share/cp2k missing (Debian package cp2k)"))
    env = {**home_env(tmp_path_factory.mktemp("dft_neb_home")), "OMP_NUM_THREADS": "2"}
    run = subprocess.run([sys.executable, "-m", "anodeflow.cli", "run", "neb", "Li-Si", "--engine", "cp2k",
                          "--kpoints", "3,3,3", "--min-cell-A", "5", "--images", "1", "--json"],
                         capture_output=True, text=True, env=env, timeout=1800)
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads(run.stdout)
    shown = subprocess.run([sys.executable, "-m", "anodeflow.cli", "results", "show", summary["id"], "--json", "--data"],
                           capture_output=True, text=True, env=env)
    assert shown.returncode == 0, shown.stderr
    return summary, json.loads(shown.stdout)["output"]


def test_cp2k_neb_barrier_of_li_in_si(cp2k_neb):
    """PBE Li Td -> Hex -> Td in c-Si: 0.58 eV (W. Wan et al., J. Phys.: Condens. Matter 22, 415501 (2010),
    converged supercell). Measured here in the 9-atom cell: 0.553 eV with 3x3x3 k-points (0.466 eV with
    2x2x2: the mesh matters more than the cell). +-0.1 eV holds the finite-size shift; 0.553 +- 0.02 pins
    these settings (CP2K 2023.1)."""
    summary, doc = cp2k_neb
    assert summary["engine"] == "cp2k" and summary["n_atoms"] == 9 and summary["converged"]
    assert summary["barrier_eV"] == pytest.approx(0.58, abs=0.1)
    assert summary["barrier_eV"] == pytest.approx(0.553, abs=0.02)
    assert summary["reverse_barrier_eV"] == pytest.approx(summary["barrier_eV"], abs=0.005)  # equivalent Td sites
    assert doc["potential"]["name"] == "CP2K PBE" and "3x3x3 k-points" in doc["potential"]["form"]


def test_cp2k_neb_climbing_image_sits_on_the_hexagonal_site(cp2k_neb):
    """By symmetry the saddle of the Td -> Td hop is the Hex site, halfway along the hop."""
    _, doc = cp2k_neb
    first, saddle, last = (np.array(im["positions_A"])[-1] for im in doc["images"])
    box = np.diag(np.array(doc["images"][0]["cell_A"]))
    step = last - first
    step -= box * np.round(step / box)
    offset = saddle - (first + 0.5 * step)
    offset -= box * np.round(offset / box)
    assert np.linalg.norm(step) == pytest.approx(5.431 * np.sqrt(3) / 4, abs=0.05)
    assert np.linalg.norm(offset) < 0.05
