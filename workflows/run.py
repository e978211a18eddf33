"""Run flows locally into the configured store."""

from __future__ import annotations

import warnings
from pathlib import Path

from jobflow import Flow, Job, JobStore, run_locally

from anodeflow.settings import get_settings
from anodeflow.store import open_store


def run_flow(flow: Flow | Job, store: JobStore | None = None, root_dir: str | Path | None = None) -> dict:
    """Run ``flow`` with jobflow's local manager, one folder per job under ``root_dir``.

    Returns the flow's stored output (a dict; ``data`` fields as references). Any job error is raised unchanged, so
    anodeflow's typed errors reach the caller; jobs that finished before it stay stored.
    """
    settings = get_settings()
    store = store or open_store(settings)
    root = Path(root_dir or settings.work_dir).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module="jobflow")
        responses = run_locally(flow, store=store, create_folders=True, root_dir=root, log=False,
                                raise_immediately=True, ensure_success=True)
    if flow.output is None:
        return responses
    return store.get_output(flow.output.uuid, load=False)
