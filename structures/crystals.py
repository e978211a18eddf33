"""Crystalline hosts and carrier reservoirs with cited room-temperature lattice constants."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms
from ase.build import bulk

from anodeflow.errors import InputError


@dataclass(frozen=True)
class CrystalSpec:
    """A crystal: element, structure name, lattice constants (A), where the values come from.

    Cubic diamond/bcc crystals are built with ASE; the others from space group + Wyckoff
    positions with pymatgen (hexagonal axes for rhombohedral groups, tetragonal when ``b_A`` is None,
    else orthorhombic).
    """

    element: str
    structure: str
    a_A: float
    source: str
    c_A: float | None = None
    spacegroup: str | None = None
    wyckoff: tuple[float, float, float] | None = None
    b_A: float | None = None


CRYSTALS: dict[str, CrystalSpec] = {
    # Lattice constants at room temperature.
    "Si": CrystalSpec("Si", "diamond", 5.431, "Okada & Tokumaru, J. Appl. Phys. 56 (1984) 314"),
    "Ge": CrystalSpec("Ge", "diamond", 5.658, "Singh, Acta Cryst. A24 (1968) 686"),
    "alpha-Sn": CrystalSpec("Sn", "diamond", 6.489, "Thewlis & Davey, Nature 174 (1954) 1011"),
    "beta-Sn": CrystalSpec("Sn", "beta-Sn", 5.831, "Swanson & Tatge, NBS Circular 539 vol. 1 (1953)",
                           c_A=3.182, spacegroup="I4_1/amd", wyckoff=(0.0, 0.0, 0.0)),
    "Sb": CrystalSpec("Sb", "A7", 4.307, "Barrett, Cucka & Haefner, Acta Cryst. 16 (1963) 451",
                      c_A=11.27, spacegroup="R-3m", wyckoff=(0.0, 0.0, 0.2336)),
    # black P, orthorhombic A17: layers of puckered three-fold rings stacked along b (8 atoms per cell)
    "black-P": CrystalSpec("P", "A17", 3.3136, "Brown & Rundqvist, Acta Cryst. 19 (1965) 684", c_A=4.3763,
                           spacegroup="Cmce", wyckoff=(0.0, 0.10168, 0.08056), b_A=10.478),
    "Li": CrystalSpec("Li", "bcc", 3.51, "Berliner et al., Phys. Rev. B 39 (1989) 3251 (293 K)"),
    "Na": CrystalSpec("Na", "bcc", 4.29, "Barrett, Acta Cryst. 9 (1956) 671 (293 K)"),
}
#: host elements and the crystal each forms by default
HOST_CRYSTALS = {"Si": "Si", "Ge": "Ge", "Sn": "beta-Sn", "Sb": "Sb", "P": "black-P"}
HOSTS = tuple(HOST_CRYSTALS)
#: hosts whose fronts the analyses follow, having a crystallinity classifier (diamond structure identification,
#: or motif templates of the element's polymorphs); black P is a bulk host only (screen, NEB, site networks)
FRONT_HOSTS = ("Si", "Ge", "Sn", "Sb")
CARRIERS = ("Li", "Na")


def bulk_crystal(name: str, a_A: float | None = None) -> Atoms:
    """Conventional cell of crystal ``name`` (a key of ``CRYSTALS``), lattice constant a in A."""
    spec = CRYSTALS.get(name)
    if spec is None:
        raise InputError(f"no crystal '{name}'; known: {', '.join(CRYSTALS)}")
    a = spec.a_A if a_A is None else a_A
    if a <= 0:
        raise InputError(f"lattice constant must be > 0 A, got {a}")
    if spec.spacegroup is None:
        return bulk(spec.element, spec.structure, a=a, cubic=True)
    from pymatgen.core import Lattice, Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    c = spec.c_A * a / spec.a_A
    if spec.spacegroup.startswith("R"):
        lattice = Lattice.hexagonal(a, c)
    elif spec.b_A is None:
        lattice = Lattice.tetragonal(a, c)
    else:
        lattice = Lattice.orthorhombic(a, spec.b_A * a / spec.a_A, c)
    structure = Structure.from_spacegroup(spec.spacegroup, lattice, [spec.element], [list(spec.wyckoff)])
    atoms = AseAtomsAdaptor.get_atoms(structure)
    atoms.info.clear()
    return atoms


@dataclass(frozen=True)
class PolymorphSpec:
    """A competing crystal structure of a host element, by shape only (its volume is a free choice).

    ``crystal`` names an entry of ``CRYSTALS`` whose shape is taken; otherwise ``spacegroup``,
    ``c_over_a`` and the one Wyckoff site ``wyckoff`` define it.
    """

    element: str
    structure: str
    shape_source: str
    crystal: str | None = None
    spacegroup: str | None = None
    c_over_a: float = 1.0
    wyckoff: tuple[float, float, float] = (0.0, 0.0, 0.0)


#: competing phases per host element, whose energy ordering a potential must reproduce
POLYMORPHS: dict[str, dict[str, PolymorphSpec]] = {
    "Sn": {
        "beta-Sn": PolymorphSpec("Sn", "beta-Sn (A5)", "experiment (CRYSTALS)", crystal="beta-Sn"),
        "alpha-Sn": PolymorphSpec("Sn", "diamond (A4)", "experiment (CRYSTALS)", crystal="alpha-Sn"),
        "bct-Sn": PolymorphSpec("Sn", "bct (I4/mmm)", "c/a 0.91, as for bct Sn above 10 GPa", spacegroup="I4/mmm",
                                c_over_a=0.91),
        "sh-Sn": PolymorphSpec("Sn", "simple hexagonal (P6/mmm)", "c/a 0.93, as for simple hexagonal Si",
                               spacegroup="P6/mmm", c_over_a=0.93),
        "sc-Sn": PolymorphSpec("Sn", "simple cubic (Pm-3m)", "cubic", spacegroup="Pm-3m"),
    },
    "Sb": {
        "A7-Sb": PolymorphSpec("Sb", "A7 (R-3m)", "experiment (CRYSTALS)", crystal="Sb"),
        "sc-Sb": PolymorphSpec("Sb", "simple cubic (Pm-3m)", "cubic", spacegroup="Pm-3m"),
    },
    "Si": {
        "diamond-Si": PolymorphSpec("Si", "diamond (A4)", "experiment (CRYSTALS)", crystal="Si"),
        "beta-Si": PolymorphSpec("Si", "beta-Sn type (I4_1/amd)", "c/a 0.552: McMahon & Nelmes, Phys. Rev. B 47 "
                                 "(1993) 8337 (11.7 GPa)", spacegroup="I4_1/amd", c_over_a=0.552),
    },
}


def primitive_cell(atoms: Atoms) -> Atoms:
    """The primitive cell of a crystal (pymatgen's reduction, positions wrapped into it)."""
    from pymatgen.io.ase import AseAtomsAdaptor

    return AseAtomsAdaptor.get_atoms(AseAtomsAdaptor.get_structure(atoms).get_primitive_structure())


def polymorph(name: str, volume_per_atom_A3: float | None = None) -> Atoms:
    """Conventional cell of polymorph ``name`` (see ``POLYMORPHS``) at ``volume_per_atom_A3`` (A^3;
    default: its own crystal's tabulated volume, or else that of the element's host crystal)."""
    specs = {key: spec for table in POLYMORPHS.values() for key, spec in table.items()}
    spec = specs.get(name)
    if spec is None:
        raise InputError(f"no polymorph '{name}'; known: {', '.join(specs)}")
    if spec.crystal:
        atoms = bulk_crystal(spec.crystal)
    else:
        from pymatgen.core import Lattice, Structure
        from pymatgen.io.ase import AseAtomsAdaptor

        lattice = (Lattice.hexagonal(1.0, spec.c_over_a) if spec.spacegroup.startswith("P6")
                   else Lattice.tetragonal(1.0, spec.c_over_a))
        structure = Structure.from_spacegroup(spec.spacegroup, lattice, [spec.element], [list(spec.wyckoff)])
        atoms = AseAtomsAdaptor.get_atoms(structure)
        atoms.info.clear()
    if volume_per_atom_A3 is None:
        volume_per_atom_A3 = 1.0 / number_density_A3(spec.crystal or HOST_CRYSTALS[spec.element])
    if not volume_per_atom_A3 > 0:
        raise InputError(f"volume per atom must be > 0 A^3, got {volume_per_atom_A3}")
    scale = (volume_per_atom_A3 * len(atoms) / atoms.get_volume()) ** (1 / 3)
    atoms.set_cell(atoms.cell.array * scale, scale_atoms=True)
    return atoms


def repeats_to(atoms: Atoms, length_A: float) -> tuple[int, int, int]:
    """Smallest repeats along each cell vector that make it at least ``length_A`` long."""
    return tuple(max(1, int(np.ceil(length_A / L))) for L in atoms.cell.lengths())


def repeated_to(atoms: Atoms, length_A: float) -> Atoms:
    """``atoms`` repeated along each cell vector until that vector is at least ``length_A`` long."""
    return atoms.repeat(repeats_to(atoms, length_A))


def sheared_xz(atoms: Atoms, gamma: float) -> Atoms:
    """A copy of ``atoms`` under engineering shear strain ``gamma`` in the xz plane (atoms follow the cell)."""
    sheared = atoms.copy()
    shear = np.eye(3)
    shear[2, 0] = gamma
    sheared.set_cell(atoms.cell.array @ shear, scale_atoms=True)
    return sheared


def number_density_A3(name: str) -> float:
    """Atoms per A^3 of crystal ``name`` at its tabulated lattice constants."""
    cell = bulk_crystal(name)
    return len(cell) / cell.get_volume()


def parse_system(system: str) -> tuple[str, str]:
    """Split a carrier-host name such as ``Li-Si`` into (carrier, host), checking both."""
    parts = system.split("-")
    if len(parts) != 2:
        raise InputError(f"system '{system}' is not of the form CARRIER-HOST, e.g. Li-Si")
    carrier, host = parts
    if carrier not in CARRIERS:
        raise InputError(f"unknown carrier '{carrier}' in '{system}'; carriers: {', '.join(CARRIERS)}")
    if host not in HOSTS:
        raise InputError(f"unknown host '{host}' in '{system}'; hosts: {', '.join(HOSTS)}")
    return carrier, host


def system_of(symbols, systems=()) -> str:
    """The carrier-host system (e.g. ``Na-Sn``) of a structure with elements ``symbols``: its one carrier and
    one host element, or, for a cell of only one of them, the one system in ``systems`` that holds it."""
    present = sorted(set(symbols))
    carriers = [e for e in present if e in CARRIERS]
    hosts = [e for e in present if e in HOSTS]
    unknown = sorted(set(present) - set(carriers) - set(hosts))
    if unknown or len(carriers) > 1 or len(hosts) > 1 or not present:
        raise InputError(f"a structure of {', '.join(present) or 'no atoms'} is not a carrier-host system; "
                         f"it needs one carrier ({', '.join(CARRIERS)}) and/or one host ({', '.join(HOSTS)})")
    if carriers and hosts:
        return f"{carriers[0]}-{hosts[0]}"
    matching = sorted({s for s in systems if present[0] in parse_system(s)})
    if len(matching) != 1:
        raise InputError(f"a structure of {present[0]} alone belongs to {', '.join(matching) or 'no known system'}; "
                         "give the system")
    return matching[0]
