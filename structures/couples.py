"""Diffusion couples: an oriented crystalline host slab against a carrier reservoir."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

import numpy as np
from ase import Atoms
from ase.lattice.cubic import BodyCenteredCubic, Diamond
from ase.neighborlist import neighbor_list

from anodeflow.errors import InputError, require_positive
from anodeflow.structures.crystals import CRYSTALS, CUBIC_HOSTS, HOST_CRYSTALS, parse_system

#: integer codes of ``atoms.arrays["region"]``
REGIONS = {"host": 0, "reservoir": 1, "fixed": 2}
MAX_MILLER = 6
_LATTICES = {"diamond": Diamond, "bcc": BodyCenteredCubic}


def parse_miller(miller: str | Sequence[int]) -> tuple[int, int, int]:
    """``"110"``, ``"1,1,0"``, ``"1 -1 0"`` or a sequence -> reduced (h, k, l)."""
    if isinstance(miller, str):
        text = miller.strip().strip("()[]")
        compact = re.fullmatch(r"(-?\d){3}", text)
        parts = re.findall(r"-?\d", text) if compact else text.replace(",", " ").split()
        try:
            hkl = tuple(int(p) for p in parts)
        except ValueError:
            raise InputError(f"orientation '{miller}' is not a Miller index such as 110 or 1,1,1") from None
    else:
        hkl = tuple(int(v) for v in miller)
    if len(hkl) != 3 or not any(hkl):
        raise InputError(f"orientation '{miller}' must be three integers, not all zero, e.g. 110")
    if max(abs(v) for v in hkl) > MAX_MILLER:
        raise InputError(f"orientation '{miller}': indices above {MAX_MILLER} are not supported")
    g = math.gcd(*hkl)
    return tuple(v // g for v in hkl)


def orthogonal_directions(hkl: Sequence[int]) -> tuple[list[int], list[int], list[int]]:
    """Right-handed integer directions (u, v, n) of a cubic lattice with n = [hkl] along z."""
    n = np.array(hkl)
    candidates = [np.array(c) for c in itertools.product(range(-3, 4), repeat=3) if any(c)]
    u = min((c for c in candidates if c @ n == 0), key=lambda c: (c @ c, tuple(-c)))
    v = np.cross(n, u)
    v //= math.gcd(*v)
    return u.tolist(), v.tolist(), n.tolist()


def _oriented(element: str, directions, size, a_A: float | None) -> Atoms:
    spec = CRYSTALS[element]
    lattice = _LATTICES[spec.structure]
    return lattice(directions=list(directions), size=size, symbol=element,
                   latticeconstant=spec.a_A if a_A is None else a_A, pbc=True)


def cut_in_widest_gap(unit: Atoms, tolerance_A: float = 0.05) -> Atoms:
    """Shift ``unit`` (periodic along z) so its z-boundary falls in the widest gap between atomic
    planes: the slab then breaks the fewest bonds (diamond (111): whole bilayers, cut in the
    2.35 A shuffle gap, not between the 0.78 A-spaced planes of one bilayer). Unchanged when the
    boundary gap is already within ``tolerance_A`` of the widest."""
    lz = unit.cell[2, 2]
    fraction = np.mod(np.round(unit.positions[:, 2] / lz, 6), 1.0)  # a plane at lz - 1e-9 folds onto 0
    planes = np.unique(np.round(fraction * lz, 3))
    gaps = np.diff(np.append(planes, planes[0] + lz))  # gaps[i]: above planes[i]; gaps[-1] wraps
    if gaps[-1] >= gaps.max() - tolerance_A:
        return unit
    shifted = unit.copy()
    shifted.positions[:, 2] = np.mod(shifted.positions[:, 2] - planes[np.argmax(gaps) + 1] + 1e-3, lz) - 1e-3
    return shifted


def min_distance(atoms: Atoms, cutoff: float = 4.0) -> float:
    """Smallest interatomic distance (A), periodic images included."""
    d = neighbor_list("d", atoms, cutoff)
    return float(d.min()) if len(d) else cutoff


def build_couple(
    system: str = "Li-Si",
    miller: str | Sequence[int] = (1, 1, 0),
    host_thickness_nm: float = 2.0,
    reservoir_thickness_nm: float = 2.0,
    size_nm: float = 2.0,
    interface_gap_A: float = 2.2,
    fixed_thickness_nm: float = 0.0,
    vacuum_nm: float = 0.0,
    host_a_A: float | None = None,
    min_distance_A: float = 1.8,
) -> Atoms:
    """Host slab with (hkl) normal to z against a bcc carrier reservoir, periodic in x, y, z.

    The reservoir is a bcc crystal strained in-plane to the host's period and compressed or
    stretched along z so its density stays that of the unstrained metal. With ``vacuum_nm=0``
    the cell is periodic along z and holds two interfaces. ``fixed_thickness_nm`` tags a host
    layer (slab centre if periodic, bottom with vacuum) as region ``fixed``.

    ``atoms.info`` records ``miller``, ``reservoir_strain`` (x, y), ``min_distance_A``, ``area_A2``,
    ``host_thickness_A`` and ``n_interfaces``.
    """
    carrier, host = parse_system(system)
    if host not in CUBIC_HOSTS:
        raise InputError(f"interface couples are built for cubic hosts ({', '.join(CUBIC_HOSTS)}); "
                         f"{host} ({HOST_CRYSTALS[host]}) slabs are not supported yet")
    hkl = parse_miller(miller)
    require_positive(host_thickness_nm=host_thickness_nm, reservoir_thickness_nm=reservoir_thickness_nm,
                     size_nm=size_nm, interface_gap_A=interface_gap_A)
    if fixed_thickness_nm < 0 or vacuum_nm < 0:
        raise InputError("fixed_thickness_nm and vacuum_nm must be >= 0")

    directions = orthogonal_directions(hkl)
    unit = cut_in_widest_gap(_oriented(host, directions, (1, 1, 1), host_a_A))
    lx, ly, lz = unit.cell.lengths()
    reps = tuple(max(1, round(t / L)) for t, L in ((10 * size_nm, lx), (10 * size_nm, ly), (10 * host_thickness_nm, lz)))
    slab = unit.repeat(reps)
    Lx, Ly, Hz = slab.cell.lengths()

    a_c = CRYSTALS[carrier].a_A
    mx, my = max(1, round(Lx / a_c)), max(1, round(Ly / a_c))
    strain = (Lx / (mx * a_c) - 1.0, Ly / (my * a_c) - 1.0)
    a_z = a_c / ((1 + strain[0]) * (1 + strain[1]))
    mz = max(1, round(10 * reservoir_thickness_nm / a_z))
    res = _oriented(carrier, ([1, 0, 0], [0, 1, 0], [0, 0, 1]), (mx, my, mz), None)
    res.set_cell(np.diag([Lx, Ly, mz * a_z]), scale_atoms=True)

    # plane-to-plane spacing across each interface equals interface_gap_A
    zh, zr = slab.positions[:, 2], res.positions[:, 2]
    zh_shift, zr_shift = -zh.min(), -zr.min()
    host_span = zh.max() - zh.min()
    res_span = zr.max() - zr.min()
    res.positions[:, 2] += zr_shift + host_span + interface_gap_A
    slab.positions[:, 2] += zh_shift
    Lz = host_span + res_span + 2 * interface_gap_A
    if vacuum_nm > 0:
        Lz += 10 * vacuum_nm - interface_gap_A

    atoms = slab + res
    atoms.set_cell([Lx, Ly, Lz])
    atoms.pbc = True
    region = np.array([REGIONS["host"]] * len(slab) + [REGIONS["reservoir"]] * len(res))
    if fixed_thickness_nm > 0:
        z = atoms.positions[:, 2]
        if vacuum_nm > 0:
            mask = z < 10 * fixed_thickness_nm
        else:
            mask = np.abs(z - host_span / 2) < 5 * fixed_thickness_nm
        region[(region == REGIONS["host"]) & mask] = REGIONS["fixed"]
    atoms.arrays["region"] = region

    dmin = min_distance(atoms)
    if dmin < min_distance_A:
        raise InputError(
            f"couple has atoms {dmin:.2f} A apart (< min_distance_A={min_distance_A}); "
            f"increase interface_gap_A (now {interface_gap_A})"
        )
    atoms.info.update(
        system=system, miller="".join(str(v) for v in hkl), reservoir_strain=strain,
        min_distance_A=dmin, area_A2=Lx * Ly, host_thickness_A=Hz,
        n_interfaces=1 if vacuum_nm > 0 else 2,
    )
    return atoms
