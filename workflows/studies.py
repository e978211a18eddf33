"""Studies as single Flows: melt-quench, diffusion over temperature (Arrhenius), front kinetics over orientations.

Each Maker's ``make`` returns a jobflow Flow whose output is one summary document; every
intermediate document (MD runs, couple analyses) is stored too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from jobflow import Flow, Maker, job

from anodeflow.errors import InputError
from anodeflow.structures import parse_miller, parse_system
from anodeflow.structures.sizes import check_atoms
from anodeflow.workflows.couple import InterfaceMDMaker
from anodeflow.workflows.md import LammpsMDMaker, MeltQuenchMaker, resolve_potential, type_elements_for
from anodeflow.workflows.schemas import (
    AmorphousAlloyDocument,
    AtomsModel,
    DiffusionRun,
    DiffusionStudyDocument,
    InterfaceMDDocument,
    KineticsStudyDocument,
    LammpsMDDocument,
)


@job
def build_amorphous(system: str, carrier_fraction: float, n_atoms: int, seed: int = 0) -> AmorphousAlloyDocument:
    """Random packing from :func:`anodeflow.structures.amorphous.random_alloy`."""
    from anodeflow.structures.amorphous import random_alloy

    atoms = random_alloy(system, carrier_fraction, n_atoms, seed=seed)
    return AmorphousAlloyDocument(system=system, carrier_fraction=atoms.info["carrier_fraction"], n_atoms=len(atoms),
                                  volume_per_atom_A3=atoms.info["volume_per_atom_A3"],
                                  min_distance_A=atoms.info["min_distance_A"], structure=AtomsModel.from_atoms(atoms))


@dataclass
class AmorphousAlloyMaker(Maker):
    """Random packing at x -> melt-quench (LAMMPS, NPT): an amorphous alloy (output: the MD document)."""

    name: str = "amorphous alloy"
    carrier_fraction: float = 0.5
    n_atoms: int = 128
    seed: int = 1
    melt_quench: MeltQuenchMaker = field(default_factory=MeltQuenchMaker)

    def make(self, system: str) -> Flow:
        carrier, host = parse_system(system)
        type_elements_for([carrier, host], resolve_potential(self.melt_quench.potential, system))
        if not 0 < self.carrier_fraction < 1:
            raise InputError(f"carrier fraction must be in (0, 1), got {self.carrier_fraction}")
        if self.n_atoms < 2:
            raise InputError(f"n_atoms must be >= 2, got {self.n_atoms}")
        check_atoms(self.n_atoms, f"an amorphous {system} cell of n_atoms={self.n_atoms}")
        start = build_amorphous(system, self.carrier_fraction, self.n_atoms, self.seed)
        quench = self.melt_quench.make(start.output.structure, system)
        return Flow([start, quench], output=quench.output, name=f"{self.name} {system} x={self.carrier_fraction:g}")


@job
def diffusion_of_run(md: LammpsMDDocument, species: list[str], region: str | None = None,
                     equilibration_ps: float = 0.0) -> list[DiffusionRun]:
    """Tracer D of each species from one MD trajectory (frames before ``equilibration_ps`` dropped)."""
    from anodeflow.analysis import read_frames
    from anodeflow.analysis.diffusion import diffusion_from_frames

    carrier, host = parse_system(md.system)
    dt_ps = md.timestep_fs / 1000.0
    out = []
    for sp in species:
        frames = (f for f in read_frames(md.trajectory) if f.step * dt_ps >= equilibration_ps)
        r = diffusion_from_frames(frames, sp, dt_ps, region=region, host=host, carrier=carrier)
        out.append(DiffusionRun(temperature_K=md.temperature_K, species=sp, D_A2_ps=r.D_A2_ps, D_cm2_s=r.D_cm2_s,
                                D_err_cm2_s=r.D_err_cm2_s, wall_time_s=md.wall_time_s))
    return out


@job
def arrhenius_summary(system: str, runs: list[list[DiffusionRun]], region: str | None = None) -> DiffusionStudyDocument:
    """Arrhenius fit per species over the runs (D in cm^2/s, weights from the 1-sigma errors of D)."""
    from anodeflow.analysis.diffusion import fit_arrhenius

    flat = [r for per_T in runs for r in per_T]
    fits = {}
    for sp in sorted({r.species for r in flat}):
        rows = [r for r in flat if r.species == sp and r.D_cm2_s > 0]
        if len({r.temperature_K for r in rows}) < 2:
            fits[sp] = {"error": "fewer than two temperatures with D > 0"}
            continue
        fit = fit_arrhenius([r.temperature_K for r in rows], [r.D_cm2_s for r in rows],
                            [max(r.D_err_cm2_s, 1e-3 * r.D_cm2_s) for r in rows])
        fits[sp] = asdict(fit)
    return DiffusionStudyDocument(system=system, region=region, runs=flat, arrhenius=fits)


@dataclass
class DiffusionFlowMaker(Maker):
    """One structure at several temperatures -> NVT MD -> tracer MSD -> Arrhenius (Ea, D0, D at 300 K)."""

    name: str = "diffusion"
    temperatures_K: tuple[float, ...] = (1000.0, 1200.0, 1400.0)
    species: tuple[str, ...] = ()  # empty: the carrier
    region: str | None = None
    equilibration_ps: float = 1.0
    md: LammpsMDMaker = field(default_factory=lambda: LammpsMDMaker(time_ps=10.0, dump_every_ps=0.05))

    def make(self, structure: AtomsModel, system: str) -> Flow:
        carrier, host = parse_system(system)
        unknown = [sp for sp in self.species if sp not in (carrier, host) and not sp.isdigit()]
        if unknown:
            raise InputError(f"species {', '.join(unknown)} is not an element of {system}; choose {carrier} or {host}")
        if len(self.temperatures_K) < 2:
            raise InputError(f"an Arrhenius fit needs at least two temperatures, got {list(self.temperatures_K)}")
        if self.equilibration_ps >= self.md.time_ps:
            raise InputError(f"equilibration {self.equilibration_ps} ps must be shorter than the run {self.md.time_ps} ps")
        species = list(self.species) or [carrier]
        pinned = self.md.pinned(system)  # the worker runs the potential checked here
        jobs, per_T = [], []
        for T in self.temperatures_K:
            md = replace(pinned, temperature_K=float(T), name=f"md {T:g} K")
            md_job = md.make(structure, system)
            d_job = diffusion_of_run(md_job.output, species, self.region, self.equilibration_ps)
            jobs += [md_job, d_job]
            per_T.append(d_job.output)
        summary = arrhenius_summary(system, per_T, self.region)
        return Flow([*jobs, summary], output=summary.output, name=f"{self.name} {system}")


@job
def kinetics_summary(system: str, docs: list[InterfaceMDDocument]) -> KineticsStudyDocument:
    """Fit L(t) of every couple run (ICR / DCR / mixed) and compare front speeds across orientations."""
    from anodeflow.analysis.kinetics import fit_kinetics, front_before_consumed

    runs = []
    for d in docs:
        row = {"miller": d.miller, "temperature_K": d.temperature_K, "velocity_nm_ps": d.front_velocity_nm_ps,
               "advance_nm": d.front_advance_final_nm, "advance_err_nm": d.front_advance_err_nm}
        try:
            fit = fit_kinetics(*front_before_consumed(d.times_ps, d.front_advance_nm, d.crystalline_host_atoms))
            row.update(regime=fit.regime, exponent_n=fit.exponent_n)
        except InputError as exc:  # e.g. no measurable advance
            row.update(regime="undetermined", exponent_n=float("nan"), note=str(exc))
        runs.append(row)
    anisotropy = {}
    for T in sorted({r["temperature_K"] for r in runs}):
        at_T = [r for r in runs if r["temperature_K"] == T]
        slowest = min(max(r["velocity_nm_ps"], 1e-12) for r in at_T)
        for r in at_T:
            anisotropy[f"{r['miller']}@{T:g}K"] = float(max(r["velocity_nm_ps"], 1e-12) / slowest)
    return KineticsStudyDocument(system=system, runs=runs, anisotropy=anisotropy)


@dataclass
class KineticsFlowMaker(Maker):
    """Couples at several orientations and temperatures -> L(t) each -> regime and anisotropy ratio."""

    name: str = "kinetics"
    orientations: tuple[str, ...] = ("100", "110", "111")
    temperatures_K: tuple[float, ...] = (1500.0,)
    interface_md: InterfaceMDMaker = field(default_factory=InterfaceMDMaker)

    def make(self, system: str) -> Flow:
        for m in self.orientations:
            parse_miller(m)
        flows = []
        for m in self.orientations:
            for T in self.temperatures_K:
                maker = replace(self.interface_md, build=replace(self.interface_md.build, miller=m),
                                md=replace(self.interface_md.md, temperature_K=float(T)))
                flows.append(maker.make(system))
        summary = kinetics_summary(system, [f.output for f in flows])
        return Flow([*flows, summary], output=summary.output, name=f"{self.name} {system}")

