"""The ``anodeflow`` command line."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

import anodeflow
from anodeflow.cli_analyze import analyze_app
from anodeflow.cli_build import build_app
from anodeflow.cli_study import study_app
from anodeflow.cli_run import OrientationOpt, OutOpt, ProgressOpt, SeedOpt, SizeOpt, TemperatureOpt, TimeOpt, run_app, run_couple_flow
from anodeflow.cli_common import (
    JsonOpt,
    OneLineErrors,
    Table,
    check_finite_options,
    console,
    handle_errors,
    parse_floats,
    print_json,
    read_structures,
)
from anodeflow.errors import InputError

app = typer.Typer(help="Interface amorphization and diffusion in alloying anodes: build, run, analyse, store.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, cls=OneLineErrors)
results_app = typer.Typer(help="Read results back from the store.", no_args_is_help=True)
potentials_app = typer.Typer(help="Interatomic potentials shipped with anodeflow.", no_args_is_help=True)
app.add_typer(run_app, name="run")
app.add_typer(results_app, name="results")
app.add_typer(potentials_app, name="potentials")
app.add_typer(analyze_app, name="analyze")
app.add_typer(build_app, name="build")
app.add_typer(study_app, name="study")

def _version(value: bool):
    if value:
        console.print(f"anodeflow {anodeflow.__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="print the version and exit")] = False):
    """anodeflow command line."""


@app.command("demo")
@handle_errors
def demo(
    orientation: OrientationOpt = "110",
    temperature: TemperatureOpt = 1500.0,
    time_ps: TimeOpt = 10.0,
    size_nm: SizeOpt = 2.0,
    seed: SeedOpt = 1,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = True,
):
    """The main job: a Si(110) | Li couple lithiating in LAMMPS (= 'run couple Li-Si')."""
    run_couple_flow("Li-Si", orientation, temperature, time_ps, size_nm, seed, out, as_json, progress)


# ------------------------------------------------------------------------------- submit / jobs
@app.command("submit", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@handle_errors
def submit_cmd(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="what to run: couple, meltquench, diffusion, kinetics, neb or resume")],
    scheduler: Annotated[str, typer.Option("--scheduler", help="slurm or pbs")] = "slurm",
    resources: Annotated[str | None, typer.Option(
        "--resources", help="e.g. processes=4,threads=2,time=2:00:00,queue=debug (default: per kind)")] = None,
    as_json: JsonOpt = False,
):
    """Submit 'anodeflow run KIND ARGS...' as a batch job; results go to the configured store.

    Everything after KIND is passed to 'anodeflow run KIND', e.g.
    'anodeflow submit couple Li-Si --time-ps 20 --resources threads=2'.
    """
    from anodeflow.submit import RUN_KINDS, parse_resources, submit

    if kind in RUN_KINDS:
        _check_run_args(kind, list(ctx.args))
    record = submit(kind, list(ctx.args), scheduler, parse_resources(resources, kind))
    if as_json:
        print_json(record.model_dump())
        return
    console.print(Text.assemble(f"submitted {scheduler} job ", (record.job_id, "bold"),
                                f" ({kind} {' '.join(record.args)}); folder {record.work_dir}"))


def _check_run_args(kind: str, args: list[str]) -> None:
    """Parse 'anodeflow run KIND ARGS' as the batch job will (options, value types, finite numbers) without
    running it, so a job that cannot start is not submitted."""
    command = typer.main.get_command(run_app).commands[kind]
    with command.make_context(f"anodeflow run {kind}", list(args)) as ctx:
        check_finite_options(ctx.params, ctx)


@app.command("jobs")
@handle_errors
def jobs_cmd(
    wait: Annotated[str | None, typer.Option("--wait", help="block until this job id is done or failed")] = None,
    timeout: Annotated[float, typer.Option("--timeout-s", help="give up waiting after this many seconds")] = 3600.0,
    as_json: JsonOpt = False,
):
    """Submitted batch jobs: scheduler state, exit code, stored result id or the error."""
    from anodeflow.submit import job_status, list_submitted, wait_for

    records = list_submitted()
    if wait is not None:
        matching = [r for r in records if r.job_id == wait]
        if not matching:
            raise InputError(f"no submitted job with id '{wait}'; known: {', '.join(r.job_id for r in records) or 'none'}")
        rows = [wait_for(matching[0], timeout)]
    else:
        rows = [job_status(r) for r in records]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} batch jobs")
    for col in ("job", "scheduler", "run", "state", "result / error", "submitted"):
        table.add_column(col, overflow="fold")
    for r in rows:
        outcome = (r["result_id"] or "")[:8] if r["state"] == "DONE" else (r["error"] or "")
        table.add_row(r["job_id"], r["scheduler"], f"{r['kind']} {' '.join(r['args'])}", r["state"], outcome,
                      r["submitted_at"][:19])
    console.print(table)


# ------------------------------------------------------------------------------------ results
@results_app.command("list")
@handle_errors
def results_list(
    doc_type: Annotated[str | None, typer.Option("--type", help="interface_md, lammps_md or couple_structure")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="list run folders whose run failed, was killed or "
                                                          "is not stored, instead of stored results")] = False,
    runs: Annotated[Path | None, typer.Option("--runs", help="folder of run folders for --failed "
                                                             "(default: settings work_dir)")] = None,
    as_json: JsonOpt = False,
):
    """List stored results, newest first (or, with --failed, the runs that did not reach the store)."""
    from anodeflow.results import list_results
    from anodeflow.store import open_store

    if failed:
        _list_failed_runs(runs, as_json)
        return
    rows = list_results(open_store(), doc_type)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} results")
    for col in ("id", "type", "system", "summary", "completed"):
        table.add_column(col, overflow="fold")
    for r in rows:
        extra = " ".join(f"{_SHORT.get(k, k)}={_fmt(v)}" for k, v in r.items()
                         if k not in ("id", "doc_type", "name", "completed_at", "system"))
        table.add_row(r["id"][:8], r["doc_type"], str(r.get("system") or ""), extra, r["completed_at"][:19])
    console.print(table)


def _list_failed_runs(root: Path | None, as_json: bool) -> None:
    """Print the failed, killed and unstored runs under ``root`` with their errors and what to do next."""
    from anodeflow.results import failed_runs
    from anodeflow.settings import get_settings

    root = root or get_settings().work_dir
    if not root.is_dir():
        raise InputError(f"--runs folder '{root}' does not exist")
    rows = failed_runs(root)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} runs not in the store under {root}")
    for col in ("run folder", "status", "error / next step", "started"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["run_dir"], r["status"], r["hint"], str(r.get("started_at"))[:19])
    console.print(table)


@results_app.command("import")
@handle_errors
def results_import(
    run_dir: Annotated[Path, typer.Argument(help="run folder of a finished run whose documents are not stored")],
    as_json: JsonOpt = False,
):
    """Put a finished run's documents (kept in RUN_DIR/documents) into the store; importing twice adds nothing."""
    from anodeflow.results import import_run
    from anodeflow.store import open_store

    counts = import_run(open_store(), run_dir)
    if as_json:
        print_json(counts)
        return
    console.print(f"stored {counts['new_documents']} of {counts['documents']} documents and {counts['new_blobs']} "
                  f"of {counts['blobs']} data blobs from {counts['run_dir']} (the rest were stored already); "
                  f"result id {counts['result_id']}", markup=False)


_SHORT = {"temperature_K": "T_K", "front_advance_final_nm": "L_nm", "front_advance_err_nm": "L_err_nm",
          "reacted_thickness_nm": "reacted_nm", "interface_width_nm": "width_nm", "min_distance_A": "dmin_A"}


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


@results_app.command("show")
@handle_errors
def results_show(
    result_id: Annotated[str, typer.Argument(help="uuid or its first characters")],
    data: Annotated[bool, typer.Option("--data", help="also load big arrays from the data store")] = False,
    as_json: JsonOpt = False,
):
    """Show one stored result."""
    from anodeflow.results import get_result
    from anodeflow.store import open_store

    doc = get_result(open_store(), result_id, load_data=data)
    if as_json:
        print_json(doc)
        return
    out = doc["output"]
    table = Table(title=f"{out.get('doc_type')} {doc['uuid']}", show_header=False)
    for key, value in out.items():
        if isinstance(value, list) and len(value) > 6:
            value = f"[{len(value)} values] {_fmt(value[0])} ... {_fmt(value[-1])}"
        elif isinstance(value, dict) and len(str(value)) > 120:
            value = "{" + ", ".join(value)[:100] + " ...}"
        table.add_row(key, _fmt(value))
    console.print(table)


SystemFilter = Annotated[str | None, typer.Option("--system", help="only this carrier-host system, e.g. Na-Sn")]
TypeFilter = Annotated[str | None, typer.Option("--type", help="only this document type, e.g. interface_md")]
WhereOpt = Annotated[str | None, typer.Option("--where", help="conditions on output keys, e.g. 'amorphous_thickness_nm>1,temperature_K=1500'")]


@results_app.command("query")
@handle_errors
def results_query(system: SystemFilter = None, doc_type: TypeFilter = None, where: WhereOpt = None,
                  as_json: JsonOpt = False):
    """Stored results matching a system, a type and conditions (all scalar output fields)."""
    from anodeflow.results import query_results
    from anodeflow.store import open_store

    rows = query_results(open_store(), system, doc_type, where)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} matching results")
    for col in ("id", "type", "system", "values"):
        table.add_column(col, overflow="fold")
    for r in rows:
        values = " ".join(f"{_SHORT.get(k, k)}={_fmt(v)}" for k, v in r.items()
                          if k not in ("id", "doc_type", "system", "completed_at", "schema_version", "dir_name", "plot"))
        table.add_row(r["id"][:8], str(r.get("doc_type")), str(r.get("system") or ""), values)
    console.print(table)


@results_app.command("export")
@handle_errors
def results_export(
    file: Annotated[Path, typer.Argument(help="output file (.csv or .parquet)")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv or parquet (default: from the extension)")] = None,
    system: SystemFilter = None, doc_type: TypeFilter = None, where: WhereOpt = None, as_json: JsonOpt = False,
):
    """Export matching results, one row per document, to CSV or Parquet."""
    from anodeflow.results import export_results
    from anodeflow.store import open_store

    n = export_results(open_store(), file, fmt, system, doc_type, where)
    if as_json:
        print_json({"file": str(file), "rows": n})
        return
    console.print(f"wrote {n} rows to {file}", markup=False)


# --------------------------------------------------------------------------------- potentials
@potentials_app.command("list")
@handle_errors
def potentials_list(as_json: JsonOpt = False):
    """List shipped potentials."""
    from anodeflow.potentials import list_potentials

    records = list_potentials()
    if as_json:
        print_json([p.model_dump(exclude={"meam"}) for p in records])
        return
    table = Table(title="potentials")
    for col in ("name", "systems", "form", "timestep (fs)", "MD speed (atom-steps/s)"):
        table.add_column(col)
    for p in records:
        systems = [f"{s} (fails host check)" if s in p.fails_host_check else s for s in p.systems]
        speed = f"{p.md_speed_atom_steps_per_s:,.0f}" if p.md_speed_atom_steps_per_s else "-"
        table.add_row(p.name, ", ".join(systems), p.form, f"{p.timestep_fs:g}", speed)
    console.print(table)


@potentials_app.command("show")
@handle_errors
def potentials_show(name: str, as_json: JsonOpt = False):
    """Show one potential record."""
    from anodeflow.potentials import get_potential

    record = get_potential(name)
    if as_json:
        print_json(record.model_dump())
        return
    for key, value in record.model_dump(exclude={"meam"}).items():
        console.print(f"[bold]{key}[/]: {value}")


#: options of ``potentials fit`` that add what the fit learns beyond its first training set
RelaxationRoundsOpt = Annotated[int, typer.Option(
    "--relaxation-rounds", help="rounds of relaxing rattled host and carrier supercells with the fit and "
                                "learning the teacher's labels of every relaxation that leaves its crystal")]
CrystalRoundsOpt = Annotated[int, typer.Option(
    "--crystal-rounds", help="rounds of zero-pressure 300 K MD of a large host crystal (about 400 atoms, 10 ps) "
                             "with the fit, learning the teacher's labels of the frames where it transforms")]
CarrierTeacherOpt = Annotated[str | None, typer.Option(
    "--carrier-teacher", help="label configurations of the carrier alone with this potential instead (e.g. "
                              "SevenNet-0, where the teacher does not keep bcc Na)")]
PbeAnchorsOpt = Annotated[bool, typer.Option(
    "--pbe-anchors", help="fit the host's polymorph energies to the shipped PBE scans instead of the teacher's "
                          "(on the teacher's energy and volume scale)")]


@potentials_app.command("fit")
@handle_errors
def potentials_fit(
    system: Annotated[str, typer.Argument(help="carrier-host system, e.g. Na-Sn")],
    teacher: Annotated[str, typer.Option("--teacher", help="what labels the training set: an MLIP (SevenNet-0), a "
                                                           "published potential (LiSi-Cui2012-MEAM), or CP2K (PBE "
                                                           "single points through atomate2, one job per cell)")] = "SevenNet-0",
    form: Annotated[str, typer.Option("--form", help="uf3+snap: UF3 2+3-body splines beside SNAP; snap: SNAP "
                                                     "alone (both over ZBL)")] = "uf3+snap",
    twojmax: Annotated[int, typer.Option("--twojmax", help="SNAP band limit (4: 14 descriptors per element, "
                                                           "6: 30)")] = 4,
    quadratic: Annotated[bool, typer.Option("--quadratic/--linear",
                                            help="quadratic SNAP (products of descriptors)")] = False,
    name: Annotated[str | None, typer.Option("--name", help="name of the new potential record")] = None,
    md_snapshots: Annotated[int, typer.Option("--md-snapshots", help="teacher-driven MD snapshots added at "
                                                                     "each of 800 and 1200 K")] = 0,
    host_md_temperatures: Annotated[str, typer.Option(
        "--host-md-temperatures", help="teacher MD of the host crystal at these temperatures (K, comma-separated, "
                                       "md-snapshots/2 each), for a fit that does not keep its host crystal")] = "",
    crystal_frames: Annotated[int, typer.Option(
        "--crystal-frames", help="frames of the zero-pressure 300 K host-crystal check labelled and fitted in "
                                 "each active round")] = 0,
    polymorphs: Annotated[bool, typer.Option(
        "--polymorphs", help="add the host's competing polymorphs (e.g. alpha, bct, simple hexagonal and simple "
                             "cubic Sn) to the training set")] = False,
    active_rounds: Annotated[int, typer.Option("--active-rounds", help="rounds of the fit's own MD (600/900 K) "
                                                                         "labelled by the teacher and refitted")] = 0,
    relaxation_rounds: RelaxationRoundsOpt = 0,
    crystal_rounds: CrystalRoundsOpt = 0,
    carrier_teacher: CarrierTeacherOpt = None,
    pbe_anchors: PbeAnchorsOpt = False,
    rcutfac: Annotated[float, typer.Option("--rcutfac", help="SNAP cutoff (A) = 2 x 0.5 x rcutfac")] = 4.8,
    ridge: Annotated[float, typer.Option("--ridge", help="relative ridge of the least squares")] = 1e-8,
    max_atoms: Annotated[int, typer.Option("--max-atoms", help="CP2K: label only training cells of at most this "
                                                                "many atoms")] = 72,
    kpoint_density: Annotated[int, typer.Option("--kpoint-density", help="CP2K: k-points per A^-3 of reciprocal volume "
                                                                          "(0: Gamma point)")] = 0,
    cutoff: Annotated[float, typer.Option("--cutoff-Ry", help="CP2K: density cutoff (Ry)")] = 400.0,
    configurations: Annotated[Path | None, typer.Option(
        "--configurations", help="CP2K: label these cells (every frame of an extxyz file, ...) instead of the "
                                 "generated training set")] = None,
    output_dir: Annotated[Path | None, typer.Option(
        "--output-dir", help="folder for the record and its files (default: ANODEFLOW_HOME/potentials/NAME); "
                             "other commands find it through ANODEFLOW_POTENTIALS_PATH")] = None,
    as_json: JsonOpt = False,
):
    """Fit a fast LAMMPS potential (UF3 + SNAP over ZBL) to a teacher or to CP2K and register it
    (ANODEFLOW_HOME/potentials)."""
    from anodeflow.potentials.snap import SnapSettings
    from anodeflow.potentials.uf3 import Uf3Settings
    from anodeflow.workflows.fitting import FitPotentialMaker
    from anodeflow.workflows.run import run_flow

    forms = {"uf3+snap": Uf3Settings(), "snap": None}
    if form not in forms:
        raise InputError(f"unknown --form '{form}'; choose {' or '.join(forms)}")
    host_temperatures = _check_fit_options(twojmax, md_snapshots, min(active_rounds, relaxation_rounds, crystal_rounds),
                                           crystal_frames, rcutfac, ridge, host_md_temperatures)
    maker = FitPotentialMaker(teacher=teacher, uf3=forms[form],
                              snap=SnapSettings(twojmax=twojmax, quadratic=quadratic, rcutfac=rcutfac),
                              output_name=name, md_snapshots=md_snapshots, host_md_temperatures_K=host_temperatures,
                              crystal_check_frames=crystal_frames, polymorphs=polymorphs,
                              ridge=ridge, active_rounds=active_rounds, relaxation_rounds=relaxation_rounds,
                              crystal_rounds=crystal_rounds, carrier_teacher=carrier_teacher,
                              pbe_anchors=pbe_anchors, output_dir=str(output_dir.resolve()) if output_dir else None)
    if teacher.lower() == "cp2k":
        flow, teacher, status = _dft_fit_flow(system, maker, max_atoms, kpoint_density, cutoff, configurations,
                                              as_json)
    elif configurations is not None:
        raise InputError(f"--configurations labels cells with DFT: use it with --teacher CP2K, not '{teacher}'")
    else:
        flow = maker.make(system)
        status = nullcontext()  # the fit shows its own progress bars
    if not as_json:
        console.print(f"[bold]fitting {maker.form}[/] for {system} to {teacher} ...")
    with status:
        report = run_flow(flow)
    _print_fit_report(report, flow.uuid, as_json)


def _dft_fit_flow(system: str, maker, max_atoms: int, kpoint_density: int, cutoff: float,
                  configurations: Path | None, as_json: bool):
    """(flow, teacher in words, status display) of a fit to CP2K labels: one single point per cell, then ``maker``."""
    from anodeflow.workflows.dft import Cp2kStaticMaker
    from anodeflow.workflows.fitting import DftFitMaker

    if max_atoms < 1 or kpoint_density < 0 or not cutoff > 0:
        raise InputError(f"--max-atoms must be >= 1, --kpoint-density >= 0 and --cutoff-Ry > 0, got {max_atoms}, "
                         f"{kpoint_density} and {cutoff}")
    dft = DftFitMaker(static_maker=Cp2kStaticMaker(kpoint_density=kpoint_density, cutoff_Ry=cutoff),
                      fit_maker=maker, max_atoms=max_atoms)
    flow = dft.make(system, read_structures(configurations) if configurations else None)
    n_cells = len(flow.jobs) - 1  # one single point per cell, then the fit
    status = nullcontext() if as_json else console.status(
        f"[bold]labelling[/] {n_cells} cells with {dft.static_maker.method}, one CP2K job each, then fitting")
    return flow, f"{dft.static_maker.method}, {n_cells} single points", status


def _check_fit_options(twojmax: int, md_snapshots: int, active_rounds: int, crystal_frames: int, rcutfac: float,
                       ridge: float, host_md_temperatures: str) -> tuple[float, ...]:
    """Refuse fit options no fit can use; returns the host-MD temperatures (K)."""
    if twojmax < 2 or twojmax > 10:
        raise InputError(f"twojmax must be in 2..10, got {twojmax}")
    if min(md_snapshots, active_rounds, crystal_frames) < 0:
        raise InputError(f"--md-snapshots, --crystal-frames and --active-, --relaxation- and --crystal-rounds must be "
                         f">= 0, got {md_snapshots}, {crystal_frames} and {active_rounds} rounds")
    if not 3.0 <= rcutfac <= 8.0 or not ridge > 0:
        raise InputError(f"--rcutfac must be in [3, 8] A and --ridge > 0, got {rcutfac} and {ridge}")
    host_temperatures = parse_floats(host_md_temperatures, "--host-md-temperatures") if host_md_temperatures else ()
    if any(not t > 0 for t in host_temperatures):
        raise InputError(f"--host-md-temperatures must be positive (K), got {host_md_temperatures}")
    return host_temperatures


def _print_fit_report(report: dict, result_id: str, as_json: bool) -> None:
    """The fit's summary as a table, or as JSON."""
    keys = ["name", "form", "n_train", "n_test", "n_coefficients", "energy_rmse_train_meV_atom", "force_rmse_train_eV_A",
            "energy_rmse_test_meV_atom", "force_rmse_test_eV_A", "own_md", "host_crystal_md", "speedup_vs_teacher",
            "crystals", "record", "test_labels"]
    summary = {k: report[k] for k in keys}
    summary["id"] = result_id
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"fit {report['name']}", show_header=False)
    for key, value in summary.items():
        if key != "test_labels":
            table.add_row(key, _fmt(value))
    console.print(table)


@potentials_app.command("validate")
@handle_errors
def potentials_validate(
    system: Annotated[str, typer.Argument(help="carrier-host system, e.g. Na-Sb")],
    potential: Annotated[str | None, typer.Option("--potential", help="record name (default: the system's)")] = None,
    reference: Annotated[str | None, typer.Option("--reference", help="MLIP for alloy formation references; "
                                                                     "'none' to skip")] = "SevenNet-0",
    barrier: Annotated[bool, typer.Option("--barrier/--no-barrier", help="bulk carrier CI-NEB")] = True,
    stability: Annotated[bool, typer.Option("--stability/--no-stability", help="rattled supercells and phonons of "
                                                                             "the host and carrier crystals")] = True,
    images: Annotated[int, typer.Option("--images", help="intermediate NEB images")] = 5,
    as_json: JsonOpt = False,
):
    """Crystals, their stability, alloy phases and the bulk barrier of a potential next to experiment, DFT or a
    reference MLIP; rows with a criterion pass or fail."""
    from anodeflow.settings import get_settings
    from anodeflow.store import open_store
    from anodeflow.workflows.run import run_flow
    from anodeflow.workflows.validation import ValidatePotentialMaker, ValidationRow

    reference = None if reference in (None, "none") else reference
    if images < 1:
        raise InputError(f"--images must be >= 1, got {images}")
    flow = ValidatePotentialMaker(potential=potential, reference_potential=reference, barrier=barrier,
                                  stability=stability, num_images=images).make(system)
    status = nullcontext() if as_json else console.status(
        f"[bold]validating[/] {system} (crystals, alloy phases{', bulk NEB' if barrier else ''})")
    with status:
        doc = run_flow(flow, store=open_store(get_settings()))
    rows = [ValidationRow(**r) for r in doc["rows"]]
    if as_json:
        print_json({"system": system, "potential": doc["potential"]["name"], "reference_potential": reference,
                    "rows": [{**r.model_dump(), "relative_error": r.relative_error} for r in rows],
                    "id": flow.output.uuid})
        return
    table = Table(title=f"{doc['potential']['name']} on {system}")
    for column in ("quantity", "value", "reference", "error", "source", "check"):
        table.add_column(column, overflow="fold")
    for r in rows:
        error = "" if r.relative_error is None else f"{r.relative_error:+.1%}"
        reference_text = "" if r.reference is None else f"{r.reference:.4g} {r.unit}"
        check = "" if r.passed is None else ("pass" if r.passed else f"FAIL: {r.failure}")
        table.add_row(r.quantity, f"{r.value:.4g} {r.unit}", reference_text, error, r.source, check)
    console.print(table)
    console.print(f"result id: {flow.output.uuid}")


if __name__ == "__main__":
    app()
