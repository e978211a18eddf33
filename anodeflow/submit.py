"""Batch submission without a MongoDB-backed manager: one scheduler job runs one ``anodeflow run ...``.

The batch script (written by qtoolkit for SLURM or PBS) runs the flow with jobflow's local manager
into the configured store and leaves ``result.json`` (the run's ``--json`` summary), ``error.log``
and ``exit_code`` in its job folder; :func:`job_status` combines those with the scheduler's view.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel

from anodeflow.errors import AnodeflowError, InputError
from anodeflow.resources import DEFAULT_RESOURCES, ResourceHints
from anodeflow.settings import get_settings

SCHEDULERS = ("slurm", "pbs")
RUN_KINDS = ("couple", "meltquench", "diffusion", "kinetics", "neb", "resume")
JOB_FILE = "job.json"


def _seconds(text: str) -> int:
    """``90`` (minutes), ``1:30:00`` or ``2-00:00:00`` -> seconds."""
    days, _, clock = text.rpartition("-")
    parts = [int(p) for p in clock.split(":")]
    if len(parts) == 1:
        seconds = parts[0] * 60
    else:
        while len(parts) < 3:
            parts.insert(0, 0)
        seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
    return seconds + (int(days) * 86400 if days else 0)


def parse_resources(text: str | None, kind: str) -> ResourceHints:
    """``"processes=4,threads=2,time=2:00:00,queue=debug"`` on top of the kind's defaults."""
    hints = DEFAULT_RESOURCES.get(kind, ResourceHints()).model_copy()
    if not text:
        return hints
    keys = {"nodes": "nodes", "processes": "processes", "ranks": "processes", "threads": "threads_per_process",
            "time": "time_limit_s", "queue": "queue_name", "account": "account", "mem_mb": "memory_per_thread_mb"}
    values = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or key.strip() not in keys:
            raise InputError(f"resource '{item}' is not KEY=VALUE with KEY one of {', '.join(keys)}")
        field = keys[key.strip()]
        try:
            values[field] = _seconds(value) if field == "time_limit_s" else value.strip()
        except ValueError:
            raise InputError(f"time '{value}' is not minutes, H:MM:SS or D-HH:MM:SS") from None
    try:
        return ResourceHints(**{**hints.model_dump(), **values})
    except ValueError as exc:
        raise InputError(f"bad resources '{text}': {str(exc).splitlines()[-1].strip()}") from None


class SubmittedJob(BaseModel):
    """What ``anodeflow submit`` recorded in the job folder."""

    job_id: str
    scheduler: str
    kind: str
    args: list[str]
    work_dir: str
    submitted_at: str
    resources: ResourceHints


def _queue_manager(scheduler: str):
    from qtoolkit.host.local import LocalHost
    from qtoolkit.io.pbs import PBSIO
    from qtoolkit.io.slurm import SlurmIO
    from qtoolkit.manager import QueueManager

    if scheduler not in SCHEDULERS:
        raise InputError(f"unknown scheduler '{scheduler}'; choose one of {', '.join(SCHEDULERS)}")
    return QueueManager(SlurmIO() if scheduler == "slurm" else PBSIO(), LocalHost())


def batch_commands(kind: str, args: list[str], resources: ResourceHints) -> list[str]:
    """Shell lines of the batch job: run the flow, keep its summary, error and exit code."""
    env = {k: v for k, v in os.environ.items() if k.startswith("ANODEFLOW_")}
    env.setdefault("ANODEFLOW_LAMMPS_THREADS", str(resources.threads_per_process))
    run = [sys.executable, "-m", "anodeflow.cli", "run", kind, *args, "--json", "--no-progress"]
    return [*(f"export {k}={shlex.quote(v)}" for k, v in sorted(env.items())),
            f"export OMP_NUM_THREADS={resources.threads_per_process}",
            f"{shlex.join(run)} > result.json 2> error.log",
            "status=$?", "echo $status > exit_code", "exit $status"]


def submit(kind: str, args: list[str], scheduler: str = "slurm", resources: ResourceHints | None = None) -> SubmittedJob:
    """Write a batch script with qtoolkit into a new job folder and submit it; returns the record."""
    if kind not in RUN_KINDS:
        raise InputError(f"unknown run kind '{kind}'; choose one of {', '.join(RUN_KINDS)}")
    manager = _queue_manager(scheduler)
    resources = resources or DEFAULT_RESOURCES[kind]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
    work_dir = (get_settings().jobs_dir / f"{stamp}-{kind}").resolve()
    options = resources.to_qresources(f"anodeflow-{kind}", work_dir)
    work_dir.mkdir(parents=True)
    try:
        result = manager.submit(batch_commands(kind, args, resources), options=options, work_dir=work_dir)
    except FileNotFoundError as exc:
        shutil.rmtree(work_dir)
        raise AnodeflowError(f"{scheduler} is not installed here ({exc.filename} not found)") from None
    if result.job_id is None:
        shutil.rmtree(work_dir)
        message = (result.stderr or result.stdout or "").strip().splitlines()
        raise AnodeflowError(f"{scheduler} refused the job: {message[-1] if message else result.status}")
    record = SubmittedJob(job_id=str(result.job_id), scheduler=scheduler, kind=kind, args=args,
                          work_dir=str(work_dir), submitted_at=datetime.now(timezone.utc).isoformat(),
                          resources=resources)
    (work_dir / JOB_FILE).write_text(record.model_dump_json(indent=1))
    return record


def list_submitted() -> list[SubmittedJob]:
    """Every job recorded under the ``jobs_dir`` setting, newest first."""
    root = get_settings().jobs_dir
    records = [SubmittedJob(**json.loads(p.read_text())) for p in root.glob(f"*/{JOB_FILE}")] if root.exists() else []
    return sorted(records, key=lambda r: r.submitted_at, reverse=True)


def job_status(record: SubmittedJob) -> dict:
    """Scheduler state plus the stored outcome: ``state``, ``exit_code``, ``result_id``, ``error``."""
    work_dir = Path(record.work_dir)
    state = None
    try:
        job = _queue_manager(record.scheduler).get_job(record.job_id)
        state = job.state.name if job and job.state else None
    except Exception:  # noqa: BLE001 - scheduler not reachable or job purged: the files decide
        state = None
    exit_file = work_dir / "exit_code"
    exit_text = exit_file.read_text().strip() if exit_file.exists() else ""
    exit_code = int(exit_text) if exit_text else None
    if exit_code is not None:
        state = "DONE" if exit_code == 0 else "FAILED"
    summary, error = None, None
    result = work_dir / "result.json"
    if exit_code == 0 and result.exists():
        summary = json.loads(result.read_text())
    errors = work_dir / "error.log"
    if exit_code not in (None, 0) and errors.exists():
        lines = [ln for ln in errors.read_text().splitlines() if ln.strip()]
        error = next((ln for ln in reversed(lines) if ln.startswith("error:")), lines[-1] if lines else None)
    return {"job_id": record.job_id, "scheduler": record.scheduler, "kind": record.kind, "args": record.args,
            "state": state or "UNKNOWN", "exit_code": exit_code, "result_id": summary.get("id") if summary else None,
            "summary": summary, "error": error, "work_dir": record.work_dir, "submitted_at": record.submitted_at}


def wait_for(record: SubmittedJob, timeout_s: float = 600, poll_s: float = 1.0) -> dict:
    """Poll :func:`job_status` until the job is DONE or FAILED (or ``timeout_s`` passes)."""
    deadline = time.time() + timeout_s
    while True:
        status = job_status(record)
        if status["state"] in ("DONE", "FAILED") or time.time() > deadline:
            return status
        time.sleep(poll_s)
