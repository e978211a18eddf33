"""Which phase grows under a judge potential when a host crystal is half transformed? Decides whether a fitted
potential that loses its host crystal in zero-pressure MD inherits that from its teacher, at a fraction of the
cost of running the teacher from the perfect crystal until it transforms (or not).

    python benchmarks/seeded_transformation.py Na-Sn --potential NAME --judge SevenNet-l3i5
        [--temperature 300] [--cell-A 18] [--seed-ps 6] [--seed-fraction 0.5] [--judge-ps 1] [--out DIR]
        [--seed-frame FILE]

1. ``--potential`` (the fit that transforms) runs zero-pressure NPT MD (Nose-Hoover, aniso, 2 fs) of the host
   crystal repeated to ``--cell-A`` on a side, sampled every 0.1 ps, until the crystalline fraction
   (:class:`~anodeflow.analysis.structure.CrystallineHost`) first falls to ``--seed-fraction`` or below.
2. From that frame, with new velocities at the same temperature (seed 7), each of ``--potential`` and ``--judge``
   continues the same MD for ``--judge-ps``, sampled every 0.1 ps.

If the host fraction rises under the judge while it falls under the potential, the judge keeps the host crystal
at this temperature and the potential's transformation is its own. If both fall, the teacher transforms too.
Writes ``<out>/seeded_transformation_<system>_<temperature>K.json`` (fractions, volumes, wall times) and the seed
frame as extxyz; prints one line per sample. A potential outside the shipped ones is found through
``ANODEFLOW_POTENTIALS_PATH`` (the folder a fit wrote).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from ase import Atoms
from ase.io import read, write

TIMESTEP_PS = 0.002


def host_fraction(atoms: Atoms, host: str) -> float:
    """Fraction of the host atoms of ``atoms`` that the host's crystallinity classifier calls crystalline."""
    from anodeflow.analysis.structure import CrystallineHost
    from anodeflow.structures.crystals import CRYSTALS, HOST_CRYSTALS

    crystal = HOST_CRYSTALS[host]
    mask = np.array(atoms.get_chemical_symbols()) == host
    result = CrystallineHost(CRYSTALS[crystal].element, crystal).compute(atoms.positions, np.array(atoms.cell), mask)
    return result.n_crystalline / int(mask.sum())


def npt_samples(atoms: Atoms, potential, types: list[str], host: str, temperature_K: float, time_ps: float,
                sample_ps: float, workdir: Path, stop_below: float | None = None, label: str = ""):
    """Zero-pressure NPT MD of ``atoms`` with ``potential`` (a registry record): a list of (time ps, host fraction,
    volume A^3/atom, frame) every ``sample_ps``; stops early at the first fraction at or below ``stop_below``."""
    from anodeflow.workflows.engine import Lammps
    from anodeflow.workflows.stability import lammps_with

    steps = max(1, int(round(sample_ps / TIMESTEP_PS)))
    samples = []
    with Lammps(workdir, log=False) as lmp:
        binding = lammps_with(lmp, atoms, potential, types, workdir)  # noqa: F841 - an MLIP's callback
        lmp.commands(["thermo 0", f"timestep {TIMESTEP_PS}",
                      f"velocity all create {temperature_K} 7 mom yes rot yes dist gaussian",
                      f"fix npt all npt temp {temperature_K} {temperature_K} 0.1 aniso 0 0 1.0"])
        start = time.perf_counter()
        for k in range(1, int(round(time_ps / sample_ps)) + 1):
            lmp.run(steps)
            frame = lmp.atoms(types)
            fraction = host_fraction(frame, host)
            samples.append((round(k * sample_ps, 3), round(fraction, 4), round(frame.get_volume() / len(frame), 3), frame))
            print(f"{label} {k * sample_ps:6.2f} ps  host {fraction:.3f}  {samples[-1][2]:.3f} A^3/atom  "
                  f"{time.perf_counter() - start:7.0f} s", flush=True)
            if stop_below is not None and fraction <= stop_below:
                break
    return samples


def table(samples) -> dict:
    return {"time_ps": [s[0] for s in samples], "host_fraction": [s[1] for s in samples],
            "volume_A3_per_atom": [s[2] for s in samples]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("system")
    parser.add_argument("--potential", required=True, help="the potential that transforms the host")
    parser.add_argument("--judge", required=True, help="the potential asked which phase grows (its teacher)")
    parser.add_argument("--temperature", type=float, default=300.0, help="K")
    parser.add_argument("--cell-A", type=float, default=18.0)
    parser.add_argument("--seed-ps", type=float, default=6.0)
    parser.add_argument("--seed-fraction", type=float, default=0.5)
    parser.add_argument("--judge-ps", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=Path("."))
    parser.add_argument("--seed-frame", type=Path, default=None, help="extxyz seed frame of an earlier run")
    args = parser.parse_args()

    from anodeflow.potentials import get_potential
    from anodeflow.structures.crystals import HOST_CRYSTALS, bulk_crystal, parse_system, repeated_to

    carrier, host = parse_system(args.system)
    types = [carrier, host]
    potential, judge = get_potential(args.potential), get_potential(args.judge)
    crystal = repeated_to(bulk_crystal(HOST_CRYSTALS[host]), args.cell_A)
    result = {"system": args.system, "potential": potential.name, "judge": judge.name,
              "temperature_K": args.temperature, "n_atoms": len(crystal), "timestep_fs": 1000 * TIMESTEP_PS}
    args.out.mkdir(parents=True, exist_ok=True)
    with TemporaryDirectory() as tmp:
        if args.seed_frame:
            seed = read(args.seed_frame)
            result["seed_frame"] = str(args.seed_frame)
        else:
            start = time.perf_counter()
            grow = npt_samples(crystal, potential, types, host, args.temperature, args.seed_ps, 0.1,
                               Path(tmp) / "seed", stop_below=args.seed_fraction, label="seed")
            result["seed_run"] = table(grow) | {"wall_s": round(time.perf_counter() - start, 1)}
            seed = grow[-1][3]
            write(args.out / f"seeded_transformation_{args.system}_seed.extxyz", seed)
        result["seed_host_fraction"] = round(host_fraction(seed, host), 4)
        for name, record in (("potential", potential), ("judge", judge)):
            start = time.perf_counter()
            run = npt_samples(seed, record, types, host, args.temperature, args.judge_ps, 0.1, Path(tmp) / name,
                              label=name)
            result[f"{name}_run"] = table(run) | {"wall_s": round(time.perf_counter() - start, 1)}
    path = args.out / f"seeded_transformation_{args.system}_{args.temperature:g}K.json"
    path.write_text(json.dumps(result, indent=1))
    print(path)


if __name__ == "__main__":
    main()
