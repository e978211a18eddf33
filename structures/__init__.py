"""Structure builders: ``ase.Atoms`` with per-atom ``region`` tags in ``atoms.arrays``."""

from anodeflow.structures.couples import REGIONS, build_couple, parse_miller
from anodeflow.structures.crystals import CRYSTALS, bulk_crystal, parse_system

__all__ = ["CRYSTALS", "REGIONS", "build_couple", "bulk_crystal", "parse_miller", "parse_system"]
