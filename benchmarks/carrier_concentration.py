"""Does the carrier's tracer D in the host crystal depend on how many carriers share the cell? The crystal
that pipe diffusion compares its cores with (``workflows.pipe_diffusion.crystal_with_carriers``) holds as many
carriers as the cores; if they slow each other down, the comparison is not one of dilute carriers.

    python benchmarks/carrier_concentration.py Li-Si --temperatures 1206,1496 --carriers 3,12 [--seeds 1,2]
        [--ensembles nvt,npt] [--host-atoms 512] [--time-ps 60] [--out FILE]

Runs LAMMPS MD of the crystal (``--host-atoms``, about) with each number of carriers, at each temperature, seed
and ensemble (``npt`` at zero pressure: the lattice expands with temperature; ``nvt`` keeps the potential's 0 K
lattice, as pipe diffusion does), frames every 0.5 ps, and reports the 3-D tracer D of the carriers with its
MSD-covariance error. Writes a JSON list of runs (``--out``, default ``carrier_concentration_<system>.json``)
and prints one line per run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path


def run(system: str, temperature_K: float, n_carriers: int, seed: int, ensemble: str, host_atoms: int,
        time_ps: float) -> dict:
    from anodeflow.analysis import read_frames
    from anodeflow.analysis.diffusion import diffusion_from_frames
    from anodeflow.structures import parse_system
    from anodeflow.structures.crystals import HOST_CRYSTALS
    from anodeflow.workflows.md import LammpsMDMaker
    from anodeflow.workflows.pipe_diffusion import crystal_with_carriers
    from anodeflow.workflows.run import run_flow
    from anodeflow.workflows.schemas import AtomsModel

    carrier, host = parse_system(system)
    start = time.perf_counter()
    cell = crystal_with_carriers(HOST_CRYSTALS[host], carrier, host_atoms, n_carriers)
    md = LammpsMDMaker(temperature_K=temperature_K, time_ps=time_ps, dump_every_ps=0.5, ensemble=ensemble, seed=seed,
                       progress=False)
    doc = run_flow(md.make(AtomsModel.from_atoms(cell), system))
    D = diffusion_from_frames(read_frames(doc["trajectory"]), carrier, doc["timestep_fs"] / 1000.0, axes="xyz")
    return {"temperature_K": temperature_K, "n_carriers": n_carriers, "n_host_atoms": len(cell) - n_carriers,
            "seed": seed, "ensemble": ensemble, "time_ps": time_ps, "D_cm2_s": D.D_cm2_s,
            "D_err_cm2_s": D.D_err_cm2_s, "wall_time_s": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("system")
    parser.add_argument("--temperatures", default="1206,1496", help="K, comma-separated")
    parser.add_argument("--carriers", default="3,12", help="carriers in the cell, comma-separated")
    parser.add_argument("--seeds", default="1", help="velocity seeds, comma-separated")
    parser.add_argument("--ensembles", default="nvt", help="nvt and/or npt, comma-separated")
    parser.add_argument("--host-atoms", type=int, default=512)
    parser.add_argument("--time-ps", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(f"carrier_concentration_{args.system}.json")
    runs = []
    for T, n, seed, ensemble in itertools.product(map(float, args.temperatures.split(",")),
                                                  map(int, args.carriers.split(",")), map(int, args.seeds.split(",")),
                                                  args.ensembles.split(",")):
        runs.append(run(args.system, T, n, seed, ensemble, args.host_atoms, args.time_ps))
        r = runs[-1]
        print(f"{T:.0f} K {ensemble} {n} carriers seed {seed}: D = {r['D_cm2_s']:.3g} +- {r['D_err_cm2_s']:.2g} cm^2/s "
              f"({r['wall_time_s']:.0f} s)", flush=True)
        out.write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
