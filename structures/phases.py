"""Reference alloy phases: space group, lattice and Wyckoff sites, with their sources.

The records live in ``structures/data/phases.json``. Most phases are DFT-relaxed structures
(Materials Project or ICSD-derived, PBE), labelled "DFT-relaxed (source)"; Na3Sb is a measured
structure, and NaSb is Cromer's measured cell with sites substituted from the LiAs type (not
relaxed). Where a measured cell of a DFT-relaxed phase is known it is kept beside it
(``experimental_lattice``).

The phases anchor the volume per atom of amorphous alloys (:mod:`anodeflow.structures.amorphous`)
and are the alloy checks of potential validation. The anchor volume is the measured one where a
measurement is tabulated and the built cell's otherwise. The DFT cells lie 0.3-2.3 % below the
measured ones where both are known, and the Li-Si cells come from two DFT sets (ml-evs/matador:
LiSi, Li15Si4, Li17Si4; alexispaz/DFTB_LiSi: Li12Si7, Li7Si3, Li13Si4) whose Li15Si4 differ by
2.4 % in volume: the anchors of one system mix sources at that level.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ase import Atoms

from anodeflow.errors import InputError

#: the phase records: per phase, system, space group, cells, Wyckoff sites and their sources
DATA_FILE = Path(__file__).parent / "data" / "phases.json"

#: a, b, c (A), alpha, beta, gamma (degrees)
CellParameters = tuple[float, float, float, float, float, float]
#: species, Wyckoff position (multiplicity and letter), fractional x, y, z
Site = tuple[str, str, tuple[float, float, float]]


def _cell_volume_A3(cell: CellParameters) -> float:
    from pymatgen.core import Lattice

    return float(Lattice.from_parameters(*cell).volume)


@dataclass(frozen=True)
class PhaseSpec:
    """A crystalline alloy phase and the sources of its numbers.

    ``lattice`` (A, degrees) is the cell :func:`build_phase` builds, the one ``sites`` belong to:
    DFT-relaxed for most phases, measured for Na3Sb and NaSb (``lattice_source`` says which).
    ``sites`` holds one (species, Wyckoff position, fractional coordinates) per orbit of
    ``spacegroup`` (Hermann-Mauguin symbol, in the setting of pymatgen's
    ``Structure.from_spacegroup``); empty for a phase known by its cell only.
    ``experimental_lattice`` (A, degrees) is the measured cell of a phase whose built cell is
    computed, where a measurement is tabulated; None otherwise.
    """

    formula: str
    system: str
    spacegroup: str
    lattice: CellParameters
    lattice_source: str
    atoms_per_cell: int
    sites: tuple[Site, ...] = ()
    sites_source: str = ""
    experimental_lattice: CellParameters | None = None
    experimental_source: str = ""

    @property
    def carrier_fraction(self) -> float:
        """Atomic fraction of the carrier (the first element of ``system``)."""
        from pymatgen.core import Composition

        carrier = self.system.split("-")[0]
        return Composition(self.formula).get_atomic_fraction(carrier)

    @property
    def cell_volume_per_atom_A3(self) -> float:
        """Volume per atom (A^3) of the built cell, ``lattice``."""
        return _cell_volume_A3(self.lattice) / self.atoms_per_cell

    @property
    def volume_per_atom_A3(self) -> float:
        """Reference volume per atom (A^3): of ``experimental_lattice`` where tabulated, else of ``lattice``."""
        if self.experimental_lattice is None:
            return self.cell_volume_per_atom_A3
        return _cell_volume_A3(self.experimental_lattice) / self.atoms_per_cell

    @property
    def volume_source(self) -> str:
        """Source of :attr:`volume_per_atom_A3`."""
        return self.lattice_source if self.experimental_lattice is None else self.experimental_source


def _spec(name: str, record: dict) -> PhaseSpec:
    """A record of the data file as a ``PhaseSpec``; its ``source`` stands for both lattice and sites."""
    record = dict(record)
    source = record.pop("source", "")
    experimental = record.pop("experimental_lattice", None)
    return PhaseSpec(formula=name, lattice=tuple(record.pop("lattice")),
                     lattice_source=record.pop("lattice_source", source),
                     sites_source=record.pop("sites_source", source),
                     sites=tuple((species, wyckoff, tuple(xyz)) for species, wyckoff, *xyz in record.pop("sites", ())),
                     experimental_lattice=None if experimental is None else tuple(experimental), **record)


PHASES: dict[str, PhaseSpec] = {name: _spec(name, record)
                                for name, record in json.loads(DATA_FILE.read_text())["phases"].items()}


def phase_names(system: str | None = None, buildable: bool = False) -> list[str]:
    """Names of the tabulated phases, optionally of one system and only those with sites."""
    return [name for name, spec in PHASES.items()
            if (system is None or spec.system == system) and (spec.sites or not buildable)]


def build_phase(name: str) -> Atoms:
    """Conventional cell of alloy phase ``name`` (a key of ``PHASES`` with sites), on ``lattice``.

    ``atoms.info`` records the system, carrier fraction, space group and the sources.
    """
    spec = PHASES.get(name)
    if spec is None:
        raise InputError(f"no alloy phase '{name}'; known: {', '.join(phase_names(buildable=True))}")
    if not spec.sites:
        raise InputError(f"phase '{name}' is tabulated by its cell only (for volume anchors); buildable phases: "
                         f"{', '.join(phase_names(buildable=True))}")
    from pymatgen.core import Lattice, Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    species, _, coords = zip(*spec.sites)
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
    """(carrier fraction, volume per atom in A^3, phase) of the tabulated phases of ``system``, by carrier
    fraction: the measured volume where tabulated, the built cell's otherwise (``PhaseSpec.volume_per_atom_A3``)."""
    return sorted((PHASES[n].carrier_fraction, PHASES[n].volume_per_atom_A3, n) for n in phase_names(system))
