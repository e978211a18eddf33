"""The seed study: one Flow that puts the seed's claims (SCIENCE.md) to the test for Li/Si, Na/Sn and Na/Sb.

Per system: a host check of its potential (a rattled supercell of the host crystal relaxed with the
cell free must keep its space group); if it passes, the potential's own melting point of the host
(solid-liquid coexistence, :mod:`anodeflow.workflows.melting`), couples at the same homologous
temperature T/Tm of each host over orientations and replica seeds, and the carrier's tracer diffusivity
in an amorphous alloy at the composition of the reacted phase at 3-5 temperatures, extrapolated to
300 K; the carrier's site network in the host crystal (its bulk migration barrier,
:mod:`anodeflow.workflows.site_network`); and its D along dislocation cores against the crystal
(:mod:`anodeflow.workflows.pipe_diffusion`, diamond hosts). ``parts`` selects among these four.
Systems whose MD would exceed the scale's budget are reported, not run. Then one
``seed_study`` document: every claim with the measured values +- their standard errors and a verdict
(agrees / disagrees / undetermined, with the reason) from :mod:`anodeflow.analysis.claims`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from jobflow import Flow, Job, Maker, Response, job
from pydantic import BaseModel, Field

from anodeflow.errors import InputError
from anodeflow.structures import parse_system
from anodeflow.workflows.couple import AnalyseCoupleMaker, BuildCoupleMaker, InterfaceMDMaker
from anodeflow.workflows.md import LammpsMDMaker, MeltQuenchMaker, resolve_potential
from anodeflow.workflows.melting import CRC, EXPERIMENTAL_MELTING_K, CoexistenceMeltingMaker
from anodeflow.workflows.pipe_diffusion import PipeDiffusionMaker
from anodeflow.workflows.schemas import (
    ClaimRow,  # noqa: F401 - stored seed_study documents name this module for their claim rows
    DiffusionStudyDocument,
    HostCheck,
    InterfaceMDDocument,
    LammpsMDDocument,
    MeasuredValue,
    MeltingPointDocument,
    OrientationResult,
    PipeDiffusionDocument,
    SeedStudyDocument,
    SiteNetworkDocument,
    SystemResult,
)
from anodeflow.workflows.site_network import SiteNetworkMaker
from anodeflow.workflows.studies import AmorphousAlloyMaker, DiffusionFlowMaker

#: the fully reacted phase of each couple (name, carrier fraction, source): the diffusion composition
REACTED_PHASES = {
    "Li-Si": ("Li15Si4", 15 / 19, "Obrovac & Christensen, Electrochem. Solid-State Lett. 7 (2004) A93"),
    "Na-Sn": ("Na15Sn4", 15 / 19, "Ellis, Hatchard, Obrovac, J. Electrochem. Soc. 159 (2012) A1801"),
    "Na-Sb": ("Na3Sb", 3 / 4, "Darwiche et al., J. Am. Chem. Soc. 134 (2012) 20805"),
}
#: host orientations: Si's three for the anisotropy; beta-Sn (100) and A7 Sb (001) have a lattice
#: period normal to the interface
ORIENTATIONS = {"Li-Si": ("110", "100", "111"), "Na-Sn": ("100",), "Na-Sb": ("001",)}
SYSTEMS = ("Li-Si", "Na-Sn", "Na-Sb")
#: parts of the study per system (the host check always runs, the melting point wherever a part needs a
#: temperature): replica couples, diffusion in the amorphous alloy, the site network, pipe diffusion
PARTS = ("couples", "diffusion", "network", "pipe")
#: every part: those per system and the screen of hosts (at the scales that have one)
STUDY_PARTS = (*PARTS, "screen")
#: parts run at a temperature set from the host's melting point
THERMAL_PARTS = ("couples", "diffusion", "pipe")


class PipeSettings(BaseModel):
    """Pipe diffusion of a study scale (:class:`~anodeflow.workflows.pipe_diffusion.PipeDiffusionMaker`)."""

    dislocation: str = Field("60", description="dislocation kind of the dipole: 60 or screw")
    separation: int = Field(ge=2, description="distance between the two lines of the dipole (glide distances)")
    length_cells: int = Field(ge=3, description="dipole length along the line (line periods)")
    spacing_cells: int = Field(1, ge=1, description="line periods between the carriers along each line")
    time_ps: float = Field(gt=0, description="NVT time of each of the two cells (ps)")
    dump_every_ps: float = Field(gt=0, description="frame interval (ps)")
    temperatures: tuple[float, ...] = Field(description="MD temperatures / the host's melting point")

    def maker(self, temperature_K: float, potential: str | None, progress: bool) -> PipeDiffusionMaker:
        """The pipe-diffusion Maker at ``temperature_K`` (K) with ``potential``."""
        return PipeDiffusionMaker(dislocation=self.dislocation, separation=self.separation,
                                  length_cells=self.length_cells, spacing_cells=self.spacing_cells, md=LammpsMDMaker(
                                      temperature_K=temperature_K, time_ps=self.time_ps,
                                      dump_every_ps=self.dump_every_ps, ensemble="nvt", potential=potential,
                                      progress=progress))


class StudyScale(BaseModel):
    """Sizes and times of one study scale."""

    model_config = {"arbitrary_types_allowed": True}

    name: str = Field(description="quick, workstation or hpc")
    couple_size_nm: float = Field(gt=0, description="in-plane size of each couple (nm); the host slab is 1.25x this")
    reservoir_factor: float = Field(1.25, gt=0, description="thickness of the carrier reservoir / couple_size_nm: "
                                                            "enough carrier that the front does not slow as it runs out")
    couple_time_ps: float = Field(gt=0, description="MD time of each couple (ps)")
    dump_every_ps: float = Field(gt=0, description="frame interval of the couple trajectories (ps)")
    replicas: int = Field(ge=1, description="independent seeds per orientation")
    homologous_temperature: float = Field(gt=0, lt=1.2, description="couple temperature / the host's melting point")
    diffusion_atoms: int = Field(ge=16, description="atoms of the amorphous alloy for the diffusivity")
    diffusion_time_ps: float = Field(gt=0, description="NVT time per diffusion temperature (ps)")
    diffusion_temperatures: tuple[float, ...] = Field(description="diffusion temperatures / the host's melting point")
    melt_ps: float = Field(gt=0, description="melt time of the alloy before the quench (ps)")
    quench_rate_K_ps: float = Field(gt=0, description="quench rate of the alloy (K/ps)")
    rattled_repeats: tuple[int, int, int] = Field(description="supercell of the host crystal for the host check")
    melting: CoexistenceMeltingMaker | None = Field(
        description="solid-liquid coexistence run for the potential's own melting point; None: the experimental one")
    network: SiteNetworkMaker | None = Field(
        None, description="the carrier's site network in the host crystal (its potential is the study's); None: not run")
    pipe: PipeSettings | None = Field(None, description="carrier D along dislocation cores against the crystal, "
                                                        "diamond hosts; None: not run")
    screening: bool = Field(description="also run the ICR/DCR screen of hosts")
    max_md_hours: float | None = Field(description="a system whose MD would take longer on one core (estimated from "
                                                   "its potential's measured speed) is not run; None: no limit")

    @property
    def host_thickness_nm(self) -> float:
        """Thickness of each couple's host slab (nm): 1.25 x the in-plane size."""
        return 1.25 * self.couple_size_nm

    @property
    def reservoir_thickness_nm(self) -> float:
        """Thickness of each couple's carrier reservoir (nm)."""
        return self.reservoir_factor * self.couple_size_nm


SCALES = {
    "quick": StudyScale(name="quick", couple_size_nm=1.2, couple_time_ps=1.0, dump_every_ps=0.1, replicas=2,
                        homologous_temperature=0.85, diffusion_atoms=64, diffusion_time_ps=2.0,
                        diffusion_temperatures=(0.7, 0.85, 1.0), melt_ps=1.0, quench_rate_K_ps=1000.0,
                        rattled_repeats=(2, 2, 3), screening=False, max_md_hours=1 / 6,
                        network=SiteNetworkMaker(), pipe=PipeSettings(separation=3, length_cells=3, time_ps=2.0,
                                                                      dump_every_ps=0.02, temperatures=(0.62,)),
                        melting=CoexistenceMeltingMaker(repeats=(2, 2, 4), time_ps=2.0, melt_ps=1.5,
                                                        temperatures=(0.6, 1.3, 2.0))),
    "workstation": StudyScale(name="workstation", couple_size_nm=2.0, reservoir_factor=2.5, couple_time_ps=20.0,
                              dump_every_ps=0.2, replicas=3, homologous_temperature=0.85, diffusion_atoms=256, diffusion_time_ps=20.0,
                              diffusion_temperatures=(0.45, 0.6, 0.75, 0.9), melt_ps=5.0, quench_rate_K_ps=200.0,
                              rattled_repeats=(3, 3, 4), screening=True, max_md_hours=3.0,
                              network=SiteNetworkMaker(),
                              pipe=PipeSettings(separation=4, length_cells=6, time_ps=60.0, dump_every_ps=0.5,
                                                temperatures=(0.5, 0.56, 0.62)),
                              melting=CoexistenceMeltingMaker(repeats=(3, 3, 8), time_ps=10.0,
                                                              temperatures=(0.5, 0.6, 0.7, 0.8, 1.0, 1.2, 1.4, 1.6,
                                                                            1.8))),
    "hpc": StudyScale(name="hpc", couple_size_nm=8.0, couple_time_ps=1000.0, dump_every_ps=2.0, replicas=5,
                      homologous_temperature=0.85, diffusion_atoms=4000, diffusion_time_ps=500.0,
                      diffusion_temperatures=(0.35, 0.45, 0.6, 0.75, 0.9), melt_ps=20.0, quench_rate_K_ps=10.0,
                      rattled_repeats=(4, 4, 6), screening=True, max_md_hours=None,
                      network=SiteNetworkMaker(every_hop=True),
                      pipe=PipeSettings(separation=6, length_cells=12, time_ps=1000.0, dump_every_ps=2.0,
                                        temperatures=(0.35, 0.4, 0.45, 0.5, 0.55, 0.6)),
                      melting=CoexistenceMeltingMaker(repeats=(6, 6, 18), time_ps=100.0,
                                                      temperatures=(0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4,
                                                                   1.6, 1.8))),
}


@job
def check_host(system: str, potential: str | None, repeats: tuple[int, int, int]) -> HostCheck:
    """Relax the host crystal and a rattled (0.01 A) supercell of it with the cell free; the check passes when
    the supercell keeps the space group and ends no lower than the symmetric cell (``workflows.stability``)
    and the potential's record has no failed host check for ``system``."""
    import time

    from anodeflow.structures.crystals import HOST_CRYSTALS
    from anodeflow.workflows.md import type_elements_for
    from anodeflow.workflows.stability import rattled_relaxations, relaxed_crystal

    start = time.perf_counter()
    record = resolve_potential(potential, system)
    types = type_elements_for(parse_system(system), record)
    workdir = Path.cwd() / "host-check"
    symmetric = relaxed_crystal(HOST_CRYSTALS[parse_system(system)[1]], record, types, workdir)
    run, = rattled_relaxations(symmetric, record, types, workdir, sizes=(tuple(repeats),), amplitudes_A=(0.01,),
                               seeds=(1,))
    reasons = [] if run.passed else [f"{run.label} relaxed to {run.relaxed_spacegroup}, "
                                     f"{run.energy_meV_atom:+.1f} meV/atom from {run.spacegroup}"]
    if system in record.fails_host_check:
        reasons.append(f"its record: {record.fails_host_check[system]}")
    return HostCheck(system=system, potential=record.name, passed=not reasons, spacegroup=run.spacegroup,
                     relaxed_spacegroup=run.relaxed_spacegroup, energy_meV_atom=run.energy_meV_atom,
                     reason="; ".join(reasons), wall_time_s=time.perf_counter() - start)


def couple_maker(scale: StudyScale, potential: str | None, miller: str, temperature_K: float, seed: int,
                 progress: bool) -> InterfaceMDMaker:
    """One replica couple of the study."""
    return InterfaceMDMaker(
        build=BuildCoupleMaker(miller=miller, size_nm=scale.couple_size_nm, host_thickness_nm=scale.host_thickness_nm,
                               reservoir_thickness_nm=scale.reservoir_thickness_nm, seed=seed),
        md=LammpsMDMaker(temperature_K=temperature_K, time_ps=scale.couple_time_ps, seed=seed, potential=potential,
                         dump_every_ps=scale.dump_every_ps, dump_stress=True, progress=progress,
                         restart_every_ps=min(scale.couple_time_ps, max(1.0, scale.couple_time_ps / 10))),
        analyse=AnalyseCoupleMaker(progress=False, plot=False))


def diffusion_flow(system: str, scale: StudyScale, potential: str | None, tm: float, progress: bool) -> Flow:
    """Amorphous alloy at the reacted phase's composition -> NVT MD at each temperature (fractions of the
    host's melting point ``tm``, K) -> Arrhenius."""
    glass = AmorphousAlloyMaker(carrier_fraction=REACTED_PHASES[system][1], n_atoms=scale.diffusion_atoms, seed=1,
                                melt_quench=MeltQuenchMaker(
                                    temperature_K=1.5 * tm, time_ps=scale.melt_ps,
                                    quench_rate_K_ps=scale.quench_rate_K_ps, anneal_temperature_K=300.0,
                                    anneal_time_ps=scale.melt_ps / 2, seed=1, potential=potential,
                                    progress=progress)).make(system)
    study = DiffusionFlowMaker(
        temperatures_K=tuple(round(f * tm, 1) for f in scale.diffusion_temperatures),
        equilibration_ps=scale.diffusion_time_ps / 5,
        md=LammpsMDMaker(time_ps=scale.diffusion_time_ps, dump_every_ps=scale.diffusion_time_ps / 100, minimize=False,
                         potential=potential, progress=progress)).make(glass.output.final_structure, system)
    return Flow([glass, study], output={"diffusion": study.output, "glass": glass.output}, name=f"diffusion {system}")


@job
def run_system(system: str, potential: str | None, scale: StudyScale, check: HostCheck, progress: bool = False,
               over_budget_hours: float | None = None, parts: tuple[str, ...] = PARTS):
    """When the potential kept the host and its MD fits the scale's budget (``over_budget_hours`` None): its
    melting point (``scale.melting``, where a part needs a temperature), then the ``parts``; else the result
    that says the system has no valid potential, or that its MD would take ``over_budget_hours``."""
    if not check.passed:
        return invalid_system(system, check, scale.homologous_temperature * melting_point_K(system, None))
    if over_budget_hours is not None:
        return over_budget(system, check, scale, over_budget_hours)
    if scale.melting is None or not thermal_parts(system, scale, parts):
        return Response(replace=measurements_flow(system, potential, scale, check, None, progress, parts))
    melt = replace(scale.melting, potential=potential).make(system)
    measure = run_measurements(system, potential, scale, check, melt.output, progress, parts)
    return Response(replace=Flow([melt, measure], output=measure.output, name=f"seed study {system}"))


@job
def run_measurements(system: str, potential: str | None, scale: StudyScale, check: HostCheck,
                     melting: MeltingPointDocument, progress: bool = False, parts: tuple[str, ...] = PARTS):
    """The ``parts`` at the homologous temperatures of the measured melting point."""
    melting = _as(MeltingPointDocument, melting)
    return Response(replace=measurements_flow(system, potential, scale, check, melting, progress, parts))


def pipe_unavailable(system: str, scale: StudyScale) -> str:
    """Why pipe diffusion cannot run for ``system`` at ``scale``; "" when it can."""
    from anodeflow.structures.crystals import HOST_CRYSTALS
    from anodeflow.structures.dislocations import check_dislocation

    if scale.pipe is None or not scale.pipe.temperatures:
        return f"the {scale.name} scale has none"
    crystal = HOST_CRYSTALS[parse_system(system)[1]]
    try:
        check_dislocation(crystal, scale.pipe.dislocation)
    except InputError:
        return f"periodic dislocation dipoles are built in diamond hosts only, not in {crystal}"
    return ""


def thermal_parts(system: str, scale: StudyScale, parts: tuple[str, ...]) -> list[str]:
    """The ``parts`` that will run at a temperature set from the host's melting point."""
    return [p for p in parts if p in THERMAL_PARTS and not (p == "pipe" and pipe_unavailable(system, scale))]


def couple_flows(system: str, potential: str | None, scale: StudyScale, temperature_K: float,
                 progress: bool) -> tuple[list[Flow], dict[str, list]]:
    """Replica couples over the system's orientations: (the Flows, orientation -> their outputs)."""
    jobs, couples = [], {}
    for miller in ORIENTATIONS[system]:
        couples[miller] = []
        for seed in range(1, scale.replicas + 1):
            flow = couple_maker(scale, potential, miller, temperature_K, seed, progress).make(system)
            jobs.append(flow)
            couples[miller].append(flow.output)
    return jobs, couples


def network_job(system: str, potential: str | None, scale: StudyScale, progress: bool) -> tuple[Job | None, str]:
    """The carrier's site network in the host crystal, or none and the reason."""
    if scale.network is None:
        return None, f"the {scale.name} scale has none"
    return replace(scale.network, potential=potential, progress=progress).make(system), ""


def pipe_flows(system: str, potential: str | None, scale: StudyScale, tm: float,
               progress: bool) -> tuple[list[Flow], str]:
    """One pipe-diffusion Flow per temperature of the scale (fractions of ``tm``, K), or none and the reason."""
    reason = pipe_unavailable(system, scale)
    if reason:
        return [], reason
    flows = [scale.pipe.maker(round(f * tm, 1), potential, progress).make(system) for f in scale.pipe.temperatures]
    return flows, ""


def measurements_flow(system: str, potential: str | None, scale: StudyScale, check: HostCheck,
                      melting: MeltingPointDocument | None, progress: bool, parts: tuple[str, ...] = PARTS) -> Flow:
    """The ``parts`` (replica couples, the diffusion study, the site network, pipe diffusion), then the
    system's summary."""
    tm = melting_point_K(system, melting)
    temperature = scale.homologous_temperature * tm
    skipped = "not among the parts run"
    jobs, couples = couple_flows(system, potential, scale, temperature, progress) if "couples" in parts else ([], {})
    diffusion = diffusion_flow(system, scale, potential, tm, progress) if "diffusion" in parts else None
    network, network_status = network_job(system, potential, scale, progress) if "network" in parts else (None, skipped)
    pipes, pipe_status = pipe_flows(system, potential, scale, tm, progress) if "pipe" in parts else ([], skipped)
    summary = summarise_system(system, check, temperature, couples, None if diffusion is None else diffusion.output,
                               melting, None if network is None else network.output, [p.output for p in pipes],
                               list(parts), {"network": network_status, "pipe": pipe_status})
    parts_run = [j for j in (*jobs, diffusion, network, *pipes) if j is not None]
    return Flow([*parts_run, summary], output=summary.output, name=f"seed study {system}")


def melting_point_K(system: str, melting: MeltingPointDocument | None) -> float:
    """The measured melting point when it is bracketed and finite, else the experimental one (K)."""
    if melting is not None and melting.bracketed and np.isfinite(melting.melting_point_K):
        return melting.melting_point_K
    return EXPERIMENTAL_MELTING_K[parse_system(system)[1]]


def melting_fields(system: str, melting: MeltingPointDocument | None) -> dict:
    """The melting point, its error and its source for a :class:`SystemResult`."""
    tm = melting_point_K(system, melting)
    if melting is None:
        return {"melting_point_K": tm, "melting_point_source": f"experiment ({CRC})"}
    if tm != melting.melting_point_K:
        return {"melting_point_K": tm, "melting_wall_time_s": melting.wall_time_s,
                "melting_point_source": f"experiment ({CRC}): the coexistence runs did not bracket the potential's "
                                        f"melting point (rates {melting.rates_per_ps} per ps)"}
    return {"melting_point_K": tm, "melting_point_err_K": melting.melting_point_err_K,
            "melting_wall_time_s": melting.wall_time_s,
            "melting_point_source": f"solid-liquid coexistence with {melting.potential}, {melting.n_atoms} atoms, "
                                    f"{melting.time_ps:g} ps per temperature"}


def invalid_system(system: str, check: HostCheck, temperature_K: float) -> SystemResult:
    return SystemResult(system=system, potential=check.potential, valid=False, status="no valid potential",
                        reason=check.reason, host_check=check, **melting_fields(system, None),
                        temperature_K=temperature_K)


def over_budget(system: str, check: HostCheck, scale: StudyScale, hours: float) -> SystemResult:
    """The result of a system whose potential kept the host but whose MD would exceed the scale's time budget."""
    reason = (f"{check.potential}'s MD for the {scale.name} scale would take about {hours:.1f} h on one core "
              f"(budget {scale.max_md_hours:.2g} h); give a faster valid potential (--potential {system}=NAME) or "
              "run a larger scale where there are more cores")
    return SystemResult(system=system, potential=check.potential, valid=False, status="over budget", reason=reason,
                        host_check=check, **melting_fields(system, None),
                        temperature_K=scale.homologous_temperature * melting_point_K(system, None))


def estimated_md_hours(system: str, scale: StudyScale, potential, parts: tuple[str, ...] = PARTS) -> float | None:
    """MD time (h, one core) of ``system``'s melting point, couples, diffusion and pipe-diffusion runs among
    ``parts`` at ``scale`` with the record ``potential``, from its measured ``md_speed_atom_steps_per_s``; None
    where the speed is not measured. The site network (relaxations and NEB) is not counted."""
    from anodeflow.structures.crystals import HOST_CRYSTALS, bulk_crystal
    from anodeflow.structures.sizes import couple_atoms

    if not potential.md_speed_atom_steps_per_s:
        return None
    host = parse_system(system)[1]
    size, steps_per_ps = scale.couple_size_nm, 1000.0 / potential.timestep_fs
    atom_ps = 0.0
    if "couples" in parts:
        atoms = couple_atoms(system, size, scale.host_thickness_nm, scale.reservoir_thickness_nm)
        atom_ps += len(ORIENTATIONS[system]) * scale.replicas * atoms * scale.couple_time_ps
    if "diffusion" in parts:
        glass_ps = 1.5 * scale.melt_ps + (1.5 * EXPERIMENTAL_MELTING_K[host] - 300.0) / scale.quench_rate_K_ps
        atom_ps += scale.diffusion_atoms * (glass_ps + len(scale.diffusion_temperatures) * scale.diffusion_time_ps)
    if "pipe" in parts and not pipe_unavailable(system, scale):
        from anodeflow.structures.dislocations import build_dislocation_dipole

        dipole = build_dislocation_dipole(HOST_CRYSTALS[host], scale.pipe.dislocation, scale.pipe.separation,
                                          scale.pipe.length_cells)
        atom_ps += 2 * len(dipole) * len(scale.pipe.temperatures) * scale.pipe.time_ps  # dipole and crystal
    if scale.melting is not None and thermal_parts(system, scale, parts):
        cell_atoms = len(bulk_crystal(HOST_CRYSTALS[host])) * np.prod(scale.melting.repeats)
        atom_ps += cell_atoms * (scale.melting.melt_ps + len(scale.melting.temperatures) * scale.melting.time_ps)
    return atom_ps * steps_per_ps / potential.md_speed_atom_steps_per_s / 3600.0


def _as(model, value):
    """``value`` as the pydantic ``model`` (jobflow hands documents on as objects or as dicts)."""
    return value if isinstance(value, model) else model.model_validate(value)


def _measured(estimate) -> MeasuredValue:
    return MeasuredValue(value=estimate.value, err=estimate.err, n=estimate.n)


def orientation_result(miller: str, docs: list[InterfaceMDDocument]) -> OrientationResult:
    """Replica means and standard errors of one orientation's couples."""
    import numpy as np

    from anodeflow.analysis.claims import replica_estimate
    from anodeflow.analysis.kinetics import fit_kinetics, front_before_consumed
    from anodeflow.analysis.profiles import front_and_bulk_host_bonds

    exponents, exponent_errs = [], []
    for d in docs:
        try:
            fit = fit_kinetics(*front_before_consumed(d.times_ps, d.front_advance_nm, d.crystalline_host_atoms))
            exponents.append(fit.exponent_n)
            exponent_errs.append(fit.exponent_n_err)
        except InputError:  # no measurable advance
            exponents.append(float("nan"))
            exponent_errs.append(float("nan"))
    bonds = np.array([front_and_bulk_host_bonds(d.final_profile) for d in docs])
    stress = [d.stress or {} for d in docs]

    def over(values, errs=None):
        return _measured(replica_estimate(values, errs))

    n_times = min(len(d.times_ps) for d in docs)
    measured = [d.dislocations for d in docs if d.dislocations is not None]
    reasons = [n.removeprefix("dislocations: ") for d in docs for n in d.notes if n.startswith("dislocations: ")]
    return OrientationResult(
        dislocation_density_m2=over([d.dislocations.density_m2 if d.dislocations else float("nan") for d in docs]),
        dislocation_method=measured[0].method if measured else (reasons[0] if reasons else ""),
        miller=miller, exponent_n=over(exponents, exponent_errs),
        front_velocity_nm_ps=over([d.front_velocity_nm_ps for d in docs]),
        amorphous_thickness_nm=over([d.amorphous_thickness_nm for d in docs]),
        interface_width_nm=over([d.interface_width_nm for d in docs]),
        front_host_bond_A=over(bonds[:, 0]), bulk_host_bond_A=over(bonds[:, 1]),
        host_bond_shift_A=over(bonds[:, 0] - bonds[:, 1]),
        eq1_stress_term_eV=over([s.get("eq1_stress_term_eV", float("nan")) for s in stress]),
        host_mean_stress_GPa=over([s.get("mean_stress_host_GPa", float("nan")) for s in stress]),
        times_ps=list(docs[0].times_ps[:n_times]),
        front_advance_nm=np.mean([d.front_advance_nm[:n_times] for d in docs], axis=0).tolist(),
        wall_time_s=float(sum(d.wall_time_s for d in docs)))


def diffusion_fields(system: str, diffusion: dict) -> dict:
    """The diffusion fields of a :class:`SystemResult` from :func:`diffusion_flow`'s output."""
    carrier, _ = parse_system(system)
    study = _as(DiffusionStudyDocument, diffusion["diffusion"])
    fit = study.arrhenius.get(carrier, {})
    D300 = Ea = None
    if "Ea_eV" in fit:
        D300 = MeasuredValue(value=fit["D_300K_cm2_s"], err=fit["D_300K_err_cm2_s"], n=len(study.runs))
        Ea = MeasuredValue(value=fit["Ea_eV"], err=fit["Ea_err_eV"], n=len(study.runs))
    phase, x, _ = REACTED_PHASES[system]
    return {"reacted_phase": phase, "carrier_fraction": x, "diffusion": study, "D_300K_cm2_s": D300, "Ea_eV": Ea,
            "diffusion_wall_time_s": _as(LammpsMDDocument, diffusion["glass"]).wall_time_s
            + sum(r.wall_time_s for r in study.runs)}


@job
def summarise_system(system: str, check: HostCheck, temperature_K: float, couples: dict[str, list],
                     diffusion: dict | None, melting: MeltingPointDocument | None = None,
                     network: SiteNetworkDocument | None = None, pipe: list | None = None,
                     parts: list[str] | None = None, statuses: dict[str, str] | None = None) -> SystemResult:
    """One system's :class:`SystemResult` from the parts it ran (``statuses``: why the network or the
    pipe-diffusion runs are missing, where they are)."""
    melting = None if melting is None else _as(MeltingPointDocument, melting)
    statuses = statuses or {}
    return SystemResult(
        system=system, potential=check.potential, valid=True, status="measured", host_check=check,
        **melting_fields(system, melting), temperature_K=temperature_K,
        orientations=[orientation_result(m, [_as(InterfaceMDDocument, d) for d in docs]) for m, docs in couples.items()],
        **(diffusion_fields(system, diffusion) if diffusion is not None else {}),
        parts=list(PARTS if parts is None else parts),
        network=None if network is None else _as(SiteNetworkDocument, network),
        network_status=statuses.get("network", ""), pipe=[_as(PipeDiffusionDocument, d) for d in pipe or []],
        pipe_status=statuses.get("pipe", ""))


@job
def assemble_study(scale: StudyScale, systems: list[SystemResult], screening: dict | None = None) -> SeedStudyDocument:
    """The claims table from every system's results (:func:`study_document`)."""
    if screening is not None and not isinstance(screening, dict):
        screening = screening.model_dump()
    return study_document(scale, [_as(SystemResult, s) for s in systems], screening)


def study_document(scale: StudyScale, systems: list[SystemResult], screening: dict | None) -> SeedStudyDocument:
    """The seed-study document of ``systems``, with its claims table
    (:func:`anodeflow.workflows.seed_claims.claim_rows`) and the sources it cites."""
    from anodeflow.workflows.seed_claims import REFERENCES, claim_rows

    return SeedStudyDocument(scale=scale, systems=systems, claims=claim_rows(systems, screening),
                             screening=screening, references=REFERENCES)


#: fields of a :class:`SystemResult` that each part fills
PART_FIELDS = {"couples": ("orientations", "temperature_K"),
               "diffusion": ("reacted_phase", "carrier_fraction", "diffusion", "D_300K_cm2_s", "Ea_eV",
                             "diffusion_wall_time_s"),
               "network": ("network", "network_status"), "pipe": ("pipe", "pipe_status")}


def merge_system_results(results: list[SystemResult]) -> SystemResult:
    """One system's results from studies that ran different parts of it with the same potential: each part's
    fields from the study that ran it; the melting point of the one that ran the couples (else the first), with
    the wall times of all coexistence runs added."""
    if len(results) == 1:
        return results[0]
    name = results[0].system
    potentials = sorted({r.potential for r in results})
    if len(potentials) > 1:
        raise InputError(f"system {name} was run with different potentials ({', '.join(potentials)}); "
                         "merge studies of one potential per system")
    parts = [p for r in results if r.valid for p in r.parts]
    if not all(r.valid for r in results) or len(parts) != len(set(parts)):
        raise InputError(f"system {name} is in more than one study with the same parts; give each part of a system once")
    base = next((r for r in results if "couples" in r.parts), results[0])
    merged = base.model_copy(update={"parts": [p for p in PARTS if p in parts],
                                     "melting_wall_time_s": sum(r.melting_wall_time_s for r in results)})
    for result in (r for r in results if r is not base):
        merged = merged.model_copy(update={f: getattr(result, f) for p in result.parts for f in PART_FIELDS[p]})
    return merged


def merge_studies(docs: list[dict]) -> SeedStudyDocument:
    """One study from seed-study documents of the same scale run for different systems, or for different parts
    of a system (one run per system or part, or on different machines): their systems side by side, the screen
    of the last study that has one (a screen run again supersedes), and the claims table made again from them
    (:func:`study_document`)."""
    from pydantic import ValidationError

    try:
        studies = [_as(SeedStudyDocument, d) for d in docs]
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"a study is not a seed-study document: {'.'.join(map(str, first['loc']))}: "
                         f"{first['msg']}") from None
    scales = sorted({study.scale.name for study in studies})
    if len(scales) != 1:
        raise InputError(f"the studies are of different scales ({', '.join(scales)}); merge studies of one scale")
    by_name: dict[str, list[SystemResult]] = {}
    for system in (system for study in studies for system in study.systems):
        by_name.setdefault(system.system, []).append(system)
    systems = [merge_system_results(results) for results in by_name.values()]
    return study_document(merged_scale([study.scale for study in studies]), systems,
                          next((s.screening for s in reversed(studies) if s.screening), None))


def merged_scale(scales: list[StudyScale]) -> StudyScale:
    """The first study's scale, with each part's settings that it lacks (a study made before that part
    existed) taken from the first study that has them."""
    missing = {f: next(getattr(s, f) for s in scales if getattr(s, f) is not None)
               for f in ("network", "pipe") if getattr(scales[0], f) is None and any(getattr(s, f) for s in scales)}
    return scales[0].model_copy(update=missing)


@dataclass
class SeedStudyMaker(Maker):
    """The seed study over ``systems`` at ``scale`` (a key of ``SCALES``); ``potentials`` maps a system to a
    potential name (default: the system's default potential). ``parts`` (from ``STUDY_PARTS``) selects what
    runs: per system (``PARTS``), and the screen of hosts (``screen``, at the scales that have one). Studies of the
    same systems with different parts merge into one (:func:`merge_studies`)."""

    name: str = "seed study"
    scale: str = "quick"
    systems: tuple[str, ...] = SYSTEMS
    potentials: dict[str, str] = field(default_factory=dict)
    parts: tuple[str, ...] = STUDY_PARTS
    progress: bool = False

    def make(self) -> Flow:
        from anodeflow.workflows.screening import ScreeningFlowMaker

        if self.scale not in SCALES:
            raise InputError(f"unknown scale '{self.scale}'; choose one of {', '.join(SCALES)}")
        unknown_parts = [p for p in self.parts if p not in STUDY_PARTS]
        if unknown_parts or not self.parts:
            raise InputError(f"unknown part '{','.join(unknown_parts)}'; choose from {', '.join(STUDY_PARTS)}")
        unknown = [s for s in self.systems if s not in SYSTEMS] + [s for s in self.potentials if s not in self.systems]
        if unknown:
            raise InputError(f"system {', '.join(unknown)} is not in the study; choose from {', '.join(SYSTEMS)}")
        scale = SCALES[self.scale]
        if "screen" in self.parts and not scale.screening and len(self.parts) == 1:
            raise InputError(f"the {self.scale} scale has no screen of hosts; choose workstation or hpc")
        system_parts = tuple(p for p in self.parts if p in PARTS)
        jobs, results = [], []
        for system in self.systems if system_parts else ():
            potential = self.potentials.get(system)
            record = resolve_potential(potential, system)
            record.check_elements(parse_system(system))
            hours = estimated_md_hours(system, scale, record, system_parts)
            over = scale.max_md_hours is not None and hours is not None and hours > scale.max_md_hours
            check = check_host(system, potential, scale.rattled_repeats)  # first: is the potential valid at all?
            run = run_system(system, potential, scale, check.output, self.progress, hours if over else None,
                             system_parts)
            jobs += [check, run]
            results.append(run.output)
        screening = None
        if scale.screening and "screen" in self.parts:
            screen = ScreeningFlowMaker(potentials=self.potentials).make()
            jobs.append(screen)
            screening = screen.output
        study = assemble_study(scale, results, screening)
        return Flow([*jobs, study], output=study.output, name=f"{self.name} ({self.scale})")

