"""Size requests checked before anything is built: lengths in range, and the atoms a request would make.

Builders (couples, nanowires, random packings, dislocations, NEB supercells) and the CLI call
:func:`check_length` on each length and :func:`check_atoms` on the atom count the request would
make (estimated at crystal density), so a request for ``1e6`` nm or ``1e9`` atoms is refused with
that count instead of failing in numpy or running for days. The atom limit is the ``max_atoms``
setting.
"""

from __future__ import annotations

import math

from anodeflow.errors import InputError

#: longest length (nm) of any requested cell dimension
MAX_LENGTH_NM = 1000.0
#: shortest non-zero length (nm) a request may give: below any interatomic distance
MIN_LENGTH_NM = 0.1
_UNITS_NM = {"nm": 1.0, "A": 0.1}


def check_length(name: str, value: float, unit: str = "nm", zero_ok: bool = False) -> None:
    """Raise :class:`InputError` naming ``name`` unless ``value`` (in ``unit``: nm or A) is a finite
    length between :data:`MIN_LENGTH_NM` and :data:`MAX_LENGTH_NM` (or exactly 0 with ``zero_ok``)."""
    if zero_ok and value == 0:
        return
    if not (value >= 0 if zero_ok else value > 0):
        raise InputError(f"{name} must be {'>=' if zero_ok else '>'} 0, got {value}")
    length_nm = value * _UNITS_NM[unit]
    if not length_nm <= MAX_LENGTH_NM:
        raise InputError(f"{name} = {value:g} {unit} is beyond the longest cell dimension, "
                         f"{MAX_LENGTH_NM:g} nm")
    if length_nm < MIN_LENGTH_NM:
        raise InputError(f"{name} = {value:g} {unit} is shorter than {MIN_LENGTH_NM:g} nm, below any "
                         "interatomic distance")


def max_atoms() -> int:
    """The ``max_atoms`` setting: the most atoms a build or run may make."""
    from anodeflow.settings import get_settings

    return get_settings().max_atoms


def check_atoms(n_atoms: float, request: str) -> None:
    """Raise :class:`InputError` when ``request`` (described as the caller received it, e.g.
    ``"--size-nm 1e+06"``) would make more atoms than the ``max_atoms`` setting allows."""
    limit = max_atoms()
    if not n_atoms <= limit:
        count = f"{n_atoms:,.0f}" if math.isfinite(n_atoms) and n_atoms < 1e12 else f"{n_atoms:.3g}"
        raise InputError(f"{request} would make about {count} atoms; at most {limit:,} are allowed "
                         "(setting max_atoms)")


def atoms_in_volume(name: str, volume_nm3: float) -> float:
    """Atoms of crystal or element ``name`` (a ``CRYSTALS`` key) filling ``volume_nm3`` at crystal density."""
    from anodeflow.structures.crystals import number_density_A3

    return number_density_A3(name) * 1000.0 * volume_nm3


def couple_atoms(system: str, size_nm: float, host_thickness_nm: float, reservoir_thickness_nm: float) -> float:
    """About how many atoms a couple of ``system`` with these lengths (nm) holds: the host slab at its
    crystal's density plus the reservoir at the carrier metal's."""
    from anodeflow.structures.crystals import HOST_CRYSTALS, parse_system

    carrier, host = parse_system(system)
    area_nm2 = size_nm**2
    return (atoms_in_volume(HOST_CRYSTALS[host], area_nm2 * host_thickness_nm)
            + atoms_in_volume(carrier, area_nm2 * reservoir_thickness_nm))


def nanowire_atoms(host_crystal: str, diameter_nm: float, length_nm: float, shell: str | None = None,
                   shell_nm: float = 0.0) -> float:
    """About how many atoms a wire of ``host_crystal`` (a ``CRYSTALS`` key) and its ``shell`` element hold."""
    core = math.pi * (diameter_nm / 2) ** 2 * length_nm
    outer = math.pi * (diameter_nm / 2 + shell_nm) ** 2 * length_nm
    return atoms_in_volume(host_crystal, core) + (atoms_in_volume(shell, outer - core) if shell else 0.0)
