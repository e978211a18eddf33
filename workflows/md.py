"""LAMMPS molecular dynamics Maker (in-process engine, rich progress bar)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from jobflow import Maker, job

from anodeflow.errors import InputError
from anodeflow.progress import progress_bar
from anodeflow.potentials import Potential, default_potential, get_potential
from anodeflow.workflows.engine import Lammps
from anodeflow.workflows.schemas import AtomsModel, LammpsMDDocument, PotentialSummary, ThermoRecord, Versions

TRAJECTORY = "traj.lammpstrj"
ENSEMBLES = ("nvt", "npt_z")


def type_elements_for(atoms_elements, potential: Potential) -> list[str]:
    """LAMMPS type order: the structure's elements in the potential's element order."""
    present = set(atoms_elements)
    potential.check_elements(sorted(present))
    return [e for e in potential.elements if e in present]


def resolve_potential(name: str | None, system: str) -> Potential:
    return get_potential(name) if name else default_potential(system)


@dataclass
class LammpsMDMaker(Maker):
    """Minimise, then run NVT (or NPT along z) MD with LAMMPS and dump frames.

    Runs in the job's working folder; the trajectory has columns ``id type element x y z``.
    """

    name: str = "lammps md"
    temperature_K: float = 1500.0
    time_ps: float = 10.0
    timestep_fs: float | None = None  # None: the potential's recommended timestep
    dump_every_ps: float = 0.1
    ensemble: str = "nvt"
    thermostat_damp_ps: float = 0.1
    barostat_damp_ps: float = 1.0
    minimize: bool = True
    seed: int = 1
    potential: str | None = None  # None: the configured default for the system
    threads: int | None = None  # None: the lammps_threads setting
    progress: bool = True

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Raise ``InputError`` for settings no run could use."""
        if not self.temperature_K > 0:
            raise InputError(f"temperature must be > 0 K, got {self.temperature_K}")
        if not self.time_ps > 0:
            raise InputError(f"time must be > 0 ps, got {self.time_ps}")
        if self.timestep_fs is not None and not 0 < self.timestep_fs <= 10:
            raise InputError(f"timestep must be in (0, 10] fs, got {self.timestep_fs}")
        if not self.dump_every_ps > 0:
            raise InputError(f"dump interval must be > 0 ps, got {self.dump_every_ps}")
        if self.ensemble not in ENSEMBLES:
            raise InputError(f"unknown ensemble '{self.ensemble}'; choose one of {', '.join(ENSEMBLES)}")
        if not 1 <= self.seed < 2**31:
            raise InputError(f"seed must be in 1..2^31-1 (LAMMPS velocity seed), got {self.seed}")

    @job
    def make(self, structure: AtomsModel, system: str) -> LammpsMDDocument:
        return self.run(structure.to_atoms(), system, Path.cwd())

    def lammps_input(self, dt_fs: float, n_every: int, type_elements: list[str], trajectory: Path) -> list[str]:
        """The LAMMPS commands after the box and potential are defined."""
        T = self.temperature_K
        if self.ensemble == "nvt":
            integrator = f"fix md all nvt temp {T} {T} {self.thermostat_damp_ps}"
        else:
            integrator = f"fix md all npt temp {T} {T} {self.thermostat_damp_ps} z 0.0 0.0 {self.barostat_damp_ps}"
        lines = ["neighbor 1.0 bin", "neigh_modify every 1 delay 0 check yes",
                 "thermo_style custom step temp pe ke etotal press vol", f"thermo {n_every}"]
        if self.minimize:
            lines += ["min_style cg", "minimize 0.0 1.0e-4 500 5000", "reset_timestep 0"]
        lines += [f"velocity all create {T} {self.seed} dist gaussian mom yes rot no",
                  f"timestep {dt_fs / 1000.0}", integrator,
                  f'dump traj all custom {n_every} "{trajectory}" id type element x y z',
                  f"dump_modify traj sort id element {' '.join(type_elements)}"]
        return lines

    def run(self, atoms, system: str, directory: Path) -> LammpsMDDocument:
        """Run the MD in ``directory`` and return its document (usable without jobflow)."""
        potential = resolve_potential(self.potential, system)
        type_elements = type_elements_for(atoms.get_chemical_symbols(), potential)
        dt_fs = self.timestep_fs or potential.timestep_fs
        n_steps = max(1, round(1000 * self.time_ps / dt_fs))
        n_every = max(1, round(1000 * self.dump_every_ps / dt_fs))
        n_chunk = n_every * max(1, n_steps // (50 * n_every))
        directory = Path(directory).resolve()
        trajectory = directory / TRAJECTORY
        thermo: list[ThermoRecord] = []

        start = time.perf_counter()
        if self.threads is None:
            from anodeflow.settings import get_settings

            threads = get_settings().lammps_threads
        else:
            threads = self.threads
        with Lammps(directory, threads=threads) as lmp:
            lmp.load_atoms(atoms, type_elements)
            lmp.commands(potential.lammps_commands(type_elements, directory))
            lmp.commands(self.lammps_input(dt_fs, n_every, type_elements, trajectory))

            def record(_done: int) -> None:
                step = lmp.step
                thermo.append(ThermoRecord(step=step, time_ps=step * dt_fs / 1000.0, temp_K=lmp.thermo("temp"),
                                           pe_eV=lmp.thermo("pe"), press_bar=lmp.thermo("press")))

            md_start = time.perf_counter()
            with progress_bar(self.progress, f"MD {system} {self.temperature_K:g} K", n_steps) as advance:
                lmp.run(n_steps, chunk=n_chunk, on_chunk=lambda done: (record(done), advance(done)))
            md_time = time.perf_counter() - md_start
            n_atoms = lmp.natoms
        return LammpsMDDocument(
            system=system, dir_name=str(directory), trajectory=str(trajectory), log_file=str(lmp.log_path),
            type_elements=type_elements, n_atoms=n_atoms, ensemble=self.ensemble,
            temperature_K=self.temperature_K, time_ps=n_steps * dt_fs / 1000.0, timestep_fs=dt_fs,
            n_steps=n_steps, seed=self.seed,
            potential=PotentialSummary(name=potential.name, form=potential.form, citation=potential.citation),
            versions=Versions.current(), thermo=thermo, wall_time_s=time.perf_counter() - start,
            atom_steps_per_s=n_atoms * n_steps / md_time,
        )
