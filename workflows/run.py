"""Run flows locally: documents into a run folder first, then into the configured store."""

from __future__ import annotations

import warnings
from pathlib import Path

from jobflow import Flow, Job, JobStore, run_locally

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
    run = RunFolder.create(Path(root_dir or settings.work_dir).expanduser().resolve(), flow, **(record or {}))
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
