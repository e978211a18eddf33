"""Study flows on tiny systems with real LAMMPS and the embedded store.

Numbers measured here with the Cui 2012 MEAM (LAMMPS 2025-07-22): a 128-atom Li0.5Si0.5 glass
from a 3 ps melt at 2000 K and a 500 K/ps quench settles at 1.83 g/cm^3 (start packing 1.67);
Li then diffuses at 0.7, 1.0 and 2.1e-5 cm^2/s at 600, 900 and 1200 K (Si about 2.5x slower); with
the room-temperature Li15Si4 volume anchor the 600 K value of one run was 4.9e-7 cm^2/s.
"""

from __future__ import annotations

import numpy as np
import pytest
from jobflow import Flow

from anodeflow.errors import InputError
from anodeflow.workflows.couple import AnalyseCoupleMaker, BuildCoupleMaker, InterfaceMDMaker
from anodeflow.workflows.md import LammpsMDMaker, MeltQuenchMaker
from anodeflow.workflows.run import run_flow
from anodeflow.workflows.studies import AmorphousAlloyMaker, DiffusionFlowMaker, KineticsFlowMaker

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("lammps_available")]

GLASS = AmorphousAlloyMaker(n_atoms=128, melt_quench=MeltQuenchMaker(
    temperature_K=2000, time_ps=3, quench_rate_K_ps=500, anneal_time_ps=2, progress=False))


@pytest.fixture(scope="module")
def diffusion_study(tmp_path_factory):
    root = tmp_path_factory.mktemp("diffusion")
    glass = GLASS.make("Li-Si")
    study = DiffusionFlowMaker(temperatures_K=(600, 900, 1200), species=("Li", "Si"), equilibration_ps=0.5,
                               md=LammpsMDMaker(time_ps=5, dump_every_ps=0.05, minimize=False, progress=False))
    diffusion = study.make(glass.output.final_structure, "Li-Si")
    from anodeflow.store import open_store

    store = open_store()
    out = run_flow(Flow([glass, diffusion], output=diffusion.output), store=store, root_dir=root)
    return out, store, glass


def test_melt_quench_gives_a_dense_glass(diffusion_study):
    from anodeflow.analysis.structure import CrystallineHost

    _, store, glass = diffusion_study
    doc = store.get_output(glass.output.uuid, load=True)
    assert doc["doc_type"] == "lammps_md" and doc["n_steps"] == 3000 + 3400 + 2000
    assert doc["temperature_K"] == 300.0
    assert abs(doc["thermo"][-1]["temp_K"] - 300) < 60
    assert 1.55 < doc["density_g_cm3"] < 2.0  # measured 1.83 g/cm^3
    final = doc["final_structure"]
    positions, cell = np.array(final["positions_A"]), np.array(final["cell_A"])
    si = np.array(final["symbols"]) == "Si"
    crystalline = CrystallineHost("Si").compute(positions, cell, si).crystalline
    assert crystalline[si].mean() < 0.05  # amorphous: no diamond-like Si left


def test_diffusivities_rise_with_temperature_and_li_is_faster(diffusion_study):
    out, _, _ = diffusion_study
    runs = out["runs"]
    li = sorted((r["temperature_K"], r["D_cm2_s"]) for r in runs if r["species"] == "Li")
    si = dict((r["temperature_K"], r["D_cm2_s"]) for r in runs if r["species"] == "Si")
    assert [T for T, _ in li] == [600, 900, 1200]
    assert li[-1][1] > li[0][1]
    assert all(D > si[T] for T, D in li)
    assert all(1e-7 < D < 1e-3 for _, D in li)  # cm^2/s: fast liquid-like carrier transport at these T
    fit = out["arrhenius"]["Li"]
    # the 600 K point sits in the glass and scatters by an order of magnitude between start packings
    # (measured: 0.7e-5 and 4.9e-7 cm^2/s), so the extrapolation is compared with the liquid-like points
    assert 0.02 < fit["Ea_eV"] < 1.0 and fit["D_300K_cm2_s"] < min(D for T, D in li if T >= 900)


def test_diffusion_flow_rejects_bad_settings():
    from anodeflow.workflows.schemas import AtomsModel

    dummy = AtomsModel(symbols=["Si"], positions_A=[[0, 0, 0]], cell_A=np.eye(3).tolist(), pbc=[True] * 3)
    with pytest.raises(InputError, match="at least two temperatures"):
        DiffusionFlowMaker(temperatures_K=(900,)).make(dummy, "Li-Si")
    with pytest.raises(InputError, match="carrier fraction must be in \\(0, 1\\)"):
        AmorphousAlloyMaker(carrier_fraction=1.0).make("Li-Si")
    with pytest.raises(InputError, match="anneal temperature 2500"):
        MeltQuenchMaker(anneal_temperature_K=2500)


def test_kinetics_flow_over_orientations(tmp_path):
    """Two tiny couples, (100) and (110): per-run regime record and the anisotropy of front speeds."""
    maker = KineticsFlowMaker(orientations=("100", "110"), temperatures_K=(1500.0,), interface_md=InterfaceMDMaker(
        build=BuildCoupleMaker(size_nm=1.2, host_thickness_nm=1.2, reservoir_thickness_nm=1.2),
        md=LammpsMDMaker(time_ps=1.0, dump_every_ps=0.1, progress=False, dump_stress=True, restart_every_ps=0.5),
        analyse=AnalyseCoupleMaker(progress=False, plot=False)))
    out = run_flow(maker.make("Li-Si"), root_dir=tmp_path)
    assert [r["miller"] for r in out["runs"]] == ["100", "110"]
    assert set(out["anisotropy"]) == {"100@1500K", "110@1500K"}
    assert min(out["anisotropy"].values()) == pytest.approx(1.0)
    for r in out["runs"]:
        assert r["regime"] in ("ICR", "DCR", "mixed", "undetermined")
        assert np.isfinite(r["velocity_nm_ps"])
    with pytest.raises(InputError, match="Miller"):
        KineticsFlowMaker(orientations=("1x0",)).make("Li-Si")
