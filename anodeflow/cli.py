"""The ``anodeflow`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import anodeflow
from anodeflow.cli_analyze import analyze_app
from anodeflow.cli_build import build_app
from anodeflow.cli_common import JsonOpt, console, handle_errors, print_json

app = typer.Typer(help="Interface amorphization and diffusion in alloying anodes: build, run, analyse, store.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
run_app = typer.Typer(help="Run workflows into the results store.", no_args_is_help=True)
results_app = typer.Typer(help="Read results back from the store.", no_args_is_help=True)
potentials_app = typer.Typer(help="Interatomic potentials shipped with anodeflow.", no_args_is_help=True)
app.add_typer(run_app, name="run")
app.add_typer(results_app, name="results")
app.add_typer(potentials_app, name="potentials")
app.add_typer(analyze_app, name="analyze")
app.add_typer(build_app, name="build")

def _version(value: bool):
    if value:
        console.print(f"anodeflow {anodeflow.__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="print the version and exit")] = False):
    """anodeflow command line."""


# ---------------------------------------------------------------------------------------- run
def _run_couple(system: str, orientation: str, temperature: float, time_ps: float, size_nm: float,
                seed: int, out: Path | None, as_json: bool, progress: bool) -> None:
    from anodeflow.settings import get_settings
    from anodeflow.store import open_store
    from anodeflow.workflows.couple import AnalyseCoupleMaker, BuildCoupleMaker, CoupleMDFlowMaker
    from anodeflow.workflows.md import LammpsMDMaker
    from anodeflow.workflows.run import run_flow

    show = progress and not as_json
    maker = CoupleMDFlowMaker(
        build=BuildCoupleMaker(miller=orientation, size_nm=size_nm,
                               host_thickness_nm=1.25 * size_nm, reservoir_thickness_nm=1.25 * size_nm),
        md=LammpsMDMaker(temperature_K=temperature, time_ps=time_ps, seed=seed, progress=show),
        analyse=AnalyseCoupleMaker(progress=show),
    )
    flow = maker.make(system)  # validates every input before anything runs or is stored
    settings = get_settings()
    store = open_store(settings)
    if not as_json:
        console.print(f"[bold]{system}[/] couple ({orientation}), {temperature:g} K, {time_ps:g} ps; "
                      f"store: {settings.store.type} {settings.store.path if settings.store.type == 'monty' else settings.store.host}")
    doc = run_flow(flow, store=store, root_dir=out)
    summary = {k: doc[k] for k in ("system", "miller", "n_atoms", "temperature_K", "time_ps", "front_advance_final_nm",
                                   "front_advance_err_nm", "front_velocity_nm_ps", "interface_width_nm",
                                   "reacted_thickness_nm", "amorphous_thickness_nm", "front_positions_nm",
                                   "wall_time_s", "plot", "dir_name")}
    summary["id"] = flow.output.uuid
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"{system} ({doc['miller']}) couple, {doc['n_atoms']} atoms", show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    rows = [
        ("front advance per interface", f"{doc['front_advance_final_nm']:.3f} ± {doc['front_advance_err_nm']:.3f} nm"),
        ("front velocity", f"{doc['front_velocity_nm_ps']:.4f} nm/ps"),
        ("crystalline host atoms", f"{doc['crystalline_host_atoms'][0]} -> {doc['crystalline_host_atoms'][-1]}"),
        ("interface width (10-90 %)", f"{doc['interface_width_nm']:.3f} nm"),
        ("reacted (lithiated) layer per interface", f"{doc['reacted_thickness_nm']:.3f} nm"),
        ("amorphous host layer per interface", f"{doc['amorphous_thickness_nm']:.3f} nm"),
        ("potential", doc["potential"]["name"]),
        ("MD wall time", f"{doc['wall_time_s']:.1f} s"),
        ("plot", str(doc["plot"])),
        ("result id", summary["id"]),
    ]
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


TemperatureOpt = Annotated[float, typer.Option("--temperature", help="MD temperature (K)")]
OrientationOpt = Annotated[str, typer.Option("--orientation", help="host Miller plane normal to the interface, e.g. 110")]
TimeOpt = Annotated[float, typer.Option("--time-ps", help="MD time (ps)")]
SizeOpt = Annotated[float, typer.Option("--size-nm", help="in-plane size (nm); slab and reservoir are 1.25x this")]
SeedOpt = Annotated[int, typer.Option("--seed", help="velocity seed (same seed, same run)")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="folder for run files and the PNG (default: settings work_dir)")]
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help="show progress bars")]


@run_app.command("couple")
@handle_errors
def run_couple(
    system: Annotated[str, typer.Argument(help="carrier-host system, e.g. Li-Si")],
    orientation: OrientationOpt = "110",
    temperature: TemperatureOpt = 1500.0,
    time_ps: TimeOpt = 10.0,
    size_nm: SizeOpt = 2.0,
    seed: SeedOpt = 1,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = True,
):
    """Build a host | carrier couple, run LAMMPS MD, analyse the front, store the result."""
    _run_couple(system, orientation, temperature, time_ps, size_nm, seed, out, as_json, progress)


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
    _run_couple("Li-Si", orientation, temperature, time_ps, size_nm, seed, out, as_json, progress)


# ------------------------------------------------------------------------------------ results
@results_app.command("list")
@handle_errors
def results_list(
    doc_type: Annotated[str | None, typer.Option("--type", help="interface_md, lammps_md or couple_structure")] = None,
    as_json: JsonOpt = False,
):
    """List stored results, newest first."""
    from anodeflow.results import list_results
    from anodeflow.store import open_store

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
    for col in ("name", "systems", "form", "timestep (fs)"):
        table.add_column(col)
    for p in records:
        table.add_row(p.name, ", ".join(p.systems), p.form, f"{p.timestep_fs:g}")
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


if __name__ == "__main__":
    app()
