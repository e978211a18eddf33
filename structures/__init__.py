"""Structure builders: ``ase.Atoms`` with per-atom ``region`` tags in ``atoms.arrays``."""

from anodeflow.structures.couples import REGIONS, RESERVOIRS, build_couple
from anodeflow.structures.orient import oriented_unit, parse_miller
from anodeflow.structures.crystals import CRYSTALS, bulk_crystal, parse_system
from anodeflow.structures.phases import PHASES, build_phase

__all__ = ["CRYSTALS", "PHASES", "REGIONS", "RESERVOIRS", "build_couple", "build_phase", "bulk_crystal",
           "oriented_unit", "parse_miller", "parse_system"]
