"""``anodeflow analyze``: JSON contracts, plots and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from anodeflow.structures import build_couple


def anodeflow(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "anodeflow.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def couple_dump(tmp_path):
    """Two frames of an ideal Si(100) | Li couple as a LAMMPS dump with element names."""
    atoms = build_couple("Li-Si", "100", host_thickness_nm=2.2, reservoir_thickness_nm=2.0, size_nm=1.6)
    path = tmp_path / "couple.lammpstrj"

    frames = [atoms, atoms.copy()]
    _write_dump(path, frames)
    return path


def _write_dump(path, frames):
    with open(path, "w") as fh:
        for step, atoms in enumerate(frames):
            lx, ly, lz = atoms.cell.lengths()
            fh.write(f"ITEM: TIMESTEP\n{step * 1000}\nITEM: NUMBER OF ATOMS\n{len(atoms)}\n"
                     f"ITEM: BOX BOUNDS pp pp pp\n0 {lx}\n0 {ly}\n0 {lz}\nITEM: ATOMS id type element x y z\n")
            for i, (s, p) in enumerate(zip(atoms.get_chemical_symbols(), atoms.positions)):
                fh.write(f"{i + 1} {1 if s == 'Li' else 2} {s} {p[0]:.6f} {p[1]:.6f} {p[2]:.6f}\n")


def test_profile_json_contract_and_plot(couple_dump, tmp_path):
    png = tmp_path / "profile.png"
    result = anodeflow("analyze", "profile", couple_dump, "--host", "Si", "--carrier", "Li", "--json", "--plot", png)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    for key in ("amorphous_thickness_nm", "interface_width_nm", "front_positions_nm", "bins"):
        assert key in out
    assert out["amorphous_thickness_nm"] == 0.0 and len(out["front_positions_nm"]) == 2
    si_bins = [b for b in out["bins"] if b["crystalline_fraction"] == 1.0]
    # ideal diamond Si: every first-shell bond 2.352 A (a sqrt(3)/4, a = 5.431 A)
    assert all(abs(b["host_bond_A"] - 2.352) < 0.01 for b in si_bins)
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("command", [["profile", "--host", "Si", "--carrier", "Li"], ["bonds", "--last", "0"],
                                     ["dislocations", "--host", "Si"]], ids=["profile", "bonds", "dislocations"])
def test_workers_give_the_serial_json(tmp_path, command):
    """Frames analysed in two worker processes give the same JSON, to the last digit, as one process."""
    atoms = build_couple("Li-Si", "100", host_thickness_nm=2.2, reservoir_thickness_nm=2.0, size_nm=1.6)
    rng = np.random.default_rng(7)
    frames = []
    for _ in range(5):
        frame = atoms.copy()
        frame.positions += rng.normal(0.0, 0.08, frame.positions.shape)
        frames.append(frame)
    path = tmp_path / "rattled.lammpstrj"
    _write_dump(path, frames)
    serial = anodeflow("analyze", command[0], path, *command[1:], "--json", "--workers", "1")
    parallel = anodeflow("analyze", command[0], path, *command[1:], "--json", "--workers", "2")
    assert serial.returncode == 0, serial.stderr
    assert parallel.returncode == 0, parallel.stderr
    assert json.loads(serial.stdout)["n_frames" if command[0] != "dislocations" else "frames"]
    assert parallel.stdout == serial.stdout


def test_bonds_json_contract(couple_dump):
    result = anodeflow("analyze", "bonds", couple_dump, "--pairs", "Si-Si", "--r-max", "5", "--json")
    assert result.returncode == 0, result.stderr
    si = json.loads(result.stdout)["pairs"]["Si-Si"]
    assert si["first_peak_A"] == pytest.approx(2.352, abs=0.02)
    assert 3.0 < si["coordination"] <= 4.0  # slab-edge atoms have fewer Si neighbours


def test_kinetics_csv_json_contract(tmp_path):
    path = tmp_path / "L_t.csv"
    t = np.linspace(0, 50, 30)
    np.savetxt(path, np.column_stack([t, np.sqrt(0.03 * t)]), delimiter=",", header="t_ps,L_nm", comments="")
    result = anodeflow("analyze", "kinetics", path, "--json", "--plot", tmp_path / "k.png")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["regime"] == "DCR" and out["exponent_n"] == pytest.approx(0.5, abs=0.05)
    assert out["k_parabolic_nm2_ps"] == pytest.approx(0.03, rel=1e-3)
    for key in ("k_linear_nm_ps", "crossover_nm"):
        assert key in out


def test_diffusion_and_arrhenius_json(tmp_path):
    from tests.analysis.test_kinetics_diffusion import _write_random_walk_dump

    path = tmp_path / "walk.lammpstrj"
    _write_random_walk_dump(path, n_li=300, n_si=50, frames=200)
    result = anodeflow("analyze", "diffusion", path, "--species", "1", "--timestep-ps", "0.001",
                       "--types", "1=Li,2=Si", "--json", "--plot", tmp_path / "msd.png")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["D_cm2_s"] == pytest.approx(0.5e-4, rel=0.1) and out["D_err_cm2_s"] > 0
    assert out["D_A2_ps"] == pytest.approx(out["D_cm2_s"] * 1e4)
    # isotropic walkers: the in-plane D is the same D, from 2 of the 3 axes (a larger error)
    plane = anodeflow("analyze", "diffusion", path, "--species", "1", "--timestep-ps", "0.001", "--types",
                      "1=Li,2=Si", "--axes", "xy", "--json")
    assert plane.returncode == 0, plane.stderr
    plane = json.loads(plane.stdout)
    assert plane["axes"] == "xy" and plane["D_cm2_s"] == pytest.approx(0.5e-4, rel=0.15)
    assert plane["D_err_cm2_s"] > out["D_err_cm2_s"]
    csv_path = tmp_path / "arr.csv"
    csv_path.write_text("T_K,D_cm2_s\n600,1.3e-08\n900,5.6e-07\n1200,3.7e-06\n")
    arr = anodeflow("analyze", "arrhenius", csv_path, "--json")
    assert arr.returncode == 0, arr.stderr
    fit = json.loads(arr.stdout)
    assert 0.4 < fit["Ea_eV"] < 0.7 and fit["D0_cm2_s"] > 0 and fit["D_300K_cm2_s"] < 1.3e-8


@pytest.mark.parametrize(("args", "message"), [
    (["analyze", "profile", "missing.lammpstrj", "--host", "Si", "--carrier", "Li"],
     "error: trajectory 'missing.lammpstrj' does not exist or is empty"),
    (["analyze", "profile", "{dump}", "--host", "Cu", "--carrier", "Li"],
     "error: host 'Cu' is not supported; supported: Si, Ge, Sn, Sb"),
    (["analyze", "diffusion", "{dump}", "--species", "Na", "--timestep-ps", "0.001"], "no atoms of species 'Na'"),
    (["analyze", "diffusion", "{dump}", "--species", "Li", "--timestep-ps", "0.001", "--axes", "xw"],
     "error: axes 'xw' must be distinct letters of x, y, z (e.g. xyz or xy)"),
    (["analyze", "kinetics", "{csv}"], "error: '{csv}' needs columns t_ps and L_nm"),
    (["analyze", "profile", "{dump}", "--host", "Si", "--carrier", "Li", "--workers", "0"],
     "error: --workers must be >= 1 (processes analysing frames at once), got 0"),
    (["analyze", "bonds", "{dump}", "--workers", "-2"],
     "error: --workers must be >= 1 (processes analysing frames at once), got -2"),
])
def test_analyze_errors(args, message, couple_dump, tmp_path):
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("time,length\n1,2\n")
    args = [a.format(dump=couple_dump, csv=bad_csv) for a in args]
    result = anodeflow(*args)
    assert result.returncode == 2
    assert message.format(csv=bad_csv) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
