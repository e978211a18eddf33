"""Per-atom crystallinity, bond lengths and disordered-layer thickness on constructed cells."""

from __future__ import annotations

import numpy as np
import pytest

from anodeflow.analysis.bonds import PartialRDF, host_bond_lengths
from anodeflow.analysis.couple import analyse_couple
from anodeflow.analysis.structure import CrystallineHost
from anodeflow.analysis.trajectory import Frame
from anodeflow.structures import bulk_crystal


def _frame(atoms, positions=None) -> Frame:
    return Frame(0, atoms.positions.copy() if positions is None else positions, atoms.cell.array.copy(),
                 np.array(atoms.get_chemical_symbols()), np.arange(1, len(atoms) + 1))


def random_packing(n: int, box: float, d_min: float, seed: int) -> np.ndarray:
    """n points in a cubic periodic box, no two closer than d_min (random sequential addition)."""
    rng = np.random.default_rng(seed)
    points = np.empty((0, 3))
    while len(points) < n:
        p = rng.uniform(0, box, 3)
        d = points - p
        d -= box * np.round(d / box)
        if len(points) == 0 or np.min(np.einsum("ij,ij->i", d, d)) >= d_min**2:
            points = np.vstack([points, p])
    return points


# Reference bond lengths: Si 2.352 A (a = 5.431 A, a sqrt(3)/4); beta-Sn 3.022 A (x4) and 3.182 A
# (x2) at a = 5.831, c = 3.182 A; A7 Sb 2.91 A (x3) and 3.35 A (x3) at a = 4.307, c = 11.27 A, z = 0.2336
@pytest.mark.parametrize(("crystal", "reps", "shells"), [
    ("Si", (3, 3, 3), [(2.352, 4), (3.840, 12)]),
    ("beta-Sn", (3, 3, 5), [(3.022, 4), (3.182, 2)]),
    ("Sb", (4, 4, 2), [(2.909, 3), (3.352, 3)]),
])
def test_perfect_crystal_shells(crystal, reps, shells):
    atoms = bulk_crystal(crystal).repeat(reps)
    element = atoms.get_chemical_symbols()[0]
    result = PartialRDF(r_max_A=5.0, bins=1000).compute(_frame(atoms)).results()[f"{element}-{element}"]
    for (r_ref, n_ref), shell in zip(shells, result.shells):
        assert shell["r_A"] == pytest.approx(r_ref, abs=0.01)
        assert shell["neighbours"] == pytest.approx(n_ref, abs=1e-6)
    assert result.coordination == pytest.approx(shells[0][1], abs=1e-6)


def test_rdf_counted_per_frame_equals_freud_accumulating_frames():
    """Histograms counted frame by frame (as worker processes do) and normalised here give, to the last bit,
    the g(r) (and the shells from n(r)) of one freud RDF fed every frame; with and without a layer of centres."""
    import freud

    from anodeflow.analysis.bonds import rdf_shells
    from anodeflow.analysis.structure import freud_system

    rng = np.random.default_rng(4)
    frames = []
    for k in range(3):  # rattled Si crystals of growing size, 40 % of the atoms called Li
        atoms = bulk_crystal("Si").repeat((3, 3, 3 + k))
        symbols = np.where(rng.random(len(atoms)) < 0.4, "Li", "Si")
        positions = atoms.positions + rng.normal(0.0, 0.1, atoms.positions.shape)
        frames.append(Frame(k, positions, atoms.cell.array, symbols, np.arange(1, len(atoms) + 1)))
    for layer in (False, True):  # centres with 4 <= z < 12 A
        ours = PartialRDF(["Li-Li", "Li-Si"], 5.0, 120)
        reference = {pair: freud.density.RDF(120, 5.0) for pair in ("Li-Li", "Li-Si")}
        for frame in frames:
            select = (frame.positions[:, 2] >= 4.0) & (frame.positions[:, 2] < 12.0) if layer else None
            ours.compute(frame, select)
            box, points = freud_system(frame.positions, frame.cell)
            li, si = frame.mask("Li"), frame.mask("Si")
            centres = li if select is None else li & select
            if not layer:
                reference["Li-Li"].compute((box, points[li]), reset=False)
            else:
                reference["Li-Li"].compute((box, points[li]), query_points=points[centres], reset=False,
                                           neighbors={"r_max": 5.0, "exclude_ii": False})
            reference["Li-Si"].compute((box, points[si]), query_points=points[centres], reset=False,
                                       neighbors={"r_max": 5.0, "exclude_ii": False})
        for pair, result in ours.results().items():
            rdf = reference[pair]
            np.testing.assert_array_equal(np.float32(result.g), rdf.rdf)
            assert result.shells == rdf_shells(np.asarray(rdf.bin_centers), np.asarray(rdf.rdf), np.asarray(rdf.n_r))


def test_host_bond_lengths_in_si():
    atoms = bulk_crystal("Si").repeat(3)
    index, lengths = host_bond_lengths(_frame(atoms), "Si")
    assert len(lengths) == 216 * 4 // 2  # each of the 4 bonds per atom once
    np.testing.assert_allclose(lengths, 5.431 * np.sqrt(3) / 4, atol=1e-4)


@pytest.mark.parametrize(("crystal", "host", "reps", "d_min"), [
    ("Si", "Si", (3, 3, 3), 2.0), ("beta-Sn", "Sn", (4, 4, 7), 2.6), ("Sb", "Sb", (5, 5, 2), 2.5),
])
def test_classifier_accuracy_on_crystal_and_glass(crystal, host, reps, d_min):
    """Thermal crystal (0.1 A rms per axis) >= 99 % crystalline; random packing <= 2 %."""
    atoms = bulk_crystal(crystal).repeat(reps)
    rng = np.random.default_rng(7)
    hot = atoms.positions + rng.normal(0, 0.1, atoms.positions.shape)
    mask = np.ones(len(atoms), bool)
    crystal_fraction = CrystallineHost(host).compute(hot, atoms.cell.array, mask).n_crystalline / len(atoms)
    box = np.cbrt(atoms.get_volume())
    glass = random_packing(len(atoms), box, d_min, seed=8)
    glass_fraction = CrystallineHost(host).compute(glass, np.eye(3) * box, mask).n_crystalline / len(atoms)
    assert crystal_fraction >= 0.99
    assert glass_fraction <= 0.02


# IdentifyDiamond resolves the Si band to the atom (1.494 nm). The motif classifier (beta-Sn, A7 Sb)
# reads 1.56-1.71 nm (beta-Sn) and 1.66-1.75 nm (Sb) over six random packings: crystal atoms whose
# first shell holds band atoms stay non-crystalline.
@pytest.mark.parametrize(("crystal", "host", "reps", "d_min"),
                         [("Si", "Si", (3, 3, 12), 2.1), ("beta-Sn", "Sn", (3, 3, 20), 2.6), ("Sb", "Sb", (4, 4, 4), 2.5)])
def test_disordered_band_thickness(crystal, host, reps, d_min):
    """A 1.5 nm band of host atoms randomly packed at crystal density, measured by atom count."""
    atoms = bulk_crystal(crystal).repeat(reps)
    rng = np.random.default_rng(0)
    z = atoms.positions[:, 2]
    band = (z >= 10.0) & (z < 25.0)
    positions = atoms.positions.copy()
    lengths = atoms.cell.lengths()
    placed = positions[~band]
    new = []
    while len(new) < band.sum():  # random sequential addition, no two atoms closer than d_min
        p = np.array([rng.uniform(0, lengths[0]), rng.uniform(0, lengths[1]), rng.uniform(10.0, 25.0)])
        d = placed - p
        d -= lengths * np.round(d / lengths)
        if np.min(np.einsum("ij,ij->i", d, d)) >= d_min**2:
            placed = np.vstack([placed, p])
            new.append(p)
    positions[band] = new
    result = analyse_couple([_frame(atoms, positions)], host, "Li", len(atoms) / atoms.get_volume(),
                            timestep_ps=0.001, n_interfaces=1)
    assert result.amorphous_thickness_nm == pytest.approx(1.5, abs=0.3)
    assert result.amorphous_thickness_nm >= 1.5 - 0.05  # never thinner than the band
    assert result.reacted_thickness_nm == 0.0
