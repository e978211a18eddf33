"""Does a couple's front slow because the carrier must diffuse, or because its reservoir runs out? The seed
study's couples again with a thicker carrier reservoir (and host slab), same temperature and time.

    python benchmarks/reservoir_rate_law.py Na-Sb --temperature 469 [--orientation 001] [--size-nm 2]
        [--host-nm 3] [--reservoir-nm 5] [--time-ps 20] [--replicas 3] [--out docs/seed_study_workstation/Na-Sb]

Each replica is the seed study's couple (``workflows.seed_study.couple_maker``: its MD, dumps and analysis)
with ``--host-nm`` and ``--reservoir-nm`` in place of 1.25 x the in-plane size, run with the system's default
potential into a temporary store. The rate law is fitted as the study fits it (``orientation_result``: L = A t^n
per replica over the frames before the host is consumed, replica mean +- standard error). Also given per
replica: the carrier left as pure metal at the end (nm of bins above 95 % carrier) and the crystalline host
atoms at the start and the end. Writes ``<out>/reservoir_rate_law.json`` and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory

PURE_CARRIER = 0.95  # carrier fraction of a bin counted as the reservoir's pure metal


def pure_carrier_nm(profile: list[dict], bin_nm: float) -> float:
    """Thickness (nm) of the bins of ``profile`` that are at least PURE_CARRIER carrier."""
    return bin_nm * sum(1 for b in profile if b["carrier_fraction"] == b["carrier_fraction"]
                        and b["carrier_fraction"] >= PURE_CARRIER)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("system")
    parser.add_argument("--temperature", type=float, required=True, help="K (the study's couple temperature)")
    parser.add_argument("--orientation", default="001")
    parser.add_argument("--size-nm", type=float, default=2.0)
    parser.add_argument("--host-nm", type=float, default=3.0)
    parser.add_argument("--reservoir-nm", type=float, default=5.0)
    parser.add_argument("--time-ps", type=float, default=20.0)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("."))
    args = parser.parse_args()

    with TemporaryDirectory() as tmp:
        os.environ.update({"ANODEFLOW_HOME": tmp, "ANODEFLOW_STORE__PATH": f"{tmp}/store",
                           "ANODEFLOW_WORK_DIR": f"{tmp}/runs"})
        from anodeflow.workflows.run import run_flow
        from anodeflow.workflows.schemas import InterfaceMDDocument
        from anodeflow.workflows.seed_study import SCALES, couple_maker, orientation_result

        scale = SCALES["workstation"].model_copy(update={"couple_size_nm": args.size_nm, "couple_time_ps": args.time_ps})
        docs, replicas = [], []
        for seed in range(1, args.replicas + 1):
            start = time.perf_counter()
            maker = couple_maker(scale, None, args.orientation, args.temperature, seed, progress=True)
            maker = replace(maker, build=replace(maker.build, host_thickness_nm=args.host_nm,
                                                 reservoir_thickness_nm=args.reservoir_nm))
            out = run_flow(maker.make(args.system))  # large fields (per-frame profiles) stay in the data store
            doc = InterfaceMDDocument.model_validate({k: v for k, v in out.items()
                                                      if not (isinstance(v, dict) and "blob_uuid" in v)})
            docs.append(doc)
            bin_nm = doc.final_profile[1]["z_nm"] - doc.final_profile[0]["z_nm"]
            replicas.append({"seed": seed, "n_atoms": doc.n_atoms, "composition": doc.composition,
                             "crystalline_host_atoms_start_end": [doc.crystalline_host_atoms[0],
                                                                  doc.crystalline_host_atoms[-1]],
                             "pure_carrier_end_nm": pure_carrier_nm(doc.final_profile, bin_nm),
                             "front_advance_end_nm": doc.front_advance_nm[-1], "wall_time_s": time.perf_counter() - start})
            print(json.dumps(replicas[-1]), flush=True)
        result = orientation_result(args.orientation, docs)
    summary = {"command": "python benchmarks/reservoir_rate_law.py " + " ".join(
                   [args.system, f"--temperature {args.temperature:g}", f"--orientation {args.orientation}",
                    f"--size-nm {args.size_nm:g}", f"--host-nm {args.host_nm:g}", f"--reservoir-nm {args.reservoir_nm:g}",
                    f"--time-ps {args.time_ps:g}", f"--replicas {args.replicas}"]),
               "system": args.system, "temperature_K": args.temperature, "replicas": replicas,
               "exponent_n": result.exponent_n.model_dump(), "front_velocity_nm_ps": result.front_velocity_nm_ps.model_dump(),
               "times_ps": result.times_ps, "front_advance_nm": result.front_advance_nm}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "reservoir_rate_law.json").write_text(json.dumps(summary, indent=1))
    print(f"n = {result.exponent_n.value:.3f} +- {result.exponent_n.err:.3f} over {result.exponent_n.n} replicas")


if __name__ == "__main__":
    main()
