"""Melting point of a host crystal for a potential, by solid-liquid coexistence in LAMMPS.

A supercell long along z is half melted (the lower half held fixed, the upper half thermostatted far
above the melting point); from that two-phase cell, one NPT run per trial temperature (x, y, z
coupled independently, so the crystal keeps its own lattice) follows the crystalline fraction of the
host. It grows below the melting point and shrinks above it; :func:`anodeflow.analysis.melting.melting_point`
finds where the rate is zero.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ase import Atoms
from jobflow import Maker, job

from anodeflow.errors import InputError
from anodeflow.structures import parse_system
from anodeflow.structures.crystals import HOST_CRYSTALS
from anodeflow.workflows.schemas import MeltingPointDocument

#: experimental melting points (K) of the hosts (CRC Handbook of Chemistry and Physics, 97th ed., 2016)
EXPERIMENTAL_MELTING_K = {"Si": 1687.0, "Sn": 505.08, "Sb": 903.78}
CRC = "CRC Handbook of Chemistry and Physics, 97th ed. (2016)"


def crystalline_fraction(atoms: Atoms, host: str) -> float:
    """Fraction of the host atoms of ``atoms`` that sit in their crystal (``CrystallineHost``)."""
    from anodeflow.analysis.structure import CrystallineHost

    mask = np.array(atoms.get_chemical_symbols()) == host
    result = CrystallineHost(host).compute(atoms.positions, atoms.cell.array, mask)
    return result.n_crystalline / max(int(mask.sum()), 1)


@dataclass
class CoexistenceMeltingMaker(Maker):
    """Melting point of ``system``'s host crystal with ``potential`` (None: the system's default).

    ``temperatures`` are fractions of the experimental melting point; ``repeats`` the supercell of the
    relaxed conventional cell (long along z); each trial runs ``time_ps`` of NPT after the half-melt
    (``melt_ps`` at ``melt_factor`` x the experimental melting point).
    """

    name: str = "melting point"
    potential: str | None = None
    temperatures: tuple[float, ...] = (0.8, 0.9, 1.0, 1.1, 1.2)
    repeats: tuple[int, int, int] = (3, 3, 8)
    time_ps: float = 10.0
    melt_ps: float = 3.0
    melt_factor: float = 2.4
    samples: int = 10
    seed: int = 1

    def make(self, system: str):
        from anodeflow.workflows.md import resolve_potential

        parse_system(system)
        resolve_potential(self.potential, system).check_elements(parse_system(system))
        if len(self.temperatures) < 2 or min(self.temperatures) <= 0:
            raise InputError(f"a melting point needs at least 2 positive trial temperatures, got {self.temperatures}")
        if self.samples < 3 or self.time_ps <= 0 or self.melt_ps <= 0:
            raise InputError("time_ps and melt_ps must be > 0 and samples >= 3")
        return coexistence_melting_point(self, system)


def half_melted(cell: Atoms, potential, types: list[str], workdir: Path, maker: CoexistenceMeltingMaker,
                melt_K: float, host: str, max_rounds: int = 5) -> Atoms:
    """``cell`` with its upper half (z > Lz / 2) melted at ``melt_K`` while the lower half is held still.

    The upper half is rattled (0.3 A) first, so it melts without having to nucleate, and is melted in
    rounds of ``maker.melt_ps`` until at most 5 % of its atoms are crystalline; :class:`EngineError` if
    that takes more than ``max_rounds``.
    """
    from anodeflow.errors import EngineError
    from anodeflow.workflows.engine import Lammps
    from anodeflow.workflows.stability import lammps_with

    half = cell.cell.lengths()[2] / 2
    upper = cell.positions[:, 2] > half
    start = cell.copy()
    start.positions[upper] += np.random.default_rng(maker.seed).normal(0.0, 0.3, (int(upper.sum()), 3))
    with Lammps(workdir, log=False) as lmp:
        binding = lammps_with(lmp, start, potential, types, workdir)  # noqa: F841
        steps = int(round(maker.melt_ps * 1000 / potential.timestep_fs))
        lmp.commands([f"timestep {potential.timestep_fs / 1000}", "thermo 0",
                      f"region lower block INF INF INF INF INF {half}", "group solid region lower",
                      "group liquid subtract all solid", f"velocity liquid create {melt_K} {maker.seed} dist gaussian",
                      "fix hold solid setforce 0 0 0", "velocity solid set 0 0 0",
                      f"fix melt liquid nvt temp {melt_K} {melt_K} 0.1"])
        for _ in range(max_rounds):
            lmp.run(steps)
            melted = lmp.atoms(types)
            if crystalline_fraction(melted[upper], host) <= 0.05:
                return melted
    raise EngineError(f"the upper half of the {host} cell did not melt in {max_rounds * maker.melt_ps:g} ps at "
                      f"{melt_K:.0f} K; raise melt_factor or melt_ps")


def coexistence_rate(start: Atoms, potential, types: list[str], host: str, temperature_K: float, workdir: Path,
                     maker: CoexistenceMeltingMaker) -> tuple[float, float]:
    """Growth rate (1/ps) of the host's crystalline fraction in NPT at ``temperature_K`` and its error."""
    from anodeflow.analysis.melting import crystal_growth_rate
    from anodeflow.workflows.engine import Lammps
    from anodeflow.workflows.stability import lammps_with

    steps = int(round(maker.time_ps * 1000 / potential.timestep_fs))
    chunk = max(1, steps // maker.samples)
    times, fractions = [0.0], [crystalline_fraction(start, host)]
    with Lammps(workdir, log=False) as lmp:
        binding = lammps_with(lmp, start, potential, types, workdir)  # noqa: F841
        lmp.commands([f"timestep {potential.timestep_fs / 1000}", "thermo 0",
                      f"velocity all create {temperature_K} {maker.seed + 1} dist gaussian mom yes rot yes",
                      f"fix npt all npt temp {temperature_K} {temperature_K} 0.1 aniso 0 0 1.0"])
        for k in range(1, maker.samples + 1):
            lmp.run(chunk)
            times.append(k * chunk * potential.timestep_fs / 1000)
            fractions.append(crystalline_fraction(lmp.atoms(types), host))
    return crystal_growth_rate(times[1:], fractions[1:])  # the first sample: the thermal start


@job
def coexistence_melting_point(maker: CoexistenceMeltingMaker, system: str) -> MeltingPointDocument:
    """The melting point of ``system``'s host crystal by :class:`CoexistenceMeltingMaker` ``maker``."""
    from anodeflow.analysis.melting import melting_point
    from anodeflow.workflows.md import resolve_potential, type_elements_for
    from anodeflow.workflows.stability import relaxed_crystal

    start_time = time.perf_counter()
    _, host = parse_system(system)
    record = resolve_potential(maker.potential, system)
    types = type_elements_for([host], record)
    workdir = Path.cwd()
    cell = relaxed_crystal(HOST_CRYSTALS[host], record, types, workdir / "crystal").repeat(maker.repeats)
    experimental = EXPERIMENTAL_MELTING_K[host]
    two_phase = half_melted(cell, record, types, workdir / "half-melt", maker, maker.melt_factor * experimental, host)
    temperatures = [f * experimental for f in maker.temperatures]
    rates = [coexistence_rate(two_phase, record, types, host, T, workdir / f"npt-{T:.0f}K", maker)
             for T in temperatures]
    result = melting_point(temperatures, [r for r, _ in rates], [e for _, e in rates])
    return MeltingPointDocument(system=system, host=host, potential=record.name, n_atoms=len(cell),
                                time_ps=maker.time_ps, **result.as_dict(), experimental_K=experimental,
                                experimental_source=CRC, wall_time_s=time.perf_counter() - start_time)
