"""Hostile input through the CLI (issue 21, item 3): every case ends in one line ``error: ...`` naming the
value, exit code 2, no traceback, no output file (not even a partial one), the store's documents
unchanged, and nothing executed from data.

Pure validation runs in-process through typer's CliRunner on the real app (the same root group and
error printing as the ``anodeflow`` script); what depends on the process (its real stderr, a file-size
limit standing in for a full disk, LAMMPS reading a run folder) runs as subprocesses.
"""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from jobflow import Flow, job
from typer.testing import CliRunner

from anodeflow.cli import app

BIG = str(10**9)


# ------------------------------------------------------------------------------------------ fixtures
def _write_dump(path: Path, atoms, frames: int = 2, numeric: bool = False, stress: bool = False,
                bad: tuple[str, str] | None = None) -> None:
    """A LAMMPS text dump of ``atoms``; ``bad`` = (column, text) replaces that column of atom 4."""
    cols = ["id", "type"] + ([] if numeric else ["element"]) + ["x", "y", "z"]
    cols += [f"c_stress[{i}]" for i in range(1, 7)] if stress else []
    lx, ly, lz = atoms.cell.lengths()
    with open(path, "w") as fh:
        for step in range(frames):
            fh.write(f"ITEM: TIMESTEP\n{step * 100}\nITEM: NUMBER OF ATOMS\n{len(atoms)}\n"
                     f"ITEM: BOX BOUNDS pp pp pp\n0 {lx}\n0 {ly}\n0 {lz}\nITEM: ATOMS {' '.join(cols)}\n")
            for i, (s, p) in enumerate(zip(atoms.get_chemical_symbols(), atoms.positions)):
                row = {"id": str(i + 1), "type": "1" if s == "Li" else "2", "element": s, "x": f"{p[0]:.5f}",
                       "y": f"{p[1]:.5f}", "z": f"{p[2]:.5f}", **{f"c_stress[{k}]": "1.0" for k in range(1, 7)}}
                if bad and i == 3:
                    row[bad[0]] = bad[1]
                fh.write(" ".join(row[c] for c in cols) + "\n")


def _csv(path: Path, header: str, rows) -> Path:
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def fx(tmp_path_factory) -> Path:
    """Trajectories, CSV, JSON and config files, each wrong in one way."""
    from anodeflow.structures import build_couple

    d = tmp_path_factory.mktemp("hostile")
    atoms = build_couple("Li-Si", "100", host_thickness_nm=2.2, reservoir_thickness_nm=2.0, size_nm=1.6)
    _write_dump(d / "couple.lammpstrj", atoms)
    _write_dump(d / "numeric.lammpstrj", atoms, numeric=True)
    _write_dump(d / "stress.lammpstrj", atoms, frames=1, stress=True)
    _write_dump(d / "nan.lammpstrj", atoms, bad=("x", "nan"))
    _write_dump(d / "inf.lammpstrj", atoms, bad=("z", "-inf"))
    _write_dump(d / "nanstress.lammpstrj", atoms, frames=1, stress=True, bad=("c_stress[2]", "nan"))
    header = "ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n{n}\nITEM: BOX BOUNDS pp pp pp\n0 {lx}\n0 10\n0 10\n" \
             "ITEM: ATOMS id type element x y z\n"
    (d / "zero.lammpstrj").write_text(header.format(n=0, lx=10))
    (d / "nanbox.lammpstrj").write_text(header.format(n=1, lx="nan") + "1 1 Li 1 1 1\n")
    (d / "flat.lammpstrj").write_text(header.format(n=1, lx=0) + "1 1 Li 0 1 1\n")
    (d / "text.lammpstrj").write_text("hello\nnot a dump\n")
    (d / "binary.lammpstrj").write_bytes(bytes(range(256)) * 8)
    (d / "folder.lammpstrj").mkdir()
    cell = 'Lattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3 pbc="T T T"'
    (d / "nan.extxyz").write_text(f"2\n{cell}\nSi 0 0 0\nSi nan 1 1\n")
    (d / "empty.extxyz").write_text(f"0\n{cell}\n")
    (d / "folder.cif").mkdir()
    t = np.linspace(0, 10, 12)
    _csv(d / "k_dup.csv", "t_ps,L_nm", [(1.0, 0.1 * i) for i in range(6)])
    _csv(d / "k_const.csv", "t_ps,L_nm", [(a, 0.5) for a in t])
    _csv(d / "k_one.csv", "t_ps,L_nm", [(1.0, 0.1)])
    _csv(d / "k_empty.csv", "t_ps,L_nm", [])
    _csv(d / "k_nan.csv", "t_ps,L_nm", [(a, "nan" if i == 3 else 0.1 * a) for i, a in enumerate(t)])
    _csv(d / "k_inf.csv", "t_ps,L_nm", [(a, "inf" if i == 3 else 0.1 * a) for i, a in enumerate(t)])
    _csv(d / "k_text.csv", "t_ps,L_nm", [(a, "abc" if i == 3 else 0.1 * a) for i, a in enumerate(t)])
    _csv(d / "k_negt.csv", "t_ps,L_nm", [(a - 5, 0.1 * a) for a in t])
    _csv(d / "k_gap.csv", "t_ps,L_nm", [(a,) for a in t])
    _csv(d / "k_cols.csv", "time,length", [(1, 2)])
    (d / "k_blank.csv").write_text("")
    (d / "k_binary.csv").write_bytes(bytes(range(128, 256)) * 8)
    (d / "k_folder.csv").mkdir()
    _csv(d / "a_sameT.csv", "T_K,D_cm2_s", [(900, 1.3e-8), (900, 5.6e-7), (900, 3.7e-6)])
    _csv(d / "a_textD.csv", "T_K,D_cm2_s", [(600, "abc"), (900, 5.6e-7)])
    _csv(d / "a_negD.csv", "T_K,D_cm2_s", [(600, -1e-8), (900, 5.6e-7)])
    _csv(d / "a_zeroD.csv", "T_K,D_cm2_s", [(600, 0), (900, 5.6e-7)])
    _csv(d / "a_negT.csv", "T_K,D_cm2_s", [(-600, 1e-8), (900, 5.6e-7)])
    _csv(d / "a_nanD.csv", "T_K,D_cm2_s", [(600, "nan"), (900, 5.6e-7)])
    _csv(d / "a_infT.csv", "T_K,D_cm2_s", [("inf", 1e-8), (900, 5.6e-7)])
    _csv(d / "a_one.csv", "T_K,D_cm2_s", [(600, 1e-8)])
    _csv(d / "a_empty.csv", "T_K,D_cm2_s", [])
    _csv(d / "a_negerr.csv", "T_K,D_cm2_s,D_err_cm2_s", [(600, 1e-8, -1), (900, 5.6e-7, 1e-8)])
    _csv(d / "a_texterr.csv", "T_K,D_cm2_s,D_err_cm2_s", [(600, 1e-8, "x"), (900, 5.6e-7, 1e-8)])
    (d / "a_binary.csv").write_bytes(bytes(range(128, 256)) * 8)
    (d / "a_folder.csv").mkdir()
    for name, text in {"good": '{"D_cm2_s": 1e-6, "D_err_cm2_s": 1e-8}', "nokey": '{"D": 1e-6}', "list": "[1, 2]",
                       "null": '{"D_cm2_s": null}', "text": '{"D_cm2_s": "abc"}', "neg": '{"D_cm2_s": -1e-6}',
                       "broken": "{not json", "nan": '{"D_cm2_s": NaN}'}.items():
        (d / f"d_{name}.json").write_text(text)
    configs = {"badyaml": "store: [unclosed\n",
               "python": f"work_dir: !!python/object/apply:os.system ['touch {d}/PWNED']\n",
               "threads": "lammps_threads: -3\n", "store5": "store: 5\n", "redis": "store:\n  type: redis\n",
               "list": "- a\n- b\n", "port": "store:\n  type: mongo\n  port: http\n", "typo": "lammps_thread: 4\n",
               "potentials": "default_potentials: 5\n", "timeout": "store:\n  lock_timeout_s: .nan\n",
               "maxatoms": "max_atoms: 0\n", "workdir": "work_dir: /proc/anodeflow-runs\n",
               "password": "store:\n  password: [secret, 2]\n"}
    for name, text in configs.items():
        (d / f"cfg_{name}.yaml").write_text(text)
    (d / "cfg_binary.yaml").write_bytes(bytes(range(128, 256)))
    (d / "cfg_folder.yaml").mkdir()
    return d


@job
def _fake_interface(system: str, temperature: float, thickness: float) -> dict:
    return {"doc_type": "interface_md", "schema_version": "1.0", "system": system, "temperature_K": temperature,
            "amorphous_thickness_nm": thickness, "miller": "110"}


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    """A store holding four interface documents (shared: no case may change it)."""
    from anodeflow.store import open_store
    from anodeflow.workflows.run import run_flow

    home = tmp_path_factory.mktemp("stored_home")
    env = {"ANODEFLOW_STORE__PATH": str(home / "store"), "ANODEFLOW_WORK_DIR": str(home / "runs")}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        jobs = [_fake_interface(s, T, th) for s in ("Li-Si", "Na-Sn") for T, th in ((900, 0.2), (1500, 2.5))]
        run_flow(Flow(jobs), store=open_store())
    return home / "store"


def _documents(store_path: Path) -> list[tuple]:
    """Every document of the store (uuid, index, output) and every data blob id, sorted."""
    from anodeflow.settings import StoreSettings
    from anodeflow.store import DATA_STORE, make_store

    store = make_store(StoreSettings(path=store_path))
    store.connect()
    docs = sorted((d["uuid"], d["index"], repr(sorted(d["output"].items())))
                  for d in store.query({}, properties=["uuid", "index", "output"]))
    blobs = sorted(b["blob_uuid"] for b in store.additional_stores[DATA_STORE].query({}, properties=["blob_uuid"]))
    return docs + [("blob", b) for b in blobs]


# ------------------------------------------------------------------------------------------- checks
def _invoke(args: list[str], env: dict[str, str] | None = None):
    return CliRunner().invoke(app, args, env=env)


def _assert_refused(result, expected: str, out: Path | None = None) -> None:
    """Exit 2, one stderr line 'error: ...' containing ``expected``, nothing on stdout, no traceback, and no
    file (complete or partial) in the output folder ``out``."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.stdout)
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert expected in lines[0], (expected, lines[0])
    assert "Traceback" not in result.stderr and result.stdout == ""
    if out is not None:
        assert sorted(p.name for p in out.iterdir()) == []


def _fill(args: list[str], fx: Path, out: Path) -> list[str]:
    return [a.replace("{fx}", str(fx)).replace("{out}", str(out)) for a in args]


# ------------------------------------------------------------------------------------------ settings
SETTINGS = [
    ("badyaml", "is not valid YAML (line 2"),
    ("python", "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("threads", "lammps_threads = -3: should be greater than or equal to 1"),
    ("store5", "store = 5: should be a valid dictionary"),
    ("redis", "store.type = 'redis': should be 'monty' or 'mongo'"),
    ("list", "must be a mapping of settings (key: value), not a list"),
    ("port", "store.port = 'http'"),
    ("typo", "lammps_thread = 4: Extra inputs are not permitted"),
    ("potentials", "default_potentials = 5"),
    ("timeout", "store.lock_timeout_s = nan"),
    ("maxatoms", "max_atoms = 0"),
    ("password", "store.password = ***: should be a valid string"),
    ("binary", "cannot read config file"),
    ("folder", "is a folder"),
    ("missing", "missing.yaml' (ANODEFLOW_CONFIG) does not exist"),
]


@pytest.mark.parametrize(("name", "expected"), SETTINGS, ids=[s[0] for s in SETTINGS])
def test_bad_config_file(fx, name, expected):
    result = _invoke(["results", "list"], env={"ANODEFLOW_CONFIG": str(fx / f"cfg_{name}.yaml")})
    _assert_refused(result, expected)
    assert not (fx / "PWNED").exists()  # the YAML's Python tag ran nothing


ENVIRONMENT = [
    ("ANODEFLOW_LAMMPS_THREADS", "abc", "lammps_threads = 'abc'"),
    ("ANODEFLOW_LAMMPS_THREADS", "-3", "(environment ANODEFLOW_LAMMPS_THREADS)"),
    ("ANODEFLOW_STORE__TYPE", "redis", "store.type = 'redis'"),
    ("ANODEFLOW_STORE__PORT", "http", "(environment ANODEFLOW_STORE__PORT)"),
    ("ANODEFLOW_STORE__LOCK_TIMEOUT_S", "nan", "store.lock_timeout_s = 'nan'"),
    ("ANODEFLOW_STORE__SERVER_SELECTION_TIMEOUT_S", "inf", "store.server_selection_timeout_s = 'inf'"),
    ("ANODEFLOW_DEFAULT_POTENTIALS", "notjson", "default_potentials"),
    ("ANODEFLOW_MAX_ATOMS", "1e3", "max_atoms = '1e3'"),
]


@pytest.mark.parametrize(("var", "value", "expected"), ENVIRONMENT, ids=[f"{e[0]}={e[1]}" for e in ENVIRONMENT])
def test_bad_environment_value(var, value, expected):
    _assert_refused(_invoke(["results", "list"], env={var: value}), expected)


def test_unwritable_work_dir_is_refused_before_anything_runs(fx, stored, tmp_path):
    before = _documents(stored)
    env = {"ANODEFLOW_CONFIG": str(fx / "cfg_workdir.yaml"), "ANODEFLOW_STORE__PATH": str(stored),
           "ANODEFLOW_WORK_DIR": None}  # the setting comes from the config file
    result = _invoke(["run", "couple", "Li-Si", "--size-nm", "1", "--time-ps", "0.1"], env=env)
    _assert_refused(result, "cannot create run folders in '/proc/anodeflow-runs' (the work_dir setting)")
    assert _documents(stored) == before


# --------------------------------------------------------------------------------- sizes and options
BUILD = ["build", "interface", "Li-Si", "-o", "{out}/c.extxyz"]
SIZES = [
    (BUILD + ["--size-nm", "inf"], "--size-nm must be a finite number, got inf"),
    (BUILD + ["--size-nm", "nan"], "--size-nm must be a finite number, got nan"),
    (BUILD + ["--size-nm", "1e6"], "size_nm=1e+06"),
    (BUILD + ["--size-nm", "0"], "size_nm must be > 0, got 0.0"),
    (BUILD + ["--size-nm", "1e-9"], "size_nm = 1e-09 nm is shorter than 0.1 nm"),
    (BUILD + ["--host-nm", "1e-9"], "host_thickness_nm = 1e-09 nm"),
    (BUILD + ["--reservoir-nm", "1e6"], "reservoir_thickness_nm=1e+06"),
    (BUILD + ["--vacuum-nm", "1e5"], "vacuum_nm = 100000 nm is beyond the longest cell dimension"),
    (BUILD + ["--fixed-nm", "-1"], "fixed_thickness_nm and vacuum_nm must be >= 0, got -1.0"),
    (BUILD + ["--x", "0.5"], "got --x 0.5 with --reservoir bcc"),
    (BUILD + ["--reservoir", "lava"], "unknown reservoir 'lava'"),
    (["build", "crystal", "Si", "-o", "{out}/x.cif", "--repeat", "1e5,1e5,1e5"], "repeat '1e5,1e5,1e5' must be"),
    (["build", "crystal", "Si", "-o", "{out}/x.cif", "--repeat", "100000,100000,100000"],
     "--repeat 100000,100000,100000 of a 8-atom cell would make about 8e+15 atoms; at most 1,000,000"),
    (["build", "crystal", "Si", "-o", "{out}/x.cif", "--repeat", "2000,2000,1"], "--repeat 2000,2000,1"),
    (["build", "phase", "Li15Si4", "-o", "{out}/x.cif", "--repeat", "1000,1000,1000"], "--repeat 1000,1000,1000"),
    (["build", "amorphous", "Li-Si", "-o", "{out}/a.extxyz", "--atoms", "1e9"], "invalid value '1e9' for --atoms"),
    (["build", "amorphous", "Li-Si", "-o", "{out}/a.extxyz", "--atoms", BIG], f"--atoms {BIG} would make about"),
    (["build", "amorphous", "Li-Si", "-o", "{out}/a.extxyz", "--atoms", "1"], "--atoms must be >= 2, got 1"),
    (["build", "amorphous", "Li-Si", "-o", "{out}/a.extxyz", "--x", "nan"], "--x must be a finite number, got nan"),
    (["build", "amorphous", "Li-Si", "-o", "{out}/a.extxyz", "--volume-per-atom-A3", "0.001"], "at 0.001 A^3/atom"),
    (["build", "nanowire", "Si", "-o", "{out}/w.extxyz", "--diameter-nm", "1e6"], "diameter_nm=1e+06"),
    (["build", "nanowire", "Si", "-o", "{out}/w.extxyz", "--length-nm", "1e6"], "length_nm=1e+06"),
    (["build", "nanowire", "Si", "-o", "{out}/w.extxyz", "--shell", "Li", "--shell-nm", "-1"], "got 1.0 and -1.0"),
    (["build", "dislocation", "Si", "-o", "{out}/d.extxyz", "--radius-nm", "1e6"], "radius_nm=1e+06"),
    (["build", "dislocation", "Si", "-o", "{out}/d.extxyz", "--length-cells", "1000000"], "length_cells=1000000"),
    (["build", "dislocation", "Si", "-o", "{out}/d.extxyz", "--dipole", "--separation", "100000"], "separation=100000"),
    (["build", "endpoints", "Si", "Li", "-o", "{out}/e.extxyz", "--kind", "bogus"], "unknown hop kind 'bogus'"),
    (["run", "couple", "Li-Si", "--size-nm", "inf"], "--size-nm must be a finite number, got inf"),
    (["run", "couple", "Li-Si", "--size-nm", "1e6"], "--size-nm 1e+06 would make about"),
    (["run", "couple", "Li-Si", "--size-nm", "0"], "--size-nm must be > 0 nm, got 0"),
    (["run", "couple", "Li-Si", "--size-nm", "0.01"], "--size-nm = 0.01 nm is shorter than 0.1 nm"),
    (["demo", "--size-nm", "1e6"], "--size-nm 1e+06 would make about"),
    (["run", "kinetics", "Li-Si", "--size-nm", "1e6"], "--size-nm 1e+06 would make about"),
    (["run", "couple", "Li-Si", "--temperature", "inf"], "--temperature must be a finite number, got inf"),
    (["run", "couple", "Li-Si", "--temperature", "1e9"], "temperature must be at most 10000 K, got 1e+09"),
    (["run", "couple", "Li-Si", "--time-ps", "1e12"], "time must be at most 1e+06 ps (1 us), got 1e+12"),
    (["run", "couple", "Li-Si", "--time-ps", "0.05"], "--time-ps 0.05 is shorter than one trajectory frame"),
    (["run", "couple", "Li-Si", "--restart-every-ps", "inf"], "--restart-every-ps must be a finite number, got inf"),
    (["run", "couple", "Li-Si", "--x", "0.5"], "got --x 0.5 with --reservoir bcc"),
    (["run", "couple", "Li-Si", "--seed", "0"], "seed must be in 1..2^31-1"),
    (["run", "couple", "Li-Si", "--potential", "nope"], "unknown potential 'nope'"),
    (["run", "couple", "Li-Si", "--orientation", "1,1"], "orientation '1,1'"),
    (["run", "meltquench", "Li-Si", "--atoms", BIG], f"--atoms {BIG} would make about"),
    (["run", "meltquench", "Li-Si", "--melt-K", "inf"], "--melt-K must be a finite number, got inf"),
    (["run", "meltquench", "Li-Si", "--quench-rate-K-ps", "1e-300"], "quench rate 1e-300 K/ps makes a 1.7e+303 ps"),
    (["run", "diffusion", "Li-Si", "--temperatures", "inf,1000"], "--temperatures 'inf,1000' must be finite"),
    (["run", "diffusion", "Li-Si", "--atoms", BIG], f"--atoms {BIG} would make about"),
    (["run", "diffusion", "Li-Si", "--x", "1.5"], "carrier fraction must be in (0, 1), got 1.5"),
    (["run", "diffusion", "Li-Si", "--species", "Xx"], "species Xx is not an element of Li-Si; choose Li or Si"),
    (["run", "kinetics", "Li-Si", "--temperatures", "abc"], "--temperatures 'abc' must be comma-separated numbers"),
    (["run", "nanowire", "Li-Si", "--diameter-nm", "1e6"],
     "--diameter-nm 1e+06, --length-nm 1.5, --shell-nm 0.8 would make about"),
    (["run", "nanowire", "Li-Si", "--shell-nm", "inf"], "--shell-nm must be a finite number, got inf"),
    (["run", "neb", "Li-Si", "--min-cell-A", "1e6"], "--images 5 with --min-cell-A 1e+06 would make about"),
    (["run", "neb", "Li-Si", "--min-cell-A", "nan"], "--min-cell-A must be a finite number, got nan"),
    (["run", "neb", "Li-Si", "--images", "100000"], "--images 100000 with --min-cell-A 10 would make about"),
    (["run", "neb", "Li-Si", "--images", "0"], "num_images must be >= 1, got 0"),
    (["run", "neb", "Li-Si", "--kpoints", "100000,1,1", "--engine", "cp2k"], "--kpoints '100000,1,1' has more than"),
    (["run", "screen", "--couple-ps", "inf"], "--couple-ps must be a finite number, got inf"),
    (["run", "screen", "--min-cell-A", "1e6"], "--min-cell-A = 1e+06 A is beyond the longest cell dimension"),
    (["run", "screen", "--systems", "Xx-Si,Li-Si"], "unknown carrier 'Xx' in 'Xx-Si'"),
    (["run", "screen", "--systems", "Na-Sn"], "reference pair 'Li-Si' is not among the screened systems ['Na-Sn']"),
    (["run", "resume", "{out}/nowhere"], "nowhere' is not an anodeflow MD folder (no md_setup.json) nor a run folder"),
    (["run", "couple", ":a:-Si"], "unknown carrier ':a:' in ':a:-Si'"),
    (["jobs", "--timeout-s", "nan"], "--timeout-s must be a finite number, got nan"),
    (["submit", "couple", "Li-Si", "--scheduler", "lsf"], "lsf"),
    (["submit", "couple", "Li-Si", "--resources", "threads=abc"], "abc"),
    (["build", "bogus"], "No such command 'bogus'"),
    (["analyze", "bonds"], "Missing argument 'file'"),
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("args", "expected"), SIZES, ids=[" ".join(a[:2] + a[-2:]) for a, _ in SIZES])
def test_bad_size_or_option_is_refused_up_front(args, expected, stored, tmp_path, monkeypatch):
    """Sizes are refused with the atom count they would make, before anything is built, run or stored."""
    monkeypatch.setenv("ANODEFLOW_STORE__PATH", str(stored))
    out = tmp_path / "out"
    out.mkdir()
    before = _documents(stored)
    _assert_refused(_invoke(_fill(args, tmp_path, out)), expected.replace("{out}", str(out)), out)
    assert _documents(stored) == before
    runs = tmp_path / "anodeflow_home" / "runs"
    assert not runs.exists() or not any(runs.iterdir())


# -------------------------------------------------------------------------------------- trajectories
TRAJECTORY_COMMANDS = {
    "profile": ["analyze", "profile", "{file}", "--host", "Si", "--carrier", "Li", "--no-progress"],
    "bonds": ["analyze", "bonds", "{file}"],
    "kinetics": ["analyze", "kinetics", "{file}", "--host", "Si", "--carrier", "Li"],
    "diffusion": ["analyze", "diffusion", "{file}", "--species", "Li", "--timestep-ps", "0.001", "--no-progress"],
    "dislocations": ["analyze", "dislocations", "{file}", "--host", "Si", "--no-progress"],
    "render": ["analyze", "render", "{file}", "-o", "{out}/r.png"],
}
TRAJECTORIES = {
    "nan": "'{path}' has a non-finite position (nan or inf) for atom id 4 in frame 0",
    "inf": "'{path}' has a non-finite position (nan or inf) for atom id 4 in frame 0",
    "zero": "'{path}' has no atoms in frame 0",
    "nanbox": "'{path}' has a non-finite or flat cell in frame 0",
    "flat": "'{path}' has a non-finite or flat cell in frame 0",
    "text": "cannot read trajectory '{path}': Could not detect the file format",
    "binary": "cannot read trajectory '{path}': Could not detect the file format",
    "folder": "'{path}' does not exist or is empty",
}


@pytest.mark.parametrize("command", list(TRAJECTORY_COMMANDS))
@pytest.mark.parametrize("name", list(TRAJECTORIES))
def test_bad_trajectory(fx, tmp_path, command, name):
    out = tmp_path / "out"
    out.mkdir()
    path = fx / f"{name}.lammpstrj"
    args = [a.replace("{file}", str(path)).replace("{out}", str(out)) for a in TRAJECTORY_COMMANDS[command]]
    _assert_refused(_invoke(args), TRAJECTORIES[name].format(path=path), out)


@pytest.mark.parametrize(("name", "expected"), [
    ("nan.extxyz", "has a non-finite position or cell (nan or inf) in frame 0"),
    ("empty.extxyz", "has no atoms in frame 0"),
])
def test_bad_structure_file(fx, stored, monkeypatch, name, expected):
    monkeypatch.setenv("ANODEFLOW_STORE__PATH", str(stored))
    before = _documents(stored)
    _assert_refused(_invoke(["run", "dft", str(fx / name)]), f"structure file '{fx / name}' {expected}")
    assert _documents(stored) == before


def test_bad_stress_column(fx):
    path = fx / "nanstress.lammpstrj"
    _assert_refused(_invoke(["analyze", "stress", str(path), "--host", "Si", "--carrier", "Li"]),
                    f"'{path}' has a non-finite c_stress[2] (nan or inf) for atom id 4 in frame 0")


# ---------------------------------------------------------------------------------------- CSV inputs
CSV_INPUTS = [
    ("k_dup.csv", "t_ps 1 appears 6 times"), ("k_const.csv", "L_nm is 0.5 at every time"),
    ("k_one.csv", "has 1 (t_ps, L_nm) rows; a kinetics fit needs at least 4"),
    ("k_empty.csv", "has 0 (t_ps, L_nm) rows"),
    ("k_nan.csv", "line 5: L_nm 'nan' is not a finite number"), ("k_inf.csv", "line 5: L_nm 'inf' is not a finite"),
    ("k_text.csv", "line 5: L_nm 'abc' is not a number"), ("k_negt.csv", "line 2: t_ps -5 is negative"),
    ("k_gap.csv", "line 2: L_nm None is not a number"), ("k_cols.csv", "needs columns t_ps and L_nm; it has ['time'"),
    ("k_blank.csv", "needs columns t_ps and L_nm; it has None"), ("k_binary.csv", "is not a CSV text file"),
    ("k_folder.csv", "does not exist or is not a file"), ("k_missing.csv", "does not exist or is not a file"),
]
ARRHENIUS_INPUTS = [
    ("a_sameT.csv", "every T_K is 900; an Arrhenius fit needs at least two different temperatures"),
    ("a_textD.csv", "line 2: D_cm2_s 'abc' is not a number"), ("a_negD.csv", "line 2: D_cm2_s -1e-08 must be > 0"),
    ("a_zeroD.csv", "line 2: D_cm2_s 0 must be > 0"), ("a_negT.csv", "line 2: T_K -600 must be > 0 K"),
    ("a_nanD.csv", "line 2: D_cm2_s 'nan' is not a finite number"), ("a_infT.csv", "line 2: T_K 'inf' is not a finite"),
    ("a_one.csv", "every T_K is 600"), ("a_empty.csv", "there are no rows"),
    ("a_negerr.csv", "line 2: D_err_cm2_s -1 must be >= 0"), ("a_texterr.csv", "line 2: D_err_cm2_s 'x' is not a"),
    ("a_binary.csv", "is not a CSV text file"), ("a_folder.csv", "does not exist or is not a file"),
    ("a_missing.csv", "does not exist or is not a file"),
]


@pytest.mark.parametrize(("name", "expected"), CSV_INPUTS + ARRHENIUS_INPUTS,
                         ids=[c[0] for c in CSV_INPUTS + ARRHENIUS_INPUTS])
def test_bad_csv_input_writes_no_plot(fx, tmp_path, name, expected):
    out = tmp_path / "out"
    out.mkdir()
    command = "kinetics" if name.startswith("k_") else "arrhenius"
    result = _invoke(["analyze", command, str(fx / name), "--plot", str(out / "fit.png")])
    _assert_refused(result, f"'{fx / name}'", out)
    assert expected in result.stderr


DIFFUSION_JSON = [
    ("d_nokey.json", "needs a finite number D_cm2_s (as 'analyze diffusion --json' writes), got None"),
    ("d_list.json", "got None"), ("d_null.json", "got None"), ("d_text.json", "got 'abc'"), ("d_nan.json", "got nan"),
    ("d_neg.json", "D_cm2_s -1e-06 must be > 0"), ("d_broken.json", "cannot read diffusion JSON"),
]


@pytest.mark.parametrize(("name", "expected"), DIFFUSION_JSON, ids=[d[0] for d in DIFFUSION_JSON])
def test_bad_diffusion_json(fx, name, expected):
    result = _invoke(["analyze", "arrhenius", str(fx / "d_good.json"), str(fx / name), "--temperatures", "800,900"])
    _assert_refused(result, f"'{fx / name}'")
    assert expected in result.stderr


@pytest.mark.parametrize(("temperatures", "expected"), [
    ("800,abc", "--temperatures '800,abc' must be comma-separated numbers"),
    ("800,800", "--temperatures 800,800: every T_K is 800"), ("800,-900", "T_K -900 must be > 0 K"),
    ("800,inf", "--temperatures '800,inf' must be finite numbers"), ("800", "2 files, 1 T"),
])
def test_bad_arrhenius_temperatures(fx, temperatures, expected):
    good = str(fx / "d_good.json")
    _assert_refused(_invoke(["analyze", "arrhenius", good, good, "--temperatures", temperatures]), expected)


# -------------------------------------------------------------------------------------- analysis options
C = "{fx}/couple.lammpstrj"
PROFILE = ["analyze", "profile", C, "--host", "Si", "--carrier", "Li", "--no-progress", "--plot", "{out}/p.png"]
DIFFUSION = ["analyze", "diffusion", C, "--species", "Li", "--no-progress", "--plot", "{out}/m.png"]
ANALYSIS_OPTIONS = [
    (["analyze", "bonds", "{fx}/numeric.lammpstrj", "--types", "1=Xx,2=Si"], "'Xx' is not an element symbol"),
    (["analyze", "bonds", "{fx}/numeric.lammpstrj", "--types", "1=Li,1=Si"], "maps type 1 twice (Li and Si)"),
    (["analyze", "bonds", "{fx}/numeric.lammpstrj", "--types", "0=Li,2=Si"], "LAMMPS types start at 1, got 0"),
    (["analyze", "bonds", "{fx}/numeric.lammpstrj", "--types", "1=li,2=si"], "'li' is not an element symbol"),
    (["analyze", "bonds", "{fx}/numeric.lammpstrj", "--types", "=Li"], "type map '=Li' is not of the form"),
    (["analyze", "bonds", C, "--types", "1=Xx"], "'Xx' is not an element symbol"),
    (PROFILE + ["--timestep-ps", "0"], "--timestep-ps must be > 0 ps, got 0"),
    (PROFILE + ["--timestep-ps", "-1"], "--timestep-ps must be > 0 ps, got -1"),
    (PROFILE + ["--timestep-ps", "nan"], "--timestep-ps must be a finite number, got nan"),
    (PROFILE + ["--final-fraction", "5"], "--final-fraction must be > 0 and <= 1, got 5"),
    (PROFILE + ["--final-fraction", "0"], "--final-fraction must be > 0 and <= 1, got 0"),
    (PROFILE + ["--bin-nm", "0"], "--bin-nm must be > 0 nm, got 0"),
    (PROFILE + ["--bin-nm", "inf"], "--bin-nm must be a finite number, got inf"),
    (PROFILE + ["--interfaces", "0"], "--interfaces must be >= 1, got 0"),
    (PROFILE + ["--normal", "w"], "normal 'w' must be x, y or z"),
    (PROFILE + ["--carrier", "Si"], "--carrier Si is the host element"),
    (PROFILE + ["--carrier", "Na"], "no Na atoms in the trajectory; elements present: ['Li', 'Si']"),
    (PROFILE + ["--bin-nm", "100"], "bin width 100 nm leaves fewer than 2 bins along the"),
    (["analyze", "profile", C, "--host", "Xx", "--carrier", "Li"], "host 'Xx' is not supported"),
    (["analyze", "profile", C, "--host", "[red]Si", "--carrier", "Li"], "host '[red]Si' is not supported"),
    (["analyze", "profile", C, "--host", "Si", "--carrier", "Li", "--plot", "{out}/p.txt"], "has extension '.txt'"),
    (["analyze", "bonds", C, "--r-max", "0"], "--r-max must be > 0 A, got 0"),
    (["analyze", "bonds", C, "--r-max", "inf"], "--r-max must be a finite number, got inf"),
    (["analyze", "bonds", C, "--bins", BIG], f"--bins must be 10..100000, got {BIG}"),
    (["analyze", "bonds", C, "--bins", "0"], "--bins must be 10..100000, got 0"),
    (["analyze", "bonds", C, "--region", "z:a:b"], "region 'z:a:b': bounds must be numbers in nm"),
    (["analyze", "bonds", C, "--region", "z:0:inf"], "region 'z:0:inf': bounds must be finite numbers"),
    (["analyze", "bonds", C, "--region", "q:0:1"], "region 'q:0:1' is not of the form"),
    (["analyze", "bonds", C, "--last", "-1"], "--last must be >= 0, got -1"),
    (["analyze", "bonds", C, "--pairs", "SiSi"], "pair 'SiSi' is not of the form A-B"),
    (["analyze", "bonds", C, "--pairs", "Xx-Si"], "pair Xx-Si: no atoms of Xx"),
    (DIFFUSION + ["--timestep-ps", "0"], "--timestep-ps must be > 0 ps, got 0"),
    (DIFFUSION + ["--timestep-ps", "inf"], "--timestep-ps must be a finite number, got inf"),
    (DIFFUSION + ["--timestep-ps", "0.001", "--region", "x:b:c"], "region 'x:b:c': bounds must be numbers"),
    (DIFFUSION + ["--timestep-ps", "0.001", "--region", "z:-inf:1"], "region 'z:-inf:1': bounds must be finite"),
    (["analyze", "stress", "{fx}/stress.lammpstrj", "--host", "Si", "--carrier", "Li", "--bin-nm", "0"],
     "--bin-nm must be > 0 nm, got 0"),
    (["analyze", "stress", "{fx}/stress.lammpstrj", "--host", "Si", "--carrier", "Li", "--bin-nm", "100"],
     "bin width 100 nm leaves fewer than 2 bins"),
    (["analyze", "stress", "{fx}/stress.lammpstrj", "--host", "Si", "--carrier", "Li", "--activation-volume-A3",
      "nan"], "--activation-volume-A3 must be a finite number, got nan"),
    (["analyze", "stress", "{fx}/stress.lammpstrj", "--host", "Si", "--carrier", "Li", "--stress-column", "c_nope"],
     "has no column(s) ['c_nope[1]', 'c_nope[2]'"),
    (["analyze", "stress", "{fx}/stress.lammpstrj", "--host", "Si", "--carrier", "Li", "--normal", "w"],
     "normal 'w' must be x, y or z"),
    (["analyze", "dislocations", C, "--host", "Si", "--nonperiodic", "abc"], "--nonperiodic 'abc' must name axes"),
    (["analyze", "dislocations", C, "--host", "Si", "--lattice", "foo"], "(lattice foo)"),
    (["analyze", "render", C, "-o", "{out}/r.png", "--size", "0x0"], "size '0x0': width and height must be 1..10000"),
    (["analyze", "render", C, "-o", "{out}/r.png", "--size", "100000x100000"], "size '100000x100000'"),
    (["analyze", "render", C, "-o", "{out}/r.png", "--size", "axb"], "size 'axb' is not of the form WIDTHxHEIGHT"),
    (["analyze", "render", C, "-o", "{out}/r.png", "--frame", "-5"], "--frame must be >= 0, or -1"),
    (["analyze", "render", C, "-o", "{out}/r.png", "--frame", "99"], "frame 99 does not exist"),
    (["analyze", "render", C, "-o", "{out}/r.jpgx"], "image '{out}/r.jpgx' has extension '.jpgx'; use one of .png"),
    (["analyze", "kinetics", "{fx}/couple.lammpstrj", "--host", "Si", "--carrier", "Li", "--timestep-ps", "nan"],
     "--timestep-ps must be a finite number, got nan"),
]


@pytest.mark.parametrize(("args", "expected"), ANALYSIS_OPTIONS,
                         ids=[" ".join(a[1:2] + a[-2:]) for a, _ in ANALYSIS_OPTIONS])
def test_bad_analysis_option(fx, tmp_path, args, expected):
    out = tmp_path / "out"
    out.mkdir()
    _assert_refused(_invoke(_fill(args, fx, out)), expected.replace("{out}", str(out)), out)


# ------------------------------------------------------------------------------------------ queries
QUERIES = [
    (["results", "query", "--where", "a>>1"], "condition 'a>>1' in --where needs one value after '>'"),
    (["results", "query", "--where", "x="], "condition 'x=' in --where needs one value"),
    (["results", "query", "--where", "temperature_K>abc"], "'>' compares numbers and 'abc' is not a number"),
    (["results", "query", "--where", "temperature_K=abc"], "temperature_K holds numbers and 'abc' is not a number"),
    (["results", "query", "--where", "foo>1"], "unknown field 'foo' in --where 'foo>1'; the matching results have:"),
    (["results", "query", "--where", "=1"], "bad key '' in --where '=1'"),
    (["results", "query", "--where", "a=1,,b=2"], "--where 'a=1,,b=2' has an empty condition"),
    (["results", "query", "--where", "temperature_K>1e999"], "1e999 is not a finite number"),
    (["results", "query", "--where", "$where=1"], "bad key '$where'"),
    (["results", "query", "--where", "temperature_K=1500=2"], "condition 'temperature_K=1500=2'"),
    (["results", "query", "--where", "nonsense"], "condition 'nonsense' in --where has no operator"),
    (["results", "query", "--type", "bogus"], "unknown document type 'bogus'; types: couple_structure"),
    (["results", "query", "--system", "Xx-Si"], "unknown carrier 'Xx' in 'Xx-Si'"),
    (["results", "query", "--system", "garbage"], "system 'garbage' is not of the form CARRIER-HOST"),
    (["results", "list", "--type", "bogus"], "unknown document type 'bogus'"),
    (["results", "show", "[bold]x[/]"], "no result with id '[bold]x[/]'"),
    (["results", "export", "{out}/e.csv", "--where", "a>>1"], "condition 'a>>1'"),
    (["results", "export", "{out}/e.csv", "--type", "bogus"], "unknown document type 'bogus'"),
    (["results", "export", "{out}/e.xlsx"], "export format 'xlsx' is not one of csv, parquet"),
    (["results", "export", "{out}"], "export file '{out}' is a folder"),
    (["results", "export", "/proc/e.csv"], "cannot write export file '/proc/e.csv'"),
    (["results", "export", "/dev/full"], "export file '/dev/full' is not a regular file"),
    (["results", "import", "{out}"], "is not a run folder"),
]


@pytest.mark.parametrize(("args", "expected"), QUERIES, ids=[" ".join(a[1:]) for a, _ in QUERIES])
def test_bad_query_changes_nothing(args, expected, stored, tmp_path, monkeypatch):
    monkeypatch.setenv("ANODEFLOW_STORE__PATH", str(stored))
    out = tmp_path / "out"
    out.mkdir()
    before = _documents(stored)
    _assert_refused(_invoke(_fill(args, tmp_path, out)), expected.replace("{out}", str(out)), out)
    assert _documents(stored) == before


# -------------------------------------------------------------------------------------------- paths
PATHS = [
    (["build", "crystal", "Si", "-o", "/proc/x.cif"], "cannot write structure file '/proc/x.cif'"),
    (["build", "crystal", "Si", "-o", "/proc/nope/x.cif"],
     "cannot create the folder of structure file '/proc/nope/x.cif'"),
    (["build", "crystal", "Si", "-o", "/dev/full"], "unknown output format ''"),
    (["build", "crystal", "Si", "-o", "{fx}/folder.cif"], "structure file '{fx}/folder.cif' is a folder"),
    (["build", "crystal", "Si", "-o", "{fx}/couple.lammpstrj/x.cif"], "cannot create the folder of structure file"),
    (["build", "crystal", "Si", "-o", "{out}/x.dat"], "unknown output format '.dat'"),
    (["analyze", "bonds", C, "--plot", "/proc/b.png"], "cannot write plot '/proc/b.png'"),
    (["analyze", "bonds", C, "--plot", "{out}/b.txt"], "--plot file '{out}/b.txt' has extension '.txt'"),
    (["analyze", "render", C, "-o", "/proc/r.png"], "cannot write image '/proc/r.png'"),
    (["run", "couple", "Li-Si", "--size-nm", "1", "--time-ps", "0.1", "--out", "/proc/runs"],
     "cannot create run folders in '/proc/runs' (the --out folder)"),
    (["run", "couple", "Li-Si", "--size-nm", "1", "--time-ps", "0.1", "--out", '{out}/a"b'],
     """contains '"', which a LAMMPS input line cannot carry; use a folder without double quotes"""),
    (["run", "couple", "Li-Si", "--size-nm", "1", "--time-ps", "0.1", "--out", "{out}/a\nb"],
     "a\\nb' contains '\\n', which a LAMMPS input line cannot carry"),
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("args", "expected"), PATHS, ids=[" ".join(a[:2] + a[-2:]) for a, _ in PATHS])
def test_bad_output_path_leaves_nothing(fx, args, expected, stored, tmp_path, monkeypatch):
    monkeypatch.setenv("ANODEFLOW_STORE__PATH", str(stored))
    out = tmp_path / "out"
    out.mkdir()
    before = _documents(stored)
    result = _invoke([a.replace("{fx}", str(fx)).replace("{out}", str(out)) for a in args])
    _assert_refused(result, expected.replace("{out}", str(out)).replace("{fx}", str(fx)), out)
    assert _documents(stored) == before


# ---------------------------------------------------------------------------------- real processes
CLI = [sys.executable, "-m", "anodeflow.cli"]


def _home_env(home: Path, **extra: str) -> dict[str, str]:
    from tests.conftest import home_env

    return {**home_env(home), "MPLBACKEND": "Agg", **extra}


def _limit_file_size(limit: int):
    """A ``preexec_fn`` that makes writes beyond ``limit`` bytes fail with EFBIG, as on a full disk."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_real_processes_print_one_plain_line(fx, stored, tmp_path):
    """Real stderr of the script: one plain line (no rich panel, no emoji), also when the disk is full."""
    out = tmp_path / "out"
    out.mkdir()
    shutil.copytree(stored, tmp_path / "home" / "store")
    env = _home_env(tmp_path / "home")
    full = _limit_file_size(200)  # the store's SQLite files are only read
    cases = [
        (["build", "amorphous", "Li-Si", "-o", str(out / "a.extxyz"), "--atoms", "1e9"], None,
         "error: invalid value '1e9' for --atoms: should be a valid integer, unable to parse string as an integer"),
        (["analyze", "bonds", str(fx / "couple.lammpstrj"), "--region", "z:a:b"], None,
         "error: region 'z:a:b': bounds must be numbers in nm"),
        (["run", "couple", "Li-Si", "--size-nm", "1e6"], None,
         "error: --size-nm 1e+06 would make about 1.2e+20 atoms; at most 1,000,000 are allowed (setting max_atoms)"),
        (["build", "crystal", "Si", "-o", str(out / "full.cif"), "--repeat", "3,3,3"], full,
         f"error: cannot write structure file '{out / 'full.cif'}': File too large"),
        (["analyze", "kinetics", str(_csv(tmp_path / "k.csv", "t_ps,L_nm", [(t, 0.1 * t) for t in range(8)])),
          "--plot", str(out / "full.png")], full, f"error: cannot write plot '{out / 'full.png'}': File too large"),
    ]
    procs = [subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                              preexec_fn=pre) for args, pre, _ in cases]
    for proc, (args, _, line) in zip(procs, cases):
        stdout, stderr = proc.communicate(timeout=180)
        assert proc.returncode == 2, (args, stderr)
        assert stderr == line + "\n" and "Traceback" not in stdout, (args, stderr)
    assert sorted(p.name for p in out.iterdir()) == []
    assert _documents(tmp_path / "home" / "store") == _documents(stored)


def test_export_onto_a_full_disk_leaves_no_file(stored, tmp_path, monkeypatch):
    """An export that fails halfway (no space left) leaves neither the file nor a partial one."""
    import errno

    import pandas as pd

    def half_written(frame, path, **kwargs):
        Path(path).write_text("id,completed_at\n")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setenv("ANODEFLOW_STORE__PATH", str(stored))
    monkeypatch.setattr(pd.DataFrame, "to_csv", half_written)
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.csv").write_text("kept\n")
    for name in ("new.csv", "old.csv"):
        result = _invoke(["results", "export", str(out / name)])
        assert result.exit_code == 2 and result.stderr == \
            f"error: cannot write export file '{out / name}': No space left on device\n"
    assert sorted(p.name for p in out.iterdir()) == ["old.csv"] and (out / "old.csv").read_text() == "kept\n"


@pytest.mark.slow
@pytest.mark.usefixtures("lammps_available")
def test_run_folder_with_dollar_space_and_quote_runs(tmp_path):
    """A legal --out path with '$', a space, '#' and "'" reaches LAMMPS quoted (MEAM pair_coeff, read_data, dump)."""
    out = tmp_path / "runs $HOME #1 it's"
    env = _home_env(tmp_path / "home")
    result = subprocess.run([*CLI, "run", "couple", "Li-Si", "--size-nm", "1", "--time-ps", "0.2", "--no-progress",
                             "--json", "--out", str(out)], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout and len(list(out.glob("*/*/traj.lammpstrj"))) == 1
