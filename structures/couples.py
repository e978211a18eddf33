"""Diffusion couples: an oriented crystalline host slab against a carrier or alloy reservoir."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list

from anodeflow.errors import InputError, require_positive
from anodeflow.structures.crystals import CRYSTALS, FRONT_HOSTS, HOST_CRYSTALS, bulk_crystal, parse_system
from anodeflow.structures.orient import orthorhombic, plane_unit, slab, smallest_integer_multiple
from anodeflow.structures.sizes import check_atoms, check_length, couple_atoms

#: integer codes of ``atoms.arrays["region"]``
REGIONS = {"host": 0, "reservoir": 1, "fixed": 2}
#: reservoir kinds besides the names of crystalline alloy phases (``anodeflow.structures.PHASES``)
RESERVOIRS = ("bcc", "amorphous")


def min_distance(atoms: Atoms, cutoff: float = 4.0) -> float:
    """Smallest interatomic distance (A), periodic images included."""
    d = neighbor_list("d", atoms, cutoff)
    return float(d.min()) if len(d) else cutoff


def host_crystal_name(host: str, crystal: str | None = None) -> str:
    """The ``CRYSTALS`` key of the host slab: ``crystal`` if given (e.g. alpha-Sn), else the host's default;
    only hosts whose fronts the analyses follow (``FRONT_HOSTS``) make slabs and wires."""
    if host not in FRONT_HOSTS:
        raise InputError(f"no couples or nanowires of host '{host}': its crystallinity is not classified; "
                         f"hosts with fronts: {', '.join(FRONT_HOSTS)}")
    name = crystal or HOST_CRYSTALS[host]
    if name not in CRYSTALS or CRYSTALS[name].element != host:
        known = [k for k, spec in CRYSTALS.items() if spec.element == host]
        raise InputError(f"host crystal '{name}' is not a crystal of {host}; choose one of {', '.join(known)}")
    return name


def host_unit(crystal: str, miller: str | Sequence[int], a_A: float | None = None) -> Atoms:
    """Oriented unit of ``crystal`` with plane (hkl) normal to z, cut in the widest interplanar gap.

    ``a_A`` rescales the crystal (its c/a kept); hexagonal crystals accept four-index (hkil)
    input. ``atoms.info["hkl"]`` holds the reduced three-index plane.
    """
    return plane_unit(bulk_crystal(crystal, a_A), miller, CRYSTALS[crystal].spacegroup)


def bcc_reservoir(carrier: str, lateral_A: tuple[float, float], thickness_nm: float) -> tuple[Atoms, tuple]:
    """bcc carrier (100) strained in-plane to ``lateral_A`` and along z so it keeps the metal's density.

    Returns the block and its strain (xx, yy, xy).
    """
    a_c = CRYSTALS[carrier].a_A
    Lx, Ly = lateral_A
    mx, my = max(1, round(Lx / a_c)), max(1, round(Ly / a_c))
    strain = (Lx / (mx * a_c) - 1.0, Ly / (my * a_c) - 1.0, 0.0)
    a_z = a_c / ((1 + strain[0]) * (1 + strain[1]))
    mz = max(1, round(10 * thickness_nm / a_z))
    block = bulk_crystal(carrier).repeat((mx, my, mz))
    block.set_cell(np.diag([Lx, Ly, mz * a_z]), scale_atoms=True)
    return block, strain


def phase_reservoir(phase: str, lateral_unit_A: tuple[float, float], thickness_nm: float, target_area_A2: float,
                    miller: str | Sequence[int] = (0, 0, 1), max_strain: float = 0.03) -> tuple[Atoms, tuple, tuple]:
    """A crystalline alloy phase, plane (hkl) up, lattice-matched onto a rectangular host cell.

    pymatgen's Zur-McGill (ZSL) search pairs supercells of the phase's plane with supercells
    (m a, n b) of the host's rectangle ``lateral_unit_A`` (lengths and angle within
    ``max_strain``); the match whose area is the smallest at or above half ``target_area_A2``
    is taken. The phase is strained onto it, its layer spacing scaled to keep its density.
    Returns (block, strain (xx, yy, xy) in the host frame, host repeats (m, n)).
    """
    from ase.build import make_supercell
    from pymatgen.analysis.interfaces.zsl import ZSLGenerator
    from scipy.linalg import sqrtm

    from anodeflow.structures.phases import build_phase

    film_bulk = build_phase(phase)
    unit = plane_unit(film_bulk, miller, film_bulk.info["spacegroup"])
    film = unit.cell.array[:2, :2]  # the phase's in-plane rectangle (A)
    generator = ZSLGenerator(max_area=max(2.5 * target_area_A2, 2 * film[0, 0] * film[1, 1]),
                             max_length_tol=max_strain, max_angle_tol=max_strain)
    best = None
    for match in generator(unit.cell.array[:2], np.diag([*lateral_unit_A, 0.0])[:2]):
        s = np.asarray(match.substrate_sl_vectors, float)[:, :2]
        area = abs(np.linalg.det(s))
        # the host supercell as an axis-aligned rectangle (m a, n b), if its lattice holds one
        coeffs = np.linalg.solve(s.T, np.diag(lateral_unit_A))  # columns: a, b in the s basis
        mn = [smallest_integer_multiple(column, 60) for column in coeffs.T]
        if None in mn or not np.isclose(mn[0] * mn[1] * lateral_unit_A[0] * lateral_unit_A[1], area, rtol=1e-6):
            continue
        K = np.round(np.array([mn[0] * coeffs[:, 0], mn[1] * coeffs[:, 1]])).astype(int)
        f = K @ np.asarray(match.film_sl_vectors, float)[:, :2]
        target = np.diag([mn[0] * lateral_unit_A[0], mn[1] * lateral_unit_A[1]])
        F = (np.linalg.solve(f, target)).T  # film -> host, column convention
        strain = np.real(sqrtm(F @ F.T)) - np.eye(2)
        key = (area < 0.5 * target_area_A2, area, float(np.abs(strain).max()))
        if best is None or key < best[0]:
            best = (key, f, tuple(mn), target, strain, np.linalg.det(F))
    if best is None:
        raise InputError(f"no lattice match of {phase}{tuple(unit.info['hkl_vectors'][2])} onto this host plane within "
                         f"{max_strain:.0%} strain and {2.5 * target_area_A2 / 100:.0f} nm^2; try another host or "
                         "phase plane, a larger size_nm or max_strain")
    _, f, mn, target, strain, area_ratio = best
    M = np.round(f @ np.linalg.inv(film)).astype(int)  # the match's phase vectors: f = M @ film
    if np.linalg.det(M) < 0:  # a right-handed supercell: flip the second vector and its target
        M[1] *= -1
        target[1] *= -1
    P = np.zeros((3, 3), int)
    P[:2, :2], P[2, 2] = M, max(1, round(10 * thickness_nm / unit.cell[2, 2]))
    block = make_supercell(unit, P)
    deformation = np.eye(3)
    deformation[:2, :2] = np.linalg.solve(M @ film, target).T
    deformation[2, 2] = 1.0 / area_ratio  # keeps the volume per atom
    block.set_cell(block.cell.array @ deformation.T, scale_atoms=True)
    return orthorhombic(block), (float(strain[0, 0]), float(strain[1, 1]), float(strain[0, 1])), mn


def _check_couple_lengths(system: str, host_thickness_nm: float, reservoir_thickness_nm: float, size_nm: float,
                          fixed_thickness_nm: float, vacuum_nm: float) -> None:
    """Refuse couple lengths (nm) that are not finite and in range, or that would make more atoms than the
    ``max_atoms`` setting (counted before anything is built)."""
    lengths = {"host_thickness_nm": host_thickness_nm, "reservoir_thickness_nm": reservoir_thickness_nm,
               "size_nm": size_nm}
    require_positive(**lengths)
    if not (fixed_thickness_nm >= 0 and vacuum_nm >= 0):
        raise InputError(f"fixed_thickness_nm and vacuum_nm must be >= 0, got {fixed_thickness_nm} and {vacuum_nm}")
    check_atoms(couple_atoms(system, size_nm, host_thickness_nm, reservoir_thickness_nm),
                f"a {system} couple of size_nm={size_nm:g}, host_thickness_nm={host_thickness_nm:g} and "
                f"reservoir_thickness_nm={reservoir_thickness_nm:g}")
    for name, value in lengths.items():
        check_length(name, value)
    check_length("fixed_thickness_nm", fixed_thickness_nm, zero_ok=True)
    check_length("vacuum_nm", vacuum_nm, zero_ok=True)


def _check_reservoir(system: str, reservoir: str, reservoir_x: float | None) -> None:
    """Raise InputError unless ``reservoir`` (and its carrier fraction) is one :func:`build_couple` can build."""
    from anodeflow.structures.phases import PHASES, phase_names

    if reservoir not in RESERVOIRS and (reservoir not in PHASES or PHASES[reservoir].system != system):
        raise InputError(f"unknown reservoir '{reservoir}' for {system}; choose one of "
                         f"{', '.join([*RESERVOIRS, *phase_names(system, buildable=True)])}")
    if (reservoir == "amorphous") != (reservoir_x is not None):
        raise InputError("reservoir_x (carrier fraction, 0 < x <= 1) goes with reservoir='amorphous' and only with it")
    if reservoir_x is not None and not 0 < reservoir_x <= 1:
        raise InputError(f"reservoir_x must be in (0, 1], got {reservoir_x}")


def _stacked(host_block: Atoms, res: Atoms, interface_gap_A: float, vacuum_nm: float,
             fixed_thickness_nm: float) -> Atoms:
    """``res`` stacked on ``host_block`` along z, ``interface_gap_A`` (A) plane to plane across each interface,
    with ``vacuum_nm`` (nm) above (none: periodic, two interfaces); per-atom ``region`` host / reservoir, and
    ``fixed`` for a host layer ``fixed_thickness_nm`` thick (slab centre if periodic, bottom with vacuum)."""
    zh, zr = host_block.positions[:, 2], res.positions[:, 2]
    host_span, res_span = np.ptp(zh), np.ptp(zr)
    host_block.positions[:, 2] -= zh.min()
    res.positions[:, 2] += host_span + interface_gap_A - zr.min()
    Lz = host_span + res_span + 2 * interface_gap_A
    if vacuum_nm > 0:
        Lz += 10 * vacuum_nm - interface_gap_A

    atoms = host_block + res
    atoms.info.clear()
    atoms.set_cell([host_block.cell[0, 0], host_block.cell[1, 1], Lz])
    atoms.pbc = True
    region = np.array([REGIONS["host"]] * len(host_block) + [REGIONS["reservoir"]] * len(res))
    if fixed_thickness_nm > 0:
        z = atoms.positions[:, 2]
        mask = z < 10 * fixed_thickness_nm if vacuum_nm > 0 else np.abs(z - host_span / 2) < 5 * fixed_thickness_nm
        region[(region == REGIONS["host"]) & mask] = REGIONS["fixed"]
    atoms.arrays["region"] = region
    return atoms


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
    reservoir: str = "bcc",
    reservoir_x: float | None = None,
    reservoir_miller: str | Sequence[int] = (0, 0, 1),
    host_crystal: str | None = None,
    seed: int = 0,
) -> Atoms:
    """Host slab with (hkl) normal to z against a carrier or alloy reservoir, periodic in x, y, z.

    Any host crystal (diamond Si/Ge/alpha-Sn, beta-Sn, A7 Sb; hexagonal planes also as (hkil));
    ``host_crystal`` picks a non-default crystal of the host element. ``reservoir``:

    - ``"bcc"``: the carrier metal, (100) up, strained in-plane to the host's period and along z
      so it keeps the metal's density;
    - ``"amorphous"``: a random packing of the alloy at carrier fraction ``reservoir_x`` at its
      interpolated density (:func:`anodeflow.structures.amorphous.random_alloy`), a start cell
      to be melted/equilibrated in MD;
    - an alloy phase name (e.g. ``Li15Si4``, ``Na3Sb``): that crystal, plane ``reservoir_miller``
      up, lattice-matched by ZSL onto the host (the in-plane size then follows the match).

    With ``vacuum_nm=0`` the cell is periodic along z and holds two interfaces.
    ``fixed_thickness_nm`` tags a host layer (slab centre if periodic, bottom with vacuum) as
    region ``fixed``. ``atoms.info`` records ``miller``, ``reservoir``, ``reservoir_strain``
    (xx, yy, xy), ``min_distance_A``, ``area_A2``, ``host_thickness_A`` and ``n_interfaces``.
    """
    from anodeflow.structures.phases import PHASES

    carrier, host = parse_system(system)
    crystal = host_crystal_name(host, host_crystal)
    _check_couple_lengths(system, host_thickness_nm, reservoir_thickness_nm, size_nm, fixed_thickness_nm, vacuum_nm)
    require_positive(interface_gap_A=interface_gap_A)
    _check_reservoir(system, reservoir, reservoir_x)

    unit = host_unit(crystal, miller, host_a_A)
    hkl, (lx, ly, lz) = unit.info["hkl"], np.diag(unit.cell.array)
    repeats = tuple(max(1, round(10 * size_nm / length)) for length in (lx, ly))
    if reservoir in PHASES:
        res, strain, repeats = phase_reservoir(reservoir, (lx, ly), reservoir_thickness_nm, (10 * size_nm) ** 2,
                                               reservoir_miller)
    host_block = slab(unit, (*repeats, max(1, round(10 * host_thickness_nm / lz))))
    Lx, Ly, Hz = host_block.cell[0, 0], host_block.cell[1, 1], host_block.cell[2, 2]
    if reservoir == "bcc":
        res, strain = bcc_reservoir(carrier, (Lx, Ly), reservoir_thickness_nm)
    elif reservoir == "amorphous":
        from anodeflow.structures.amorphous import random_alloy, volume_per_atom_A3

        n_atoms = max(2, round(10 * reservoir_thickness_nm * Lx * Ly / volume_per_atom_A3(system, reservoir_x)))
        res = random_alloy(system, reservoir_x, n_atoms, lateral_A=(Lx, Ly), seed=seed)
        strain = (0.0, 0.0, 0.0)

    atoms = _stacked(host_block, res, interface_gap_A, vacuum_nm, fixed_thickness_nm)
    dmin = min_distance(atoms)
    if dmin < min_distance_A:
        raise InputError(
            f"couple has atoms {dmin:.2f} A apart (< min_distance_A={min_distance_A}); "
            f"increase interface_gap_A (now {interface_gap_A})"
        )
    atoms.info.update(
        system=system, miller="".join(str(v) for v in hkl), host_crystal=crystal, reservoir=reservoir,
        reservoir_strain=[float(s) for s in strain], min_distance_A=dmin, area_A2=Lx * Ly, host_thickness_A=Hz,
        n_interfaces=1 if vacuum_nm > 0 else 2,
    )
    if reservoir_x is not None:
        atoms.info["reservoir_x"] = res.info["carrier_fraction"]
    return atoms
