"""``anodeflow submit`` / ``anodeflow jobs`` against a real one-node SLURM (Debian slurm-wlm) started here.

The fixture writes a slurm.conf in a temporary folder (auth/none, SlurmUser=root, linuxproc
proctrack, cons_tres), starts ``slurmctld`` and ``slurmd`` on free ports and stops both by PID.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import _engine_missing

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("lammps_available")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    if not shutil.which("slurmctld") or not shutil.which("slurmd") or not shutil.which("sbatch"):
        _engine_missing(RuntimeError("slurmctld/slurmd/sbatch not found (Debian package slurm-wlm)"))
    if os.geteuid() != 0:
        pytest.skip("this one-node SLURM runs its daemons as root")
    root = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool", "log"):
        (root / sub).mkdir()
    host = socket.gethostname().split(".")[0]
    conf = root / "slurm.conf"
    conf.write_text(f"""ClusterName=anodeflowtest
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=3600
NodeName={host} CPUs={os.cpu_count()} RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""")
    env = {**os.environ, "SLURM_CONF": str(conf)}
    subprocess.run(["slurmctld", "-f", str(conf)], env=env, check=True)
    subprocess.run(["slurmd", "-f", str(conf)], env=env, check=True)
    deadline = time.time() + 60
    while True:
        state = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True).stdout.strip()
        if state == "idle":
            break
        if time.time() > deadline:
            pytest.fail(f"SLURM did not come up (sinfo: {state!r}); see {root}/log")
        time.sleep(0.5)
    yield env, root
    for pid_file in ("slurmd.pid", "slurmctld.pid"):
        path = root / pid_file
        if path.exists():
            try:
                os.kill(int(path.read_text()), signal.SIGTERM)
            except ProcessLookupError:
                pass


def _cli(env, *args, timeout=900):
    return subprocess.run([sys.executable, "-m", "anodeflow.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


@pytest.fixture
def cli_env(slurm, isolated_home):
    env, _ = slurm
    return {**env, **{k: v for k, v in os.environ.items() if k.startswith("ANODEFLOW_")}}


def test_interface_md_through_slurm_reaches_the_store(cli_env):
    sub = _cli(cli_env, "submit", "couple", "Li-Si", "--orientation", "100", "--size-nm", "1.2", "--time-ps", "0.5",
               "--resources", "threads=1,time=10", "--json")
    assert sub.returncode == 0, sub.stderr
    record = json.loads(sub.stdout)
    script = (os.path.join(record["work_dir"], "submit.script"))
    text = open(script).read()
    assert "#SBATCH --cpus-per-task=1" in text and "#SBATCH --time=0-0:10:0" in text
    waited = _cli(cli_env, "jobs", "--wait", record["job_id"], "--timeout-s", "600", "--json")
    (status,) = json.loads(waited.stdout)
    assert status["state"] == "DONE", status
    assert status["exit_code"] == 0 and status["summary"]["n_atoms"] == 186
    shown = _cli(cli_env, "results", "show", status["result_id"], "--json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)["output"]
    assert doc["doc_type"] == "interface_md" and doc["miller"] == "100" and doc["time_ps"] == pytest.approx(0.5)
    listing = json.loads(_cli(cli_env, "jobs", "--json").stdout)
    assert [j["job_id"] for j in listing] == [record["job_id"]]


def test_eight_batch_jobs_on_one_node_share_the_embedded_store(cli_env):
    """8 queued couple runs, as many at a time as the node has cores, all against one embedded store."""
    records = []
    for seed in range(1, 9):
        sub = _cli(cli_env, "submit", "couple", "Li-Si", "--size-nm", "1", "--time-ps", "0.1", "--seed", str(seed),
                   "--resources", "threads=1,time=10", "--json")
        assert sub.returncode == 0, sub.stderr
        records.append(json.loads(sub.stdout))
    statuses = [json.loads(_cli(cli_env, "jobs", "--wait", r["job_id"], "--timeout-s", "900", "--json").stdout)[0]
                for r in records]
    assert [s["state"] for s in statuses] == ["DONE"] * 8, [s["error"] for s in statuses]
    listed = json.loads(_cli(cli_env, "results", "list", "--json").stdout)
    by_type = {t: {r["id"] for r in listed if r["doc_type"] == t}
               for t in ("interface_md", "lammps_md", "couple_structure")}
    assert by_type["interface_md"] == {s["result_id"] for s in statuses}
    assert [len(ids) for ids in by_type.values()] == [8, 8, 8]


def test_a_failing_batch_job_shows_its_error(cli_env):
    sub = _cli(cli_env, "submit", "couple", "Li-Xx", "--json")
    assert sub.returncode == 0, sub.stderr
    job_id = json.loads(sub.stdout)["job_id"]
    (status,) = json.loads(_cli(cli_env, "jobs", "--wait", job_id, "--timeout-s", "300", "--json").stdout)
    assert status["state"] == "FAILED" and status["exit_code"] == 2
    assert status["error"] == "error: unknown host 'Xx' in 'Li-Xx'; hosts: Si, Ge, Sn, Sb, P"
    table = _cli({**cli_env, "COLUMNS": "250"}, "jobs")
    assert "FAILED" in table.stdout and "unknown host" in table.stdout


def test_bad_submissions_are_refused_before_the_queue(cli_env):
    bad_kind = _cli(cli_env, "submit", "dance", "Li-Si")
    assert bad_kind.returncode == 2 and "unknown run kind 'dance'" in bad_kind.stderr
    bad_res = _cli(cli_env, "submit", "couple", "Li-Si", "--resources", "cores=4")
    assert bad_res.returncode == 2 and "resource 'cores=4' is not KEY=VALUE" in bad_res.stderr
    bad_sched = _cli(cli_env, "submit", "couple", "Li-Si", "--scheduler", "lsf")
    assert bad_sched.returncode == 2 and "unknown scheduler 'lsf'" in bad_sched.stderr
    assert not list((os.path.join(os.environ["ANODEFLOW_JOBS_DIR"], d) for d in
                     (os.listdir(os.environ["ANODEFLOW_JOBS_DIR"]) if os.path.isdir(os.environ["ANODEFLOW_JOBS_DIR"]) else [])))
