"""Versioned pydantic documents stored by the workflows (units in field names and descriptions).

Every document and its sub-models live here, grouped by the workflow that fills them; each workflow
module imports its documents from this one. Importing this module imports no other workflows module
(methods that need an engine import it when called).
"""

from __future__ import annotations

import platform
from typing import Literal

import numpy as np
from ase import Atoms
from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1"

_SCHEMA_VERSION_TEXT = "version of the document schema (SCHEMA_VERSION)"
_SYSTEM_TEXT = "carrier-host system, carrier first, e.g. Li-Si"
_COMPOSITION_TEXT = "element -> number of atoms"


# -- MD and couples ------------------------------------------------------------------------


class AtomsModel(BaseModel):
    """A serialisable ``ase.Atoms`` including the per-atom ``region`` tags (positions and cell in A)."""

    symbols: list[str] = Field(description="chemical symbol of each atom")
    positions_A: list[list[float]] = Field(description="Cartesian position of each atom (A)")
    cell_A: list[list[float]] = Field(description="cell vectors, one per row (A)")
    pbc: list[bool] = Field(description="periodic along each cell vector")
    region: list[int] | None = Field(None, description="region tag of each atom (anodeflow.structures.couples.REGIONS: "
                                                       "0 host, 1 reservoir, 2 fixed); None: untagged")
    info: dict = Field(default_factory=dict, description="ase.Atoms.info of the structure (builder records such as "
                                                         "miller, area_A2 or min_distance_A, units in their keys)")

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
    """The potential (or DFT method) that gave a document's energies and forces."""

    name: str = Field(description="registry name of the potential, or the DFT code and functional (e.g. CP2K PBE)")
    form: str = Field(description="functional form in words (e.g. MEAM, UF3 + SNAP + ZBL), or the DFT settings")
    citation: str = Field(description="reference of the potential or the DFT code")


class Versions(BaseModel):
    """Software versions a document was made with."""

    anodeflow: str = Field(description="anodeflow package version")
    lammps: str = Field(description="LAMMPS version, YYYY-MM-DD")
    ovito: str = Field(description="OVITO Python module version")
    python: str = Field(default_factory=platform.python_version, description="Python version")

    @classmethod
    def current(cls) -> Versions:
        import ovito

        import anodeflow
        from anodeflow.workflows.engine import lammps_version

        return cls(anodeflow=anodeflow.__version__, lammps=lammps_version(),
                   ovito=".".join(map(str, ovito.version)))


class CoupleStructureDocument(BaseModel):
    """Output of building a diffusion couple: a host slab against a carrier or alloy reservoir."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: Literal["couple_structure"] = Field("couple_structure", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    miller: str = Field(description="host plane normal to the interface, reduced three-index digits, e.g. 110")
    n_atoms: int = Field(description="number of atoms in the cell")
    composition: dict[str, int] = Field(description=_COMPOSITION_TEXT)
    cell_nm: list[float] = Field(description="cell edge lengths a, b, c (nm); c is along the interface normal")
    area_nm2: float = Field(description="area of the interface plane (nm^2)")
    host_thickness_nm: float = Field(description="thickness of the host slab along the interface normal (nm)")
    n_interfaces: int = Field(description="host-reservoir interfaces in the cell: 2 when periodic along the normal, "
                                          "1 with vacuum")
    reservoir_strain: list[float] = Field(description="reservoir strain (xx, yy, xy) imposed by the host's period "
                                                      "(dimensionless)")
    min_distance_A: float = Field(description="shortest interatomic distance in the cell (A)")
    host_crystal: str = Field("", description="crystal of the host slab, e.g. diamond-Si or beta-Sn")
    reservoir: str = Field("bcc", description="bcc carrier, amorphous alloy or a crystalline alloy phase")
    reservoir_x: float | None = Field(None, description="carrier fraction of an amorphous reservoir (dimensionless)")
    structure: AtomsModel = Field(description="the couple, with region tags")


class ThermoRecord(BaseModel):
    """One thermodynamic sample of a LAMMPS run (metal units)."""

    step: int = Field(description="LAMMPS step, counted from 0 after the minimisation")
    time_ps: float = Field(description="step x timestep (ps)")
    temp_K: float = Field(description="instantaneous temperature (K)")
    pe_eV: float = Field(description="potential energy of the whole cell (eV)")
    press_bar: float = Field(description="pressure (bar)")


class LammpsMDDocument(BaseModel):
    """Output of one LAMMPS MD run (close to atomate2's ``LammpsTaskDocument``)."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: Literal["lammps_md"] = Field("lammps_md", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    dir_name: str = Field(description="run folder")
    trajectory: str = Field(description="path of the LAMMPS dump (positions in A)")
    dump_columns: list[str] = Field(description="per-atom columns of the dump: id type element x y z, plus "
                                                "c_stress[1..6] (bar A^3) when per-atom stress is dumped")
    log_file: str = Field(description="path of this run's LAMMPS log")
    type_elements: list[str] = Field(description="element of each LAMMPS atom type, type 1 first")
    n_atoms: int = Field(description="number of atoms")
    ensemble: str = Field(description="nvt, npt (isotropic), npt_z or npt_xy")
    temperature_K: float = Field(description="thermostat temperature at the end of the run, the last stage's end "
                                             "temperature (K)")
    time_ps: float = Field(description="MD time of all stages, n_steps x timestep (ps)")
    timestep_fs: float = Field(description="MD timestep (fs)")
    n_steps: int = Field(description="MD steps of all stages (minimisation not counted)")
    final_step: int = Field(description="LAMMPS step of the final configuration")
    resumed_from_step: int | None = Field(None, description="step of the restart file the run continued from; "
                                                            "None for a run that was not resumed")
    seed: int = Field(description="LAMMPS velocity seed")
    potential: PotentialSummary = Field(description="the potential")
    versions: Versions = Field(description="software versions")
    thermo: list[ThermoRecord] = Field(description="thermodynamic samples along the run, in step order")
    wall_time_s: float = Field(description="wall time of the job, set-up included (s)")
    atom_steps_per_s: float = Field(description="atoms x MD steps run by this job / the MD wall time "
                                                "(atom-steps/s); 0 when not measured")
    mpi_ranks: int = Field(1, description="MPI ranks LAMMPS ran on")
    density_g_cm3: float = Field(description="mass density of the final configuration (g/cm^3)")
    final_structure: AtomsModel | None = Field(None, description="last configuration (data store)")


class DislocationSummary(BaseModel):
    """Dislocation lines at the end of a run: DXA on the host atoms of the last frame (diamond hosts), or line-like
    core clusters in the host positions averaged over the final frames (beta-Sn, A7 Sb; no Burgers vectors)."""

    line_length_nm: float = Field(description="total dislocation line length in the cell (nm)")
    density_m2: float = Field(description="line length per cell volume (m^-2)")
    n_segments: int = Field(description="number of dislocation segments (DXA) or line-like core clusters")
    burgers_families: dict[str, float] = Field(description="Burgers vector family -> its line length (nm); empty "
                                                           "for core clusters")
    method: str = Field("DXA", description="'DXA' or 'core clusters' (analysis.dislocations.LineDefects)")


class InterfaceMDDocument(BaseModel):
    """Result of a couple MD run: front kinetics and interface profiles.

    ``front_advance_nm`` is L(t) per interface from the loss of crystalline host atoms;
    thicknesses are per interface, averaged over the final ``final_window_ps``.
    ``profiles`` (per-frame) live in the ``data`` store; the positions stay in the ``trajectory`` file.
    """

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: Literal["interface_md"] = Field("interface_md", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    host: str = Field(description="host element")
    carrier: str = Field(description="carrier element")
    miller: str = Field(description="host plane normal to the interface, e.g. 110")
    n_atoms: int = Field(description="number of atoms")
    composition: dict[str, int] = Field(description=_COMPOSITION_TEXT)
    temperature_K: float = Field(description="MD temperature (K)")
    time_ps: float = Field(description="MD time (ps)")
    timestep_fs: float = Field(description="MD timestep (fs)")
    ensemble: str = Field(description="MD ensemble: nvt, npt, npt_z or npt_xy")
    seed: int = Field(description="LAMMPS velocity seed of the MD")
    potential: PotentialSummary = Field(description="the potential")
    versions: Versions = Field(description="software versions of the MD")
    dir_name: str = Field(description="folder of the MD run")
    plot: str | None = Field(None, description="path of the couple plot (PNG); None when not drawn")
    times_ps: list[float] = Field(description="time of each frame (ps)")
    crystalline_host_atoms: list[int] = Field(description="crystalline host atoms in each frame")
    front_advance_nm: list[float] = Field(description="front advance L(t) per interface at each frame: crystal "
                                                      "consumed / (interfaces x area x host density) (nm)")
    front_advance_final_nm: float = Field(description="L at the last frame (nm)")
    front_advance_err_nm: float = Field(description="1-sigma noise of one frame's L about the underlying advance "
                                                    "(nm; anodeflow.analysis.fronts.FRONT_ERR_KIND)")
    front_velocity_nm_ps: float = Field(description="slope of a straight line through L(t) (nm/ps)")
    front_positions_nm: list[float] = Field(description="positions of the two fronts along the interface normal "
                                                        "in the last frame (nm); NaN where no front is found")
    interface_width_nm: float = Field(description="10-90 % width of the crystalline-fraction front, mean of the two "
                                                  "fronts, averaged over the final window (nm)")
    reacted_thickness_nm: float = Field(description="reacted (alloy) layer per interface, averaged over the final "
                                                    "window (nm)")
    amorphous_thickness_nm: float = Field(description="carrier-poor amorphous host layer per interface, averaged over "
                                                      "the final window (nm)")
    final_window_ps: float = Field(description="time span of the final frames the averages are over (ps)")
    final_profile: list[dict[str, float]] = Field(
        description="bins along the interface normal, averaged over the final window: z_nm and z_centred_nm (bin "
                    "centre in the cell and with the crystal slab centred, nm), host, carrier and crystalline (atoms), "
                    "carrier_fraction and crystalline_fraction (of all atoms of the bin, dimensionless), "
                    "density_atoms_nm3 (atoms/nm^3), host_bond_A (mean host-host first-shell bond, A)")
    bonds: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="pair (e.g. Si-Si) -> first_peak_A (first peak of the partial RDF, A) and "
                                          "coordination (neighbours up to the first minimum), over the final frames")
    stress: dict | None = Field(
        None, description="mean-stress profile and Eq. (1) term of the last frame, tensile positive: "
                          "mean_stress_host_GPa and mean_stress_alloy_GPa (GPa), x_alloy (carriers per host atom "
                          "in the alloy, dimensionless), volume_host_A3 (A^3 per host atom), volume_alloy_A3 (A^3 "
                          "per formula unit), eq1_stress_term_eV (eV per inserted carrier), barrier_shift_eV (eV, "
                          "None without an activation volume), z_nm (nm), mean_stress_profile_GPa (GPa); None "
                          "without per-atom stresses in the dump")
    dislocations: DislocationSummary | None = Field(
        None, description="line length (nm), density (m^-2) and Burgers families at the end of the run (DXA, or "
                          "core clusters in beta-Sn and A7 Sb); None where neither can run (the reason in notes)")
    notes: list[str] = Field(default_factory=list, description="remarks of the analysis, e.g. why dislocations is None")
    restart_dir: str | None = Field(None, description="MD folder a resumed run continued in; None when not resumed")
    wall_time_s: float = Field(description="wall time of the MD job (s)")
    trajectory: str | None = Field(None, description="path of the MD trajectory the analysis read (LAMMPS dump)")
    frames: dict | None = Field(None, description="positions per frame: documents of schema 1.0 only (data store); "
                                                  "later ones reference the trajectory file instead")
    profiles: list[dict] | None = Field(
        None, description="per-frame profiles (data store): time_ps (ps), front_positions_nm, interface_width_nm, "
                          "reacted_thickness_nm and amorphous_thickness_nm (nm), bins (as final_profile)")


# -- studies -------------------------------------------------------------------------------


class AmorphousAlloyDocument(BaseModel):
    """A random packing at carrier fraction x (start cell of a melt-quench)."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("amorphous_start", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    carrier_fraction: float = Field(description="carrier atoms / all atoms (dimensionless)")
    n_atoms: int = Field(description="number of atoms")
    volume_per_atom_A3: float = Field(description="cell volume per atom (A^3)")
    min_distance_A: float = Field(description="shortest interatomic distance in the packing (A)")
    structure: AtomsModel = Field(description="the packing")


class DiffusionRun(BaseModel):
    """Tracer diffusivity of one species in one MD run."""

    temperature_K: float = Field(description="MD temperature (K)")
    species: str = Field(description="element (or LAMMPS type id) whose tracer D this is")
    D_A2_ps: float = Field(description="tracer diffusivity (A^2/ps)")
    D_cm2_s: float = Field(description="tracer diffusivity (cm^2/s)")
    D_err_cm2_s: float = Field(description="1-sigma error of D (cm^2/s; anodeflow.analysis.diffusion.D_ERR_KIND)")
    run_uuid: str | None = Field(None, description="uuid of the MD job; None when not recorded")
    wall_time_s: float = Field(0.0, description="wall time of the MD run (s)")


class DiffusionStudyDocument(BaseModel):
    """Tracer diffusivities over temperature and their Arrhenius fit, per species."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("diffusion_study", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    region: str | None = Field(None, description="atoms whose diffusion is measured, by first-frame position: "
                                                 "AXIS:LO:HI (x, y or z; bounds in nm), crystal, amorphous or alloy; "
                                                 "None: all atoms")
    runs: list[DiffusionRun] = Field(description="one entry per temperature and species")
    arrhenius: dict[str, dict] = Field(
        description="species -> Ea_eV and Ea_err_eV (eV), D0_cm2_s, D0_err_cm2_s, D_300K_cm2_s and "
                    "D_300K_err_cm2_s (cm^2/s, errors 1 sigma), temperatures_K (K) and D_cm2_s (cm^2/s) of the "
                    "fitted runs; or error (why no fit) with fewer than two temperatures with D > 0")


class KineticsStudyDocument(BaseModel):
    """Front kinetics of several couples: regime per run and the anisotropy of front speeds."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("kinetics_study", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    runs: list[dict] = Field(
        description="per couple run: miller, temperature_K (K), velocity_nm_ps (nm/ps), advance_nm and advance_err_nm "
                    "(final L and its 1-sigma noise, nm), regime (ICR, DCR, mixed or undetermined), exponent_n "
                    "(n of L = A t^n, dimensionless, NaN when undetermined), note (why undetermined, only then)")
    anisotropy: dict[str, float] = Field(description="miller@T (e.g. 110@1500K) -> front speed of that orientation / "
                                                     "the slowest one at that T (dimensionless)")


# -- NEB -----------------------------------------------------------------------------------


class NebDocument(BaseModel):
    """A migration barrier (eV) with its path, hop geometry and provenance."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("neb", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    host: str = Field(description="host element")
    carrier: str = Field(description="carrier element (the hopping atom)")
    kind: str = Field(description="bulk, front or dislocation")
    strain: float = Field(0.0, description="hydrostatic strain applied to the relaxed host lattice (dimensionless, "
                                           "0.01: +1 % in every length)")
    pressure_GPa: float | None = Field(None, description="pressure of the relaxed initial cell (GPa, positive under "
                                                         "compression); bulk hops only, None otherwise and for VASP")
    barrier_eV: float = Field(description="highest image above the initial one (eV)")
    reverse_barrier_eV: float = Field(description="highest image above the final one (eV)")
    energies_eV: list[float] = Field(description="image energies relative to the initial image (eV)")
    hop_distance_A: float = Field(description="distance between the carrier's initial and final sites (A)")
    feature_distance_A: list[float] = Field(
        default_factory=list, description="front hops: depth of each site below the interface; dislocation "
        "hops: distance of each site from the dislocation line (A)")
    image_line_distance_A: list[float] = Field(
        default_factory=list, description="dislocation hops: the carrier's distance from the line in every image (A)")
    n_atoms: int = Field(description="atoms per image")
    host_cell_strain: list[list[float]] = Field(
        description="deformation (3x3, dimensionless) mapping the tabulated onto the relaxed lattice, the applied "
                    "strain included: cell used = tabulated cell @ this")
    converged: bool = Field(description="the NEB optimiser reached its force criterion within its steps "
                                        "(atomate2's state 'successful')")
    method: str = Field(description="climbing-image NEB or NEB")
    engine: str = Field("potential", description="potential (LAMMPS or MLIP), cp2k or vasp (PBE)")
    potential: PotentialSummary = Field(description="the potential, or the DFT code and settings")
    images: list[AtomsModel] | None = Field(None, description="final images (data store)")


# -- site networks -------------------------------------------------------------------------


class NetworkSite(BaseModel):
    """One carrier minimum of a site network."""

    position_A: list[float] = Field(description="carrier position, folded into the network's unit cell (A)")
    energy_eV: float = Field(description="energy of the relaxed cell with the carrier here, relative to the lowest "
                                         "site (eV)")
    site_class: int = Field(description="symmetry class of the site (sites of one class are equivalent)")
    reproducible: bool = Field(description="a second relaxation from 0.2 A off the relaxed carrier position, the host "
                                           "started afresh, lands within 0.3 A and 5 meV of the first; False at a "
                                           "saddle or where the host reconstructs around the carrier into several "
                                           "states")
    host_shift_A: float = Field(description="largest host-atom displacement the relaxed carrier causes (A)")
    line_distance_A: float | None = Field(None, description="distance from the dislocation line (A); None in bulk")


class NetworkHop(BaseModel):
    """One hop of a site network, from site i to the image of site j ``offset`` unit cells away."""

    i: int = Field(description="index of the start site in ``sites``")
    j: int = Field(description="index of the end site in ``sites``")
    offset: list[int] = Field(description="lattice offset of the end site's image (unit-cell vectors)")
    distance_A: float = Field(description="straight distance between the two minima (A)")
    hop_class: int = Field(description="symmetry class of the hop (one NEB per class)")
    status: str = Field(description="measured; skipped (both ends above the percolation threshold); or not a hop "
                                    "(an end relaxed away from its site, or the engine stopped both bands)")
    saddle_eV: float | None = Field(description="highest NEB image, relative to the lowest site (eV); None unless "
                                                "measured")
    image_energies_eV: list[float] = Field(description="NEB image energies, relative to the lowest site (eV); empty "
                                                       "when not measured")
    converged: bool = Field(description="the climbing-image NEB reached its force criterion (0.05 eV/A); False when "
                                        "not measured")


class NetworkHopRef(BaseModel):
    """A hop named in a percolation result."""

    i: int = Field(description="start site index")
    j: int = Field(description="end site index")
    offset: list[int] = Field(description="lattice offset of the end site's image (unit-cell vectors)")
    saddle_eV: float = Field(description="saddle relative to the lowest site (eV)")
    distance_A: float = Field(description="straight distance between the two minima (A)")


class SiteNetworkDocument(BaseModel):
    """A carrier's network of minima and hops in a host crystal or a dislocation core, and the barrier
    of long-range migration: where the network first percolates."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("site_network", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    host: str = Field(description="host element")
    carrier: str = Field(description="carrier element")
    kind: str = Field(description="bulk (host crystal) or dislocation (sites near a dislocation line)")
    dislocation: str | None = Field(None, description="60 or screw for dislocation networks")
    percolation_axes: str = Field(description="cell axes along which a winding path counts (xyz in bulk, z along "
                                              "a dislocation line)")
    unit_cell_A: list[list[float]] = Field(description="period of the network, cell vectors as rows (A)")
    n_host_atoms: int = Field(description="host atoms in the cell the carrier relaxes in")
    sites: list[NetworkSite] = Field(description="carrier minima")
    hops: list[NetworkHop] = Field(description="hops between minima up to max_hop_A apart, with their saddles")
    max_hop_A: float = Field(description="longest hop measured (A)")
    n_relaxations: int = Field(description="carrier relaxations (two per symmetry class of candidate sites)")
    n_bands: int = Field(description="NEB bands run (one per symmetry class of hops measured)")
    every_hop: bool = Field(description="every hop measured; otherwise hops whose both ends lie above the "
                                        "percolation threshold are skipped")
    well_posed: bool = Field(description="every site reproducible and every pair tried a hop: the network is a "
                                         "property of the potential; False where the host reconstructs around the "
                                         "carrier, and the barrier then depends on the relaxation path")
    percolates: bool = Field(description="a path of measured hops winds through the cell along the axes")
    threshold_eV: float | None = Field(None, description="saddle of the hop that first closes a winding path, "
                                                         "relative to the lowest site (eV)")
    barrier_eV: float | None = Field(None, description="long-range migration energy: threshold less the lowest "
                                                       "site of the percolating cluster (eV)")
    trap_site: int | None = Field(None, description="lowest site of the percolating cluster")
    bottleneck: NetworkHopRef | None = Field(None, description="the hop that closes the winding path")
    winding: list[int] | None = Field(None, description="net lattice offset of the winding path (unit-cell vectors)")
    cycle: list[NetworkHopRef] = Field(default_factory=list, description="hops of the winding path, in order")
    percolating_sites: list[int] = Field(default_factory=list, description="sites of the percolating cluster")
    escape_eV: list[float | None] = Field(default_factory=list, description="per site: its lowest saddle out less "
                                          "its energy over the measured hops (single-hop escape, eV); None for a site without one")
    potential: PotentialSummary = Field(description="the potential")
    wall_time_s: float = Field(description="wall time of the whole network (s)")


class PipeDiffusionDocument(BaseModel):
    """Carrier diffusion along dislocation cores against the perfect crystal, from MD at one temperature."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("pipe_diffusion", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    host: str = Field(description="host element")
    carrier: str = Field(description="carrier element")
    dislocation: str = Field(description="60 or screw")
    temperature_K: float = Field(description="MD temperature (K)")
    time_ps: float = Field(description="MD time of each run (ps)")
    equilibration_ps: float = Field(description="MD time dropped before the MSD (ps)")
    core_radius_A: float = Field(description="carriers starting within this of a dislocation line count as core "
                                             "carriers (A)")
    spacing_cells: int = Field(1, description="line periods between the carriers placed along each line")
    n_core_carriers: int = Field(description="carriers starting in the cores")
    n_crystal_carriers: int = Field(description="carriers in the perfect crystal")
    D_core_line_cm2_s: float = Field(description="D of the core carriers along the line, z (cm^2/s)")
    D_core_line_err_cm2_s: float = Field(description="1-sigma error of D_core_line (cm^2/s)")
    D_crystal_cm2_s: float = Field(description="D of the carriers in the perfect crystal, 3-D (cm^2/s)")
    D_crystal_err_cm2_s: float = Field(description="1-sigma error of D_crystal (cm^2/s)")
    ratio: float = Field(description="D_core_line / D_crystal (dimensionless)")
    ratio_err: float = Field(description="1-sigma error of the ratio (dimensionless)")
    fraction_still_in_core: float = Field(description="core carriers within core_radius_A of a line at the end "
                                                      "(fraction)")
    picture: str = Field(description="pipe (core faster by > 2 sigma), trap (slower by > 2 sigma) or undetermined")
    potential: PotentialSummary = Field(description="the potential")
    wall_time_s: float = Field(description="wall time of the two MD runs (s)")


# -- melting -------------------------------------------------------------------------------


class MeltingPointDocument(BaseModel):
    """The host's melting point for one potential, from solid-liquid coexistence."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("melting_point", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    host: str = Field(description="host element whose crystal melts")
    potential: str = Field(description="name of the potential")
    n_atoms: int = Field(description="atoms of the two-phase cell")
    time_ps: float = Field(description="NPT time per trial temperature (ps)")
    melting_point_K: float = Field(description="temperature where the crystal neither grows nor melts (K)")
    melting_point_err_K: float = Field(description="1-sigma error of the melting point (K)")
    bracketed: bool = Field(description="the trial temperatures bracket the melting point")
    temperatures_K: list[float] = Field(description="trial temperatures, ascending (K)")
    rates_per_ps: list[float] = Field(description="change of the host's crystalline fraction per ps at each "
                                                  "(1/ps, negative when it melts)")
    rate_errs_per_ps: list[float] = Field(description="1-sigma errors of the rates (1/ps)")
    experimental_K: float = Field(description="experimental melting point (K)")
    experimental_source: str = Field(description="source of the experimental melting point")
    wall_time_s: float = Field(description="wall time (s)")


# -- fitting -------------------------------------------------------------------------------


class FitReport(BaseModel):
    """How a fitted potential reproduces its teacher (held-out configurations are not fitted)."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("potential_fit", description="document kind")
    name: str = Field(description="registry name of the fitted potential")
    system: str = Field(description=_SYSTEM_TEXT)
    teacher: str = Field(description="potential or DFT method whose labels were fitted")
    form: str = Field(description="fitted form in words, e.g. UF3 (2+3-body) + SNAP (linear, 2J=4) + ZBL")
    settings: dict = Field(description="snap: the SNAP settings (rcutfac and the ZBL radii in A), uf3: the UF3 "
                                       "settings (cutoffs in A) or None for SNAP alone")
    n_train: int = Field(description="training configurations of the final fit")
    n_test: int = Field(description="held-out configurations")
    n_coefficients: int = Field(description="fitted coefficients")
    energy_rmse_train_meV_atom: float = Field(description="energy RMSE on the training set (meV/atom)")
    force_rmse_train_eV_A: float = Field(description="force-component RMSE on the training set (eV/A)")
    energy_rmse_test_meV_atom: float = Field(description="energy RMSE on the held-out set (meV/atom)")
    force_rmse_test_eV_A: float = Field(description="force-component RMSE on the held-out set (eV/A)")
    test_labels: list[str] = Field(description="labels of the held-out configurations")
    relaxations: list[dict] = Field(
        default_factory=list, description="per round of relaxation learning: each rattled host and carrier "
                                          "supercell relaxed with the fit, its space group after and energy "
                                          "(meV/atom) relative to the symmetric cell; a last check made after "
                                          "crystal rounds names them in 'after'")
    own_md: dict = Field(default_factory=dict, description="the kept fit on frames of its own MD, labelled by the "
                         "teacher and not fitted: energy_rmse_meV_atom (meV/atom), force_rmse_eV_A (eV/A), "
                         "closest_pair_A (A), blown_up_runs, host_crystalline_fraction (dimensionless); 'rounds': "
                         "every fit the active rounds measured, the kept one is the most stable; 'after': the "
                         "relaxation or crystal rounds that refitted it before this measurement; empty when not "
                         "measured")
    crystals: dict[str, dict] = Field(description="crystal -> relaxed lattice lengths teacher_lattice_A and "
                                      "fit_lattice_A (A), energies teacher_energy_eV_atom and fit_energy_eV_atom "
                                      "(eV/atom), max_lattice_error (relative, dimensionless); empty for labels made "
                                      "elsewhere")
    host_crystal_md: dict = Field(description="the host crystal after zero-pressure MD with the fit: crystal, "
                                  "temperature_K (K), time_ps (ps), n_atoms, blew_up, crystalline_fraction "
                                  "(dimensionless) and volume_per_atom_A3 (A^3) over the second half of the run and "
                                  "per sample; with crystal rounds also every round's fractions and kept_round")
    speedup_vs_teacher: float | None = Field(description="force-call time of the teacher / the fit, host crystal, "
                                             "1 core (dimensionless; None for labels made elsewhere)")
    files: dict[str, str] = Field(description="kind (coeff, param, uf3) -> path of the potential file")
    record: str = Field(description="path of the potential's registry record (YAML)")
    wall_time_s: float = Field(description="wall time of the fit (s)")


# -- DFT -----------------------------------------------------------------------------------


class DftStaticDocument(BaseModel):
    """Energy, forces and stress of one CP2K single point (eV, eV/A, GPa; stress is CP2K's pressure
    tensor, positive under compression), atoms in the order given."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("dft_static", description="document kind")
    code: str = Field("CP2K", description="DFT code")
    functional: str = Field("PBE", description="exchange-correlation functional")
    formula: str = Field(description="reduced formula of the cell")
    n_atoms: int = Field(description="number of atoms")
    volume_A3: float | None = Field(None, description="cell volume (A^3)")
    energy_eV: float = Field(description="total energy (eV)")
    energy_per_atom_eV: float = Field(description="total energy per atom (eV/atom)")
    forces_eV_A: list[list[float]] = Field(description="force on each atom (eV/A)")
    max_force_eV_A: float = Field(description="largest force norm on an atom (eV/A)")
    stress_GPa: list[list[float]] | None = Field(None, description="CP2K's pressure tensor, 3x3 (GPa, positive "
                                                                   "under compression); None when not computed")
    kpoint_density: int = Field(description="atomate2's reciprocal density (k-points per A^-3 of reciprocal "
                                            "volume); 0: the Gamma point only")
    kpoint_mesh: list[int] | None = Field(None, description="Gamma-centred Monkhorst-Pack mesh; None for the Gamma "
                                                            "point only")
    cutoff_Ry: float = Field(description="plane-wave cutoff of the density grid (Ry)")
    dir_name: str = Field(description="folder of atomate2's CP2K job")
    task_uuid: str | None = Field(None, description="uuid of atomate2's CP2K job; None when not recorded")


# -- nanowire ------------------------------------------------------------------------------


class NanowireStructureDocument(BaseModel):
    """A host nanowire in a carrier shell, as built (periodic along the wire axis)."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("nanowire_structure", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    axis: str = Field(description="wire axis [uvw] in the host crystal, e.g. 110")
    diameter_nm: float = Field(description="diameter of the host wire, 2 x host_radius_A (nm)")
    host_radius_A: float = Field(description="largest distance of a host atom from the wire axis (A)")
    n_atoms: int = Field(description="number of atoms")
    composition: dict[str, int] = Field(description=_COMPOSITION_TEXT)
    min_distance_A: float = Field(description="shortest interatomic distance (A)")
    structure: AtomsModel = Field(description="wire and shell, with region tags")


class NanowireMDDocument(BaseModel):
    """Radial front kinetics of a host nanowire in a carrier shell (orientation/curvature studies)."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("nanowire_md", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    axis: str = Field(description="wire axis [uvw] in the host crystal, e.g. 110")
    diameter_nm: float = Field(description="diameter of the host wire as built (nm)")
    n_atoms: int = Field(description="number of atoms")
    temperature_K: float = Field(description="MD temperature (K)")
    time_ps: float = Field(description="MD time (ps)")
    times_ps: list[float] = Field(description="time of each frame (ps)")
    crystalline_host_atoms: list[int] = Field(description="crystalline host atoms in each frame")
    front_advance_nm: list[float] = Field(description="radial front advance L(t) = R0 - r(t) at each frame, with "
                                                      "r = R0 sqrt(N_c(t) / N_c(0)) (nm)")
    front_advance_final_nm: float = Field(description="L at the last frame (nm)")
    front_velocity_nm_ps: float = Field(description="slope of a straight line through L(t) (nm/ps)")
    core_radius_nm: list[float] = Field(description="radius r(t) of the crystalline core at each frame (nm)")
    bonds: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="pair (e.g. Si-Si) -> first_peak_A (first peak of the partial RDF, A) and "
                                          "coordination (neighbours up to the first minimum), over the final frames")
    dislocations: DislocationSummary | None = Field(
        None, description="line length (nm), density (m^-2) and Burgers families at the end of the run (DXA, or "
                          "core clusters in beta-Sn and A7 Sb); None where neither can run (the reason in notes)")
    notes: list[str] = Field(default_factory=list, description="remarks of the analysis, e.g. why dislocations is None")
    potential: PotentialSummary = Field(description="the potential")
    versions: Versions = Field(description="software versions of the MD")
    dir_name: str = Field(description="folder of the MD run")
    wall_time_s: float = Field(description="wall time of the MD job (s)")


# -- validation ----------------------------------------------------------------------------


class ValidationRow(BaseModel):
    """One checked quantity: the potential's value next to a reference and where that comes from."""

    quantity: str = Field(description="what is checked, e.g. 'Si a' or 'Li15Si4 formation energy'")
    unit: str = Field(description="unit of value and reference, e.g. A, eV/atom, A^3/atom, THz, GPa, meV/atom, eV; "
                                  "empty: dimensionless")
    value: float = Field(description="the potential's value, in ``unit``")
    reference: float | None = Field(None, description="the reference value, in ``unit``")
    source: str = Field("", description="where the reference comes from")
    passed: bool | None = Field(None, description="whether the check's criterion holds (None: no criterion)")
    criterion: str = Field("", description="what must hold for the row to pass")
    failure: str = Field("", description="what failed, for a failed row")

    @property
    def relative_error(self) -> float | None:
        return None if not self.reference else self.value / self.reference - 1.0


class ValidationDocument(BaseModel):
    """How a potential reproduces crystals, alloy phases and the bulk barrier of one system."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("potential_validation", description="document kind")
    system: str = Field(description=_SYSTEM_TEXT)
    potential: PotentialSummary = Field(description="the potential validated")
    reference_potential: str | None = Field(None, description="MLIP that gave the alloy formation references")
    rows: list[ValidationRow] = Field(description="crystal and alloy-phase rows, then stability rows, then the "
                                                  "bulk carrier barrier")


# -- screening -----------------------------------------------------------------------------


class ScreeningDocument(BaseModel):
    """Ranked host/carrier pairs with the predicted and the seed's ICR/DCR class."""

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("screening", description="document kind")
    reference: str = Field(description="system the scores are relative to, e.g. Li-Si")
    threshold: float = Field(description="score at or above which a pair is predicted ICR (dimensionless)")
    rows: list[dict] = Field(
        description="per pair, highest score first: system, host, potential (name), bond_energy_eV (cohesive "
                    "energy per first-shell bond, eV), shear_modulus_GPa (Voigt-Reuss-Hill average of the relaxed-ion "
                    "elastic tensor, GPa), born_stiffness_GPa (least eigenvalue of that tensor, GPa; positive for a "
                    "stable crystal), barrier_eV (bulk carrier barrier, eV), amorphous_thickness_nm (nm, None without a "
                    "couple MD), score (dimensionless), predicted (ICR or DCR), seed (the "
                    "seed's class, None where it gives none)")
    agreement: float | None = Field(None, description="fraction of pairs whose predicted class equals the seed's "
                                                      "(dimensionless)")


# -- seed study ----------------------------------------------------------------------------


class MeasuredValue(BaseModel):
    """A mean over replicas with its 1-sigma standard error (unit in the field's name)."""

    value: float = Field(description="mean over the replicas, in the unit of the field that holds it")
    err: float = Field(description="1-sigma standard error of the mean, in the same unit")
    n: int = Field(description="replicas with a value")


class HostCheck(BaseModel):
    """Does the potential keep the host crystal? (a rattled supercell relaxed with the cell free)"""

    system: str = Field(description=_SYSTEM_TEXT)
    potential: str = Field(description="name of the potential checked")
    passed: bool = Field(description="the supercell kept its space group and energy, and the record has no failed "
                                     "host check")
    spacegroup: str = Field("", description="space group of the relaxed symmetric cell")
    relaxed_spacegroup: str = Field("", description="space group after relaxing the rattled supercell")
    energy_meV_atom: float | None = Field(None, description="rattled minus symmetric relaxed energy (meV/atom)")
    reason: str = Field("", description="what failed, or the record's own failed host check")
    wall_time_s: float = Field(0.0, description="wall time of the check (s)")


class OrientationResult(BaseModel):
    """Couples of one orientation, over replicas."""

    miller: str = Field(description="host plane normal to the interface, e.g. 110")
    exponent_n: MeasuredValue = Field(description="n of L = A t^n (dimensionless)")
    front_velocity_nm_ps: MeasuredValue = Field(description="front velocity, slope of L(t) (nm/ps)")
    amorphous_thickness_nm: MeasuredValue = Field(description="amorphous host layer ahead of each front (nm)")
    interface_width_nm: MeasuredValue = Field(description="10-90 % width of the crystalline-fraction front (nm)")
    front_host_bond_A: MeasuredValue = Field(description="host-host bond within 0.6 nm of the crystal (A)")
    bulk_host_bond_A: MeasuredValue = Field(description="host-host bond in the bulk crystal of the same run (A)")
    host_bond_shift_A: MeasuredValue = Field(description="front minus bulk host-host bond, per replica (A)")
    eq1_stress_term_eV: MeasuredValue = Field(description="stress term of the seed's Eq. (1) per inserted carrier (eV)")
    host_mean_stress_GPa: MeasuredValue = Field(description="mean stress of the crystalline host (GPa)")
    dislocation_density_m2: MeasuredValue | None = Field(
        None, description="dislocation line length per cell volume at the end of the run (m^-2); None in documents "
                          "stored before it was measured")
    dislocation_method: str = Field("", description="how: 'DXA' (diamond hosts), 'core clusters' (beta-Sn, A7 Sb; "
                                                    "analysis.dislocations.LineDefects), or why it could not be measured")
    times_ps: list[float] = Field(description="times of the replica-averaged L(t) (ps)")
    front_advance_nm: list[float] = Field(description="replica-averaged front advance L(t) (nm)")
    wall_time_s: float = Field(description="MD and analysis wall time of all replicas (s)")


class SystemResult(BaseModel):
    """Everything measured for one carrier-host system (``valid`` False: no runs, ``status`` and ``reason`` say why)."""

    system: str = Field(description=_SYSTEM_TEXT)
    potential: str = Field(description="name of the potential")
    valid: bool = Field(description="the system was measured")
    status: str = Field(description="measured, no valid potential, or over budget")
    reason: str = Field("", description="why a system was not measured")
    host_check: HostCheck | None = Field(None, description="None when the system was not run at all")
    melting_point_K: float = Field(description="host melting point used for T/Tm (K)")
    melting_point_err_K: float | None = Field(None, description="its 1-sigma error (K); None for the experimental one")
    melting_point_source: str = Field(description="where the melting point comes from: the coexistence runs or "
                                                  "experiment, and why")
    melting_wall_time_s: float = Field(0.0, description="wall time of the coexistence runs (s)")
    temperature_K: float = Field(description="couple temperature (K)")
    orientations: list[OrientationResult] = Field(default_factory=list, description="couples per orientation")
    reacted_phase: str = Field("", description="phase whose composition the diffusion alloy has")
    carrier_fraction: float | None = Field(None, description="carrier fraction of the diffusion alloy "
                                                             "(dimensionless)")
    diffusion: DiffusionStudyDocument | None = Field(None, description="diffusion study in the amorphous alloy")
    D_300K_cm2_s: MeasuredValue | None = Field(None, description="carrier D extrapolated to 300 K (cm^2/s)")
    Ea_eV: MeasuredValue | None = Field(None, description="carrier activation energy in the alloy (eV)")
    diffusion_wall_time_s: float = Field(0.0, description="wall time of the melt-quench and diffusion MD (s)")
    parts: list[str] = Field(default_factory=lambda: ["couples", "diffusion"],
                             description="parts of the study run for this system (couples, diffusion, network, pipe)")
    network: SiteNetworkDocument | None = Field(None, description="the carrier's site network in the host crystal")
    network_status: str = Field("", description="why there is no network, where there is none")
    pipe: list[PipeDiffusionDocument] = Field(default_factory=list, description="carrier D along dislocation cores "
                                                                                "against the crystal, per temperature")
    pipe_status: str = Field("", description="why there is no pipe-diffusion run, where there is none")


class ClaimRow(BaseModel):
    """One claim of the seed and what this study measured for it."""

    claim: str = Field(description="the seed's claim, in words")
    quantity: str = Field(description="what was measured, with its unit")
    values: dict[str, str] = Field(description="system (or orientation) -> value +- 1-sigma error")
    seed_statement: str = Field(description="the seed's statement or figure, with its reference")
    verdict: str = Field(description="agrees, disagrees or undetermined")
    reason: str = Field(description="why the verdict")


class _StudyScaleType:
    """Pydantic type of :class:`anodeflow.workflows.seed_study.StudyScale` (sizes and times of a study scale),
    resolved when the schema of the document that holds it is first built: the scale's melting settings are
    a Maker of :mod:`anodeflow.workflows.melting`, which is not imported with this module."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        from anodeflow.workflows.seed_study import StudyScale

        return handler(StudyScale)


class SeedStudyDocument(BaseModel):
    """The seed study: claims table, per-system results and the settings that made them."""

    # built on first use: the scale's type (_StudyScaleType) is imported then
    model_config = ConfigDict(defer_build=True)

    schema_version: str = Field(SCHEMA_VERSION, description=_SCHEMA_VERSION_TEXT)
    doc_type: str = Field("seed_study", description="document kind")
    scale: _StudyScaleType = Field(description="sizes and times of the study (anodeflow.workflows.seed_study."
                                               "StudyScale: lengths in nm, times in ps, rates in K/ps)")
    systems: list[SystemResult] = Field(description="results per carrier-host system")
    claims: list[ClaimRow] = Field(description="the claims table")
    screening: dict | None = Field(None, description="the ICR/DCR screen (ScreeningDocument), where run")
    references: dict[str, str] = Field(description="sources of the numbers that are not measured here")
