"""Analysis speed and memory against reference tools, in one run.

    python benchmarks/analysis.py

1. profile of one 1,000,000-atom Si frame (crystallinity + host bonds + bins) vs OVITO
   IdentifyDiamond alone on the same frame (goal: <= 1.5x its time, peak memory <= 2 GB);
2. MSD of 10,000 atoms x 2,000 frames vs a plain per-atom numpy FFT reference;
3. reading a LAMMPS dump (Matoms/s) vs OVITO's reader alone.
Each case runs in a fresh subprocess; times are wall seconds, memory is the peak RSS.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def si_frame(n_cells: int = 50):
    from ase.build import bulk

    atoms = bulk("Si", "diamond", a=5.431, cubic=True).repeat(n_cells)
    rng = np.random.default_rng(0)
    atoms.positions += rng.normal(0, 0.08, atoms.positions.shape)
    atoms.wrap()
    return atoms


def write_dump(atoms, path: Path, frames: int) -> None:
    lx, ly, lz = atoms.cell.lengths()
    ids = np.arange(1, len(atoms) + 1)
    data = np.column_stack([ids, np.full(len(atoms), 1), atoms.positions])
    with open(path, "w") as fh:
        for f in range(frames):
            fh.write(f"ITEM: TIMESTEP\n{f * 100}\nITEM: NUMBER OF ATOMS\n{len(atoms)}\nITEM: BOX BOUNDS pp pp pp\n"
                     f"0 {lx}\n0 {ly}\n0 {lz}\nITEM: ATOMS id type x y z\n")
            np.savetxt(fh, data, fmt="%d %d %.4f %.4f %.4f")


def _warm_up_ovito() -> None:
    """First use of an OVITO modifier pays a one-time start-up; keep it out of both timings."""
    from ovito.modifiers import IdentifyDiamondModifier

    from anodeflow.analysis.structure import ovito_data

    ovito_data(si_frame(3).positions, si_frame(3).cell.array).apply(IdentifyDiamondModifier())


def case_profile(dump: str) -> dict:
    from anodeflow.analysis.couple import analyse_couple
    from anodeflow.analysis.trajectory import read_frames

    frame = next(read_frames(dump, {1: "Si"}))
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


def case_read(dump: str) -> dict:
    from anodeflow.analysis.trajectory import read_frames

    t = time.perf_counter()
    atoms = sum(len(f.positions) for f in read_frames(dump, {1: "Si"}))
    return {"seconds": time.perf_counter() - t, "atoms": atoms}


def case_read_ovito(dump: str) -> dict:
    from ovito.io import import_file

    t = time.perf_counter()
    pipeline = import_file(dump)
    atoms = sum(pipeline.compute(i).particles.count for i in range(pipeline.num_frames))
    return {"seconds": time.perf_counter() - t, "atoms": atoms}


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def run_case(name: str, dump: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--case", name, str(dump)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        result = CASES[sys.argv[2]](sys.argv[3])
        result["peak_MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "si_1M.lammpstrj"
        atoms = si_frame()
        write_dump(atoms, one, frames=3)
        print(f"frame: {len(atoms):,} Si atoms")
        prof, ident = run_case("profile", one), run_case("identify_diamond", one)
        print(f"profile          {prof['seconds']:7.2f} s  peak {prof['peak_MB']:7.0f} MB")
        print(f"IdentifyDiamond  {ident['seconds']:7.2f} s  peak {ident['peak_MB']:7.0f} MB")
        print(f"ratio profile / IdentifyDiamond = {prof['seconds'] / ident['seconds']:.2f}  (goal <= 1.5; "
              f"peak <= 2048 MB: {'yes' if prof['peak_MB'] <= 2048 else 'no'})")
        msd, ref = run_case("msd", one), run_case("msd_reference", one)
        print(f"MSD 10,000 atoms x 2,000 frames: anodeflow {msd['seconds']:.2f} s, per-atom numpy FFT "
              f"{ref['seconds']:.2f} s, ratio {msd['seconds'] / ref['seconds']:.2f}; peak {msd['peak_MB']:.0f} MB; "
              f"same MSD: {abs(msd['msd_last'] - ref['msd_last']) < 1e-6 * ref['msd_last']}")
        rd, ov = run_case("read", one), run_case("read_ovito", one)
        print(f"dump reading: anodeflow {rd['atoms'] / rd['seconds'] / 1e6:.2f} Matoms/s, OVITO "
              f"{ov['atoms'] / ov['seconds'] / 1e6:.2f} Matoms/s, ratio {ov['seconds'] / rd['seconds']:.2f}")


if __name__ == "__main__":
    main()
