"""Reference alloy phases from published crystallographic data.

Each phase is a space group, lattice constants and Wyckoff sites (built with pymatgen). They anchor
the volume per atom of amorphous alloys (:mod:`anodeflow.structures.amorphous`) and are the alloy
checks of potential validation. Phases known here only by their cell (no published site list
available) enter the volume anchors but cannot be built.
"""

from __future__ import annotations

from dataclasses import dataclass

from ase import Atoms

from anodeflow.errors import InputError


@dataclass(frozen=True)
class PhaseSpec:
    """A crystalline alloy phase: lattice (A, degrees), Wyckoff sites and their sources."""

    formula: str
    system: str
    spacegroup: str
    lattice: tuple[float, float, float, float, float, float]
    lattice_source: str
    atoms_per_cell: int
    sites: tuple[tuple[str, tuple[float, float, float]], ...] = ()
    sites_source: str = ""

    @property
    def carrier_fraction(self) -> float:
        from pymatgen.core import Composition

        carrier = self.system.split("-")[0]
        return Composition(self.formula).get_atomic_fraction(carrier)

    @property
    def volume_per_atom_A3(self) -> float:
        from pymatgen.core import Lattice

        return Lattice.from_parameters(*self.lattice).volume / self.atoms_per_cell


#: Cu15Si4 type (I-43d): 12a, 48e and 16c sites. Internal coordinates of the PBE-relaxed Li15Si4 of
#: the Materials Project (mp-569849); Na15Sn4 is isotypic and uses the same coordinates.
_CU15SI4_SITES = (("carrier", (0.375, 0.0, 0.25)), ("carrier", (0.15391, 0.03656, 0.37693)),
                  ("host", (0.20757, 0.20757, 0.20757)))


def _cu15si4(carrier: str, host: str) -> tuple[tuple[str, tuple[float, float, float]], ...]:
    return tuple((carrier if role == "carrier" else host, xyz) for role, xyz in _CU15SI4_SITES)


PHASES: dict[str, PhaseSpec] = {
    "Li15Si4": PhaseSpec(
        "Li15Si4", "Li-Si", "I-43d", (10.685, 10.685, 10.685, 90, 90, 90),
        "M. N. Obrovac, L. Christensen, Electrochem. Solid-State Lett. 7 (2004) A93 (room temperature)", 76,
        _cu15si4("Li", "Si"), "Materials Project mp-569849 (PBE-relaxed internal coordinates, Cu15Si4 type)"),
    "Na15Sn4": PhaseSpec(
        "Na15Sn4", "Na-Sn", "I-43d", (13.14, 13.14, 13.14, 90, 90, 90),
        "W. Mueller, K. Volk, Z. Naturforsch. B 32 (1977) 709", 76,
        _cu15si4("Na", "Sn"), "isotypic with Li15Si4: internal coordinates of Materials Project mp-569849"),
    "Na3Sb": PhaseSpec(
        "Na3Sb", "Na-Sb", "P6_3/mmc", (5.366, 5.366, 9.515, 90, 90, 120),
        "G. Brauer, E. Zintl, Z. Phys. Chem. B 37 (1937) 323 (5.355 / 9.496 kX converted to A)", 8,
        (("Na", (0.0, 0.0, 0.25)), ("Sb", (1 / 3, 2 / 3, 0.25)), ("Na", (1 / 3, 2 / 3, 0.583))),
        "Na3As (D0_18) type, Na 2b, Sb 2c, Na 4f z = 0.583 (same source)"),
    "NaSn": PhaseSpec(
        "NaSn", "Na-Sn", "I4_1/acd", (10.475, 10.475, 17.412, 90, 90, 90),
        "M. Baitinger, H. G. von Schnering, Yu. Grin, R. Kniep, Z. Kristallogr. NCS 214 (1999) 457; COD 8101628 "
        "(Na4Sn4 tetrahedra, Z = 8, 295 K)", 64,
        (("Na", (0.87732, 0.75, 0.375)), ("Na", (0.37257, 0.37257, 0.25)), ("Sn", (0.06972, 0.87285, 0.06189))),
        "Na 16e, Na 16f, Sn 32g as in isotypic K4Sn4 of the same paper (COD 8101629, origin choice 2 shifted by "
        "(0, 3/4, 1/8) onto pymatgen's setting); internal coordinates relaxed with SevenNet-0 in the Na4Sn4 cell "
        "under I4_1/acd (the K4Sn4 values there give Sn-Sn 2.71 A; relaxed: 3.04 A, PBE-like)"),
    # cells only: they anchor volumes, `build_phase` refuses them
    "NaSb": PhaseSpec(
        "NaSb", "Na-Sb", "P2_1/c", (6.80, 6.34, 12.48, 90, 117.6, 90),
        "D. T. Cromer, Acta Cryst. 12 (1959) 41 (LiAs type, Sb helices, Z = 8)", 16),
}


def phase_names(system: str | None = None, buildable: bool = False) -> list[str]:
    """Names of the tabulated phases, optionally of one system and only those with sites."""
    return [name for name, spec in PHASES.items()
            if (system is None or spec.system == system) and (spec.sites or not buildable)]


def build_phase(name: str) -> Atoms:
    """Conventional cell of alloy phase ``name`` (a key of ``PHASES`` with sites).

    ``atoms.info`` records the system, carrier fraction and the sources.
    """
    spec = PHASES.get(name)
    if spec is None:
        raise InputError(f"no alloy phase '{name}'; known: {', '.join(phase_names(buildable=True))}")
    if not spec.sites:
        raise InputError(f"phase '{name}' is tabulated by its cell only (for volume anchors); buildable phases: "
                         f"{', '.join(phase_names(buildable=True))}")
    from pymatgen.core import Lattice, Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    species, coords = zip(*spec.sites)
    structure = Structure.from_spacegroup(spec.spacegroup, Lattice.from_parameters(*spec.lattice), list(species),
                                          [list(c) for c in coords])
    atoms = AseAtomsAdaptor.get_atoms(structure)
    atoms.info.clear()
    if len(atoms) != spec.atoms_per_cell:
        raise RuntimeError(f"{name}: built {len(atoms)} atoms, the cell holds {spec.atoms_per_cell}")
    atoms.info.update(phase=name, system=spec.system, carrier_fraction=spec.carrier_fraction,
                      spacegroup=spec.spacegroup, lattice_source=spec.lattice_source, sites_source=spec.sites_source)
    return atoms


def volume_anchors(system: str) -> list[tuple[float, float, str]]:
    """(carrier fraction, volume per atom in A^3, phase) of the tabulated phases of ``system``."""
    return sorted((PHASES[n].carrier_fraction, PHASES[n].volume_per_atom_A3, n) for n in phase_names(system))
