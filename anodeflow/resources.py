"""Resource hints: what a job asks of a scheduler, shared by ``anodeflow submit`` and jobflow-remote."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class ResourceHints(BaseModel):
    """What one batch job asks for: MPI ranks, OpenMP threads per rank, wall time, queue."""

    nodes: int = Field(1, ge=1)
    processes: int = Field(1, ge=1, description="MPI ranks")
    threads_per_process: int = Field(1, ge=1, description="OpenMP threads per rank")
    time_limit_s: int = Field(3600, gt=0)
    queue_name: str | None = None
    account: str | None = None
    memory_per_thread_mb: int | None = None

    def to_qresources(self, job_name: str | None = None, work_dir: Path | None = None):
        """The qtoolkit ``QResources`` (also what jobflow-remote takes as ``resources``)."""
        from qtoolkit.core.data_objects import QResources

        if self.nodes > 1:  # qtoolkit takes either nodes + ranks per node, or a rank count alone
            layout = {"nodes": self.nodes, "processes_per_node": max(1, self.processes // self.nodes)}
        else:
            layout = {"processes": self.processes}
        return QResources(
            job_name=job_name, **layout,
            threads_per_process=self.threads_per_process, time_limit=self.time_limit_s,
            queue_name=self.queue_name, account=self.account, memory_per_thread=self.memory_per_thread_mb,
            output_filepath=str(work_dir / "queue.out") if work_dir else None,
            error_filepath=str(work_dir / "queue.err") if work_dir else None,
        )


#: default resources per run kind (one 2-core node here; scale ranks with the atom count on clusters)
DEFAULT_RESOURCES: dict[str, ResourceHints] = {
    "couple": ResourceHints(threads_per_process=1, time_limit_s=4 * 3600),
    "resume": ResourceHints(threads_per_process=1, time_limit_s=4 * 3600),
    "meltquench": ResourceHints(time_limit_s=2 * 3600),
    "diffusion": ResourceHints(time_limit_s=8 * 3600),
    "kinetics": ResourceHints(time_limit_s=12 * 3600),
    "neb": ResourceHints(time_limit_s=3600),
}


#: per-job hints inside flows, by job name as the Makers set it (jobflow-remote reads each job's manager_config)
JOB_HINTS: dict[str, ResourceHints] = {
    "lammps md": ResourceHints(time_limit_s=12 * 3600),
    "melt quench": ResourceHints(time_limit_s=4 * 3600),
    "analyse couple": ResourceHints(time_limit_s=2 * 3600),
    "lammps neb": ResourceHints(time_limit_s=3600),
    "static": ResourceHints(processes=16, time_limit_s=4 * 3600),  # atomate2's CP2K static job
    "fit potential": ResourceHints(time_limit_s=4 * 3600),  # a fit: LAMMPS descriptors, least squares, its MD
}


def apply_resource_hints(flow, hints: dict[str, ResourceHints] | None = None, exec_config: str | None = "anodeflow",
                         worker: str | None = None):
    """Put resource hints into the ``manager_config`` of every job whose name contains a key of ``hints``.

    jobflow-remote submits each job with these ``resources`` (a qtoolkit ``QResources``), ``exec_config``
    and ``worker``. MD jobs ask for as many ranks as their Maker's ``mpi_ranks``. Returns the flow.
    """
    from jobflow import Job

    hints = JOB_HINTS if hints is None else hints
    for job in [flow] if isinstance(flow, Job) else [job for job, _ in flow.iterflow()]:
        for name, hint in hints.items():
            if name in job.name:
                ranks = getattr(getattr(job, "maker", None), "mpi_ranks", None)
                hint = hint.model_copy(update={"processes": ranks}) if ranks else hint
                config = {"resources": hint.to_qresources()}
                if exec_config:
                    config["exec_config"] = exec_config
                if worker:
                    config["worker"] = worker
                job.config.manager_config = {**job.config.manager_config, **config}
                break
    return flow
