"""Interatomic potentials: typed records, their data, and how to hand them to LAMMPS."""

from anodeflow.potentials.registry import (
    FittedPotential,
    MeamPotential,
    MlipPotential,
    Potential,
    default_potential,
    get_potential,
    list_potentials,
)

__all__ = ["FittedPotential", "MeamPotential", "MlipPotential", "Potential", "default_potential", "get_potential",
           "list_potentials"]
