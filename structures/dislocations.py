"""Dislocations: in diamond hosts with matscipy (cylinders periodic along the line, and periodic dipoles), and the
[001] screw of beta-Sn (Volterra field in a cylinder)."""

from __future__ import annotations

import math
import warnings

import numpy as np
from ase import Atoms

from anodeflow.errors import InputError
from anodeflow.structures.couples import REGIONS
from anodeflow.structures.crystals import CRYSTALS, bulk_crystal
from anodeflow.structures.sizes import atoms_in_volume, check_atoms, check_length

#: cubic elastic constants C11, C12, C44 (GPa) at room temperature
ELASTIC_CONSTANTS_GPA = {
    "Si": ((165.7, 63.9, 79.6), "McSkimin & Andreatch, J. Appl. Phys. 35 (1964) 2161"),
    "Ge": ((128.5, 48.3, 66.8), "McSkimin & Andreatch, J. Appl. Phys. 34 (1963) 651"),
    "alpha-Sn": ((69.0, 29.3, 36.2), "Price, Rowe & Nicklow, Phys. Rev. B 3 (1971) 1268 (90 K)"),
}
KINDS = {"60": "DiamondGlide60Degree", "screw": "DiamondGlideScrew"}
#: side of the dipole cell per glide distance of core separation, in lattice constants (matscipy's quadrupole)
DIPOLE_SIDE_PER_SEPARATION_A = 3 / (2 * math.sqrt(2))


def line_period_nm(host: str) -> float:
    """Period (nm) of a dislocation line along <110> of the diamond crystal ``host``."""
    return CRYSTALS[host].a_A / math.sqrt(2) / 10


def check_dislocation(host: str, kind: str) -> None:
    """A one-line error unless a ``kind`` dislocation can be built in the crystal ``host``."""
    if host not in ELASTIC_CONSTANTS_GPA:
        lattice = CRYSTALS[host].structure if host in CRYSTALS else "unknown"
        raise InputError(f"dislocations are not supported for host '{host}' (lattice {lattice}); "
                         f"supported: {', '.join(ELASTIC_CONSTANTS_GPA)} (diamond)")
    if kind not in KINDS:
        raise InputError(f"unknown dislocation kind '{kind}'; kinds: {', '.join(KINDS)}")


def _builder(host: str, kind: str, quadrupole: bool = False):
    """matscipy's dislocation builder of ``kind`` for the diamond crystal ``host`` (anisotropic
    elasticity), or its periodic quadrupole builder."""
    check_dislocation(host, kind)
    import matscipy.dislocation as md

    (c11, c12, c44), _ = ELASTIC_CONSTANTS_GPA[host]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # matscipy warns that atomman is absent and uses its own solver
        dislocation = getattr(md, KINDS[kind])
        constants = (CRYSTALS[host].a_A, c11, c12, c44)
        if quadrupole:
            return md.CubicCrystalDislocationQuadrupole(dislocation, *constants, symbol=CRYSTALS[host].element)
        return dislocation(*constants, symbol=CRYSTALS[host].element)


def build_dislocation(host: str = "Si", kind: str = "60", radius_nm: float = 2.0, length_cells: int = 5,
                      vacuum_nm: float = 0.0, fixed_width_nm: float = 0.5) -> Atoms:
    """A straight dislocation along z in a cylinder of ``radius_nm`` (anisotropic elastic field).

    ``kind``: ``60`` (60-degree glide, b = a/2<110>) or ``screw``; periodic along the line with
    ``length_cells`` repeats of the line period; free surfaces around the cylinder, with at least
    ``vacuum_nm`` of empty space to the cell faces in x and y. The outer ``fixed_width_nm`` shell
    is tagged region ``fixed`` (``atoms.arrays["region"]``, as in couples) to hold the elastic
    field. Built with matscipy; ``atoms.info`` holds ``burgers_A``, ``line_direction``, the line's
    position ``core_A`` (x, y) and its period ``line_period_A``. Other lattices (beta-Sn, A7 Sb)
    are not supported: matscipy's builders assume a cubic lattice.
    """
    if not radius_nm > 0 or length_cells < 1:
        raise InputError(f"need radius_nm > 0 and length_cells >= 1, got {radius_nm}, {length_cells}")
    if not vacuum_nm >= 0 or not 0 <= fixed_width_nm < radius_nm:
        raise InputError(f"need vacuum_nm >= 0 and 0 <= fixed_width_nm < radius_nm, got {vacuum_nm}, {fixed_width_nm}")
    check_dislocation(host, kind)
    check_atoms(atoms_in_volume(host, math.pi * radius_nm**2 * line_period_nm(host) * length_cells),
                f"a {host} dislocation cylinder of radius_nm={radius_nm:g} and length_cells={length_cells}")
    check_length("radius_nm", radius_nm)
    check_length("vacuum_nm", vacuum_nm, zero_ok=True)
    builder = _builder(host, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, disloc, fixed = builder.build_cylinder(10 * radius_nm, method="adsl", verbose=False, return_fix_mask=True,
                                                  fix_width=10 * fixed_width_nm)
    core = np.asarray(disloc.info["core_positions"][0][:2], float)
    disloc.set_constraint()
    for key in [k for k in disloc.arrays if disloc.arrays[k].dtype == bool]:
        del disloc.arrays[key]
    disloc.arrays["region"] = np.where(fixed, REGIONS["fixed"], REGIONS["host"])
    if vacuum_nm > 0:
        shift = disloc.positions[:, :2].min(axis=0) - 10 * vacuum_nm
        disloc.positions[:, :2] -= shift
        core -= shift
        cell = disloc.cell.array.copy()
        cell[0, 0], cell[1, 1] = disloc.positions[:, :2].max(axis=0) + 10 * vacuum_nm
        disloc.set_cell(cell)
    period = float(disloc.cell.array[2, 2])
    disloc = disloc.repeat((1, 1, length_cells))
    disloc.info.clear()
    disloc.info.update(burgers_A=[float(v) for v in builder.burgers], line_direction=list(map(int, builder.axes[2])),
                       kind=kind, pbc_line_only=True, core_A=core.tolist(),
                       line_period_A=period)
    disloc.pbc = (False, False, True)
    return disloc


def build_dislocation_dipole(host: str = "Si", kind: str = "60", separation: int = 8, length_cells: int = 3) -> Atoms:
    """A dislocation dipole (+b and -b lines along z) in a fully periodic cell: no free surface.

    matscipy's quadrupolar arrangement: the two cores are ``separation`` glide distances apart and
    the periodic images make the long-range fields cancel. ``length_cells`` repeats of the line
    period along z (DXA needs at least 3). ``atoms.info`` holds ``burgers_A`` (one vector per core, in
    the crystal frame), ``core_A`` (x, y of each core), ``line_direction`` and ``line_period_A``.
    """
    if separation < 2 or length_cells < 1:
        raise InputError(f"need separation >= 2 glide distances and length_cells >= 1, got {separation}, {length_cells}")
    check_dislocation(host, kind)
    side_nm = DIPOLE_SIDE_PER_SEPARATION_A * CRYSTALS[host].a_A / 10 * separation
    check_atoms(atoms_in_volume(host, side_nm**2 * line_period_nm(host) * length_cells),
                f"a {host} dislocation dipole of separation={separation} and length_cells={length_cells}")
    quadrupole = _builder(host, kind, quadrupole=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, dipole = quadrupole.build_quadrupole(glide_separation=separation, verbose=False)
    period = float(dipole.cell.array[2, 2])
    info = dipole.info
    dipole = Atoms(dipole.get_chemical_symbols(), positions=dipole.positions, cell=dipole.cell, pbc=True)
    dipole = dipole.repeat((1, 1, length_cells))
    dipole.info.update(burgers_A=[[float(v) for v in b] for b in info["burgers_vectors"]],
                       core_A=[[float(c[0]), float(c[1])] for c in info["core_positions"]],
                       line_direction=list(map(int, quadrupole.axes[2])), kind=kind, line_period_A=period)
    return dipole


def build_c_screw_dislocation(crystal: str = "beta-Sn", radius_nm: float = 2.0, length_cells: int = 5,
                              vacuum_nm: float = 1.0) -> Atoms:
    """A straight screw dislocation along the c axis of ``crystal`` (b = c, e.g. [001] in beta-Sn, one of its
    slip directions) in a cylinder of ``radius_nm``, periodic along the line with ``length_cells`` repeats of c
    and free surfaces at least ``vacuum_nm`` from the cell faces in x and y.

    The displacement is Volterra's u_z = b theta / (2 pi) about the line, which is exact in anisotropic elasticity
    for a screw along a 4-fold axis (C44 = C55). For crystals whose c axis is normal to a and b (beta-Sn and the
    cubic ones). ``atoms.info`` holds ``burgers_A``, ``line_direction``, ``core_A`` (x, y) and ``line_period_A``,
    as :func:`build_dislocation` does.
    """
    if crystal not in CRYSTALS:
        raise InputError(f"unknown crystal '{crystal}'; known: {', '.join(CRYSTALS)}")
    unit = bulk_crystal(crystal)
    cell = unit.cell.array
    if not np.allclose([cell[0, 2], cell[1, 2], cell[2, 0], cell[2, 1]], 0.0, atol=1e-6):
        raise InputError(f"crystal '{crystal}': its c axis is not normal to a and b; a c-axis screw needs one that is")
    if not radius_nm > 0 or length_cells < 1 or not vacuum_nm >= 0:
        raise InputError(f"need radius_nm > 0, length_cells >= 1 and vacuum_nm >= 0, got {radius_nm}, "
                         f"{length_cells}, {vacuum_nm}")
    period = float(cell[2, 2])
    check_atoms(atoms_in_volume(crystal, math.pi * radius_nm**2 * period / 10 * length_cells),
                f"a {crystal} screw dislocation cylinder of radius_nm={radius_nm:g} and length_cells={length_cells}")
    radius = 10 * radius_nm
    side = 2 * radius + 20 * vacuum_nm
    repeats = [int(math.ceil(2 * radius / np.linalg.norm(cell[i]))) + 2 for i in range(2)] + [length_cells]
    block = unit.repeat(repeats)
    centre = block.cell.array[:2, :2].sum(axis=0) / 2 + 0.25 * (cell[0, :2] + cell[1, :2]) + 0.1  # between columns
    xy = block.positions[:, :2] - centre
    keep = np.hypot(*xy.T) <= radius
    block = block[keep]
    xy = xy[keep]
    block.positions[:, 2] += period * np.arctan2(xy[:, 1], xy[:, 0]) / (2 * math.pi)
    block.positions[:, :2] = xy + side / 2
    block.set_cell([side, side, period * length_cells])
    block.wrap()
    block.pbc = (False, False, True)
    block.info.update(burgers_A=[0.0, 0.0, period], line_direction=[0, 0, 1], kind="screw", core_A=[side / 2, side / 2],
                      line_period_A=period)
    return block
