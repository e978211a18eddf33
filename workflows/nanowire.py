"""Nanowire lithiation/sodiation MD: build a host wire in a carrier shell -> LAMMPS MD -> radial front."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


from jobflow import Flow, Maker, job

from anodeflow.analysis import read_frames
from anodeflow.analysis.couple import analyse_final_state
from anodeflow.analysis.nanowire import analyse_nanowire
from anodeflow.errors import require_positive
from anodeflow.progress import progress_bar
from anodeflow.structures import parse_miller, parse_system
from anodeflow.structures.crystals import HOST_CRYSTALS
from anodeflow.structures.sizes import check_atoms, nanowire_atoms
from anodeflow.workflows.md import LammpsMDMaker, type_elements_for
from anodeflow.workflows.schemas import (
    AtomsModel,
    LammpsMDDocument,
    NanowireMDDocument,
    NanowireStructureDocument,
)


@dataclass
class BuildNanowireMaker(Maker):
    """A host cylinder along [uvw] in a carrier shell (:func:`anodeflow.structures.nanowires.build_nanowire`)."""

    name: str = "build nanowire"
    axis: str = "110"
    diameter_nm: float = 2.0
    length_nm: float = 1.5
    shell_thickness_nm: float = 0.8
    vacuum_nm: float = 1.0

    def __post_init__(self):
        parse_miller(self.axis)
        require_positive(diameter_nm=self.diameter_nm, length_nm=self.length_nm,
                         shell_thickness_nm=self.shell_thickness_nm)

    @job
    def make(self, system: str) -> NanowireStructureDocument:
        from anodeflow.structures.nanowires import build_nanowire

        carrier, host = parse_system(system)
        atoms = build_nanowire(host, self.axis, self.diameter_nm, self.length_nm, self.vacuum_nm, shell=carrier,
                               shell_thickness_nm=self.shell_thickness_nm)
        symbols = atoms.get_chemical_symbols()
        return NanowireStructureDocument(
            system=system, axis=atoms.info["axis"], diameter_nm=atoms.info["diameter_nm"],
            host_radius_A=atoms.info["host_radius_A"], n_atoms=len(atoms),
            composition={e: symbols.count(e) for e in sorted(set(symbols))},
            min_distance_A=atoms.info["min_distance_A"], structure=AtomsModel.from_atoms(atoms))


@dataclass
class AnalyseNanowireMaker(Maker):
    name: str = "analyse nanowire"
    final_fraction: float = 0.2
    progress: bool = True

    @job
    def make(self, wire: NanowireStructureDocument, md: LammpsMDDocument) -> NanowireMDDocument:
        carrier, host = parse_system(wire.system)
        frames = list(read_frames(md.trajectory))
        with progress_bar(self.progress, "analyse frames", len(frames), unit="frames") as advance:
            result = analyse_nanowire(frames, host, wire.host_radius_A, md.timestep_fs / 1000.0, on_frame=advance)
        n_final = max(1, int(round(self.final_fraction * len(frames))))
        final = analyse_final_state(frames[-n_final:], host, carrier)
        return NanowireMDDocument(
            **asdict(result), bonds=final["bonds"], dislocations=final["dislocations"], notes=final["notes"],
            system=wire.system, axis=wire.axis, diameter_nm=wire.diameter_nm, n_atoms=md.n_atoms,
            temperature_K=md.temperature_K, time_ps=md.time_ps, front_advance_final_nm=result.front_advance_nm[-1],
            potential=md.potential, versions=md.versions, dir_name=md.dir_name, wall_time_s=md.wall_time_s)


@dataclass
class NanowireMDMaker(Maker):
    """Build a nanowire in a carrier shell, run MD, follow the radial front: one Flow."""

    name: str = "nanowire md"
    build: BuildNanowireMaker = field(default_factory=BuildNanowireMaker)
    md: LammpsMDMaker = field(default_factory=lambda: LammpsMDMaker(restart_every_ps=1.0))
    analyse: AnalyseNanowireMaker = field(default_factory=AnalyseNanowireMaker)

    def make(self, system: str) -> Flow:
        carrier, host = parse_system(system)
        md_maker = self.md.pinned(system)  # the worker runs the potential checked here
        type_elements_for([carrier, host], md_maker.potential)
        b = self.build
        check_atoms(nanowire_atoms(HOST_CRYSTALS[host], b.diameter_nm, b.length_nm, carrier, b.shell_thickness_nm),
                    f"a {system} nanowire of diameter_nm={b.diameter_nm:g}, length_nm={b.length_nm:g} and "
                    f"shell_thickness_nm={b.shell_thickness_nm:g}")
        build = self.build.make(system)
        md = md_maker.make(build.output.structure, system)
        analyse = self.analyse.make(build.output, md.output)
        return Flow([build, md, analyse], output=analyse.output, name=f"{self.name} {system} [{self.build.axis}]")



