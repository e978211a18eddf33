"""LAMMPS molecular dynamics Makers (in-process engine, rich progress, restart and resume)."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ase import Atoms
from jobflow import Maker, job
from pydantic import BaseModel

from anodeflow.analysis.stress import stress_columns
from anodeflow.errors import InputError
from anodeflow.progress import progress_bar
from anodeflow.potentials import Potential, default_potential, get_potential
from anodeflow.workflows.engine import Lammps, inside_mpi_job, lammps_path
from anodeflow.workflows.schemas import AtomsModel, LammpsMDDocument, PotentialSummary, ThermoRecord, Versions

TRAJECTORY = "traj.lammpstrj"
SETUP_FILE = "md_setup.json"
THERMO_FILE = "thermo.jsonl"
RESTART_FILES = ("restart.a", "restart.b")
FINAL_DATA = "final.data"
START_FILE = "start_structure.json"  # the structure an MPI run starts from
DOCUMENT_FILE = "md_document.json"  # written by rank 0 of an MPI run
logger = logging.getLogger(__name__)

ERROR_FILE = "md_error.txt"
#: longest MD segment (ps) and highest temperature (K) a stage may ask for
MAX_TIME_PS = 1.0e6
MAX_TEMPERATURE_K = 1.0e4
ENSEMBLES = ("nvt", "npt", "npt_z", "npt_xy")
#: LAMMPS fix npt keywords for each barostatted ensemble (P and damping filled in)
BAROSTATS = {"npt": "iso {P} {P} {d}", "npt_z": "z {P} {P} {d}", "npt_xy": "x {P} {P} {d} y {P} {P} {d} couple xy"}


def type_elements_for(atoms_elements, potential: Potential) -> list[str]:
    """LAMMPS type order: the structure's elements in the potential's element order."""
    present = set(atoms_elements)
    potential.check_elements(sorted(present))
    return [e for e in potential.elements if e in present]


def resolve_potential(name: str | None, system: str) -> Potential:
    """The record ``name`` (default: the system's); a warning if it fails the system's host-crystal check."""
    potential = get_potential(name) if name else default_potential(system)
    if system in potential.fails_host_check:
        logger.warning("%s fails the host-crystal check of %s: %s", potential.name, system,
                       potential.fails_host_check[system])
    return potential


def resolve_threads(threads: int | None) -> int:
    if threads is not None:
        return threads
    from anodeflow.settings import get_settings

    return get_settings().lammps_threads


@dataclass
class MDStage:
    """One MD segment: temperature ramp ``temperature_K`` -> ``end_temperature_K`` over ``time_ps``."""

    temperature_K: float
    time_ps: float
    ensemble: str = "nvt"
    end_temperature_K: float | None = None  # None: constant temperature
    pressure_bar: float = 0.0

    def validate(self) -> None:
        for label, value in (("temperature", self.temperature_K), ("end temperature", self.end_temperature_K)):
            if value is not None and not value > 0:
                raise InputError(f"{label} must be > 0 K, got {value}")
            if value is not None and not value <= MAX_TEMPERATURE_K:
                raise InputError(f"{label} must be at most {MAX_TEMPERATURE_K:g} K, got {value:g}")
        if not self.time_ps > 0:
            raise InputError(f"time must be > 0 ps, got {self.time_ps}")
        if not self.time_ps <= MAX_TIME_PS:
            raise InputError(f"time must be at most {MAX_TIME_PS:g} ps (1 us), got {self.time_ps:g}")
        if self.ensemble not in ENSEMBLES:
            raise InputError(f"unknown ensemble '{self.ensemble}'; choose one of {', '.join(ENSEMBLES)}")


def _truncate_trajectory(path: Path, before_step: int) -> None:
    """Drop every dump frame with TIMESTEP >= ``before_step`` (frames a killed run wrote after its restart)."""
    if not path.exists():
        return
    keep = 0
    with open(path, "rb") as fh:
        while True:
            start = fh.tell()
            line = fh.readline()
            if not line:
                break
            if line.startswith(b"ITEM: TIMESTEP"):
                step = int(fh.readline())
                if step >= before_step:
                    keep = start
                    break
            keep = fh.tell()
    with open(path, "r+b") as fh:
        fh.truncate(keep)


@dataclass
class LammpsMDMaker(Maker):
    """Minimise, then run MD with LAMMPS, dumping frames and (optionally) restart files.

    Ensembles: ``nvt``; ``npt`` (isotropic), ``npt_z`` (barostat along the interface normal) and
    ``npt_xy`` (in-plane barostat, x and y coupled). Atoms tagged ``fixed`` (region tags from
    structures/) are frozen; with ``region_thermostats`` the host and reservoir regions get their
    own Nose-Hoover thermostats. The trajectory has columns ``id type element x y z`` (plus the
    six per-atom stress components ``c_stress[1..6]`` in bar*A^3 with ``dump_stress``).
    ``restart_every_ps`` writes alternating LAMMPS restart files; :func:`resume_md` continues a
    killed run from the newest one.
    """

    name: str = "lammps md"
    temperature_K: float = 1500.0
    time_ps: float = 10.0
    timestep_fs: float | None = None  # None: the potential's recommended timestep
    dump_every_ps: float = 0.1
    ensemble: str = "nvt"
    pressure_bar: float = 0.0
    thermostat_damp_ps: float = 0.1
    barostat_damp_ps: float = 1.0
    region_thermostats: bool = False
    dump_stress: bool = False
    restart_every_ps: float | None = None  # None: no restart files
    minimize: bool = True
    seed: int = 1
    potential: str | None = None  # None: the configured default for the system
    threads: int | None = None  # None: the lammps_threads setting
    mpi_ranks: int = 1  # > 1: LAMMPS runs under the mpich wheel's mpiexec with this many ranks
    progress: bool = True

    def __post_init__(self):
        self.validate()

    def dump_columns(self) -> list[str]:
        return ["id", "type", "element", "x", "y", "z"] + (stress_columns() if self.dump_stress else [])

    def stages(self) -> list[MDStage]:
        return [MDStage(self.temperature_K, self.time_ps, self.ensemble, pressure_bar=self.pressure_bar)]

    def validate(self) -> None:
        """Raise ``InputError`` for settings no run could use."""
        for stage in self.stages():
            stage.validate()
        if self.timestep_fs is not None and not 0 < self.timestep_fs <= 10:
            raise InputError(f"timestep must be in (0, 10] fs, got {self.timestep_fs}")
        if not self.dump_every_ps > 0:
            raise InputError(f"dump interval must be > 0 ps, got {self.dump_every_ps}")
        if self.restart_every_ps is not None and not self.restart_every_ps >= self.dump_every_ps:
            raise InputError(f"restart interval must be >= the dump interval {self.dump_every_ps} ps, "
                             f"got {self.restart_every_ps}")
        if self.region_thermostats and any(s.ensemble != "nvt" for s in self.stages()):
            raise InputError("region_thermostats needs ensemble 'nvt' (one barostat cannot serve two thermostats)")
        if self.mpi_ranks < 1:
            raise InputError(f"mpi_ranks must be >= 1, got {self.mpi_ranks}")
        if not 1 <= self.seed < 2**31:
            raise InputError(f"seed must be in 1..2^31-1 (LAMMPS velocity seed), got {self.seed}")

    @job(data=["final_structure"])
    def make(self, structure: AtomsModel, system: str, context: BaseModel | dict | None = None) -> LammpsMDDocument:
        """MD on ``structure``; ``context`` (e.g. the couple document) is kept in the run folder for resume."""
        return self.run(structure.to_atoms(), system, Path.cwd(), context)

    # -- LAMMPS input -----------------------------------------------------------------------
    def _integrators(self, stage: MDStage, groups: set[str]) -> list[str]:
        T0, T1 = stage.temperature_K, stage.end_temperature_K or stage.temperature_K
        damp = self.thermostat_damp_ps
        if stage.ensemble == "nvt":
            if self.region_thermostats and {"host", "reservoir"} <= groups:
                return [f"fix md_{g} {g} nvt temp {T0} {T1} {damp}" for g in ("host", "reservoir")]
            return [f"fix md mobile nvt temp {T0} {T1} {damp}"]
        baro = BAROSTATS[stage.ensemble].format(P=stage.pressure_bar, d=self.barostat_damp_ps)
        return [f"fix md mobile npt temp {T0} {T1} {damp} {baro}"]

    def _setup(self, dt_fs: float, n_every: int, n_restart: int | None, type_elements: list[str],
               directory: Path, groups: set[str], resume: bool) -> list[str]:
        """Commands after the box and potential exist (fresh run or after ``read_restart``)."""
        lines = ["neighbor 1.0 bin", "neigh_modify every 1 delay 0 check yes",
                 "thermo_style custom step temp pe ke etotal press vol", f"thermo {n_every}"]
        if not resume:
            lines += ["group mobile subtract all fixed" if "fixed" in groups else "group mobile union all"]
            if "fixed" in groups:
                lines += ["velocity fixed set 0 0 0"]
            if self.minimize:
                lines += ["min_style cg", "minimize 0.0 1.0e-4 500 5000", "reset_timestep 0"]
            lines += [f"velocity mobile create {self.stages()[0].temperature_K} {self.seed} dist gaussian mom yes rot no"]
        if "fixed" in groups:
            lines += ["fix freeze fixed setforce 0.0 0.0 0.0"]
        lines += [f"timestep {dt_fs / 1000.0}"]
        if self.dump_stress:
            lines += ["compute stress all stress/atom NULL"]
        dump = f"dump traj all custom {n_every} {lammps_path(directory / TRAJECTORY)}"
        lines += [f"{dump} {' '.join(self.dump_columns())}",
                  f"dump_modify traj sort id element {' '.join(type_elements)}" + (" append yes" if resume else "")]
        if n_restart:
            files = " ".join(lammps_path(directory / f) for f in RESTART_FILES)
            lines += [f"restart {n_restart} {files}"]
        return lines

    # -- running ----------------------------------------------------------------------------
    def run(self, atoms: Atoms, system: str, directory: Path, context: BaseModel | dict | None = None) -> LammpsMDDocument:
        """Run the MD in ``directory`` and return its document (usable without jobflow)."""
        potential = resolve_potential(self.potential, system)
        type_elements = type_elements_for(atoms.get_chemical_symbols(), potential)
        directory = Path(directory).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        setup = {"maker": asdict(self), "maker_class": type(self).__name__, "system": system,
                 "type_elements": type_elements,
                 "context": context.model_dump(mode="json") if isinstance(context, BaseModel) else context}
        (directory / SETUP_FILE).write_text(json.dumps(setup, indent=1))
        (directory / THERMO_FILE).unlink(missing_ok=True)
        (directory / TRAJECTORY).unlink(missing_ok=True)
        if self.mpi_ranks > 1 and potential.pair_style == "external":
            raise InputError(f"{potential.name} runs inside LAMMPS through a Python callback: use mpi_ranks=1")
        if self.mpi_ranks > 1 and not inside_mpi_job():
            (directory / START_FILE).write_text(AtomsModel.from_atoms(atoms).model_dump_json())
            return self._execute_mpi(directory, potential, resume=False)
        return self._execute(atoms, system, potential, type_elements, directory, restart=None)

    def _execute_mpi(self, directory: Path, potential: Potential, resume: bool) -> LammpsMDDocument:
        """Run :mod:`anodeflow.workflows.mpi_md` under ``mpiexec -n mpi_ranks``; progress from the thermo file."""
        import subprocess
        import sys

        from anodeflow.errors import EngineError
        from anodeflow.workflows.engine import mpiexec_path

        for name in (DOCUMENT_FILE, ERROR_FILE):
            (directory / name).unlink(missing_ok=True)
        cmd = [str(mpiexec_path()), "-n", str(self.mpi_ranks), sys.executable, "-m", "anodeflow.workflows.mpi_md",
               str(directory)] + (["--resume"] if resume else [])
        env = {**os.environ, "OMP_NUM_THREADS": str(resolve_threads(self.threads))}
        dt_fs = self.timestep_fs or potential.timestep_fs
        total = sum(max(1, round(1000 * s.time_ps / dt_fs)) for s in self.stages())
        thermo = directory / THERMO_FILE
        with progress_bar(self.progress, f"MD on {self.mpi_ranks} MPI ranks", total) as advance:
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            while proc.poll() is None:
                time.sleep(0.5)
                if thermo.exists() and (lines := thermo.read_text().splitlines()):
                    advance(json.loads(lines[-1])["step"])
            stderr = proc.stderr.read()
        if proc.returncode != 0 or not (directory / DOCUMENT_FILE).exists():
            error = directory / ERROR_FILE
            message = error.read_text().strip() if error.exists() else (stderr.strip().splitlines() or ["no output"])[-1]
            raise EngineError(f"MPI LAMMPS run failed ({' '.join(cmd[:3])}): {message}", engine_message=message,
                              log_path=str(directory / "log.lammps"))
        return LammpsMDDocument.model_validate_json((directory / DOCUMENT_FILE).read_text())

    def _execute(self, atoms: Atoms | None, system: str, potential: Potential, type_elements: list[str],
                 directory: Path, restart: Path | None) -> LammpsMDDocument:
        dt_fs = self.timestep_fs or potential.timestep_fs
        n_every = max(1, round(1000 * self.dump_every_ps / dt_fs))
        n_restart = None
        if self.restart_every_ps:
            n_restart = n_every * max(1, round(self.restart_every_ps / self.dump_every_ps))
        stage_steps = [max(1, round(1000 * s.time_ps / dt_fs)) for s in self.stages()]
        n_steps = sum(stage_steps)
        trajectory = directory / TRAJECTORY
        thermo_path = directory / THERMO_FILE
        start = time.perf_counter()
        log_name = "log.lammps" if restart is None else f"log.resume-{int(time.time())}.lammps"
        with Lammps(directory, threads=resolve_threads(self.threads), log_name=log_name) as lmp:
            root = lmp.is_root  # under MPI only rank 0 writes the run's files (LAMMPS reads them there)
            if restart is None:
                lmp.load_atoms(atoms, type_elements)
            else:
                lmp.commands([f"read_restart {lammps_path(restart)}"])
            groups = _region_groups(lmp)  # made by load_atoms from region tags, or kept in the restart file
            files_dir = directory if root else Path(tempfile.mkdtemp(prefix=f"rank{lmp.rank}-"))
            lmp.commands(potential.lammps_commands(type_elements, files_dir))
            bridge = potential.bind(lmp, type_elements)  # noqa: F841 - an MLIP's callback lives while LAMMPS runs
            resume_step = lmp.step if restart is not None else 0
            if restart is not None and root:
                _truncate_trajectory(trajectory, resume_step)
                _truncate_thermo(thermo_path, resume_step)
            lmp.commands(self._setup(dt_fs, n_every, n_restart, type_elements, directory, groups,
                                     resume=restart is not None))

            def record(_done: int) -> None:
                step = lmp.step
                rec = ThermoRecord(step=step, time_ps=step * dt_fs / 1000.0, temp_K=lmp.thermo("temp"),
                                   pe_eV=lmp.thermo("pe"), press_bar=lmp.thermo("press"))
                if not root:
                    return
                with open(thermo_path, "a") as fh:
                    fh.write(rec.model_dump_json() + "\n")

            if restart is None:  # the step-0 record (energies to compare runs, e.g. serial against MPI)
                lmp.command("run 0 post no")
                record(0)
            md_start = time.perf_counter()
            label = f"MD {system} {self.stages()[0].temperature_K:g} K"
            with progress_bar(self.progress, label, n_steps) as advance:
                stage_start = 0
                for stage, steps in zip(self.stages(), stage_steps, strict=True):
                    stage_stop = stage_start + steps
                    if resume_step < stage_stop:
                        fixes = self._integrators(stage, groups)
                        lmp.commands(fixes)
                        todo = stage_stop - max(stage_start, resume_step)
                        chunk = n_every * max(1, n_steps // (50 * n_every))
                        offset = max(stage_start, resume_step)
                        lmp.run(todo, chunk=chunk, on_chunk=lambda d, o=offset: (record(d), advance(o + d)))
                        lmp.commands([f"unfix {f.split()[1]}" for f in fixes])
                    stage_start = stage_stop
            md_time = time.perf_counter() - md_start
            n_atoms = lmp.natoms
            n_ranks = int(lmp.lmp.extract_setting("world_size"))
            lmp.command(f"write_data {lammps_path(directory / FINAL_DATA)}")
            final = _final_atoms(lmp, type_elements)
        thermo = [ThermoRecord(**json.loads(line)) for line in thermo_path.read_text().splitlines() if line] if root else []
        return LammpsMDDocument(
            system=system, dir_name=str(directory), trajectory=str(trajectory), dump_columns=self.dump_columns(), log_file=str(lmp.log_path),
            type_elements=type_elements, n_atoms=n_atoms, ensemble=self.ensemble,
            temperature_K=self.stages()[-1].end_temperature_K or self.stages()[-1].temperature_K,
            time_ps=n_steps * dt_fs / 1000.0, timestep_fs=dt_fs, n_steps=n_steps, final_step=final.info["step"],
            resumed_from_step=resume_step if restart is not None else None, seed=self.seed,
            potential=PotentialSummary(name=potential.name, form=potential.form, citation=potential.citation),
            versions=Versions.current(), thermo=thermo, wall_time_s=time.perf_counter() - start,
            atom_steps_per_s=n_atoms * (n_steps - resume_step) / md_time if md_time > 0 else 0.0,
            final_structure=AtomsModel.from_atoms(final), density_g_cm3=_density(final), mpi_ranks=n_ranks,
        )


def _region_groups(lmp: Lammps) -> set[str]:
    """Region names (host, reservoir, fixed) that exist as LAMMPS groups."""
    from anodeflow.structures import REGIONS

    names = lmp.lmp.available_ids("group")
    return {n for n in REGIONS if n in names}


def _truncate_thermo(path: Path, before_step: int) -> None:
    if path.exists():
        lines = [ln for ln in path.read_text().splitlines() if ln and json.loads(ln)["step"] <= before_step]
        path.write_text("".join(ln + "\n" for ln in lines))


def _final_atoms(lmp: Lammps, type_elements: list[str]) -> Atoms:
    """Current configuration as ``ase.Atoms`` (``info["step"]`` is the LAMMPS step)."""
    _, types, x = lmp.positions()
    atoms = Atoms([type_elements[t - 1] for t in types], positions=x, cell=lmp.box(), pbc=True)
    atoms.wrap()
    atoms.info["step"] = lmp.step
    return atoms


def _density(atoms: Atoms) -> float:
    """Mass density in g/cm^3."""
    return float(atoms.get_masses().sum() * 1.66053906660 / atoms.get_volume())


def latest_restart(directory: Path) -> Path:
    """The newest restart file in ``directory``; ``InputError`` if there is none."""
    files = [directory / f for f in RESTART_FILES if (directory / f).exists() and (directory / f).stat().st_size]
    if not files:
        raise InputError(f"no restart file ({' or '.join(RESTART_FILES)}) in {directory}; "
                         "resume needs a run started with restart_every_ps")
    return max(files, key=lambda p: p.stat().st_mtime)


def resume_md(directory: str | Path, progress: bool = True) -> LammpsMDDocument:
    """Continue a killed :class:`LammpsMDMaker` run in ``directory`` to its planned last step.

    The trajectory and thermo records are cut back to the restart step, so the result has the
    same frames as an uninterrupted run.
    """
    directory = Path(directory).resolve()
    setup_path = directory / SETUP_FILE
    if not setup_path.exists():
        raise InputError(f"{directory} is not an anodeflow MD folder (no {SETUP_FILE})")
    setup = json.loads(setup_path.read_text())
    maker = MD_MAKERS[setup["maker_class"]](**{**setup["maker"], "progress": progress})
    potential = resolve_potential(maker.potential, setup["system"])
    if maker.mpi_ranks > 1 and not inside_mpi_job():
        latest_restart(directory)  # fail here, not inside mpiexec, when there is none
        return maker._execute_mpi(directory, potential, resume=True)
    return maker._execute(None, setup["system"], potential, setup["type_elements"], directory,
                          restart=latest_restart(directory))


@dataclass
class MeltQuenchMaker(LammpsMDMaker):
    """Amorphous alloy by melt-quench: melt (NPT), quench at ``quench_rate_K_ps`` (NPT), anneal (NPT).

    ``temperature_K`` is the melt temperature; ``anneal_temperature_K`` the final one. The
    document's ``final_structure`` and ``density_g_cm3`` are the quenched glass.
    """

    name: str = "melt quench"
    temperature_K: float = 2000.0
    time_ps: float = 10.0  # melt time
    ensemble: str = "npt"
    quench_rate_K_ps: float = 100.0
    anneal_temperature_K: float = 300.0
    anneal_time_ps: float = 5.0
    dump_every_ps: float = 1.0

    def validate(self) -> None:
        if not self.quench_rate_K_ps > 0:
            raise InputError(f"quench rate must be > 0 K/ps, got {self.quench_rate_K_ps}")
        if not self.anneal_temperature_K < self.temperature_K:
            raise InputError(f"anneal temperature {self.anneal_temperature_K} K must be below the melt "
                             f"temperature {self.temperature_K} K")
        MDStage(self.temperature_K, self.time_ps, self.ensemble).validate()
        quench_ps = (self.temperature_K - self.anneal_temperature_K) / self.quench_rate_K_ps
        if not quench_ps <= MAX_TIME_PS:
            raise InputError(f"quench rate {self.quench_rate_K_ps:g} K/ps makes a {quench_ps:.3g} ps quench; at most "
                             f"{MAX_TIME_PS:g} ps")
        super().validate()

    def stages(self) -> list[MDStage]:
        quench_ps = (self.temperature_K - self.anneal_temperature_K) / self.quench_rate_K_ps
        P = self.pressure_bar
        return [MDStage(self.temperature_K, self.time_ps, self.ensemble, pressure_bar=P),
                MDStage(self.temperature_K, quench_ps, self.ensemble, self.anneal_temperature_K, P),
                MDStage(self.anneal_temperature_K, self.anneal_time_ps, self.ensemble, pressure_bar=P)]


MD_MAKERS = {cls.__name__: cls for cls in (LammpsMDMaker, MeltQuenchMaker)}
