"""ICR/DCR screening of host/carrier pairs (seed's design principle: weak bonds, low shear strength and
easy carrier hops favour amorphization, dislocations and diffusion-controlled fronts).

Per host: cohesive energy per bond and the shear modulus (a yield-strength proxy), both relaxed with
the chosen potential. Per pair: the bulk carrier migration barrier (CI-NEB) and, with ``couple_md``,
the amorphous host layer a short couple MD grows at the front.
A score compares each pair with the reference pair; the predicted class is set beside the seed's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from jobflow import Flow, Maker, job

from anodeflow.errors import InputError
from anodeflow.structures.crystals import HOST_CRYSTALS, bulk_crystal, parse_system, sheared_xz
from anodeflow.workflows.couple import BuildCoupleMaker, InterfaceMDMaker
from anodeflow.workflows.md import LammpsMDMaker
from anodeflow.workflows.calculators import cohesive_energy_eV, lammps_calculator, relax
from anodeflow.workflows.neb import EV_A3_TO_GPA, HopNebMaker
from anodeflow.workflows.schemas import ScreeningDocument

#: classes the seed reports (ICR: interface-controlled, DCR: diffusion-controlled)
SEED_CLASSES = {"Si": "ICR", "Sb": "ICR", "P": "ICR", "Sn": "DCR", "Ge": "DCR"}
#: a pair is predicted ICR when its score (mean of bond energy, shear modulus and barrier, each relative
#: to the reference pair, and of the reference's amorphous layer relative to the pair's) is at least this
ICR_THRESHOLD = 0.75
#: amorphous layers thinner than this (nm) count as this thick in the score (one atomic layer)
AMORPHOUS_FLOOR_NM = 0.05
#: potential for pairs without a configured default (validated on A7 Sb, see potentials/data)
UNIVERSAL_POTENTIAL = "SevenNet-0"


@job
def host_properties(system: str, potential: str | None = None) -> dict:
    """Cohesive energy per first-shell bond (eV) and the relaxed shear modulus (GPa) of the host crystal."""
    from ase.neighborlist import neighbor_list

    carrier, host = parse_system(system)
    crystal = relax(bulk_crystal(HOST_CRYSTALS[host]), lammps_calculator(system, potential))
    cohesive = cohesive_energy_eV(crystal, lammps_calculator(system, potential))
    i, d = neighbor_list("id", crystal, 4.0)
    nearest = d.min()
    z = float(np.mean(np.bincount(i[d < 1.1 * nearest], minlength=len(crystal))))
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


@job
def rank_pairs(hosts: list[dict], barriers: list, systems: list[str], reference: str,
               couples: list | None = None) -> ScreeningDocument:
    """Rank pairs by score, high (ICR) to low (DCR).

    Score = mean of bond energy, shear modulus and barrier relative to the reference pair's, and,
    where both the pair and the reference have a couple MD, the reference's amorphous-layer
    thickness relative to the pair's (floored at ``AMORPHOUS_FLOOR_NM``): a thicker layer lowers it.
    """
    couples = couples or [None] * len(systems)
    rows = []
    for system, host, neb, couple in zip(systems, hosts, barriers, couples, strict=True):
        rows.append({"system": system, "host": host["host"], "bond_energy_eV": host["bond_energy_eV"],
                     "shear_modulus_GPa": host["shear_modulus_GPa"], "barrier_eV": neb.barrier_eV,
                     "amorphous_thickness_nm": None if couple is None else couple.amorphous_thickness_nm})
    ref = next(r for r in rows if r["system"] == reference)
    for r in rows:
        terms = [r[k] / ref[k] for k in ("bond_energy_eV", "shear_modulus_GPa", "barrier_eV")]
        if r["amorphous_thickness_nm"] is not None and ref["amorphous_thickness_nm"] is not None:
            terms.append(max(ref["amorphous_thickness_nm"], AMORPHOUS_FLOOR_NM)
                         / max(r["amorphous_thickness_nm"], AMORPHOUS_FLOOR_NM))
        r["score"] = float(np.mean(terms))
        r["predicted"] = "ICR" if r["score"] >= ICR_THRESHOLD else "DCR"
        r["seed"] = SEED_CLASSES.get(r["host"])
    rows.sort(key=lambda r: r["score"], reverse=True)
    compared = [r for r in rows if r["seed"]]
    agreement = float(np.mean([r["predicted"] == r["seed"] for r in compared])) if compared else None
    return ScreeningDocument(reference=reference, threshold=ICR_THRESHOLD, rows=rows, agreement=agreement)


def short_couple_md(time_ps: float = 5.0, temperature_K: float = 1500.0) -> InterfaceMDMaker:
    """A small (110) couple (about 400 atoms for Li-Si) run ``time_ps`` at ``temperature_K`` for the screen."""
    return InterfaceMDMaker(
        build=BuildCoupleMaker(miller="110", host_thickness_nm=1.5, reservoir_thickness_nm=1.5, size_nm=1.5),
        md=LammpsMDMaker(temperature_K=temperature_K, time_ps=time_ps, dump_every_ps=0.25, progress=False))


@dataclass
class ScreeningFlowMaker(Maker):
    """Host/carrier pairs -> bond strength, shear modulus, bulk barrier -> ranked ICR/DCR table.

    ``potentials`` maps systems to potential names (default: the system's default potential, else
    the universal SevenNet-0);
    ``reference`` is the pair scores are relative to (it must be among the systems);
    ``couple_md`` (e.g. :func:`short_couple_md`) adds the amorphous-layer term (a short couple MD per pair).
    """

    name: str = "screen"
    systems: tuple[str, ...] = ("Li-Si", "Na-Sn", "Na-Sb", "Li-Ge")
    reference: str = "Li-Si"
    potentials: dict[str, str] = field(default_factory=dict)
    neb: HopNebMaker = field(default_factory=lambda: HopNebMaker(num_images=5, min_cell_A=10.0))
    couple_md: InterfaceMDMaker | None = None

    def make(self) -> Flow:
        if self.reference not in self.systems:
            raise InputError(f"reference pair '{self.reference}' is not among the screened systems {list(self.systems)}")
        jobs, hosts, barriers, couples = [], [], [], []
        for system in self.systems:
            _, host = parse_system(system)
            potential = self.potentials.get(system) or _default_or_universal(system)
            props = host_properties(system, potential)
            neb = HopNebMaker(**{**self.neb.__dict__, "potential": potential}).make(system)
            jobs += [props, neb]
            hosts.append(props.output)
            barriers.append(neb.output)
            couple = None
            if self.couple_md is not None:
                couple = replace(self.couple_md, md=replace(self.couple_md.md, potential=potential)).make(system)
                jobs.append(couple)
            couples.append(None if couple is None else couple.output)
        ranking = rank_pairs(hosts, barriers, list(self.systems), self.reference, couples)
        return Flow([*jobs, ranking], output=ranking.output, name=self.name)


def _default_or_universal(system: str) -> str | None:
    from anodeflow.settings import get_settings

    return None if system in get_settings().default_potentials else UNIVERSAL_POTENTIAL
