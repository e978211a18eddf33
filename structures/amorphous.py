"""Amorphous alloy start cells: random packings at a target density with a minimum distance.

The melt-quench that turns such a packing into a glass is a LAMMPS workflow
(:class:`anodeflow.workflows.md.MeltQuenchMaker`); its NPT stages set the final density.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms

from anodeflow.errors import InputError
from anodeflow.structures.couples import min_distance
from anodeflow.structures.crystals import HOST_CRYSTALS, number_density_A3, parse_system
from anodeflow.structures.phases import volume_anchors
from anodeflow.structures.sizes import check_atoms


def volume_per_atom_A3(system: str, carrier_fraction: float) -> float:
    """Volume per atom (A^3) of an alloy with atomic carrier fraction ``carrier_fraction``.

    Piecewise-linear between the elemental crystals and the system's measured alloy phases
    (:func:`anodeflow.structures.phases.volume_anchors`).
    """
    carrier, host = parse_system(system)
    if not 0.0 <= carrier_fraction <= 1.0:
        raise InputError(f"carrier fraction must be in [0, 1], got {carrier_fraction}")
    points = [(0.0, 1.0 / number_density_A3(HOST_CRYSTALS[host])), (1.0, 1.0 / number_density_A3(carrier))]
    points += [(f, v) for f, v, _ in volume_anchors(system)]
    f, v = np.array(sorted(points)).T
    return float(np.interp(carrier_fraction, f, v))


def default_min_distance_A(system: str) -> float:
    """0.75 x the shorter elemental nearest-neighbour distance (A)."""
    from ase.neighborlist import neighbor_list

    from anodeflow.structures.crystals import bulk_crystal

    carrier, host = parse_system(system)
    nearest = [float(neighbor_list("d", bulk_crystal(name).repeat(2), 5.0).min())
               for name in (HOST_CRYSTALS[host], carrier)]
    return 0.75 * min(nearest)


def random_alloy(system: str, carrier_fraction: float, n_atoms: int = 256, volume_per_atom: float | None = None,
                 min_distance_A: float | None = None, seed: int = 0, max_tries: int = 2000,
                 lateral_A: tuple[float, float] | None = None) -> Atoms:
    """A periodic random packing of ``n_atoms`` at carrier fraction x (atomic).

    The box is cubic, or ``lateral_A`` (x, y lengths in A) with the height the density asks
    for. Density from :func:`volume_per_atom_A3` unless ``volume_per_atom`` (A^3) is given; no
    two atoms closer than ``min_distance_A``. ``atoms.info`` records x, the density and the
    smallest distance. Raises ``InputError`` if the packing cannot satisfy the distance.
    """
    carrier, host = parse_system(system)
    if n_atoms < 2:
        raise InputError(f"n_atoms must be >= 2, got {n_atoms}")
    check_atoms(n_atoms, f"n_atoms={n_atoms}")
    v = volume_per_atom or volume_per_atom_A3(system, carrier_fraction)
    if not (v > 0 and np.isfinite(v)):
        raise InputError(f"volume per atom must be a finite number > 0 A^3, got {v}")
    d_min = default_min_distance_A(system) if min_distance_A is None else min_distance_A
    n_carrier = int(round(carrier_fraction * n_atoms))
    if lateral_A is None:
        box = np.full(3, (v * n_atoms) ** (1.0 / 3.0))
    else:
        box = np.array([*lateral_A, v * n_atoms / (lateral_A[0] * lateral_A[1])])
    rng = np.random.default_rng(seed)
    positions = np.empty((n_atoms, 3))
    for i in range(n_atoms):
        for _ in range(max_tries):
            trial = rng.random(3) * box
            delta = positions[:i] - trial
            delta -= box * np.round(delta / box)
            if i == 0 or np.einsum("ij,ij->i", delta, delta).min() >= d_min**2:
                positions[i] = trial
                break
        else:
            raise InputError(f"cannot place {n_atoms} atoms {d_min:.2f} A apart at {v:.3g} A^3/atom; "
                             "lower min_distance_A or raise the volume per atom")
    symbols = [carrier] * n_carrier + [host] * (n_atoms - n_carrier)
    rng.shuffle(symbols)
    atoms = Atoms(symbols, positions=positions, cell=box, pbc=True)
    atoms.info.update(system=system, carrier_fraction=n_carrier / n_atoms, volume_per_atom_A3=v,
                      min_distance_A=min_distance(atoms, cutoff=d_min + 1.0))
    return atoms

