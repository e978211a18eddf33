"""ICR/DCR screening of host/carrier pairs (seed's design principle: weak bonds, low shear strength and
easy carrier hops favour amorphization, dislocations and diffusion-controlled fronts).

Per host: cohesive energy per bond and the orientation-averaged shear modulus (a yield-strength proxy), both
relaxed with the chosen potential. Per pair: the bulk carrier migration barrier (CI-NEB) and, with ``couple_md``,
the amorphous host layer a short couple MD grows at the front.
A score compares each pair with the reference pair; the predicted class is set beside the seed's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from jobflow import Flow, Maker, job

from anodeflow.errors import InputError
from anodeflow.structures.crystals import HOST_CRYSTALS, bulk_crystal, parse_system
from anodeflow.workflows.couple import BuildCoupleMaker, InterfaceMDMaker
from anodeflow.workflows.md import LammpsMDMaker
from anodeflow.workflows.calculators import cohesive_energy_eV, relax
from anodeflow.workflows.neb import HopNebMaker
from anodeflow.workflows.schemas import ScreeningDocument

#: classes the seed reports (ICR: interface-controlled, DCR: diffusion-controlled)
SEED_CLASSES = {"Si": "ICR", "Sb": "ICR", "P": "ICR", "Sn": "DCR", "Ge": "DCR"}
#: a pair is predicted ICR when its score (mean of bond energy, shear modulus and barrier, each relative
#: to the reference pair, and of the reference's amorphous layer relative to the pair's) is at least this
ICR_THRESHOLD = 0.75
#: amorphous layers thinner than this (nm) count as this thick in the score (one atomic layer)
AMORPHOUS_FLOOR_NM = 0.05
#: potential for pairs without a configured default (it keeps A7 Sb, see potentials/data)
UNIVERSAL_POTENTIAL = "SevenNet-0"
#: hosts whose PBE elastic tensor another universal potential reproduces better (benchmarks/black_p_stiffness.py)
UNIVERSAL_POTENTIAL_BY_HOST = {"P": "SevenNet-l3i5"}
#: the pairs screened by default: the study's systems and the seed's other examples (Li/Ge, Li/P, Na/P)
SCREEN_SYSTEMS = ("Li-Si", "Na-Sn", "Na-Sb", "Li-Ge", "Li-P", "Na-P")


@job
def host_properties(system: str, potential: str | None = None) -> dict:
    """Cohesive energy per first-shell bond (eV), the Voigt-Reuss-Hill shear modulus (GPa; the orientation
    average, a yield-strength proxy that does not depend on how a non-cubic cell is set in the axes) and the Born
    stiffness (GPa; the least eigenvalue of the elastic tensor, positive for a mechanically stable crystal) of the
    host crystal relaxed with the potential (relaxed-ion constants,
    :func:`workflows.stability.elastic_constants_GPa`)."""
    from pathlib import Path

    from ase.neighborlist import neighbor_list
    from pymatgen.analysis.elasticity import ElasticTensor

    from anodeflow.workflows.md import resolve_potential, type_elements_for
    from anodeflow.workflows.stability import born_stiffness_GPa, elastic_constants_GPa

    carrier, host = parse_system(system)
    record = resolve_potential(potential, system)
    types = type_elements_for((carrier, host), record)
    calculator = record.calculator(types, Path.cwd() / "potential")
    crystal = relax(bulk_crystal(HOST_CRYSTALS[host]), calculator)
    cohesive = cohesive_energy_eV(crystal, calculator)
    i, d = neighbor_list("id", crystal, 4.0)
    z = float(np.mean(np.bincount(i[d < 1.1 * d.min()], minlength=len(crystal))))
    constants = elastic_constants_GPa(crystal, record, types, Path.cwd() / "elastic")
    return {"host": host, "crystal": HOST_CRYSTALS[host], "potential": record.name,
            "cohesive_energy_eV_atom": float(cohesive), "coordination": z, "bond_energy_eV": float(2 * cohesive / z),
            "shear_modulus_GPa": float(ElasticTensor.from_voigt(constants).g_vrh),
            "born_stiffness_GPa": born_stiffness_GPa(constants)}


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
        rows.append({"system": system, "host": host["host"], "potential": host["potential"],
                     "bond_energy_eV": host["bond_energy_eV"], "shear_modulus_GPa": host["shear_modulus_GPa"],
                     "born_stiffness_GPa": host["born_stiffness_GPa"], "barrier_eV": neb.barrier_eV,
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

    ``potentials`` maps systems to potential names (default: the system's default potential, else the
    universal potential for its host: ``UNIVERSAL_POTENTIAL_BY_HOST``, ``UNIVERSAL_POTENTIAL``);
    ``reference`` is the pair scores are relative to (it must be among the systems);
    ``couple_md`` (e.g. :func:`short_couple_md`) adds the amorphous-layer term (a short couple MD per pair).
    """

    name: str = "screen"
    systems: tuple[str, ...] = SCREEN_SYSTEMS
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

    if system in get_settings().default_potentials:
        return None
    return UNIVERSAL_POTENTIAL_BY_HOST.get(parse_system(system)[1], UNIVERSAL_POTENTIAL)
