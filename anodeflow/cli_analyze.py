"""``anodeflow analyze ...``: every analysis on a file, as a table, JSON or a picture."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from anodeflow.cli_common import JsonOpt, PlotOpt, Table, check_option, console, handle_errors, print_json
from anodeflow.cli_inputs import MAX_BINS, arrhenius_inputs, check_plot, check_region, front_from_csv, image_size
from anodeflow.errors import InputError

analyze_app = typer.Typer(help="Analyse trajectories and data files (frames in, numbers with units out).",
                          no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="LAMMPS dump or extxyz file")]
TypesOpt = Annotated[str | None, typer.Option("--types", help="map dump types to elements, e.g. 1=Li,2=Si")]
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help="show progress bars")]
WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", help="processes analysing frames at once (default: every available core)")]

#: with the default --workers, frames are analysed in this process for this long (s) before workers start,
#: unless the file holds at least EARLY_WORKERS_BYTES of text (gzip: a quarter of that), when they start at once
SERIAL_S = 1.0
EARLY_WORKERS_BYTES = 16 << 20


def _frames(path: Path, types: str | None, columns=()):
    from anodeflow.analysis.trajectory import parse_type_map, read_frames

    return read_frames(path, parse_type_map(types), columns)


def _count_frames(path: Path):
    """A function counting the frames of ``path``, for a progress bar to call when it is shown."""
    from anodeflow.analysis.trajectory import count_frames

    return partial(count_frames, path)


def _mapper(workers: int | None, file: Path):
    """``map`` over the frames of ``file`` for ``--workers``: in this process (1), or in that many worker
    processes (whose server starts now). By default in as many as there are cores, with this process
    analysing frames until they run; they start at once for a large file, else only once the analysis has
    taken ``SERIAL_S`` seconds here, so that short jobs never start them."""
    from anodeflow.parallel import check_workers, map_ordered, start_workers

    count = check_workers(workers)
    if workers is not None:
        start_workers(count)
        return partial(map_ordered, workers=count)
    size = file.stat().st_size * (4 if file.suffix == ".gz" else 1) if file.is_file() else 0
    if size >= EARLY_WORKERS_BYTES:
        start_workers(count)
        return partial(map_ordered, workers=count, serial_s=0.0)
    return partial(map_ordered, workers=count, serial_s=SERIAL_S)


def _couple_result(file: Path, host: str, carrier: str, types: str | None, timestep_ps: float = 0.001,
                   interfaces: int = 2, bin_nm: float = 0.2, final_fraction: float = 0.2, axis: int = 2,
                   on_frame=None, mapper=map):
    """Stream a couple trajectory through :func:`anodeflow.analysis.couple.analyse_couple`."""
    from anodeflow.analysis.couple import analyse_couple
    from anodeflow.analysis.structure import host_density_A3

    density = host_density_A3(host)
    if interfaces < 1:
        raise InputError(f"--interfaces must be >= 1, got {interfaces}")
    check_option("--timestep-ps", timestep_ps, gt=0, unit="ps")
    check_option("--bin-nm", bin_nm, gt=0, unit="nm")
    check_option("--final-fraction", final_fraction, gt=0, le=1)
    if carrier == host:
        raise InputError(f"--carrier {carrier} is the host element; give the carrier, e.g. Li or Na")
    return analyse_couple(_containing(_frames(file, types), host, carrier), host, carrier, density, timestep_ps,
                          interfaces, bin_nm, final_fraction, axis=axis, on_frame=on_frame, mapper=mapper)


def _containing(frames, *elements: str):
    """``frames``, after checking that the first holds atoms of every one of ``elements``."""
    for i, frame in enumerate(frames):
        if i == 0:
            for element in elements:
                if not frame.mask(element).any():
                    raise InputError(f"no {element} atoms in the trajectory; elements present: "
                                     f"{sorted(map(str, set(frame.symbols)))}")
        yield frame


def _table(title: str, rows: dict) -> None:
    table = Table(title=title, show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows.items():
        table.add_row(key, f"{value:.5g}" if isinstance(value, float) else str(value))
    console.print(table)


# ------------------------------------------------------------------------------------ profile
@analyze_app.command("profile")
@handle_errors
def profile(
    file: FileArg,
    host: Annotated[str, typer.Option("--host", help="host element, e.g. Si, Sn, Sb")],
    carrier: Annotated[str, typer.Option("--carrier", help="carrier element, e.g. Li, Na")],
    normal: Annotated[str, typer.Option("--normal", help="interface normal: x, y or z")] = "z",
    bin_nm: Annotated[float, typer.Option("--bin-nm", help="bin width (nm)")] = 0.2,
    interfaces: Annotated[int, typer.Option("--interfaces", help="fronts in the cell (2: periodic couple)")] = 2,
    final_fraction: Annotated[float, typer.Option("--final-fraction", help="fraction of last frames averaged")] = 0.2,
    timestep_ps: Annotated[float, typer.Option("--timestep-ps", help="MD timestep (ps), for frame times")] = 0.001,
    types: TypesOpt = None,
    plot: PlotOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = True,
    workers: WorkersOpt = None,
):
    """Crystallinity, carrier fraction, density and host bond length along the normal; fronts and layers."""
    if normal not in ("x", "y", "z"):
        raise InputError(f"normal '{normal}' must be x, y or z")
    check_plot(plot)
    mapper = _mapper(workers, file)  # before the imports below: the worker server imports meanwhile
    from anodeflow.analysis.fronts import FRONT_ERR_KIND
    from anodeflow.progress import progress_bar

    with progress_bar(progress and not as_json, "profile frames", _count_frames(file), "frames") as advance:
        result = _couple_result(file, host, carrier, types, timestep_ps, interfaces, bin_nm, final_fraction,
                                "xyz".index(normal), advance, mapper)
    out = {
        "host": host, "carrier": carrier, "n_frames": len(result.times_ps),
        "amorphous_thickness_nm": result.amorphous_thickness_nm, "reacted_thickness_nm": result.reacted_thickness_nm,
        "interface_width_nm": result.interface_width_nm, "front_positions_nm": result.front_positions_nm,
        "front_advance_nm": result.front_advance_nm[-1], "front_advance_err_nm": result.front_advance_err_nm,
        "front_advance_err_kind": FRONT_ERR_KIND, "final_window_ps": result.final_window_ps,
        "bins": result.final_profile,
    }
    if plot:
        from anodeflow.plots import plot_profile

        plot_profile(result.final_profile, host, carrier, plot)
    if as_json:
        print_json(out)
        return
    _table(f"profile of {file.name} ({host} | {carrier})", {k: v for k, v in out.items() if k != "bins"})


# -------------------------------------------------------------------------------------- bonds
@analyze_app.command("bonds")
@handle_errors
def bonds(
    file: FileArg,
    pairs: Annotated[str | None, typer.Option("--pairs", help="comma-separated pairs, e.g. Si-Si,Li-Si (default all)")] = None,
    r_max: Annotated[float, typer.Option("--r-max", help="RDF range (A)")] = 6.0,
    bins: Annotated[int, typer.Option("--bins", help="RDF bins")] = 300,
    region: Annotated[str | None, typer.Option("--region", help="centres in a layer AXIS:LO_NM:HI_NM")] = None,
    last: Annotated[int, typer.Option("--last", help="average over the last N frames (0: all)")] = 1,
    types: TypesOpt = None,
    plot: PlotOpt = None,
    as_json: JsonOpt = False,
    workers: WorkersOpt = None,
):
    """Partial RDFs, first-peak positions and coordination numbers per pair."""
    from anodeflow.analysis.bonds import PartialRDF, rdf_counts
    from anodeflow.analysis.diffusion import parse_region

    check_plot(plot)
    check_option("--r-max", r_max, gt=0, unit="A")
    if not 10 <= bins <= MAX_BINS:
        raise InputError(f"--bins must be 10..{MAX_BINS}, got {bins}")
    check_region(region)
    bounds = parse_region(region)
    for pair in pairs.split(",") if pairs else ():
        if not all(pair.partition("-")[::2]):
            raise InputError(f"pair '{pair}' is not of the form A-B, e.g. Si-Si")
    rdf = PartialRDF(pairs.split(",") if pairs else None, r_max, bins)
    mapper = _mapper(workers, file)
    frames = _frames(file, types) if last == 0 else _last(_frames(file, types), last)
    n_frames = 0
    for counts in mapper(partial(rdf_counts, pairs=rdf.pairs, r_max_A=r_max, bins=bins, region=bounds), frames):
        rdf.add(counts)
        n_frames += 1
    results = rdf.results()
    out = {"n_frames": n_frames, "pairs": {
        k: {"first_peak_A": v.first_peak_A, "coordination": v.coordination, "shells": v.shells}
        for k, v in results.items()}}
    if plot:
        from anodeflow.plots import plot_rdfs

        plot_rdfs(results, plot)
    if as_json:
        print_json(out)
        return
    table = Table(title=f"bonds in {file.name} ({n_frames} frames)")
    for col in ("pair", "first peak (A)", "coordination", "shells (r A: n)"):
        table.add_column(col)
    for k, v in results.items():
        table.add_row(k, f"{v.first_peak_A:.3f}", f"{v.coordination:.2f}",
                      ", ".join(f"{s['r_A']:.2f}: {s['neighbours']:.1f}" for s in v.shells))
    console.print(table)


def _last(frames, n: int) -> list:
    if n < 1:
        raise InputError(f"--last must be >= 0, got {n}")
    from collections import deque

    return list(deque(frames, maxlen=n))


# ----------------------------------------------------------------------------------- kinetics
@analyze_app.command("kinetics")
@handle_errors
def kinetics(
    file: Annotated[Path, typer.Argument(help="CSV with columns t_ps, L_nm, or a couple trajectory")],
    host: Annotated[str | None, typer.Option("--host", help="host element (trajectory input)")] = None,
    carrier: Annotated[str | None, typer.Option("--carrier", help="carrier element (trajectory input)")] = None,
    timestep_ps: Annotated[float, typer.Option("--timestep-ps", help="MD timestep (ps; trajectory input)")] = 0.001,
    interfaces: Annotated[int, typer.Option("--interfaces", help="fronts in the cell (trajectory input)")] = 2,
    types: TypesOpt = None,
    plot: PlotOpt = None,
    as_json: JsonOpt = False,
    workers: WorkersOpt = None,
):
    """Fit L(t) with linear, parabolic, power and mixed laws; classify ICR / DCR / mixed."""
    from anodeflow.analysis.kinetics import fit_kinetics

    check_plot(plot)
    t, L = _read_front(file, host, carrier, timestep_ps, interfaces, types, workers)
    fit = fit_kinetics(t, L)
    out = fit.as_dict()
    if plot:
        from anodeflow.plots import plot_kinetics

        plot_kinetics(t, L, fit, plot)
    if as_json:
        print_json(out)
        return
    _table(f"front kinetics of {file.name}: {fit.regime}", out)


def _read_front(file: Path, host, carrier, timestep_ps, interfaces, types, workers):
    from anodeflow.analysis.kinetics import front_before_consumed

    if file.suffix.lower() == ".csv":
        return front_from_csv(file)
    if not host or not carrier:
        raise InputError("a trajectory needs --host and --carrier (or give a CSV with t_ps, L_nm)")
    mapper = _mapper(workers, file)
    result = _couple_result(file, host, carrier, types, timestep_ps, interfaces, mapper=mapper)
    return front_before_consumed(result.times_ps, result.front_advance_nm, result.crystalline_host_atoms)


# ---------------------------------------------------------------------------------- diffusion
@analyze_app.command("diffusion")
@handle_errors
def diffusion(
    file: FileArg,
    species: Annotated[str, typer.Option("--species", help="element symbol or LAMMPS type id")],
    timestep_ps: Annotated[float, typer.Option("--timestep-ps", help="MD timestep (ps); frame times = TIMESTEP x this")],
    region: Annotated[str | None, typer.Option("--region", help="atoms starting in AXIS:LO_NM:HI_NM, crystal|amorphous|alloy, or core:R_A (within R A of dislocation lines)")] = None,
    host: Annotated[str | None, typer.Option("--host", help="host element (for named regions)")] = None,
    carrier: Annotated[str | None, typer.Option("--carrier", help="carrier element (for named regions)")] = None,
    types: TypesOpt = None,
    axes: Annotated[str, typer.Option("--axes", help="MSD axes: xyz, or xy for motion in the plane of an interface "
                                                     "normal to z (a carrier confined between slabs)")] = "xyz",
    plot: PlotOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = True,
):
    """Tracer MSD (unwrapped, drift removed, FFT) and D with its 1-sigma error (generalised least squares)."""
    from anodeflow.analysis.diffusion import check_axes, diffusion_from_frames
    from anodeflow.progress import progress_bar

    check_axes(axes)
    check_plot(plot)
    check_option("--timestep-ps", timestep_ps, gt=0, unit="ps")
    check_region(region)
    with progress_bar(progress and not as_json, "read frames", _count_frames(file), "frames") as advance:
        frames = _counted(_frames(file, types), advance)
        result = diffusion_from_frames(frames, species, timestep_ps, region, host=host, carrier=carrier, axes=axes)
    out = result.as_dict(with_msd=False)
    out["region"] = region
    if plot:
        from anodeflow.plots import plot_msd

        plot_msd(result, plot)
    if as_json:
        print_json(out)
        return
    _table(f"diffusion of {species} in {file.name}", out)


def _counted(frames, advance):
    for i, frame in enumerate(frames):
        advance(i + 1)
        yield frame


@analyze_app.command("arrhenius")
@handle_errors
def arrhenius(
    files: Annotated[list[Path], typer.Argument(help="CSV (T_K, D_cm2_s[, D_err_cm2_s]) or JSON files from 'analyze diffusion --json' with --temperatures")],
    temperatures: Annotated[str | None, typer.Option("--temperatures", help="comma-separated T (K), one per JSON file")] = None,
    plot: PlotOpt = None,
    as_json: JsonOpt = False,
):
    """Arrhenius fit D = D0 exp(-Ea/kT) over several runs; D extrapolated to 300 K."""
    from anodeflow.analysis.diffusion import fit_arrhenius

    check_plot(plot)
    T, D, E = arrhenius_inputs(files, temperatures)
    fit = fit_arrhenius(T, D, E)
    out = fit.as_dict()
    if plot:
        from anodeflow.plots import plot_arrhenius

        plot_arrhenius(fit, plot)
    if as_json:
        print_json(out)
        return
    _table("Arrhenius fit", out)


# ------------------------------------------------------------------------------------- stress
@analyze_app.command("stress")
@handle_errors
def stress(
    file: FileArg,
    host: Annotated[str, typer.Option("--host", help="host element")],
    carrier: Annotated[str, typer.Option("--carrier", help="carrier element")],
    stress_compute: Annotated[str, typer.Option("--stress-column", help="dump columns PREFIX[1..6] of compute stress/atom")] = "c_stress",
    volume_column: Annotated[str | None, typer.Option("--volume-column", help="per-atom volume column, e.g. c_vor[1] (default: bin volumes)")] = None,
    activation_volume: Annotated[float | None, typer.Option("--activation-volume-A3", help="dV (A^3) for the barrier shift -sigma dV")] = None,
    normal: Annotated[str, typer.Option("--normal", help="x, y or z")] = "z",
    bin_nm: Annotated[float, typer.Option("--bin-nm", help="bin width (nm)")] = 0.2,
    types: TypesOpt = None,
    plot: PlotOpt = None,
    as_json: JsonOpt = False,
):
    """Mean-stress profile, host and alloy mean stress, and the stress term of Eq. (1) (last frame)."""
    from anodeflow.analysis.stress import analyse_stress, stress_columns
    from anodeflow.analysis.structure import CrystallineHost

    if normal not in ("x", "y", "z"):
        raise InputError(f"normal '{normal}' must be x, y or z")
    check_plot(plot)
    check_option("--bin-nm", bin_nm, gt=0, unit="nm")
    columns = stress_columns(stress_compute) + ([volume_column] if volume_column else [])
    (frame,) = _last(_frames(file, types, columns), 1)
    stress_bar_A3 = np.column_stack([frame.properties[c] for c in stress_columns(stress_compute)])
    crystalline = CrystallineHost(host).compute(frame.positions, frame.cell, frame.mask(host)).crystalline
    result = analyse_stress(frame.positions, frame.cell, frame.symbols, stress_bar_A3, host, carrier, crystalline,
                            frame.properties.get(volume_column) if volume_column else None,
                            "xyz".index(normal), bin_nm, activation_volume)
    out = {k: v for k, v in vars(result).items()}
    out["step"] = frame.step
    if plot:
        from anodeflow.plots import plot_stress

        plot_stress(result, plot)
    if as_json:
        print_json(out)
        return
    _table(f"stress in {file.name} (step {frame.step})",
           {k: v for k, v in out.items() if k not in ("z_nm", "mean_stress_profile_GPa")})


# ------------------------------------------------------------------------------- dislocations
@analyze_app.command("dislocations")
@handle_errors
def dislocations(
    file: FileArg,
    host: Annotated[str, typer.Option("--host", help="host element (DXA for diamond or bcc lattices, core clusters "
                                                     "for beta-Sn and A7 Sb)")],
    lattice: Annotated[str | None, typer.Option("--lattice", help="diamond, fcc, bcc or hcp (default from host)")] = None,
    nonperiodic: Annotated[str, typer.Option("--nonperiodic", help="axes without periodicity, e.g. xy for a cylinder")] = "",
    types: TypesOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = True,
    workers: WorkersOpt = None,
):
    """Dislocation lines per frame: line length, density and Burgers-vector families (OVITO DXA), or for beta-Sn
    and A7 Sb line-like clusters of distorted host atoms (no Burgers vectors; thermal noise above about 0.1 A rms
    hides a core, so give quenched or time-averaged frames)."""
    from anodeflow.analysis.dislocations import dislocation_frame, uses_dxa
    from anodeflow.progress import progress_bar

    if not set(nonperiodic) <= set("xyz"):
        raise InputError(f"--nonperiodic '{nonperiodic}' must name axes among x, y and z, e.g. xy")
    method = "DXA" if uses_dxa(host, lattice) else "core clusters"  # an unsupported host fails before any frame
    pbc = tuple(axis not in nonperiodic for axis in "xyz")
    work = partial(dislocation_frame, host=host, lattice=lattice, pbc=pbc)
    mapper = _mapper(workers, file)
    per_frame = []
    with progress_bar(progress and not as_json, f"{method} frames", _count_frames(file), "frames") as advance:
        for i, record in enumerate(mapper(work, _frames(file, types))):
            per_frame.append(record)
            advance(i + 1)
    if not per_frame:
        raise InputError(f"trajectory '{file}' holds no frames")
    out = {**per_frame[-1], "frames": per_frame}
    if as_json:
        print_json(out)
        return
    table = Table(title=f"dislocations in {file.name} ({host}, {method})")
    for col in ("step", "line length (nm)", "density (m^-2)", "segments", "Burgers families (nm)"):
        table.add_column(col)
    for r in per_frame:
        table.add_row(str(r["step"]), f"{r['line_length_nm']:.3f}", f"{r['density_m2']:.3g}", str(r["n_segments"]),
                      ", ".join(f"{k}: {v:.2f}" for k, v in r["burgers_families"].items()))
    console.print(table)


# ------------------------------------------------------------------------------------- render
@analyze_app.command("render")
@handle_errors
def render(
    file: FileArg,
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG to write")],
    host: Annotated[str | None, typer.Option("--host", help="colour host atoms by crystallinity")] = None,
    frame_index: Annotated[int, typer.Option("--frame", help="frame index (-1: last)")] = -1,
    size: Annotated[str, typer.Option("--size", help="image size WxH in pixels")] = "800x600",
    types: TypesOpt = None,
):
    """Render one frame with OVITO (software Tachyon renderer), coloured by species and structure."""
    from anodeflow.plots import render_frame

    from anodeflow.outputs import check_output_path

    check_output_path(output, "image", (".png",))
    width, height = image_size(size)
    if frame_index < -1:
        raise InputError(f"--frame must be >= 0, or -1 for the last frame, got {frame_index}")
    if frame_index >= 0:
        frame = next((f for i, f in enumerate(_frames(file, types)) if i == frame_index), None)
        if frame is None:
            raise InputError(f"frame {frame_index} does not exist in '{file}'")
    else:
        (frame,) = _last(_frames(file, types), 1)
    path = render_frame(frame, output, host, (width, height))
    console.print(f"wrote {path}", markup=False)
