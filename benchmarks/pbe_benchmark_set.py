"""PBE energies, forces and stresses of a benchmark set of small Na-Sn and Na-Sb cells, made with the
package's CP2K route; the set that teachers and fitted potentials are scored on.

    python benchmarks/pbe_benchmark_set.py [--systems Na-Sn,Na-Sb] [--cutoff-Ry 400] [--kpoint-density 100]
        [--out potentials/data/pbe_na_host_set.extxyz] [--resume]

Cells per system (``cells``): the host crystal strained (volume -4 / +4 %, axial +3 %, shear 2 %) and
rattled supercells; a competing polymorph rattled; bcc Na strained and rattled; the tabulated alloy
phases (``structures.phases``) that have at most ``--max-atoms`` atoms, rattled; one Na interstitial in
the host; random-packing alloys at x = 0.5 and 0.75 (hot, liquid-like snapshots); and an interface-like
cell (host slab plus a Na layer). Every rattle is seeded, so the set is reproducible.

CP2K PBE, DZVP-MOLOPT-SR-GTH / GTH-PBE, Fermi-Dirac 500 K, the symmetric Gamma-centred mesh of
``--kpoint-density`` (``workflows.dft.kpoint_mesh``). The extxyz holds energy (eV), forces (eV/A) and
stress (eV/A^3, ASE's sign) per frame with ``config_type`` and the wall time of each frame; a JSON
beside it records the settings, the CP2K version, the command and the total wall time. Frames are
appended as they finish, so an interrupted run keeps what it made; ``--resume`` labels only the cells
after those already in the file (the cells are seeded, so the order is the same).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from ase import Atoms

from cp2k_reference import provenance, single_point

from anodeflow.structures.crystals import HOST_CRYSTALS, bulk_crystal, parse_system, polymorph, primitive_cell

COMPETITOR = {"Sn": "sh-Sn", "Sb": "sc-Sb"}


def strained(atoms: Atoms, matrix) -> Atoms:
    out = atoms.copy()
    out.set_cell(atoms.cell.array @ (np.eye(3) + np.asarray(matrix)), scale_atoms=True)
    return out


def rattled(atoms: Atoms, amplitude_A: float, seed: int) -> Atoms:
    out = atoms.copy()
    out.rattle(amplitude_A, seed=seed)
    return out


def with_interstitial(host: Atoms, element: str, grid: int = 24, min_distance_A: float = 2.7) -> Atoms:
    """``host`` plus one ``element`` atom at the grid point farthest from every host atom; host atoms
    closer than ``min_distance_A`` (A) are pushed out along the line to it."""
    from ase.geometry import get_distances

    fractions = np.stack(np.meshgrid(*[np.arange(grid) / grid] * 3, indexing="ij"), -1).reshape(-1, 3)
    points = fractions @ host.cell.array
    _, distances = get_distances(points, host.positions, cell=host.cell, pbc=True)
    best = points[np.argmax(distances.min(axis=1))]
    out = host + Atoms(element, positions=[best])
    vectors = out.get_distances(len(host), range(len(host)), mic=True, vector=True)
    lengths = np.linalg.norm(vectors, axis=1)
    close = lengths < min_distance_A
    out.positions[:len(host)][close] += vectors[close] * (min_distance_A / lengths[close] - 1)[:, None]
    return out


def interface_like(host: Atoms, carrier: str, gap_A: float, seed: int, max_tries: int = 10000) -> Atoms:
    """``host`` with its c axis opened by ``gap_A`` (A) and filled with carrier atoms at about the
    density of bcc Na (one per 48 A^3), placed at random at least 2.8 A from each other and the host."""
    rng = np.random.default_rng(seed)
    out = host.copy()
    c = out.cell.array[2]
    out.set_cell(out.cell.array + np.outer([0, 0, 1], c / np.linalg.norm(c) * gap_A), scale_atoms=False)
    area = np.linalg.norm(np.cross(*out.cell.array[:2]))
    n_carrier = max(1, round(area * gap_A / 48.0))
    top = host.positions[:, 2].max()
    for _ in range(max_tries):
        if sum(s == carrier for s in out.get_chemical_symbols()) == n_carrier:
            return out
        trial = out + Atoms(carrier, positions=[rng.random(2) @ out.cell.array[:2]
                                                + [0, 0, top + 1.4 + rng.random() * (gap_A - 2.8)]])
        if min(trial.get_distances(len(trial) - 1, range(len(trial) - 1), mic=True)) > 2.8:
            out = trial
    raise RuntimeError(f"could not place {n_carrier} {carrier} atoms in a {gap_A} A gap")


def cells(system: str, max_atoms: int) -> list[tuple[str, Atoms]]:
    """(config type, cell) of the benchmark set of ``system``."""
    from anodeflow.structures.amorphous import random_alloy
    from anodeflow.structures.phases import build_phase, phase_names

    carrier, host = parse_system(system)
    crystal = bulk_crystal(HOST_CRYSTALS[host])
    sodium = bulk_crystal(carrier)
    out = [("host strained", strained(crystal, np.diag([s, s, s]))) for s in (-0.0134, 0.0132)]
    out += [("host strained", strained(crystal, np.diag([0, 0, 0.03]))),
            ("host strained", strained(crystal, [[0, 0.02, 0], [0.02, 0, 0], [0, 0, 0]]))]
    supercell = crystal.repeat((1, 1, 2) if len(crystal) < 6 else (1, 1, 1))
    out += [("host rattled", rattled(supercell, amp, seed)) for amp, seed in ((0.05, 1), (0.1, 2), (0.15, 3))]
    out.append(("competing polymorph rattled", rattled(primitive_cell(polymorph(COMPETITOR[host])).repeat(2), 0.1, 4)))
    out += [(f"{carrier} strained", strained(sodium, np.diag([s, s, s]))) for s in (-0.02, 0.02)]
    out.append((f"{carrier} rattled", rattled(sodium.repeat(2), 0.1, 5)))
    for name in phase_names(system, buildable=True):
        phase = primitive_cell(build_phase(name))
        if len(phase) <= max_atoms:
            out.append((f"alloy phase {name} rattled", rattled(phase, 0.05, 6)))
    out.append((f"{carrier} interstitial in host", with_interstitial(supercell.repeat((2, 2, 1)) if len(supercell) < 12
                                                                        else supercell, carrier)))
    for x, seed in ((0.5, 7), (0.75, 8)):
        out.append((f"random alloy x={x}", random_alloy(system, x, n_atoms=16, min_distance_A=2.6, seed=seed)))
    out.append(("interface-like", interface_like(supercell, carrier, 7.0, seed=9)))
    return out


def main() -> None:
    from ase.io import read, write

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--systems", default="Na-Sn,Na-Sb")
    parser.add_argument("--cutoff-Ry", type=float, default=400.0)
    parser.add_argument("--kpoint-density", type=int, default=100)
    parser.add_argument("--max-atoms", type=int, default=32)
    parser.add_argument("--out", type=Path, default=Path("potentials/data/pbe_na_host_set.extxyz"))
    parser.add_argument("--resume", action="store_true", help="keep the frames already in --out, label the rest")
    args = parser.parse_args()
    start = time.time()
    meta = {**provenance(args.cutoff_Ry, args.kpoint_density), "frames": 0}
    done, spent_s = 0, 0
    if args.resume and args.out.exists():
        done = len(read(args.out, index=":"))
        spent_s = json.loads(args.out.with_suffix(".json").read_text()).get("wall_time_s", 0)
        meta["frames"] = done
    else:
        args.out.unlink(missing_ok=True)
    todo = [(system, *cell) for system in args.systems.split(",") for cell in cells(system, args.max_atoms)]
    meta["cells"] = len(todo)
    with TemporaryDirectory() as tmp:
        for system, config_type, atoms in todo[done:]:
            t = time.time()
            frame, mesh = single_point(atoms, args.cutoff_Ry, args.kpoint_density, Path(tmp))
            frame.info["kpoint_mesh"] = " ".join(map(str, mesh))
            frame.info.update(system=system, config_type=config_type, wall_time_s=round(time.time() - t, 1))
            write(args.out, frame, format="extxyz", append=True)
            meta["frames"] += 1
            meta["complete"] = meta["frames"] == len(todo)
            meta["wall_time_s"] = spent_s + round(time.time() - start)
            args.out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
            print(f"{system} {config_type} ({len(atoms)} atoms): {frame.info['wall_time_s']} s", flush=True)
    print(f"wrote {meta['frames']} frames to {args.out} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
