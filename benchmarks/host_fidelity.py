"""A potential's host crystal on configurations no fit or check was built from: the costly checks of
``potentials validate`` scaled up.

    python benchmarks/host_fidelity.py Na-Sn --potential Na-Sn-UF3SNAP-SevenNet-l3i5 [--md-ps 50]
        [--couple-frames 6] [--out docs/host_fidelity]

1. Rattled supercells up to 4x4x6 (beta-Sn) or 4x4x2 (A7 hexagonal cell), 0.02 and 0.05 A, two seeds each,
   relaxed with the cell free: space group after and energy relative to the symmetric cell.
2. About 1,000 host atoms in zero-pressure MD at 300 K (Nose-Hoover NPT, aniso; ``workflows.fitting.crystal_md``)
   for ``--md-ps``: the host crystalline fraction by the package's classifier (``CrystallineHost``) every 1 ps.
3. Frames of the package's own couple MD with the potential (the default couple of the system at 0.85 of the
   host's melting point, ``--couple-ps``): energy and force RMSE against the potential's teacher.
4. Speed: force calls on a 3x3x3 host cell, teacher against the potential (``speedup_vs_teacher``).

Writes ``<out>/<potential>.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from ase import Atoms

from anodeflow.potentials import get_potential
from anodeflow.structures.crystals import HOST_CRYSTALS, bulk_crystal, parse_system
from anodeflow.workflows.fitting import speedup_vs_teacher
from anodeflow.workflows.md import type_elements_for

BIG_REPEATS = {"beta-Sn": (4, 4, 6), "Sb": (4, 4, 2), "Si": (4, 4, 4)}


def rattled_large(system: str, record, workdir: Path) -> list[dict]:
    from anodeflow.workflows.stability import rattled_relaxations, relaxed_crystal

    carrier, host = parse_system(system)
    crystal = HOST_CRYSTALS[host]
    types = type_elements_for((carrier, host), record)
    symmetric = relaxed_crystal(crystal, record, types, workdir)
    runs = rattled_relaxations(symmetric, record, types, workdir / "rattled",
                               sizes=((2, 2, 3), (3, 3, 4), BIG_REPEATS[crystal]), amplitudes_A=(0.02, 0.05),
                               seeds=(11, 12))
    a, _, c = symmetric.cell.lengths()
    return [{"cell": "symmetric", "a_A": float(a), "c_over_a": float(c / a)}] + [
        {"label": r.label, "spacegroup": r.relaxed_spacegroup, "energy_meV_atom": r.energy_meV_atom,
         "passed": r.passed} for r in runs]


def host_md(system: str, record, md_ps: float, workdir: Path) -> dict:
    """Crystalline fraction of ~1,000 host atoms at 300 K and 0 bar, every ps (the fit's ``crystal_md``)."""
    from anodeflow.workflows.fitting import crystal_md

    carrier, host = parse_system(system)
    crystal = HOST_CRYSTALS[host]
    unit = bulk_crystal(crystal)
    types = type_elements_for((carrier, host), record)
    start = time.perf_counter()
    summary, _ = crystal_md(system, record.lammps_commands(types, workdir / "potential"), crystal, 300.0, md_ps,
                            workdir, n_samples=int(round(md_ps)),
                            cell_A=(1000 * unit.get_volume() / len(unit)) ** (1 / 3), progress=True)
    return {**summary, "wall_time_s": time.perf_counter() - start}


def couple_frames_vs_teacher(system: str, record, teacher: str, n_frames: int, couple_ps: float, workdir: Path) -> dict:
    """Energy and force RMSE of the potential against its teacher on frames of its own couple MD."""
    from anodeflow.workflows.calculators import lammps_calculator
    from anodeflow.workflows.couple import BuildCoupleMaker
    from anodeflow.workflows.md import LammpsMDMaker
    from anodeflow.analysis.trajectory import read_frames

    carrier, host = parse_system(system)
    miller = {"Sn": "100", "Sb": "001", "Si": "110"}[host]
    atoms = BuildCoupleMaker(miller=miller, host_thickness_nm=1.5, reservoir_thickness_nm=1.5, size_nm=1.5).build(system)
    from anodeflow.workflows.melting import EXPERIMENTAL_MELTING_K

    temperature = 0.85 * EXPERIMENTAL_MELTING_K[host]
    maker = LammpsMDMaker(temperature_K=temperature, time_ps=couple_ps, dump_every_ps=couple_ps / n_frames,
                          potential=record, progress=False)
    doc = maker.run(atoms, system, workdir / "couple")
    frames = list(read_frames(doc.trajectory))[1:]
    fit, ref = lammps_calculator(system, record.name, workdir), lammps_calculator(system, teacher, workdir)
    de, df = [], []
    for frame in frames:
        frame = Atoms(list(frame.symbols), positions=frame.positions, cell=frame.cell, pbc=True)
        values = []
        for calc in (fit, ref):
            probe = frame.copy()
            probe.calc = calc
            values.append((probe.get_potential_energy() / len(probe), probe.get_forces()))
        de.append(values[0][0] - values[1][0])
        df.append((values[0][1] - values[1][1]).ravel())
    de = np.array(de)
    return {"miller": miller, "temperature_K": temperature, "n_atoms": len(atoms), "frames": len(frames),
            "energy_rmse_meV_atom": float(1000 * np.sqrt(np.mean((de - de.mean()) ** 2))),
            "energy_offset_meV_atom": float(1000 * de.mean()),
            "force_rmse_eV_A": float(np.sqrt(np.mean(np.concatenate(df) ** 2)))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("system")
    parser.add_argument("--potential", required=True)
    parser.add_argument("--teacher", default=None, help="default: the teacher the record names")
    parser.add_argument("--md-ps", type=float, default=50.0)
    parser.add_argument("--couple-frames", type=int, default=6)
    parser.add_argument("--couple-ps", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=Path("docs/host_fidelity"))
    args = parser.parse_args()
    record = get_potential(args.potential)
    teacher = args.teacher or record.made_by.split("teacher=")[1].split(",")[0]
    result = {"system": args.system, "potential": record.name, "teacher": teacher,
              "command": f"python benchmarks/host_fidelity.py {args.system} --potential {record.name} "
                         f"--md-ps {args.md_ps:g} --couple-frames {args.couple_frames}"}
    start = time.perf_counter()
    with TemporaryDirectory() as tmp:
        work = Path(tmp)
        result["rattled"] = rattled_large(args.system, record, work)
        print(json.dumps(result["rattled"], indent=1), flush=True)
        result["speedup_vs_teacher"] = speedup_vs_teacher(args.system, record.name, teacher,
                                                          HOST_CRYSTALS[parse_system(args.system)[1]], work)
        result["couple_vs_teacher"] = couple_frames_vs_teacher(args.system, record, teacher, args.couple_frames,
                                                               args.couple_ps, work)
        print(json.dumps(result["couple_vs_teacher"], indent=1), flush=True)
        result["host_md_300K"] = host_md(args.system, record, args.md_ps, work)
    result["wall_time_s"] = time.perf_counter() - start
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{record.name}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "rattled"}, indent=1))


if __name__ == "__main__":
    main()
