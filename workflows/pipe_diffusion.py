"""Carrier diffusion along dislocation cores against the crystal, in MD (pipe diffusion or traps).

Flow of :class:`PipeDiffusionMaker`: :func:`pipe_cells` (a fully periodic dislocation dipole with
one carrier per line period in each core, and the perfect crystal with as many carriers in its
cages) -> the same LAMMPS MD of both -> :func:`compare_pipe_diffusion`: D along the line (z) of the
carriers that start within ``core_radius_A`` of a line (the ``core:R`` region, DXA on the first
frame) against D of the carriers in the crystal -> :class:`PipeDiffusionDocument`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from jobflow import Flow, Maker, job

from anodeflow.analysis.diffusion import MIN_FRAMES
from anodeflow.errors import InputError
from anodeflow.structures import parse_system
from anodeflow.structures.crystals import HOST_CRYSTALS
from anodeflow.workflows.md import LammpsMDMaker, resolve_potential
from anodeflow.workflows.schemas import AtomsModel, LammpsMDDocument, PipeDiffusionDocument


def _pipe_md() -> LammpsMDMaker:
    return LammpsMDMaker(temperature_K=1200.0, time_ps=100.0, dump_every_ps=0.5, ensemble="nvt", progress=False)


@job
def pipe_cells(system: str, dislocation: str = "60", separation: int = 6, length_cells: int = 6,
               spacing_cells: int = 1, potential=None, check_survival: bool = False) -> dict:
    """The dipole (:func:`~anodeflow.structures.dislocations.build_dislocation_dipole`) with one
    carrier at the most open point within 2.5 A of each line in every ``spacing_cells``-th line
    period, and the host crystal (cubic supercell of about as many atoms) with as many carriers on a
    regular grid of its cages. Returns {"core": AtomsModel, "crystal": AtomsModel, "n_carriers": int}.

    With ``check_survival``, the dipole is relaxed first with ``potential`` (a record, its name, or None:
    the system's default) and refused (:class:`InputError`) when its lines annihilate: two lines a few
    glide distances apart attract, and only carriers dense enough along them may hold them apart."""
    from anodeflow.structures.dislocations import build_dislocation_dipole
    from anodeflow.structures.endpoints import with_carriers

    carrier, host = parse_system(system)
    crystal_name = HOST_CRYSTALS[host]
    dipole = build_dislocation_dipole(crystal_name, dislocation, separation, length_cells)
    period = float(dipole.info["line_period_A"])
    targets = [(x, y, (k + 0.5) * period) for x, y in dipole.info["core_A"]
               for k in range(0, length_cells, spacing_cells)]
    core = with_carriers(dipole, carrier, targets, radius_A=2.5)
    if check_survival:
        check_dipole_survives(core, system, potential, separation, spacing_cells)
    crystal = crystal_with_carriers(crystal_name, carrier, len(dipole), len(targets))
    return {"core": AtomsModel.from_atoms(core), "crystal": AtomsModel.from_atoms(crystal), "n_carriers": len(targets)}


def check_dipole_survives(dipole, system: str, potential, separation: int, spacing_cells: int) -> None:
    """:class:`InputError` unless DXA still finds two lines in ``dipole`` (ASE Atoms) relaxed, positions
    only, with ``potential`` (a record, its name, or None: the system's default)."""
    from tempfile import TemporaryDirectory

    from anodeflow.analysis.dislocations import DislocationContent
    from anodeflow.workflows.calculators import lammps_calculator, relax

    carrier, host = parse_system(system)
    record = resolve_potential(potential, system)
    relaxed = dipole.copy()
    with TemporaryDirectory() as workdir:
        relax(relaxed, lammps_calculator(system, record, workdir), fmax=0.01, steps=2000, cell=False)
    host_mask = np.array(relaxed.get_chemical_symbols()) == host
    lines = DislocationContent(host).compute(relaxed.positions, relaxed.cell.array, host_mask=host_mask).lines_A
    if len(lines) < 2:
        raise InputError(f"the dislocation dipole of separation {separation} annihilates when relaxed with {record.name} "
                         f"({len(lines)} lines left) with one {carrier} per {spacing_cells} line periods: place the "
                         "carriers more densely (spacing_cells) or the lines further apart (separation)")


def crystal_with_carriers(crystal_name: str, carrier: str, host_atoms: int, n_carriers: int):
    """A cubic supercell of ``crystal_name`` with about ``host_atoms`` atoms and ``n_carriers`` carriers
    in the cages nearest a regular grid (ASE Atoms)."""
    from anodeflow.structures.crystals import bulk_crystal
    from anodeflow.structures.endpoints import with_carriers

    unit = bulk_crystal(crystal_name)
    crystal = unit.repeat(max(1, round((host_atoms / len(unit)) ** (1 / 3))))
    per_side = int(np.ceil(n_carriers ** (1 / 3)))
    grid = (np.indices((per_side,) * 3).reshape(3, -1).T[:n_carriers] + 0.5) / per_side
    return with_carriers(crystal, carrier, grid @ crystal.cell.array, radius_A=unit.cell.lengths()[0] / 2)


@job
def compare_pipe_diffusion(core_md: LammpsMDDocument, crystal_md: LammpsMDDocument, core_radius_A: float,
                           dislocation: str, equilibration_ps: float = 0.0,
                           spacing_cells: int = 1) -> PipeDiffusionDocument:
    """D along the line of the carriers starting in the cores against D in the crystal, and the
    fraction of core carriers still within ``core_radius_A`` of a line at the end."""
    from anodeflow.analysis import read_frames
    from anodeflow.analysis.diffusion import diffusion_from_frames, region_mask
    from anodeflow.analysis.dislocations import DislocationContent, distance_to_lines_A

    carrier, host = parse_system(core_md.system)
    dt_ps = core_md.timestep_fs / 1000.0
    region = f"core:{core_radius_A:g}"

    def frames(md):
        return (f for f in read_frames(md.trajectory) if f.step * dt_ps >= equilibration_ps)

    ends = {}

    def keep_ends(stream):  # the first and last frames, taken on the one pass the MSD makes
        for frame in stream:
            ends.setdefault("first", frame)
            ends["last"] = frame
            yield frame

    core = diffusion_from_frames(keep_ends(frames(core_md)), carrier, dt_ps, region=region, host=host, axes="z")
    crystal = diffusion_from_frames(frames(crystal_md), carrier, dt_ps, axes="xyz")  # cubic host: D is isotropic
    first, last = ends["first"], ends["last"]
    selected = region_mask(first, region, host) & first.mask(carrier)
    lines = DislocationContent(host).compute(first.positions, first.cell, host_mask=first.mask(host)).lines_A
    kept = distance_to_lines_A(last.positions[selected], last.cell, lines) <= core_radius_A
    ratio = core.D_cm2_s / crystal.D_cm2_s if crystal.D_cm2_s > 0 else float("nan")
    ratio_err = abs(ratio) * float(np.hypot(core.D_err_cm2_s / max(abs(core.D_cm2_s), 1e-300),
                                            crystal.D_err_cm2_s / max(crystal.D_cm2_s, 1e-300)))
    return PipeDiffusionDocument(
        system=core_md.system, host=host, carrier=carrier, dislocation=dislocation,
        temperature_K=core_md.temperature_K, time_ps=core_md.time_ps, equilibration_ps=equilibration_ps,
        core_radius_A=core_radius_A, spacing_cells=spacing_cells, n_core_carriers=int(selected.sum()),
        n_crystal_carriers=int(first.mask(carrier).sum()),
        D_core_line_cm2_s=core.D_cm2_s, D_core_line_err_cm2_s=core.D_err_cm2_s, D_crystal_cm2_s=crystal.D_cm2_s,
        D_crystal_err_cm2_s=crystal.D_err_cm2_s, ratio=ratio, ratio_err=ratio_err,
        fraction_still_in_core=float(kept.mean()) if len(kept) else float("nan"),
        picture=pipe_picture(ratio, ratio_err), potential=core_md.potential,
        wall_time_s=core_md.wall_time_s + crystal_md.wall_time_s)


def pipe_picture(ratio: float, ratio_err: float) -> str:
    """``pipe`` when D along the core exceeds D in the crystal by more than 2 sigma, ``trap`` when it
    is below by more than 2 sigma, else ``undetermined``."""
    if not np.isfinite(ratio) or not np.isfinite(ratio_err):
        return "undetermined"
    if ratio - 2 * ratio_err > 1:
        return "pipe"
    if ratio + 2 * ratio_err < 1:
        return "trap"
    return "undetermined"


@dataclass
class PipeDiffusionMaker(Maker):
    """Carrier D along dislocation cores against the crystal at one temperature (one Flow).

    A dipole of ``dislocation`` (60 or screw; diamond hosts) ``separation`` glide distances apart,
    ``length_cells`` line periods long, one carrier per ``spacing_cells`` periods in each core (a wider
    spacing comes closer to dilute carriers); the crystal with as many carriers; ``md`` runs both
    (default NVT 1200 K, 100 ps, frames every 0.5 ps).
    """

    name: str = "pipe diffusion"
    dislocation: str = "60"
    separation: int = 6
    length_cells: int = 6
    spacing_cells: int = 1
    core_radius_A: float = 4.0
    equilibration_ps: float = 0.0
    md: LammpsMDMaker = field(default_factory=_pipe_md)

    def make(self, system: str) -> Flow:
        from anodeflow.structures.dislocations import check_dislocation

        carrier, host = parse_system(system)
        check_dislocation(HOST_CRYSTALS[host], self.dislocation)
        if self.separation < 2 or self.length_cells < 3:
            raise InputError(f"need separation >= 2 glide distances and length_cells >= 3 (DXA finds the lines), got "
                             f"{self.separation}, {self.length_cells}")
        if not 1 <= self.spacing_cells <= self.length_cells:
            raise InputError(f"spacing_cells must be 1..{self.length_cells} (length_cells), got {self.spacing_cells}")
        if not self.core_radius_A > 0:
            raise InputError(f"core_radius_A must be > 0 A, got {self.core_radius_A}")
        if not 0 <= self.equilibration_ps < self.md.time_ps:
            raise InputError(f"equilibration_ps must be in [0, {self.md.time_ps:g}) ps, got {self.equilibration_ps}")
        frames = int((self.md.time_ps - self.equilibration_ps) / self.md.dump_every_ps + 1e-9) + 1
        if frames < MIN_FRAMES:
            raise InputError(f"{frames} frames after equilibration ({self.md.time_ps:g} ps, one every "
                             f"{self.md.dump_every_ps:g} ps); D needs at least {MIN_FRAMES}: run longer or dump more often")
        cells = pipe_cells(system, self.dislocation, self.separation, self.length_cells, self.spacing_cells,
                           self.md.potential, check_survival=True)
        core_md = self.md.make(cells.output["core"], system)
        crystal_md = self.md.make(cells.output["crystal"], system)
        doc = compare_pipe_diffusion(core_md.output, crystal_md.output, self.core_radius_A, self.dislocation,
                                     self.equilibration_ps, self.spacing_cells)
        return Flow([cells, core_md, crystal_md, doc], output=doc.output, name=f"{self.name} {system}")
