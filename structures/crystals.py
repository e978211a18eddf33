"""Crystalline hosts and carrier reservoirs with cited room-temperature lattice constants."""

from __future__ import annotations

from dataclasses import dataclass

from ase import Atoms
from ase.build import bulk

from anodeflow.errors import InputError


@dataclass(frozen=True)
class CrystalSpec:
    """A cubic crystal: ASE structure name, lattice constant (A) and where the value comes from."""

    element: str
    structure: str
    a_A: float
    source: str


CRYSTALS: dict[str, CrystalSpec] = {
    # Lattice constants at room temperature.
    "Si": CrystalSpec("Si", "diamond", 5.431, "Okada & Tokumaru, J. Appl. Phys. 56 (1984) 314"),
    "Ge": CrystalSpec("Ge", "diamond", 5.658, "Singh, Acta Cryst. A24 (1968) 686"),
    "Li": CrystalSpec("Li", "bcc", 3.51, "Berliner et al., Phys. Rev. B 39 (1989) 3251 (293 K)"),
    "Na": CrystalSpec("Na", "bcc", 4.29, "Barrett, Acta Cryst. 9 (1956) 671 (293 K)"),
}
HOSTS = ("Si", "Ge")
CARRIERS = ("Li", "Na")


def bulk_crystal(element: str, a_A: float | None = None) -> Atoms:
    """Conventional cubic cell of ``element`` (diamond or bcc), lattice constant in A."""
    spec = CRYSTALS.get(element)
    if spec is None:
        raise InputError(f"no crystal for element '{element}'; known: {', '.join(CRYSTALS)}")
    a = spec.a_A if a_A is None else a_A
    if a <= 0:
        raise InputError(f"lattice constant must be > 0 A, got {a}")
    return bulk(element, spec.structure, a=a, cubic=True)


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
