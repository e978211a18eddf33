"""Nanowires: a crystalline host cylinder along [uvw], optionally inside a carrier shell."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from ase import Atoms

from anodeflow.errors import InputError, require_positive
from anodeflow.structures.couples import REGIONS, host_crystal_name, min_distance
from anodeflow.structures.crystals import CARRIERS, CRYSTALS, HOST_CRYSTALS, bulk_crystal
from anodeflow.structures.orient import oriented_unit, parse_miller, smallest_integer_multiple
from anodeflow.structures.sizes import check_atoms, check_length, nanowire_atoms


def axis_unit(crystal: str, axis: str | Sequence[int]) -> Atoms:
    """Orthorhombic cell of ``crystal`` with the lattice direction [uvw] along z.

    The cross-section is the lattice plane normal to [uvw]; raises ``InputError`` when no lattice
    plane is normal to it (e.g. beta-Sn [101], whose c/a is irrational).
    """
    uvw = np.array(parse_miller(axis))
    bulk = bulk_crystal(crystal)
    normal = bulk.cell.array @ bulk.cell.array.T @ uvw  # plane indices of the normal to [uvw]
    normal = normal / np.abs(normal).max()
    k = smallest_integer_multiple(normal, 24)
    hkl = None if k is None else np.round(k * normal).astype(int)
    if hkl is not None:
        unit = oriented_unit(bulk, hkl // math.gcd(*hkl))
        if unit.info["orthogonal"] and np.linalg.norm(np.cross(unit.info["hkl_vectors"][2], uvw)) < 1e-6:
            return unit
    raise InputError(f"axis {uvw.tolist()} of {crystal} is not normal to a lattice plane with a period along it; "
                     "choose a symmetry axis such as [100], [001] or [110]")


def _check_wire_lengths(crystal: str, diameter_nm: float, length_nm: float, vacuum_nm: float, shell: str | None,
                        shell_thickness_nm: float) -> None:
    """Refuse nanowire lengths (nm) that are not finite and in range, or that would make more atoms than the
    ``max_atoms`` setting (counted before anything is built)."""
    require_positive(diameter_nm=diameter_nm, length_nm=length_nm)
    if not (vacuum_nm >= 0 and shell_thickness_nm >= 0):
        raise InputError(f"vacuum_nm and shell_thickness_nm must be >= 0, got {vacuum_nm} and {shell_thickness_nm}")
    check_atoms(nanowire_atoms(crystal, diameter_nm, length_nm, shell, shell_thickness_nm),
                f"a {CRYSTALS[crystal].element} nanowire of diameter_nm={diameter_nm:g}, length_nm={length_nm:g} and "
                f"shell_thickness_nm={shell_thickness_nm:g}")
    for name, value in (("diameter_nm", diameter_nm), ("length_nm", length_nm)):
        check_length(name, value)
    for name, value in (("vacuum_nm", vacuum_nm), ("shell_thickness_nm", shell_thickness_nm)):
        check_length(name, value, zero_ok=True)


def build_nanowire(
    host: str = "Si",
    axis: str | Sequence[int] = (1, 1, 0),
    diameter_nm: float = 3.0,
    length_nm: float = 2.0,
    vacuum_nm: float = 1.0,
    shell: str | None = None,
    shell_thickness_nm: float = 0.0,
    shell_gap_A: float = 2.2,
    min_distance_A: float = 1.8,
    host_crystal: str | None = None,
) -> Atoms:
    """Cylinder of ``host`` with its axis along [uvw] = z, periodic along z, vacuum around it.

    Any host (Si, Ge, beta-Sn, Sb; ``host_crystal`` for another crystal of the element, e.g.
    alpha-Sn); [uvw] is a direction of the crystal's conventional cell (three indices).

    ``shell`` (a carrier element, e.g. "Li") adds a bcc carrier annulus of ``shell_thickness_nm``
    at the metal's density, ``shell_gap_A`` outside the host surface. ``atoms.info`` holds
    ``axis``, ``diameter_nm`` (measured: twice the largest radial distance of a host atom from
    the axis), ``host_radius_A``, ``length_nm`` and ``min_distance_A``.
    """
    if host not in HOST_CRYSTALS:
        raise InputError(f"unknown host '{host}'; hosts: {', '.join(HOST_CRYSTALS)}")
    crystal = host_crystal_name(host, host_crystal)
    unit = axis_unit(crystal, axis)
    uvw = parse_miller(axis)
    if shell is not None and shell not in CARRIERS:
        raise InputError(f"unknown shell element '{shell}'; carriers: {', '.join(CARRIERS)}")
    _check_wire_lengths(crystal, diameter_nm, length_nm, vacuum_nm, shell, shell_thickness_nm)

    radius = 5.0 * diameter_nm
    lx, ly, lz = unit.cell.lengths()
    nz = max(1, round(10 * length_nm / lz))
    outer = radius + (shell_gap_A + 10 * shell_thickness_nm if shell else 0.0)
    nx, ny = (int(np.ceil(2 * outer / L)) + 1 for L in (lx, ly))
    block = unit.repeat((nx, ny, nz))
    centre = np.array([nx * lx / 2, ny * ly / 2])
    r = np.linalg.norm(block.positions[:, :2] - centre, axis=1)
    wire = block[r <= radius]
    if len(wire) == 0:
        raise InputError(f"diameter {diameter_nm} nm holds no {host} atom; use a larger diameter")
    box_xy = 2 * outer + 20 * vacuum_nm
    shift = box_xy / 2 - centre
    wire.positions[:, :2] += shift
    wire.set_cell([box_xy, box_xy, nz * lz])
    wire.pbc = True
    region = [REGIONS["host"]] * len(wire)
    atoms = wire
    if shell and shell_thickness_nm > 0:
        a_c = CRYSTALS[shell].a_A
        m = int(np.ceil(box_xy / a_c))
        mz = max(1, round(nz * lz / a_c))
        res = bulk_crystal(shell).repeat((m, m, mz))
        res.positions[:, 2] *= nz * lz / (mz * a_c)  # match the wire period, keep x-y spacing
        res.positions[:, 0:2] *= (mz * a_c / (nz * lz)) ** 0.5  # and restore the metal's density
        rr = np.linalg.norm(res.positions[:, :2] - box_xy / 2, axis=1)
        keep = (rr >= radius + shell_gap_A) & (rr <= outer) & (res.positions[:, 2] < nz * lz)
        ring = res[keep]
        atoms = wire + ring
        region += [REGIONS["reservoir"]] * len(ring)
    atoms.set_cell([box_xy, box_xy, nz * lz])
    atoms.pbc = True
    atoms.arrays["region"] = np.array(region)
    dmin = min_distance(atoms)
    if dmin < min_distance_A:
        raise InputError(f"nanowire has atoms {dmin:.2f} A apart (< {min_distance_A} A); increase shell_gap_A")
    host_r = np.linalg.norm(wire.positions[:, :2] - box_xy / 2, axis=1)
    atoms.info.update(axis="".join(map(str, uvw)), host_radius_A=float(host_r.max()),
                      diameter_nm=float(2 * host_r.max() / 10), min_distance_A=dmin, length_nm=nz * lz / 10)
    return atoms
