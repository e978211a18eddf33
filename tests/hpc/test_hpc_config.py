"""HPC configuration that cannot be exercised against a real cluster here: parsed and checked offline."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from anodeflow.errors import InputError
from anodeflow.resources import ResourceHints, apply_resource_hints
from anodeflow.submit import _seconds, batch_commands, parse_resources

HPC = Path(__file__).parents[2] / "hpc"


@pytest.mark.parametrize("name, worker, scheduler", [("jobflow-remote-slurm.yaml", "slurm", "slurm"),
                                                     ("jobflow-remote-pbs.yaml", "pbs", "pbs")])
def test_jobflow_remote_projects_validate(name, worker, scheduler, tmp_path, monkeypatch):
    from jobflow import JobStore
    from jobflow_remote.config.base import Project
    from maggma.stores import GridFSStore, MongoStore

    data = yaml.safe_load((HPC / name).read_text())
    data["base_dir"] = str(tmp_path)  # keep jobflow-remote's own folders out of the home directory
    project = Project(**data)
    assert list(project.workers) == [worker] and project.workers[worker].scheduler_type == scheduler
    assert "ANODEFLOW_STORE__TYPE" in project.exec_config["anodeflow"].export
    store = project.get_jobstore()
    assert isinstance(store, JobStore) and isinstance(store.docs_store, MongoStore)
    assert isinstance(store.additional_stores["data"], GridFSStore)  # big arrays, as anodeflow's own store


def test_resource_hints_reach_the_jobs():
    from anodeflow.workflows.couple import InterfaceMDMaker
    from anodeflow.workflows.md import LammpsMDMaker

    flow = apply_resource_hints(InterfaceMDMaker(md=LammpsMDMaker(mpi_ranks=8)).make("Li-Si"), worker="slurm")
    by_name = {job.name: job.config.manager_config for job in flow.jobs}
    assert by_name["build couple"] == {}
    md = by_name["lammps md"]
    assert md["resources"].processes == 8 and md["resources"].time_limit == 12 * 3600
    assert md["worker"] == "slurm" and md["exec_config"] == "anodeflow"
    assert by_name["analyse couple"]["resources"].processes == 1


def test_pbs_and_slurm_headers_from_the_same_hints():
    from qtoolkit.io.pbs import PBSIO
    from qtoolkit.io.slurm import SlurmIO

    hints = parse_resources("processes=4,threads=2,time=1:30:00,queue=short", "couple")
    assert hints == ResourceHints(processes=4, threads_per_process=2, time_limit_s=5400, queue_name="short")
    commands = batch_commands("couple", ["Li-Si", "--time-ps", "20"], hints)
    assert "export OMP_NUM_THREADS=2" in commands
    assert any(c.endswith("run couple Li-Si --time-ps 20 --json --no-progress > result.json 2> error.log")
               for c in commands)
    slurm = SlurmIO().get_submission_script(commands, hints.to_qresources("anodeflow-couple"))
    assert "#SBATCH --ntasks=4" in slurm and "#SBATCH --cpus-per-task=2" in slurm and "#SBATCH --partition=short" in slurm
    pbs = PBSIO().get_submission_script(commands, hints.to_qresources("anodeflow-couple"))
    assert "#PBS -q short" in pbs and "#PBS -l select=4:ncpus=2:ompthreads=2" in pbs
    assert "#PBS -l walltime=1:30:0" in pbs


def test_resource_parsing_errors_and_times():
    assert _seconds("90") == 5400 and _seconds("2-00:00:00") == 172800 and _seconds("10:00") == 600  # MM:SS as SLURM reads it
    with pytest.raises(InputError, match="resource 'gpus=1' is not KEY=VALUE"):
        parse_resources("gpus=1", "couple")
    with pytest.raises(InputError, match="bad resources 'processes=0'"):
        parse_resources("processes=0", "couple")
    with pytest.raises(InputError, match="time 'soon'"):
        parse_resources("time=soon", "neb")
