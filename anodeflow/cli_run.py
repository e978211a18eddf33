"""``anodeflow run ...``: workflows run locally into the configured store, one summary each."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from anodeflow.cli_common import (
    JsonOpt,
    PlotOpt,
    Table,
    check_atom_option,
    check_option,
    check_reservoir_x,
    console,
    handle_errors,
    parse_floats,
    print_json,
    read_structures,
)
from anodeflow.cli_inputs import check_plot
from anodeflow.errors import InputError

run_app = typer.Typer(help="Run workflows into the results store.", no_args_is_help=True)

TemperatureOpt = Annotated[float, typer.Option("--temperature", help="MD temperature (K)")]
OrientationOpt = Annotated[str, typer.Option("--orientation", help="host plane normal to the interface, e.g. 110; Sb also (hkil), e.g. 0001")]
TimeOpt = Annotated[float, typer.Option("--time-ps", help="MD time (ps)")]
SizeOpt = Annotated[float, typer.Option("--size-nm", help="in-plane size (nm); slab and reservoir are 1.25x this")]
SeedOpt = Annotated[int, typer.Option("--seed", help="velocity seed (same seed, same run)")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="folder for run files and plots (default: settings work_dir)")]
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help="show progress bars")]
SystemArg = Annotated[str, typer.Argument(help="carrier-host system, e.g. Li-Si")]
PotentialOpt = Annotated[str | None, typer.Option("--potential", help="potential name (default: the system's default)")]


#: most k-points per direction of a --kpoints mesh
MAX_KPOINTS = 64


def _mesh(text: str) -> tuple[int, int, int]:
    """'2,2,2' -> (2, 2, 2): a k-point mesh of three integers in 1..MAX_KPOINTS."""
    parts = text.split(",")
    if len(parts) != 3 or not all(p.strip().isdigit() and int(p) >= 1 for p in parts):
        raise InputError(f"--kpoints '{text}' must be three integers >= 1, e.g. 2,2,2")
    mesh = tuple(int(p) for p in parts)
    if max(mesh) > MAX_KPOINTS:
        raise InputError(f"--kpoints '{text}' has more than {MAX_KPOINTS} k-points along a direction")
    return mesh


def _check_time(time_ps: float, dump_every_ps: float) -> None:
    """A positive --time-ps must cover at least one trajectory frame (``dump_every_ps``); the MD Maker
    refuses times <= 0."""
    if 0 < time_ps < dump_every_ps:
        raise InputError(f"--time-ps {time_ps:g} is shorter than one trajectory frame ({dump_every_ps:g} ps); "
                         f"give at least {dump_every_ps:g}")


def _check_couple_size(system: str, size_nm: float) -> None:
    """--size-nm of a couple (slab and reservoir are 1.25x it): positive, within the longest cell length,
    and a cell within the max_atoms setting."""
    from anodeflow.structures.sizes import check_atoms, check_length, couple_atoms

    check_option("--size-nm", size_nm, gt=0, unit="nm")
    check_atoms(couple_atoms(system, size_nm, 1.25 * size_nm, 1.25 * size_nm), f"--size-nm {size_nm:g}")
    check_length("--size-nm", size_nm)


def _check_wire_size(system: str, diameter_nm: float, length_nm: float, shell_nm: float) -> None:
    """--diameter-nm, --length-nm and --shell-nm of a nanowire run: positive, within the longest cell length,
    and a cell within the max_atoms setting."""
    from anodeflow.structures import parse_system
    from anodeflow.structures.crystals import HOST_CRYSTALS
    from anodeflow.structures.sizes import check_atoms, check_length, nanowire_atoms

    carrier, host = parse_system(system)
    lengths = {"--diameter-nm": diameter_nm, "--length-nm": length_nm, "--shell-nm": shell_nm}
    for option, value in lengths.items():
        check_option(option, value, gt=0, unit="nm")
    check_atoms(nanowire_atoms(HOST_CRYSTALS[host], diameter_nm, length_nm, carrier, shell_nm),
                ", ".join(f"{option} {value:g}" for option, value in lengths.items()))
    for option, value in lengths.items():
        check_length(option, value)


def _execute(flow, title: str, keys: list[str], out: Path | None, as_json: bool, describe: str,
             rows=None, record: dict | None = None) -> dict:
    """Run ``flow`` into the store; print a table (or JSON) of ``keys`` plus the result id.

    ``rows(doc)`` may give the table's (label, text) rows instead of the raw keys; ``record`` adds fields
    to the run folder's ``run.json``.
    """
    from anodeflow.settings import get_settings
    from anodeflow.store import open_store, store_location
    from anodeflow.workflows.run import run_flow, run_root

    settings = get_settings()
    store = open_store(settings)
    run_root(out, settings.work_dir)  # an unusable run folder is refused before anything runs
    if not as_json:
        where = f"; store: {settings.store.type} {store_location(settings.store)}"
        console.print(Text.assemble((describe, "bold"), where))
    doc = run_flow(flow, store=store, root_dir=out, record=record)
    _summarise(doc, flow.output.uuid, title, keys, as_json, rows)
    return doc


def _summarise(doc: dict, result_id: str, title: str, keys: list[str], as_json: bool, rows=None) -> None:
    """Print ``keys`` of the output ``doc`` and its result id as a table, or as JSON."""
    summary = {k: doc.get(k) for k in keys}
    summary["id"] = result_id
    if as_json:
        print_json(summary)
        return
    table = Table(title=title, show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    if rows:
        pairs = [*rows(doc), ("result id", summary["id"])]
    else:
        pairs = [(k, f"{v:.4g}" if isinstance(v, float) else str(v)) for k, v in summary.items()]
    for key, value in pairs:
        table.add_row(key, value)
    console.print(table)


def _couple_rows(doc: dict) -> list[tuple[str, str]]:
    bonds = doc.get("bonds") or {}
    host = doc["host"]
    pair = bonds.get(f"{host}-{host}", {})
    disl = doc.get("dislocations")
    return [
        ("front advance per interface", f"{doc['front_advance_final_nm']:.3f} ± {doc['front_advance_err_nm']:.3f} nm"),
        ("front velocity", f"{doc['front_velocity_nm_ps']:.4f} nm/ps"),
        ("crystalline host atoms", f"{doc['crystalline_host_atoms'][0]} -> {doc['crystalline_host_atoms'][-1]}"),
        ("interface width (10-90 %)", f"{doc['interface_width_nm']:.3f} nm"),
        ("reacted (alloyed) layer per interface", f"{doc['reacted_thickness_nm']:.3f} nm"),
        ("amorphous host layer per interface", f"{doc['amorphous_thickness_nm']:.3f} nm"),
        (f"{host}-{host} first peak, coordination",
         f"{pair.get('first_peak_A', float('nan')):.3f} A, {pair.get('coordination', float('nan')):.2f}"),
        ("dislocation lines (DXA)", f"{disl['line_length_nm']:.2f} nm" if disl else "; ".join(doc.get("notes", []))),
        ("potential", doc["potential"]["name"]),
        ("MD wall time", f"{doc['wall_time_s']:.1f} s"),
        ("plot", str(doc.get("plot"))),
        ("run folder (restart files)", str(doc["dir_name"])),
    ]


# ------------------------------------------------------------------------------ couple / demo
def run_couple_flow(system: str, orientation: str, temperature: float, time_ps: float, size_nm: float,
                    seed: int, out: Path | None, as_json: bool, progress: bool, restart_every_ps: float = 1.0,
                    reservoir: str = "bcc", reservoir_x: float | None = None, potential: str | None = None,
                    lammps_command: str | None = None) -> dict:
    from anodeflow.workflows.couple import AnalyseCoupleMaker, BuildCoupleMaker, InterfaceMDMaker
    from anodeflow.workflows.md import LammpsMDMaker

    _check_couple_size(system, size_nm)
    _check_time(time_ps, LammpsMDMaker.dump_every_ps)
    check_reservoir_x(reservoir, reservoir_x)
    show = progress and not as_json
    maker = InterfaceMDMaker(
        build=BuildCoupleMaker(miller=orientation, size_nm=size_nm, host_thickness_nm=1.25 * size_nm,
                               reservoir_thickness_nm=1.25 * size_nm, reservoir=reservoir, reservoir_x=reservoir_x,
                               seed=seed),
        md=LammpsMDMaker(temperature_K=temperature, time_ps=time_ps, seed=seed, progress=show, dump_stress=True,
                         restart_every_ps=min(restart_every_ps, time_ps), potential=potential,
                         engine="command" if lammps_command else "inprocess", command=lammps_command),
        analyse=AnalyseCoupleMaker(progress=show),
    )
    flow = maker.make(system)  # validates every input before anything runs or is stored
    keys = ["system", "miller", "n_atoms", "temperature_K", "time_ps", "front_advance_final_nm", "front_advance_err_nm",
            "front_velocity_nm_ps", "interface_width_nm", "reacted_thickness_nm", "amorphous_thickness_nm",
            "front_positions_nm", "bonds", "dislocations", "wall_time_s", "plot", "dir_name"]
    return _execute(flow, f"{system} ({orientation}) couple, {temperature:g} K, {time_ps:g} ps", keys, out, as_json,
                    f"{system} couple ({orientation}), {temperature:g} K, {time_ps:g} ps", rows=_couple_rows)


@run_app.command("couple")
@handle_errors
def run_couple(
    system: SystemArg,
    orientation: OrientationOpt = "110",
    temperature: TemperatureOpt = 1500.0,
    time_ps: TimeOpt = 10.0,
    size_nm: SizeOpt = 2.0,
    seed: SeedOpt = 1,
    restart_every_ps: Annotated[float, typer.Option("--restart-every-ps", help="LAMMPS restart interval (ps)")] = 1.0,
    reservoir: Annotated[str, typer.Option("--reservoir", help="bcc, amorphous or an alloy phase (e.g. Na3Sb)")] = "bcc",
    x: Annotated[float | None, typer.Option("--x", help="carrier fraction of an amorphous reservoir")] = None,
    potential: PotentialOpt = None,
    lammps_command: Annotated[str | None, typer.Option(
        "--lammps-command", help="run the MD with this LAMMPS executable instead of the in-process one, e.g. "
                                 "'srun lmp -k on g 1 -sf kk' (the input deck is in.lammps in the MD folder)")] = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = True,
):
    """Build a host | reservoir couple, run LAMMPS MD, analyse front, bonds, stress, dislocations; store it."""
    run_couple_flow(system, orientation, temperature, time_ps, size_nm, seed, out, as_json, progress, restart_every_ps,
                    reservoir, x, potential, lammps_command)


@run_app.command("resume")
@handle_errors
def run_resume(
    directory: Annotated[Path, typer.Argument(help="run folder of a killed interface MD run, or its MD job folder "
                                                  "(holds md_setup.json)")],
    out: OutOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = True,
):
    """Finish a killed interface MD run: continue the MD from its newest restart file, analyse and store it
    (a run killed while storing is only stored)."""
    from anodeflow.runfolder import RunFolder
    from anodeflow.store import open_store
    from anodeflow.workflows.couple import resume_interface_md_job
    from anodeflow.workflows.md import SETUP_FILE

    keys = ["system", "miller", "n_atoms", "temperature_K", "time_ps", "front_advance_final_nm",
            "front_velocity_nm_ps", "reacted_thickness_nm", "amorphous_thickness_nm", "dir_name"]
    run, earlier = RunFolder.find(directory), None
    if run is None and not (directory / SETUP_FILE).is_file():
        raise InputError(f"'{directory}' is not an anodeflow MD folder (no {SETUP_FILE}) nor a run folder "
                         "(no run.json)")
    if run is not None and run.record().get("resumes") and run.status() in ("killed", "failed"):
        earlier, directory = run, Path(run.record()["resumes"])  # a killed resume: continue the MD it resumed
        run = RunFolder.find(directory)
    md_dir = _resumable(run, directory)
    if md_dir is None:  # every job finished: only the store write is missing
        run.store_into(open_store())
        output = (run.output_document() or {}).get("output", {})
        couple = output.get("doc_type") == "interface_md"
        _summarise(output, run.record()["output_uuid"], f"stored {run.path}", keys if couple else ["doc_type"],
                   as_json, rows=_couple_rows if couple else None)
        return
    flow = resume_interface_md_job(str(md_dir))
    _execute(flow, f"resumed {directory}", keys, out, as_json, f"resume {directory}", rows=_couple_rows,
             record={"resumes": str(md_dir)})
    for done in (run, earlier):
        if done is not None:
            done.write(state="resumed", resumed_by=flow.output.uuid)
    if run is not None:  # the killed run's finished jobs (e.g. the built couple) join the result
        run.store_into(open_store(), complete_only=True)


def _resumable(run, directory: Path) -> Path | None:
    """The MD job folder to resume in ``directory`` (a run folder or the MD folder itself); None when the run
    finished and only needs storing. Refuses runs that are running, stored or resumed already."""
    from anodeflow.workflows.md import SETUP_FILE

    if run is not None:
        status, record = run.status(), run.record()
        if status in ("running", "finished"):
            doing = "running" if status == "running" else "storing its documents"
            raise InputError(f"run {run.path} is still {doing} (process {record['pid']} on {record['host']})")
        if status == "stored":
            raise InputError(f"run {run.path} finished and is stored (result id {record['output_uuid']}); "
                             "nothing to resume")
        if status == "resumed":
            raise InputError(f"run {run.path} was resumed already (result id {record['resumed_by']})")
        if status == "not stored":
            return None
    if (directory / SETUP_FILE).is_file() or run is None:
        return directory.resolve()
    found = sorted(run.path.glob(f"*/{SETUP_FILE}"))
    if len(found) != 1:
        raise InputError(f"run {run.path} holds {len(found)} MD job folders ({SETUP_FILE}); give the one to resume")
    return found[0].parent


# --------------------------------------------------------------------------------- meltquench
def _amorphous_maker(x: float, n_atoms: int, melt_K: float, melt_ps: float, rate: float, anneal_K: float,
                     anneal_ps: float, seed: int, potential: str | None, progress: bool):
    from anodeflow.workflows.md import MeltQuenchMaker
    from anodeflow.workflows.studies import AmorphousAlloyMaker

    return AmorphousAlloyMaker(carrier_fraction=x, n_atoms=n_atoms, seed=seed, melt_quench=MeltQuenchMaker(
        temperature_K=melt_K, time_ps=melt_ps, quench_rate_K_ps=rate, anneal_temperature_K=anneal_K,
        anneal_time_ps=anneal_ps, seed=seed, potential=potential, progress=progress))


XOpt = Annotated[float, typer.Option("--x", help="atomic carrier fraction of the alloy, 0 < x < 1")]
AtomsOpt = Annotated[int, typer.Option("--atoms", help="number of atoms")]
MeltOpt = Annotated[float, typer.Option("--melt-K", help="melt temperature (K)")]
MeltTimeOpt = Annotated[float, typer.Option("--melt-ps", help="melt time (ps)")]
RateOpt = Annotated[float, typer.Option("--quench-rate-K-ps", help="quench rate (K/ps)")]
AnnealOpt = Annotated[float, typer.Option("--anneal-K", help="anneal temperature (K)")]
AnnealTimeOpt = Annotated[float, typer.Option("--anneal-ps", help="anneal time (ps)")]


@run_app.command("meltquench")
@handle_errors
def run_meltquench(
    system: SystemArg,
    x: XOpt = 0.5,
    n_atoms: AtomsOpt = 128,
    melt_K: MeltOpt = 2000.0,
    melt_ps: MeltTimeOpt = 10.0,
    quench_rate: RateOpt = 100.0,
    anneal_K: AnnealOpt = 300.0,
    anneal_ps: AnnealTimeOpt = 5.0,
    seed: SeedOpt = 1,
    potential: PotentialOpt = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = True,
):
    """Amorphous alloy at carrier fraction x: random packing -> melt -> quench -> anneal (NPT)."""
    check_atom_option(n_atoms)
    maker = _amorphous_maker(x, n_atoms, melt_K, melt_ps, quench_rate, anneal_K, anneal_ps, seed, potential,
                             progress and not as_json)
    flow = maker.make(system)
    keys = ["system", "n_atoms", "temperature_K", "time_ps", "density_g_cm3", "potential", "wall_time_s", "dir_name"]
    _execute(flow, f"amorphous {system} x={x:g}", keys, out, as_json, f"melt-quench {system} x={x:g}")


# ---------------------------------------------------------------------------------- diffusion
@run_app.command("diffusion")
@handle_errors
def run_diffusion(
    system: SystemArg,
    temperatures: Annotated[str, typer.Option("--temperatures", help="comma-separated temperatures (K)")] = "800,1000,1200",
    x: XOpt = 0.5,
    n_atoms: AtomsOpt = 128,
    time_ps: TimeOpt = 10.0,
    species: Annotated[str | None, typer.Option("--species", help="comma-separated elements (default: the carrier)")] = None,
    melt_ps: MeltTimeOpt = 5.0,
    quench_rate: RateOpt = 200.0,
    seed: SeedOpt = 1,
    potential: PotentialOpt = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = True,
):
    """Amorphous alloy (melt-quench) -> NVT MD at each temperature -> tracer D -> Arrhenius Ea, D0, D(300 K)."""
    from jobflow import Flow

    from anodeflow.workflows.md import LammpsMDMaker
    from anodeflow.workflows.studies import DiffusionFlowMaker

    show = progress and not as_json
    T = parse_floats(temperatures, "--temperatures")
    check_atom_option(n_atoms)
    glass = _amorphous_maker(x, n_atoms, 2000.0, melt_ps, quench_rate, 300.0, 2.0, seed, potential, show).make(system)
    study = DiffusionFlowMaker(temperatures_K=T, species=tuple(species.split(",")) if species else (),
                               equilibration_ps=min(1.0, time_ps / 5),
                               md=LammpsMDMaker(time_ps=time_ps, dump_every_ps=0.05, minimize=False, seed=seed,
                                                potential=potential, progress=show))
    diffusion = study.make(glass.output.final_structure, system)
    flow = Flow([glass, diffusion], output=diffusion.output, name=f"diffusion {system}")
    doc = _execute(flow, f"diffusion in amorphous {system} x={x:g}", ["system", "arrhenius"] if as_json else ["system"],
                   out, as_json, f"diffusion {system} x={x:g} at {', '.join(f'{t:g}' for t in T)} K")
    if not as_json:
        table = Table(title="tracer diffusion")
        for col in ("species", "T (K)", "D (cm^2/s)", "err (cm^2/s)"):
            table.add_column(col)
        for r in doc["runs"]:
            table.add_row(r["species"], f"{r['temperature_K']:g}", f"{r['D_cm2_s']:.3g}", f"{r['D_err_cm2_s']:.2g}")
        console.print(table)
        for sp, fit in doc["arrhenius"].items():
            if "Ea_eV" in fit:
                console.print(f"{sp}: Ea = {fit['Ea_eV']:.3f} ± {fit['Ea_err_eV']:.3f} eV, D0 = {fit['D0_cm2_s']:.3g} cm^2/s, "
                              f"D(300 K) = {fit['D_300K_cm2_s']:.3g} cm^2/s")


# ----------------------------------------------------------------------------------- kinetics
@run_app.command("kinetics")
@handle_errors
def run_kinetics(
    system: SystemArg,
    orientations: Annotated[str, typer.Option("--orientations", help="comma-separated Miller planes")] = "100,110,111",
    temperatures: Annotated[str, typer.Option("--temperatures", help="comma-separated temperatures (K)")] = "1500",
    time_ps: TimeOpt = 10.0,
    size_nm: SizeOpt = 2.0,
    seed: SeedOpt = 1,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = True,
):
    """Couples at several orientations/temperatures -> L(t) each -> regime (ICR/DCR) and front-speed anisotropy."""
    from anodeflow.workflows.couple import AnalyseCoupleMaker, BuildCoupleMaker, InterfaceMDMaker
    from anodeflow.workflows.md import LammpsMDMaker
    from anodeflow.workflows.studies import KineticsFlowMaker

    show = progress and not as_json
    _check_couple_size(system, size_nm)
    _check_time(time_ps, LammpsMDMaker.dump_every_ps)
    maker = KineticsFlowMaker(
        orientations=tuple(orientations.split(",")), temperatures_K=parse_floats(temperatures, "--temperatures"),
        interface_md=InterfaceMDMaker(
            build=BuildCoupleMaker(size_nm=size_nm, host_thickness_nm=1.25 * size_nm,
                                   reservoir_thickness_nm=1.25 * size_nm),
            md=LammpsMDMaker(time_ps=time_ps, seed=seed, progress=show, restart_every_ps=min(1.0, time_ps)),
            analyse=AnalyseCoupleMaker(progress=show)))
    flow = maker.make(system)
    _execute(flow, f"front kinetics {system}", ["system", "runs", "anisotropy"], out, as_json,
             f"kinetics {system}: {orientations} at {temperatures} K")


# ---------------------------------------------------------------------------------------- neb
@run_app.command("neb")
@handle_errors
def run_neb(
    system: SystemArg,
    kind: Annotated[str, typer.Option("--kind", help="hop kind: bulk, front (into a couple's crystal) or dislocation "
                                      "(one period along a core, diamond hosts)")] = "bulk",
    images: Annotated[int, typer.Option("--images", help="intermediate NEB images")] = 5,
    min_cell: Annotated[float, typer.Option("--min-cell-A", help="smallest supercell edge (A), bulk hops")] = 10.0,
    miller: Annotated[str, typer.Option("--miller", help="couple orientation, front hops")] = "100",
    dislocation: Annotated[str, typer.Option("--dislocation", help="60 or screw, dislocation hops")] = "60",
    strains: Annotated[str | None, typer.Option("--strains", help="comma-separated hydrostatic strains: fit the activation volume")] = None,
    potential: PotentialOpt = None,
    engine: Annotated[str, typer.Option("--engine", help="forces from the potential, or cp2k (PBE; tiny cells)")] = "potential",
    cutoff: Annotated[float, typer.Option("--cutoff-Ry", help="CP2K density cutoff (Ry), engine cp2k")] = 300.0,
    kpoints: Annotated[str, typer.Option("--kpoints", help="CP2K Monkhorst-Pack mesh, e.g. 2,2,2 (engine cp2k)")] = "1,1,1",
    out: OutOpt = None,
    as_json: JsonOpt = False,
):
    """Climbing-image NEB barrier of a carrier hop (atomate2's ASE NEB makers; LAMMPS, MLIP or CP2K forces)."""
    from anodeflow.structures.sizes import check_length
    from anodeflow.workflows.neb import Cp2kNebMaker, HopNebMaker, StrainedBarrierMaker, check_band_size

    check_option("--min-cell-A", min_cell, gt=0, unit="A")
    check_band_size(system, kind, min_cell, images, f"--images {images} with --min-cell-A {min_cell:g}")
    check_length("--min-cell-A", min_cell, unit="A")
    if engine not in ("potential", "cp2k"):
        raise InputError(f"unknown --engine '{engine}'; choose potential or cp2k")
    mesh = _mesh(kpoints)
    neb = HopNebMaker(kind=kind, num_images=images, min_cell_A=min_cell, miller=miller, dislocation=dislocation,
                      potential=potential,
                      neb_maker=Cp2kNebMaker(cutoff_Ry=cutoff, kpoints=mesh) if engine == "cp2k" else None)
    if strains:
        flow = StrainedBarrierMaker(strains=parse_floats(strains, "--strains"), neb=neb).make(system)
        keys = ["system", "kind", "strains", "pressures_GPa", "barriers_eV", "activation_volume_A3",
                "barrier_at_0_GPa_eV"]
    else:
        flow = neb.make(system)
        keys = ["system", "kind", "engine", "barrier_eV", "reverse_barrier_eV", "energies_eV", "hop_distance_A",
                "feature_distance_A", "image_line_distance_A", "n_atoms", "pressure_GPa", "converged", "method"]
    _execute(flow, f"{system} {kind} hop", keys, out, as_json, f"NEB {system} {kind}")


# ------------------------------------------------------------------------------------ network
#: longest hop a network measures (A): beyond it a straight band crosses other sites
MAX_NETWORK_HOP_A = 6.0


def _network_rows(doc: dict) -> list[tuple[str, str]]:
    sites, hops = doc["sites"], doc["hops"]
    unsure = sum(not s["reproducible"] for s in sites)
    rows = [("carrier minima", f"{len(sites)} in {len({s['site_class'] for s in sites})} symmetry classes; "
                               f"largest host displacement {max(s['host_shift_A'] for s in sites):.2f} A"
                               + (f"; {unsure} not reproducible (the host reconstructs around the carrier)"
                                  if unsure else "")),
            ("hops", f"{len(hops)} up to {doc['max_hop_A']:g} A: " + ", ".join(
                f"{sum(h['status'] == status for h in hops)} {status}" for status in ("measured", "skipped", "not a hop"))
             + f"; {doc['n_bands']} NEB bands, {sum(h['status'] == 'measured' and not h['converged'] for h in hops)} "
               "hops unconverged")]
    if not doc["well_posed"]:
        rows.append(("well posed", "no: sites not reproducible or pairs that are not hops; the barrier below depends "
                                   "on the relaxation path, not only on the potential"))
    if not doc["percolates"]:
        return [*rows, ("percolates", f"no: no path of hops up to {doc['max_hop_A']:g} A winds along "
                                      f"{doc['percolation_axes']}")]
    trap, neck = doc["sites"][doc["trap_site"]], doc["bottleneck"]
    return [*rows,
            ("percolation threshold (saddle)", f"{doc['threshold_eV']:.3f} eV above the lowest site"),
            ("long-range migration barrier", f"{doc['barrier_eV']:.3f} eV"),
            ("bottleneck hop", f"{neck['distance_A']:.2f} A, sites {neck['i']} -> {neck['j']}"),
            ("deepest site of the path", f"site {doc['trap_site']}, {trap['energy_eV']:.3f} eV"
             + (f", {trap['line_distance_A']:.2f} A from the line" if trap["line_distance_A"] is not None else "")),
            ("potential", doc["potential"]["name"]),
            ("wall time", f"{doc['wall_time_s']:.1f} s")]


@run_app.command("network")
@handle_errors
def run_network(
    system: SystemArg,
    kind: Annotated[str, typer.Option("--kind", help="bulk (the host crystal) or dislocation (sites near a core, "
                                      "diamond hosts)")] = "bulk",
    dislocation: Annotated[str, typer.Option("--dislocation", help="60 or screw, dislocation networks")] = "60",
    max_hop: Annotated[float, typer.Option("--max-hop-A", help="longest hop between minima measured (A)")] = 3.5,
    site_radius: Annotated[float, typer.Option("--site-radius-A", help="sites within this of the line (A), "
                                               "dislocation networks")] = 6.0,
    min_cell: Annotated[float, typer.Option("--min-cell-A", help="smallest supercell edge (A), bulk networks")] = 10.0,
    images: Annotated[int, typer.Option("--images", help="intermediate NEB images per hop")] = 5,
    every_hop: Annotated[bool, typer.Option("--every-hop", help="measure every hop, also those above the "
                                            "percolation threshold (each site's escape)")] = False,
    potential: PotentialOpt = None,
    out: OutOpt = None,
    plot: PlotOpt = None,
    progress: ProgressOpt = True,
    as_json: JsonOpt = False,
):
    """A carrier's network of minima and hops (CI-NEB each) and the barrier at which it first percolates:
    the long-range migration energy in the crystal, or along a dislocation core (pipe diffusion)."""
    from anodeflow.workflows.site_network import SiteNetworkMaker

    from anodeflow.structures.sizes import check_length

    check_plot(plot)
    check_option("--max-hop-A", max_hop, gt=0, le=MAX_NETWORK_HOP_A, unit="A")
    check_option("--site-radius-A", site_radius, gt=0, le=MAX_NETWORK_HOP_A * 2, unit="A")
    check_option("--min-cell-A", min_cell, gt=0, unit="A")
    check_length("--min-cell-A", min_cell, unit="A")
    check_option("--images", images, gt=0, le=20)
    maker = SiteNetworkMaker(kind=kind, potential=potential, dislocation=dislocation, max_hop_A=max_hop,
                             site_radius_A=site_radius, min_cell_A=min_cell, num_images=images, every_hop=every_hop,
                             progress=progress and not as_json)
    keys = ["system", "kind", "well_posed", "percolates", "threshold_eV", "barrier_eV", "trap_site", "bottleneck",
            "winding", "cycle", "sites", "hops", "n_bands", "wall_time_s"]
    doc = _execute(maker.make(system), f"{system} {kind} site network", keys, out, as_json,
                   f"site network {system} {kind}", rows=_network_rows)
    if plot:
        from anodeflow.plots import plot_site_network

        plot_site_network(doc, plot)


@run_app.command("pipe")
@handle_errors
def run_pipe(
    system: SystemArg,
    temperature: TemperatureOpt = 1200.0,
    time_ps: TimeOpt = 100.0,
    dislocation: Annotated[str, typer.Option("--dislocation", help="60 or screw")] = "60",
    separation: Annotated[int, typer.Option("--separation", help="glide distances between the dipole's cores")] = 6,
    length_cells: Annotated[int, typer.Option("--length-cells", help="line periods along the line")] = 6,
    spacing_cells: Annotated[int, typer.Option("--spacing-cells", help="line periods between carriers along each "
                                               "line (1: one per period; wider: closer to the dilute limit)")] = 1,
    core_radius: Annotated[float, typer.Option("--core-radius-A", help="carriers starting within this of a line "
                                               "are core carriers (A)")] = 4.0,
    dump_every: Annotated[float, typer.Option("--dump-every-ps", help="frame interval (ps)")] = 0.5,
    seed: SeedOpt = 1,
    potential: PotentialOpt = None,
    out: OutOpt = None,
    progress: ProgressOpt = True,
    as_json: JsonOpt = False,
):
    """Carrier D along dislocation cores (dipole cell) against the perfect crystal, from the same MD: pipe
    diffusion, traps, or undetermined (diamond hosts)."""
    from anodeflow.workflows.md import LammpsMDMaker
    from anodeflow.workflows.pipe_diffusion import PipeDiffusionMaker

    check_option("--temperature", temperature, gt=0, unit="K")
    check_option("--core-radius-A", core_radius, gt=0, unit="A")
    check_option("--dump-every-ps", dump_every, gt=0, unit="ps")
    _check_time(time_ps, dump_every)
    md = LammpsMDMaker(temperature_K=temperature, time_ps=time_ps, dump_every_ps=dump_every, ensemble="nvt", seed=seed,
                       potential=potential, progress=progress and not as_json)
    maker = PipeDiffusionMaker(dislocation=dislocation, separation=separation, length_cells=length_cells,
                               spacing_cells=spacing_cells, core_radius_A=core_radius, md=md)
    keys = ["system", "dislocation", "temperature_K", "time_ps", "n_core_carriers", "n_crystal_carriers",
            "D_core_line_cm2_s", "D_core_line_err_cm2_s", "D_crystal_cm2_s", "D_crystal_err_cm2_s", "ratio", "ratio_err",
            "fraction_still_in_core", "picture", "wall_time_s"]
    _execute(maker.make(system), f"{system} pipe diffusion, {temperature:g} K", keys, out, as_json,
             f"pipe diffusion {system} ({dislocation}), {temperature:g} K, {time_ps:g} ps")


# ---------------------------------------------------------------------------------------- dft
@run_app.command("dft")
@handle_errors
def run_dft(
    file: Annotated[Path, typer.Argument(help="structure file (extxyz, CIF, POSCAR, LAMMPS data)")],
    kpoint_density: Annotated[int, typer.Option("--kpoint-density", help="k-points per A^-3 of reciprocal volume, on a symmetric Gamma-centred mesh (0: Gamma only)")] = 0,
    cutoff: Annotated[float, typer.Option("--cutoff-Ry", help="plane-wave cutoff of the density grid (Ry)")] = 400.0,
    out: OutOpt = None,
    as_json: JsonOpt = False,
):
    """PBE single point with CP2K through atomate2's StaticMaker: energy, forces, stress."""
    from anodeflow.workflows.dft import Cp2kStaticMaker

    atoms = read_structures(file)[-1]
    flow = Cp2kStaticMaker(kpoint_density=kpoint_density, cutoff_Ry=cutoff).make(atoms)
    keys = ["formula", "n_atoms", "energy_eV", "energy_per_atom_eV", "max_force_eV_A", "stress_GPa", "kpoint_density",
            "kpoint_mesh", "cutoff_Ry", "dir_name"]
    _execute(flow, f"CP2K PBE static {file.name}", keys, out, as_json, f"CP2K static {file.name} ({len(atoms)} atoms)")


# ------------------------------------------------------------------------------------- screen
@run_app.command("screen")
@handle_errors
def run_screen(
    systems: Annotated[str | None, typer.Option(
        "--systems", help="comma-separated carrier-host pairs (default: Li-Si,Na-Sn,Na-Sb,Li-Ge,Li-P,Na-P)")] = None,
    reference: Annotated[str, typer.Option("--reference", help="pair the scores are relative to")] = "Li-Si",
    images: Annotated[int, typer.Option("--images", help="intermediate NEB images")] = 5,
    min_cell: Annotated[float, typer.Option("--min-cell-A", help="smallest NEB supercell edge (A)")] = 10.0,
    couple_ps: Annotated[float, typer.Option("--couple-ps", help="short couple MD per pair (ps; 0: none)")] = 0.0,
    out: OutOpt = None,
    as_json: JsonOpt = False,
):
    """Rank host/carrier pairs by bond energy, shear modulus, carrier barrier and (with --couple-ps) the
    amorphous layer of a short couple MD; predicted vs seed ICR/DCR."""
    from anodeflow.structures.sizes import check_length
    from anodeflow.workflows.neb import HopNebMaker
    from anodeflow.workflows.screening import SCREEN_SYSTEMS, ScreeningFlowMaker, short_couple_md

    if couple_ps < 0:
        raise InputError(f"--couple-ps must be >= 0, got {couple_ps}")
    check_length("--min-cell-A", min_cell, unit="A")
    pairs = tuple(systems.split(",")) if systems else SCREEN_SYSTEMS
    flow = ScreeningFlowMaker(systems=pairs, reference=reference,
                              neb=HopNebMaker(num_images=images, min_cell_A=min_cell),
                              couple_md=short_couple_md(couple_ps) if couple_ps else None).make()
    doc = _execute(flow, "ICR/DCR screening", ["reference", "rows", "agreement"] if as_json else ["agreement"], out,
                   as_json, f"screening {','.join(pairs)}")
    if not as_json:
        table = Table(title=f"ranked pairs (score relative to {reference}; ICR if >= {doc['threshold']})")
        for col in ("system", "potential", "bond (eV)", "shear G_VRH (GPa)", "Born (GPa)", "barrier (eV)",
                    "amorphous (nm)", "score", "predicted", "seed"):
            table.add_column(col)
        for r in doc["rows"]:
            layer = "-" if r["amorphous_thickness_nm"] is None else f"{r['amorphous_thickness_nm']:.2f}"
            table.add_row(r["system"], str(r.get("potential") or "-"), f"{r['bond_energy_eV']:.3f}",
                          f"{r['shear_modulus_GPa']:.1f}", f"{r['born_stiffness_GPa']:.1f}", f"{r['barrier_eV']:.3f}",
                          layer, f"{r['score']:.2f}", r["predicted"], str(r["seed"] or "-"))
        console.print(table)


# ----------------------------------------------------------------------------------- nanowire
@run_app.command("nanowire")
@handle_errors
def run_nanowire(
    system: SystemArg,
    axis: Annotated[str, typer.Option("--axis", help="wire axis [uvw], e.g. 110")] = "110",
    diameter_nm: Annotated[float, typer.Option("--diameter-nm", help="host wire diameter (nm)")] = 2.0,
    length_nm: Annotated[float, typer.Option("--length-nm", help="periodic length along the axis (nm)")] = 1.5,
    shell_nm: Annotated[float, typer.Option("--shell-nm", help="carrier shell thickness (nm)")] = 0.8,
    temperature: TemperatureOpt = 1200.0,
    time_ps: TimeOpt = 10.0,
    seed: SeedOpt = 1,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = True,
):
    """Host nanowire in a carrier shell: LAMMPS MD and the radial front L(t) from the crystalline core."""
    from anodeflow.workflows.md import LammpsMDMaker
    from anodeflow.workflows.nanowire import AnalyseNanowireMaker, BuildNanowireMaker, NanowireMDMaker

    _check_wire_size(system, diameter_nm, length_nm, shell_nm)
    _check_time(time_ps, LammpsMDMaker.dump_every_ps)
    show = progress and not as_json
    flow = NanowireMDMaker(
        build=BuildNanowireMaker(axis=axis, diameter_nm=diameter_nm, length_nm=length_nm, shell_thickness_nm=shell_nm),
        md=LammpsMDMaker(temperature_K=temperature, time_ps=time_ps, seed=seed, progress=show,
                         restart_every_ps=min(1.0, time_ps)),
        analyse=AnalyseNanowireMaker(progress=show)).make(system)
    keys = ["system", "axis", "diameter_nm", "n_atoms", "temperature_K", "time_ps", "front_advance_final_nm",
            "front_velocity_nm_ps", "crystalline_host_atoms", "bonds", "dir_name"]
    _execute(flow, f"{system} nanowire [{axis}]", keys, out, as_json, f"{system} nanowire [{axis}], d = {diameter_nm:g} nm")
