"""``anodeflow study``: studies that answer a scientific question end to end, with a report folder."""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Annotated

import typer

from anodeflow.cli_common import JsonOpt, Table, console, handle_errors, print_json
from anodeflow.errors import InputError

study_app = typer.Typer(help="Studies that put published claims to the test, with a report.", no_args_is_help=True)


def check_report_folder(out: Path) -> None:
    """A one-line error unless ``out`` can take a report folder (not a file, ``report.md`` writable)."""
    from anodeflow.outputs import check_output_path

    if out.exists() and not out.is_dir():
        raise InputError(f"--out '{out}' is a file; give a folder for the report")
    check_output_path(out / "report.md", "report")


def parse_potentials(items: list[str]) -> dict[str, str]:
    """``SYSTEM=NAME`` items as a dict; :class:`InputError` for any other form."""
    out = {}
    for item in items:
        system, sep, name = item.partition("=")
        if not sep or not system or not name:
            raise InputError(f"--potential '{item}' is not SYSTEM=NAME (e.g. Na-Sn=SevenNet-l3i5)")
        out[system] = name
    return out


@study_app.command("seed")
@handle_errors
def study_seed(
    scale: Annotated[str, typer.Option("--scale", help="quick (<10 min, 2 cores), workstation (<3 h) or hpc")] = "quick",
    out: Annotated[Path, typer.Option("--out", help="report folder (report.md, study.json, one PNG per claim)")] = Path(
        "seed-study"),
    systems: Annotated[str, typer.Option("--systems", help="comma-separated, from Li-Si, Na-Sn, Na-Sb")] = (
        "Li-Si,Na-Sn,Na-Sb"),
    potential: Annotated[list[str] | None, typer.Option(
        "--potential", help="SYSTEM=NAME, repeatable (default: each system's default potential)")] = None,
    parts: Annotated[str, typer.Option("--parts", help="comma-separated, from couples, diffusion, network, pipe "
                                                       "(per system) and screen (the screen of hosts); studies of "
                                                       "different parts merge with 'study merge'")] = (
        "couples,diffusion,network,pipe,screen"),
    runs: Annotated[Path | None, typer.Option("--runs", help="folder for the run folders (default: settings work_dir)")] = None,
    as_json: JsonOpt = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="show progress bars")] = True,
):
    """The seed's claims (ICR/DCR, amorphous layer, bonds, front width, anisotropy, diffusivities, stress,
    screening, bulk barriers, pipe diffusion) measured with replicas and error bars, each with a verdict;
    stored as one seed_study document."""
    from anodeflow.seed_report import write_report
    from anodeflow.settings import get_settings
    from anodeflow.store import open_store
    from anodeflow.workflows.run import run_flow, run_root
    from anodeflow.workflows.seed_study import STUDY_PARTS, SeedStudyMaker

    check_report_folder(out)
    maker = SeedStudyMaker(scale=scale, systems=tuple(s.strip() for s in systems.split(",") if s.strip()),
                           potentials=parse_potentials(potential or []),
                           parts=tuple(p.strip() for p in parts.split(",") if p.strip()),
                           progress=progress and not as_json)
    flow = maker.make()  # every input checked before anything runs
    store = open_store()
    run_root(runs, get_settings().work_dir)
    if not as_json:
        subject = f"of {', '.join(maker.systems)}" if set(maker.parts) - {"screen"} else "(the screen of hosts)"
        console.print(f"seed study ({scale}) {subject}; report in {out}")
    start = time.perf_counter()
    doc = run_flow(flow, store=store, root_dir=runs)
    wall = time.perf_counter() - start
    command = shlex.join(["anodeflow", "study", "seed", "--scale", scale, "--systems", ",".join(maker.systems),
                          *(w for p in potential or [] for w in ("--potential", p)),
                          *(("--parts", ",".join(maker.parts)) if set(maker.parts) != set(STUDY_PARTS) else ()),
                          "--out", str(out)])
    files = write_report(doc, out, wall, command)
    if as_json:
        print_json({"id": flow.output.uuid, "report_files": [str(f) for f in files], "wall_time_s": wall,
                    "claims": doc["claims"]})
        return
    table = Table(title=f"seed study ({scale}), {wall:.0f} s")
    for column in ("claim", "verdict", "reason"):
        table.add_column(column, overflow="fold")
    for claim in doc["claims"]:
        table.add_row(claim["claim"], claim["verdict"], claim["reason"])
    console.print(table)
    console.print(f"report: {out / 'report.md'}; result id {flow.output.uuid}")


@study_app.command("merge")
@handle_errors
def study_merge(
    studies: Annotated[list[Path], typer.Argument(help="study.json files of seed studies of one scale, each part "
                                                        "of a system once")],
    out: Annotated[Path, typer.Option("--out", help="report folder of the merged study")] = Path("seed-study"),
    as_json: JsonOpt = False,
):
    """One seed-study report from studies run separately for different systems or different parts of a system
    (same scale): the systems side by side and the claims table made again from all of them, with the screen of
    the last study that has one. The total wall time is the sum of the parts'."""
    import json

    from anodeflow.seed_report import parts_wall_time_s, write_report
    from anodeflow.workflows.seed_study import merge_studies

    check_report_folder(out)
    docs = []
    for path in studies:
        try:
            docs.append(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            raise InputError(f"study '{path}' is not a readable study.json: {exc}") from None
    doc = merge_studies(docs).model_dump(mode="json")
    command = shlex.join(["anodeflow", "study", "merge", *map(str, studies), "--out", str(out)])
    files = write_report(doc, out, parts_wall_time_s(doc), command)
    if as_json:
        print_json({"report_files": [str(f) for f in files], "claims": doc["claims"]})
        return
    for claim in doc["claims"]:
        console.print(f"{claim['verdict']:>12}  {claim['claim']}")
    console.print(f"report: {out / 'report.md'}")
