"""ICR/DCR screening of host/carrier pairs (seed's design principle: weak bonds, low shear strength and
easy carrier hops favour amorphization, dislocations and diffusion-controlled fronts).

Per host: cohesive energy per bond and the shear modulus (a yield-strength proxy), both relaxed with
the chosen potential. Per pair: the bulk carrier migration barrier (CI-NEB). A DCR-propensity score
compares each pair with Li-Si; the predicted class is set beside the seed's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from jobflow import Flow, Maker, job
from pydantic import BaseModel, Field

from anodeflow.errors import InputError
from anodeflow.structures.crystals import HOST_CRYSTALS, bulk_crystal, parse_system, sheared_xz
from anodeflow.workflows.neb import EV_A3_TO_GPA, BulkNebMaker, lammps_calculator, relax
from anodeflow.workflows.schemas import SCHEMA_VERSION

#: classes the seed reports (ICR: interface-controlled, DCR: diffusion-controlled)
SEED_CLASSES = {"Si": "ICR", "Sb": "ICR", "P": "ICR", "Sn": "DCR", "Ge": "DCR"}
#: a pair is predicted ICR when its score (mean of bond energy, shear modulus and barrier, each relative
#: to the reference pair) is at least this
ICR_THRESHOLD = 0.75
#: potential for pairs without a configured default (validated on A7 Sb, see potentials/data)
UNIVERSAL_POTENTIAL = "SevenNet-0"


@job
def host_properties(system: str, potential: str | None = None) -> dict:
    """Cohesive energy per first-shell bond (eV) and the relaxed shear modulus (GPa) of the host crystal."""
    from ase import Atoms
    from ase.neighborlist import neighbor_list

    carrier, host = parse_system(system)
    crystal = relax(bulk_crystal(HOST_CRYSTALS[host]), lammps_calculator(system, potential))
    e_bulk = crystal.get_potential_energy() / len(crystal)
    atom = Atoms(host, positions=[[10.0, 10.0, 10.0]], cell=[20.0, 20.0, 20.0], pbc=True)
    atom.calc = lammps_calculator(system, potential)
    e_atom = atom.get_potential_energy()
    i, d = neighbor_list("id", crystal, 4.0)
    nearest = d.min()
    z = float(np.mean(np.bincount(i[d < 1.1 * nearest], minlength=len(crystal))))
    cohesive = e_atom - e_bulk
    # shear modulus from the xz shear stress at +-2 % engineering shear, ions relaxed in the cell
    # (stress, not energy curvature: float32 MLIP energies are too noisy for a second difference)
    stresses = {}
    for gamma in (-0.02, 0.02):
        sheared = relax(sheared_xz(crystal, gamma), lammps_calculator(system, potential), cell=False)
        stresses[gamma] = float(sheared.get_stress(voigt=True)[4])  # xz, eV/A^3
    shear = (stresses[0.02] - stresses[-0.02]) / 0.04 * EV_A3_TO_GPA
    return {"host": host, "crystal": HOST_CRYSTALS[host], "cohesive_energy_eV_atom": float(cohesive),
            "coordination": z, "bond_energy_eV": float(2 * cohesive / z),
            "shear_modulus_GPa": float(shear)}


class ScreeningDocument(BaseModel):
    """Ranked host/carrier pairs with the predicted and the seed's ICR/DCR class."""

    schema_version: str = SCHEMA_VERSION
    doc_type: str = "screening"
    reference: str
    threshold: float
    rows: list[dict] = Field(description="system, bond_energy_eV, shear_modulus_GPa, barrier_eV, score, predicted, seed")
    agreement: float | None = Field(None, description="fraction of pairs whose predicted class equals the seed's")


@job
def rank_pairs(hosts: list[dict], barriers: list, systems: list[str], reference: str) -> ScreeningDocument:
    """Score = mean of (bond energy, shear modulus, barrier) relative to the reference pair; rank high to low."""
    rows = []
    for system, host, neb in zip(systems, hosts, barriers, strict=True):
        rows.append({"system": system, "host": host["host"], "bond_energy_eV": host["bond_energy_eV"],
                     "shear_modulus_GPa": host["shear_modulus_GPa"], "barrier_eV": neb.barrier_eV})
    ref = next(r for r in rows if r["system"] == reference)
    for r in rows:
        r["score"] = float(np.mean([r[k] / ref[k] for k in ("bond_energy_eV", "shear_modulus_GPa", "barrier_eV")]))
        r["predicted"] = "ICR" if r["score"] >= ICR_THRESHOLD else "DCR"
        r["seed"] = SEED_CLASSES.get(r["host"])
    rows.sort(key=lambda r: r["score"], reverse=True)
    compared = [r for r in rows if r["seed"]]
    agreement = float(np.mean([r["predicted"] == r["seed"] for r in compared])) if compared else None
    return ScreeningDocument(reference=reference, threshold=ICR_THRESHOLD, rows=rows, agreement=agreement)


@dataclass
class ScreeningFlowMaker(Maker):
    """Host/carrier pairs -> bond strength, shear modulus, bulk barrier -> ranked ICR/DCR table.

    ``potentials`` maps systems to potential names (default: the system's default potential, else
    the universal SevenNet-0);
    ``reference`` is the pair scores are relative to (it must be among the systems).
    """

    name: str = "screen"
    systems: tuple[str, ...] = ("Li-Si", "Na-Sn", "Na-Sb", "Li-Ge")
    reference: str = "Li-Si"
    potentials: dict[str, str] = field(default_factory=dict)
    neb: BulkNebMaker = field(default_factory=lambda: BulkNebMaker(num_images=5, min_cell_A=10.0))

    def make(self) -> Flow:
        if self.reference not in self.systems:
            raise InputError(f"reference pair '{self.reference}' is not among the screened systems {list(self.systems)}")
        jobs, hosts, barriers = [], [], []
        for system in self.systems:
            parse_system(system)
            potential = self.potentials.get(system) or _default_or_universal(system)
            props = host_properties(system, potential)
            neb = BulkNebMaker(**{**self.neb.__dict__, "potential": potential}).make(system)
            jobs += [props, neb]
            hosts.append(props.output)
            barriers.append(neb.output)
        ranking = rank_pairs(hosts, barriers, list(self.systems), self.reference)
        return Flow([*jobs, ranking], output=ranking.output, name=self.name)


def _default_or_universal(system: str) -> str | None:
    from anodeflow.settings import get_settings

    return None if system in get_settings().default_potentials else UNIVERSAL_POTENTIAL
