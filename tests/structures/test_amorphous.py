"""Random-packing start cells for amorphous alloys."""

from __future__ import annotations

import numpy as np
import pytest

from anodeflow.errors import InputError
from anodeflow.structures.amorphous import default_min_distance_A, random_alloy, volume_per_atom_A3
from anodeflow.structures.couples import min_distance


def test_volume_anchors():
    # elements: diamond Si 5.431 A (8 atoms) and bcc Li 3.51 A (2 atoms)
    assert volume_per_atom_A3("Li-Si", 0.0) == pytest.approx(5.431**3 / 8, rel=1e-9)
    assert volume_per_atom_A3("Li-Si", 1.0) == pytest.approx(3.51**3 / 2, rel=1e-9)
    # Li15Si4 (I-43d, a = 10.685 A, Z = 4; Obrovac & Christensen, ESSL 7 (2004) A93): 16.05 A^3/atom
    assert volume_per_atom_A3("Li-Si", 15 / 19) == pytest.approx(16.05, abs=0.01)
    # lithium silicides are denser than the elements mixed: below the straight line between them
    assert volume_per_atom_A3("Li-Si", 0.5) < 0.5 * (5.431**3 / 8 + 3.51**3 / 2)
    # NaSn (I4_1/acd, a = 10.475, c = 17.412 A, 64 atoms; COD 8101628): 29.85 A^3/atom
    assert volume_per_atom_A3("Na-Sn", 0.5) == pytest.approx(10.475**2 * 17.412 / 64, rel=1e-9)
    # NaSb (P2_1/c, 6.80 x 6.34 x 12.48 A, beta 117.6 deg, 16 atoms; Cromer 1959): 29.80 A^3/atom;
    # Na3Sb (P6_3/mmc, a = 5.366, c = 9.515 A, 8 atoms; Brauer & Zintl 1937): 29.66 A^3/atom
    assert volume_per_atom_A3("Na-Sb", 0.5) == pytest.approx(29.80, abs=0.01)
    assert volume_per_atom_A3("Na-Sb", 0.75) == pytest.approx(5.366**2 * 3**0.5 / 2 * 9.515 / 8, rel=1e-9)


def test_random_alloy_composition_density_and_distance():
    atoms = random_alloy("Li-Si", 0.5, 200, seed=3)
    symbols = atoms.get_chemical_symbols()
    assert symbols.count("Li") == 100 and symbols.count("Si") == 100
    assert atoms.get_volume() / len(atoms) == pytest.approx(volume_per_atom_A3("Li-Si", 0.5), rel=1e-9)
    d = min_distance(atoms)
    assert d >= default_min_distance_A("Li-Si") - 1e-9
    assert atoms.info["min_distance_A"] == pytest.approx(d)
    assert default_min_distance_A("Li-Si") == pytest.approx(0.75 * 5.431 * np.sqrt(3) / 4)
    same = random_alloy("Li-Si", 0.5, 200, seed=3)
    np.testing.assert_array_equal(same.positions, atoms.positions)


@pytest.mark.parametrize("kwargs, match", [
    (dict(carrier_fraction=1.5), "carrier fraction must be in \\[0, 1\\], got 1.5"),
    (dict(carrier_fraction=0.5, n_atoms=1), "n_atoms must be >= 2"),
    (dict(carrier_fraction=0.5, min_distance_A=4.0), "cannot place 64 atoms 4.00 A apart"),
])
def test_bad_packings(kwargs, match):
    kwargs = {"n_atoms": 64, "max_tries": 200, **kwargs}
    with pytest.raises(InputError, match=match):
        random_alloy("Li-Si", **kwargs)
