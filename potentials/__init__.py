"""Interatomic potentials: typed records, their data, and how to hand them to LAMMPS."""

from anodeflow.potentials.registry import (
    Potential,
    default_potential,
    get_potential,
    list_potentials,
)

__all__ = ["Potential", "default_potential", "get_potential", "list_potentials"]
