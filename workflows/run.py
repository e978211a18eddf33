"""Run flows locally: documents into a run folder first, then into the configured store."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from jobflow import Flow, Job, JobStore, run_locally

from anodeflow.errors import InputError
from anodeflow.runfolder import RunFolder
from anodeflow.settings import get_settings
from anodeflow.store import open_store


def run_flow(flow: Flow | Job, store: JobStore | None = None, root_dir: str | Path | None = None,
             record: dict | None = None) -> dict:
    """Run ``flow`` with jobflow's local manager in a new run folder under ``root_dir``, then store it.

    The run folder (see :mod:`anodeflow.runfolder`) holds one folder per job and every document the
    jobs wrote; once the whole flow has finished, they go into ``store`` (default: the configured
    one) together, so a failed or killed run stores nothing. Returns the flow's output document (a
    dict; ``data`` fields as references), or jobflow's responses for a flow without output. A job's
    error is raised unchanged after the run folder recorded it; a failed store write raises
    :class:`~anodeflow.errors.StoreError` naming the folder to import later. ``record`` adds fields to
    the folder's ``run.json``.
    """
    settings = get_settings()
    store = store or open_store(settings)
    root = run_root(root_dir, settings.work_dir)
    run = RunFolder.create(root, flow, **(record or {}))
    local = run.job_store(list(store.additional_stores))
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning, module="jobflow")
            responses = run_locally(flow, store=local, create_folders=True, root_dir=run.path, log=False,
                                    raise_immediately=True, ensure_success=True)
    except BaseException as exc:
        run.fail(exc)
        raise
    run.finish()
    run.store_into(store)
    output_uuid = getattr(flow.output, "uuid", None)
    if output_uuid is None:
        return responses
    return local.get_output(output_uuid, load=False)


def run_root(root_dir: str | Path | None, work_dir: Path) -> Path:
    """The folder that new run folders go in (``root_dir``, else the ``work_dir`` setting), created.

    Raises :class:`InputError` before anything runs when its path holds a character that LAMMPS input
    lines cannot carry (a double quote, a newline) or when it cannot be created or written.
    """
    from anodeflow.workflows.engine import lammps_path

    root = Path(root_dir or work_dir).expanduser().resolve()
    origin = "the --out folder" if root_dir else "the work_dir setting"
    try:
        lammps_path(root)
    except InputError as exc:
        raise InputError(f"{exc} ({origin})") from None
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create run folders in '{root}' ({origin}): {exc.strerror or exc}") from None
    if not os.access(root, os.W_OK | os.X_OK):
        raise InputError(f"cannot write run folders into '{root}' ({origin}): permission denied")
    return root
