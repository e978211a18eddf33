"""Versioned pydantic documents stored by the workflows (units in field names)."""

from __future__ import annotations

import platform
from typing import Literal

import numpy as np
from ase import Atoms
from pydantic import BaseModel, Field

SCHEMA_VERSION = "1.1"


class AtomsModel(BaseModel):
    """A serialisable ``ase.Atoms`` including the per-atom ``region`` tags."""

    symbols: list[str]
    positions_A: list[list[float]]
    cell_A: list[list[float]]
    pbc: list[bool]
    region: list[int] | None = None
    info: dict = Field(default_factory=dict)

    @classmethod
    def from_atoms(cls, atoms: Atoms) -> AtomsModel:
        region = atoms.arrays.get("region")
        info = {k: (list(v) if isinstance(v, tuple | np.ndarray) else v) for k, v in atoms.info.items()}
        return cls(symbols=atoms.get_chemical_symbols(), positions_A=atoms.positions.tolist(),
                   cell_A=atoms.cell.array.tolist(), pbc=atoms.pbc.tolist(),
                   region=None if region is None else region.tolist(), info=info)

    def to_atoms(self) -> Atoms:
        atoms = Atoms(self.symbols, positions=self.positions_A, cell=self.cell_A, pbc=self.pbc)
        if self.region is not None:
            atoms.arrays["region"] = np.array(self.region, dtype=int)
        atoms.info.update(self.info)
        return atoms


class PotentialSummary(BaseModel):
    name: str
    form: str
    citation: str


class Versions(BaseModel):
    anodeflow: str
    lammps: str
    ovito: str
    python: str = Field(default_factory=platform.python_version)

    @classmethod
    def current(cls) -> Versions:
        import ovito

        import anodeflow
        from anodeflow.workflows.engine import lammps_version

        return cls(anodeflow=anodeflow.__version__, lammps=lammps_version(),
                   ovito=".".join(map(str, ovito.version)))


class CoupleStructureDocument(BaseModel):
    """Output of building a diffusion couple."""

    schema_version: str = SCHEMA_VERSION
    doc_type: Literal["couple_structure"] = "couple_structure"
    system: str
    miller: str
    n_atoms: int
    composition: dict[str, int]
    cell_nm: list[float]
    area_nm2: float
    host_thickness_nm: float
    n_interfaces: int
    reservoir_strain: list[float] = Field(description="reservoir strain (xx, yy, xy) imposed by the host's period")
    min_distance_A: float
    host_crystal: str = ""
    reservoir: str = Field("bcc", description="bcc carrier, amorphous alloy or a crystalline alloy phase")
    reservoir_x: float | None = Field(None, description="carrier fraction of an amorphous reservoir")
    structure: AtomsModel


class ThermoRecord(BaseModel):
    step: int
    time_ps: float
    temp_K: float
    pe_eV: float
    press_bar: float


class LammpsMDDocument(BaseModel):
    """Output of one LAMMPS MD run (close to atomate2's ``LammpsTaskDocument``)."""

    schema_version: str = SCHEMA_VERSION
    doc_type: Literal["lammps_md"] = "lammps_md"
    system: str
    dir_name: str
    trajectory: str
    dump_columns: list[str]
    log_file: str
    type_elements: list[str]
    n_atoms: int
    ensemble: str
    temperature_K: float
    time_ps: float
    timestep_fs: float
    n_steps: int
    final_step: int
    resumed_from_step: int | None = None
    seed: int
    potential: PotentialSummary
    versions: Versions
    thermo: list[ThermoRecord]
    wall_time_s: float
    atom_steps_per_s: float
    mpi_ranks: int = 1
    density_g_cm3: float
    final_structure: AtomsModel | None = Field(None, description="last configuration (data store)")


class InterfaceMDDocument(BaseModel):
    """Result of a couple MD run: front kinetics and interface profiles.

    ``front_advance_nm`` is L(t) per interface from the loss of crystalline host atoms;
    thicknesses are per interface, averaged over the final ``final_window_ps``.
    ``profiles`` (per-frame) live in the ``data`` store; the positions stay in the ``trajectory`` file.
    """

    schema_version: str = SCHEMA_VERSION
    doc_type: Literal["interface_md"] = "interface_md"
    system: str
    host: str
    carrier: str
    miller: str
    n_atoms: int
    composition: dict[str, int]
    temperature_K: float
    time_ps: float
    timestep_fs: float
    ensemble: str
    seed: int
    potential: PotentialSummary
    versions: Versions
    dir_name: str
    plot: str | None = None
    times_ps: list[float]
    crystalline_host_atoms: list[int]
    front_advance_nm: list[float]
    front_advance_final_nm: float
    front_advance_err_nm: float
    front_velocity_nm_ps: float
    front_positions_nm: list[float]
    interface_width_nm: float
    reacted_thickness_nm: float
    amorphous_thickness_nm: float
    final_window_ps: float
    final_profile: list[dict[str, float]]
    bonds: dict[str, dict[str, float]] = Field(default_factory=dict, description="pair -> first_peak_A, coordination")
    stress: dict | None = Field(None, description="mean-stress profile and Eq. (1) term (GPa, eV)")
    dislocations: dict | None = Field(None, description="DXA line length (nm), density (m^-2), Burgers families")
    notes: list[str] = Field(default_factory=list)
    restart_dir: str | None = None
    wall_time_s: float
    trajectory: str | None = Field(None, description="path of the MD trajectory the analysis read (LAMMPS dump)")
    frames: dict | None = Field(None, description="positions per frame: documents of schema 1.0 only (data store); "
                                                  "newer ones reference the trajectory file instead")
    profiles: list[dict] | None = Field(None, description="per-frame profiles (data store)")
