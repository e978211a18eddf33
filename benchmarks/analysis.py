"""Analysis speed and memory against the engines it is built on, each reference measured in the same run.

    python benchmarks/analysis.py [--repeat 3] [--skip-10m] [--keep DIR]

Every case runs in a fresh process; times are wall seconds, memory is peak resident set size. A case and
its reference run alternately ``--repeat`` times and the fastest run of each counts (cases 1 to 5), so
that a machine shared with other jobs disturbs the ratios less.

1. profile of one 1,000,000-atom Si frame (crystallinity, host bonds, bins; after reading) against OVITO's
   IdentifyDiamond alone on the same frame (goal: ratio <= 1.2);
2. ``anodeflow analyze profile`` over 24 frames of 262,144 atoms (a Si crystal under a Li layer), whole
   process, against an OVITO script that reads every frame and runs IdentifyDiamond on its Si atoms
   (goal <= 1.2);
3. the same command with ``--workers 2`` against ``--workers 1`` (speed-up; goal >= 1.7 on 2 cores), and
   against ``--workers 1`` with the engines on one thread (the speed-up of frames in parallel alone);
4. reading alone, a plain and a gzipped LAMMPS dump (3 x 1,000,000 atoms) and an extxyz file
   (3 x 262,144 atoms), against OVITO's reader (import_file, then compute of every frame); modules are
   imported before the clock starts for both (goal: speed ratio >= 1);
5. the beta-Sn motif classifier on 261,360 atoms against the freud calls it is built on (10-nearest
   neighbour query and list, Steinhardt over the 6 nearest), templates made beforehand (goal <= 1.2);
6. ``anodeflow analyze profile`` of one 10,000,000-atom frame: time and peak memory (one node's limit);
7. MSD of 10,000 atoms x 2,000 frames against a per-atom numpy FFT.

The measured table is in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TYPES = "1=Si,2=Li"
#: environment that keeps OVITO and BLAS on one thread
ONE_THREAD = {"OVITO_THREAD_COUNT": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
OVITO_PROFILE = """
import sys
from ovito.io import import_file
from ovito.modifiers import IdentifyDiamondModifier, SelectTypeModifier

pipeline = import_file(sys.argv[1])
pipeline.modifiers.append(SelectTypeModifier(types={1}))
pipeline.modifiers.append(IdentifyDiamondModifier(only_selected=True))
for frame in range(pipeline.num_frames):
    pipeline.compute(frame)
"""


def si_frame(n_cells: int = 50, seed: int = 0, li_fraction: float = 0.0):
    """Diamond Si, ``n_cells`` cubic cells (8 atoms each) per edge, displaced by 0.08 A rms; the top
    ``li_fraction`` of the cell along z is turned into Li displaced by a further 0.5 A rms."""
    from ase.build import bulk

    atoms = bulk("Si", "diamond", a=5.431, cubic=True).repeat(n_cells)
    rng = np.random.default_rng(seed)
    atoms.positions += rng.normal(0, 0.08, atoms.positions.shape)
    if li_fraction:
        top = atoms.positions[:, 2] > (1 - li_fraction) * atoms.cell[2, 2]
        atoms.numbers[top] = 3
        atoms.positions[top] += rng.normal(0, 0.5, (top.sum(), 3))
    atoms.wrap()
    return atoms


def write_dump(frames, path: Path) -> None:
    """A LAMMPS text dump (id type x y z; type 1 Si, 2 Li) of ``frames`` (ASE Atoms)."""
    with open(path, "w") as fh:
        for step, atoms in enumerate(frames):
            lx, ly, lz = atoms.cell.lengths()
            fh.write(f"ITEM: TIMESTEP\n{step * 100}\nITEM: NUMBER OF ATOMS\n{len(atoms)}\nITEM: BOX BOUNDS pp pp pp\n"
                     f"0 {lx}\n0 {ly}\n0 {lz}\nITEM: ATOMS id type x y z\n")
            data = np.column_stack([np.arange(1, len(atoms) + 1), np.where(atoms.numbers == 3, 2, 1), atoms.positions])
            for rows in np.array_split(data, max(1, len(data) // 1_000_000)):
                np.savetxt(fh, rows, fmt="%d %d %.4f %.4f %.4f")


def _warm_up_ovito() -> None:
    """First use of an OVITO modifier pays a one-time start-up; keep it out of both timings."""
    from ovito.modifiers import IdentifyDiamondModifier

    from anodeflow.analysis.structure import ovito_data

    small = si_frame(3)
    ovito_data(small.positions, small.cell.array).apply(IdentifyDiamondModifier())


# ------------------------------------------------------------------------------------ in-process cases
def case_profile(dump: str) -> dict:
    from anodeflow.analysis.couple import analyse_couple
    from anodeflow.analysis.trajectory import read_frames

    frame = next(read_frames(dump, {1: "Si", 2: "Li"}))
    _warm_up_ovito()
    t = time.perf_counter()
    result = analyse_couple([frame], "Si", "Li", 8 / 5.431**3, 0.001, n_interfaces=2)
    return {"seconds": time.perf_counter() - t, "atoms": len(frame.positions),
            "crystalline": result.crystalline_host_atoms[0]}


def case_identify_diamond(dump: str) -> dict:
    from ovito.io import import_file
    from ovito.modifiers import IdentifyDiamondModifier

    data = import_file(dump).compute(0)
    _warm_up_ovito()
    t = time.perf_counter()
    data.apply(IdentifyDiamondModifier())
    return {"seconds": time.perf_counter() - t, "atoms": data.particles.count}


def case_read(path: str) -> dict:
    import pandas  # noqa: F401 - loaded before the clock starts, as OVITO is for its reader

    from anodeflow.analysis.trajectory import read_frames

    t = time.perf_counter()
    atoms = sum(len(f.positions) for f in read_frames(path, {1: "Si", 2: "Li"}))
    return {"seconds": time.perf_counter() - t, "atoms": atoms}


def case_read_ovito(path: str) -> dict:
    from ovito.io import import_file

    t = time.perf_counter()
    pipeline = import_file(path)
    atoms = sum(pipeline.compute(i).particles.count for i in range(pipeline.num_frames))
    return {"seconds": time.perf_counter() - t, "atoms": atoms}


def _beta_tin():
    """261,360 beta-Sn atoms displaced by 0.14 A rms (300 K) and their cell."""
    from anodeflow.structures.crystals import bulk_crystal, repeated_to

    crystal = repeated_to(bulk_crystal("beta-Sn"), 190.0)
    return crystal.positions + np.random.default_rng(1).normal(0, 0.14, crystal.positions.shape), crystal.cell.array


def case_motif(_: str) -> dict:
    from anodeflow.analysis.structure import classify_motif, motif_templates

    positions, cell = _beta_tin()
    t = time.perf_counter()
    motif_templates("beta-Sn")
    templates_s = time.perf_counter() - t
    classify_motif(positions[:2000], cell, "beta-Sn")  # freud's first call, outside the clock
    t = time.perf_counter()
    crystalline = classify_motif(positions, cell, "beta-Sn")
    return {"seconds": time.perf_counter() - t, "atoms": len(positions), "crystalline": float(crystalline.mean()),
            "templates_s": templates_s}


def case_motif_freud(_: str) -> dict:
    import freud

    from anodeflow.analysis.structure import MOTIF_LS, MOTIF_NEIGHBOURS, RADIAL_NEIGHBOURS, freud_system

    positions, cell = _beta_tin()

    def calls(points_A):
        box, points = freud_system(points_A, cell)
        freud.locality.AABBQuery(box, points).query(
            points, {"num_neighbors": RADIAL_NEIGHBOURS, "exclude_ii": True}).toNeighborList()
        steinhardt = freud.order.Steinhardt(l=list(MOTIF_LS), average=True)
        steinhardt.compute((box, points), neighbors={"num_neighbors": MOTIF_NEIGHBOURS, "exclude_ii": True})

    calls(positions[:2000])
    t = time.perf_counter()
    calls(positions)
    return {"seconds": time.perf_counter() - t, "atoms": len(positions)}


def _walk():
    rng = np.random.default_rng(1)
    return np.cumsum(rng.normal(0, 0.3, (2000, 10000, 3)), axis=0)


def case_msd(_: str) -> dict:
    from anodeflow.analysis.diffusion import msd_fft

    x = _walk()
    t = time.perf_counter()
    msd = msd_fft(x)
    return {"seconds": time.perf_counter() - t, "msd_last": float(msd[100])}


def case_msd_reference(_: str) -> dict:
    """Per-atom FFT MSD (the textbook algorithm, one atom at a time)."""
    x = _walk()
    t = time.perf_counter()
    n = x.shape[0]
    total = np.zeros(n)
    for i in range(x.shape[1]):
        r = x[:, i, :]
        d = np.sum(r**2, axis=1)
        d = np.append(d, 0)
        q = 2 * d.sum()
        s1 = np.zeros(n)
        for m in range(n):
            q = q - d[m - 1] - d[n - m]
            s1[m] = q / (n - m)
        f = np.fft.fft(r, n=2 * n, axis=0)
        s2 = np.fft.ifft(f * f.conjugate(), axis=0)[:n].real.sum(axis=1) / (n - np.arange(n))
        total += s1 - 2 * s2
    return {"seconds": time.perf_counter() - t, "msd_last": float(total[100] / x.shape[1])}


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


# ------------------------------------------------------------------------------------------- running
def run_case(name: str, path: Path) -> dict:
    """An in-process case in a fresh process; adds its peak memory (MB)."""
    out = subprocess.run([sys.executable, __file__, "--case", name, str(path)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fastest(runs: dict, repeat: int) -> dict:
    """``runs``: label -> function of no arguments giving a result with "seconds". Each runs ``repeat`` times,
    in turn with the others; the fastest result of each label."""
    best: dict = {}
    for _ in range(repeat):
        for label, run in runs.items():
            result = run()
            if label not in best or result["seconds"] < best[label]["seconds"]:
                best[label] = result
    return best


def run_process(args: list[str], env: dict[str, str] | None = None) -> dict:
    """A whole process (with ``env`` added to the environment): wall seconds and peak memory (MB) of the
    process itself."""
    with tempfile.TemporaryFile("w+") as errors:
        t = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=errors, text=True,
                                env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
        if status != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(args)} failed: {errors.read()}")
    return {"seconds": seconds, "peak_MB": usage.ru_maxrss / 1024}


def profile_command(path: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "anodeflow.cli", "analyze", "profile", str(path), "--host", "Si", "--carrier", "Li",
            "--types", TYPES, "--json", "--no-progress", *options]


def bench_frame(tmp: Path, repeat: int) -> Path:
    one = tmp / "si_1M.lammpstrj"
    write_dump([si_frame(50, seed=s) for s in range(3)], one)
    runs = fastest({"profile": lambda: run_case("profile", one),
                    "identify_diamond": lambda: run_case("identify_diamond", one)}, repeat)
    prof, ident = runs["profile"], runs["identify_diamond"]
    print(f"1. profile of one {prof['atoms']:,}-atom frame {prof['seconds']:6.2f} s (peak {prof['peak_MB']:.0f} MB); "
          f"IdentifyDiamond alone {ident['seconds']:6.2f} s; ratio {prof['seconds'] / ident['seconds']:.2f} "
          "(goal <= 1.2)")
    return one


def bench_trajectory(tmp: Path, repeat: int) -> None:
    traj = tmp / "couple_24.lammpstrj"
    write_dump([si_frame(32, seed=s, li_fraction=0.25) for s in range(24)], traj)
    script = tmp / "ovito_profile.py"
    script.write_text(OVITO_PROFILE)
    runs = fastest({"ours": lambda: run_process(profile_command(traj)),
                    "ovito": lambda: run_process([sys.executable, str(script), str(traj)]),
                    "one": lambda: run_process(profile_command(traj, "--workers", "1")),
                    "core": lambda: run_process(profile_command(traj, "--workers", "1"), ONE_THREAD),
                    "two": lambda: run_process(profile_command(traj, "--workers", "2"))}, repeat)
    ours, ovito, one, core, two = (runs[k] for k in ("ours", "ovito", "one", "core", "two"))
    print(f"2. profile of 24 x 262,144 atoms, whole process: anodeflow {ours['seconds']:6.2f} s "
          f"(peak {ours['peak_MB']:.0f} MB), OVITO read + IdentifyDiamond {ovito['seconds']:6.2f} s; "
          f"ratio {ours['seconds'] / ovito['seconds']:.2f} (goal <= 1.2)")
    print(f"3. --workers 1 {one['seconds']:6.2f} s (engines on one thread: {core['seconds']:6.2f} s), --workers 2 "
          f"{two['seconds']:6.2f} s; speed-up {one['seconds'] / two['seconds']:.2f} (over one thread "
          f"{core['seconds'] / two['seconds']:.2f}; goal >= 1.7)")


def bench_reading(tmp: Path, one: Path, repeat: int) -> None:
    from ase.io import write

    gz = tmp / "si_1M.lammpstrj.gz"
    with open(one, "rb") as src, gzip.open(gz, "wb", compresslevel=1) as dst:
        dst.write(src.read())
    xyz = tmp / "si_262k.extxyz"
    write(xyz, [si_frame(32, seed=s) for s in range(3)], format="extxyz")
    for label, path in (("text", one), ("gzip", gz), ("extxyz", xyz)):
        runs = fastest({"ours": lambda: run_case("read", path), "ovito": lambda: run_case("read_ovito", path)}, repeat)
        ours, ovito = runs["ours"], runs["ovito"]
        rate = lambda r: r["atoms"] / r["seconds"] / 1e6  # noqa: E731
        print(f"4. reading {label:6s}: anodeflow {rate(ours):5.2f} Matoms/s ({ours['seconds']:.2f} s, peak "
              f"{ours['peak_MB']:.0f} MB), OVITO {rate(ovito):5.2f} Matoms/s ({ovito['seconds']:.2f} s, peak "
              f"{ovito['peak_MB']:.0f} MB); ratio {ovito['seconds'] / ours['seconds']:.2f} (goal >= 1)")


def bench_motif(tmp: Path, repeat: int) -> None:
    runs = fastest({"ours": lambda: run_case("motif", tmp), "freud": lambda: run_case("motif_freud", tmp)}, repeat)
    ours, ref = runs["ours"], runs["freud"]
    print(f"5. beta-Sn motif classifier, {ours['atoms']:,} atoms: {ours['seconds']:6.2f} s (templates once per "
          f"process {ours['templates_s']:.1f} s); freud calls {ref['seconds']:6.2f} s; "
          f"ratio {ours['seconds'] / ref['seconds']:.2f} (goal <= 1.2)")


def bench_10m(tmp: Path) -> None:
    big = tmp / "si_10M.lammpstrj"
    atoms = si_frame(108, li_fraction=0.25)
    n_atoms = len(atoms)
    write_dump([atoms], big)
    del atoms
    run = run_process(profile_command(big))
    print(f"6. profile of one {n_atoms:,}-atom frame, whole process: {run['seconds']:6.1f} s, "
          f"peak {run['peak_MB'] / 1024:.1f} GB")
    big.unlink()


def bench_msd(tmp: Path) -> None:
    msd, ref = run_case("msd", tmp), run_case("msd_reference", tmp)
    print(f"7. MSD 10,000 atoms x 2,000 frames: anodeflow {msd['seconds']:.2f} s, per-atom numpy FFT "
          f"{ref['seconds']:.2f} s, ratio {msd['seconds'] / ref['seconds']:.2f}; peak {msd['peak_MB']:.0f} MB; "
          f"same MSD: {abs(msd['msd_last'] - ref['msd_last']) < 1e-6 * ref['msd_last']}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        result = CASES[sys.argv[2]](sys.argv[3])
        result["peak_MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each of cases 1-5 (the fastest counts)")
    parser.add_argument("--skip-10m", action="store_true", help="leave out the 10,000,000-atom frame")
    parser.add_argument("--keep", type=Path, help="write the trajectories here (default: a temporary folder)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or Path(scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        one = bench_frame(tmp, args.repeat)
        bench_trajectory(tmp, args.repeat)
        bench_reading(tmp, one, args.repeat)
        bench_motif(tmp, args.repeat)
        if not args.skip_10m:
            bench_10m(tmp)
        bench_msd(tmp)


if __name__ == "__main__":
    main()
