"""Diffusion-couple workflow: build -> LAMMPS MD -> analyse, as jobflow Makers."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path

from jobflow import Flow, Maker, job

from anodeflow.analysis import analyse_couple, read_frames
from anodeflow.analysis.trajectory import count_frames
from anodeflow.analysis.couple import analyse_final_state
from anodeflow.analysis.stress import stress_columns
from anodeflow.analysis.structure import host_density_A3
from anodeflow.errors import InputError, require_positive
from anodeflow.progress import progress_bar
from anodeflow.structures import build_couple, parse_miller, parse_system
from anodeflow.workflows.md import LammpsMDMaker, type_elements_for
from anodeflow.workflows.schemas import (
    AtomsModel,
    CoupleStructureDocument,
    InterfaceMDDocument,
    LammpsMDDocument,
)

@dataclass
class BuildCoupleMaker(Maker):
    """Build a host(hkl) | reservoir couple (see :func:`anodeflow.structures.build_couple`).

    ``reservoir``: ``bcc`` (carrier metal), ``amorphous`` (random alloy at ``reservoir_x``) or an
    alloy phase name, lattice-matched; ``host_crystal`` picks another crystal of the host element.
    """

    name: str = "build couple"
    miller: str = "110"
    host_thickness_nm: float = 2.5
    reservoir_thickness_nm: float = 2.5
    size_nm: float = 2.0
    interface_gap_A: float = 2.2
    reservoir: str = "bcc"
    reservoir_x: float | None = None
    reservoir_miller: str = "001"
    host_crystal: str | None = None
    seed: int = 0

    def __post_init__(self):
        parse_miller(self.miller, hexagonal=True)
        require_positive(host_thickness_nm=self.host_thickness_nm,
                         reservoir_thickness_nm=self.reservoir_thickness_nm, size_nm=self.size_nm)

    def build(self, system: str):
        """The couple as ``ase.Atoms`` (every input checked)."""
        return build_couple(system, self.miller, self.host_thickness_nm, self.reservoir_thickness_nm, self.size_nm,
                            self.interface_gap_A, reservoir=self.reservoir, reservoir_x=self.reservoir_x,
                            reservoir_miller=self.reservoir_miller, host_crystal=self.host_crystal, seed=self.seed)

    @job
    def make(self, system: str) -> CoupleStructureDocument:
        atoms = self.build(system)
        info = atoms.info
        symbols = atoms.get_chemical_symbols()
        return CoupleStructureDocument(
            system=system, miller=info["miller"], n_atoms=len(atoms),
            composition={e: symbols.count(e) for e in sorted(set(symbols))},
            cell_nm=(atoms.cell.lengths() / 10).tolist(), area_nm2=info["area_A2"] / 100,
            host_thickness_nm=info["host_thickness_A"] / 10, n_interfaces=info["n_interfaces"],
            reservoir_strain=list(info["reservoir_strain"]), min_distance_A=info["min_distance_A"],
            host_crystal=info["host_crystal"], reservoir=info["reservoir"], reservoir_x=info.get("reservoir_x"),
            structure=AtomsModel.from_atoms(atoms),
        )


@dataclass
class AnalyseCoupleMaker(Maker):
    """Analyse a couple trajectory: crystallinity, profiles, L(t), bonds, stress, dislocations; writes ``couple.png``."""

    name: str = "analyse couple"
    bin_nm: float = 0.2
    final_fraction: float = 0.2
    plot: bool = True
    progress: bool = True

    @job(data=["profiles"])
    def make(self, couple: CoupleStructureDocument, md: LammpsMDDocument) -> InterfaceMDDocument:
        return self.analyse(couple, md)

    def analyse(self, couple: CoupleStructureDocument, md: LammpsMDDocument) -> InterfaceMDDocument:
        """The document for a finished (or resumed) MD run of ``couple`` (usable without jobflow)."""
        carrier, host = parse_system(couple.system)
        stress_prefix = "c_stress" if set(stress_columns()) <= set(md.dump_columns) else None
        n_frames = count_frames(md.trajectory) or 0
        last = deque(maxlen=max(1, int(round(self.final_fraction * n_frames))))  # the final-state frames

        def kept(frames):
            for frame in frames:
                last.append(frame)
                yield frame

        frames = read_frames(md.trajectory, columns=stress_columns() if stress_prefix else ())
        with progress_bar(self.progress, "analyse frames", n_frames, unit="frames") as advance:
            result = analyse_couple(kept(frames), host, carrier, host_density_A3(host), md.timestep_fs / 1000.0,
                                    couple.n_interfaces, self.bin_nm, self.final_fraction, on_frame=advance)
        final = analyse_final_state(list(last), host, carrier, stress_prefix, self.bin_nm)
        doc = InterfaceMDDocument(
            **asdict(result), **final, system=couple.system, host=host, carrier=carrier, miller=couple.miller,
            n_atoms=md.n_atoms, composition=couple.composition, temperature_K=md.temperature_K, time_ps=md.time_ps,
            timestep_fs=md.timestep_fs, ensemble=md.ensemble, seed=md.seed, potential=md.potential,
            versions=md.versions, dir_name=md.dir_name, front_advance_final_nm=result.front_advance_nm[-1],
            wall_time_s=md.wall_time_s, restart_dir=md.dir_name if md.resumed_from_step is not None else None,
            trajectory=md.trajectory,
        )
        if self.plot:
            from anodeflow.plots import plot_couple

            path = Path(md.dir_name) / "couple.png"
            plot_couple(doc.model_dump(), path, first_profile=result.profiles[0]["bins"])
            doc.plot = str(path)
        return doc


def _interface_md_defaults() -> LammpsMDMaker:
    return LammpsMDMaker(dump_stress=True, restart_every_ps=1.0)


@dataclass
class InterfaceMDMaker(Maker):
    """Build a couple, run MD on it, analyse the trajectory: one Flow, runnable locally or on HPC.

    The MD writes restart files (``md.restart_every_ps``) so a killed run continues with
    :func:`resume_interface_md` (CLI ``anodeflow run resume DIR``).
    """

    name: str = "interface md"
    build: BuildCoupleMaker = field(default_factory=BuildCoupleMaker)
    md: LammpsMDMaker = field(default_factory=_interface_md_defaults)
    analyse: AnalyseCoupleMaker = field(default_factory=AnalyseCoupleMaker)

    def make(self, system: str) -> Flow:
        carrier, host = parse_system(system)
        md_maker = self.md.pinned(system)  # the worker runs the potential checked here
        type_elements_for([carrier, host], md_maker.potential)
        self.build.build(system)  # every couple input checked before anything runs or is stored
        build = self.build.make(system)
        md = md_maker.make(build.output.structure, system, context=build.output)
        analyse = self.analyse.make(build.output, md.output)
        return Flow([build, md, analyse], output=analyse.output, name=f"{self.name} {system}")


def resume_interface_md(directory: str | Path, analyse: AnalyseCoupleMaker | None = None,
                        progress: bool = True) -> InterfaceMDDocument:
    """Continue the killed MD job in ``directory`` and analyse it (the build job's output is re-derived)."""
    from anodeflow.workflows.md import SETUP_FILE, resume_md

    md = resume_md(directory, progress=progress)
    setup = json.loads((Path(directory) / SETUP_FILE).read_text())
    if setup.get("context", {}).get("doc_type") != "couple_structure":
        raise InputError(f"{directory} holds a plain MD run, not an interface MD run (no couple record)")
    couple = CoupleStructureDocument(**setup["context"])
    return (analyse or AnalyseCoupleMaker(progress=progress)).analyse(couple, md)


@job(data=["profiles"])
def resume_interface_md_job(directory: str) -> InterfaceMDDocument:
    """Jobflow job around :func:`resume_interface_md` so the resumed result is stored like any other."""
    return resume_interface_md(directory)
