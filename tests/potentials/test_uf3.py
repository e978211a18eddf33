"""UF3 basis: the design rows are the exact adjoint of LAMMPS's ``pair_style uf3``, and a fit recovers a known potential.

Exactness: with random coefficients, LAMMPS 2025-07-22's energy, forces and pressure equal rows @ coefficients
(to rounding; the pressure to its thermo output precision) on a small periodic alloy (many images of each
atom), a beta-Sn crystal and a sheared (triclinic) cell. Known answer: a Morse pair potential computed by
LAMMPS (``morse/smooth/linear``: D0 = 0.5 eV, alpha = 1.5 / A, r0 = 2.8 A, energy and force zero at 5.5 A)
is a smooth 2-body function, so the UF3 splines must reproduce it on held-out cells (measured: forces
5.7 meV/A on an rms of 1.7 eV/A, energies within 0.4 meV/atom).
"""

from __future__ import annotations

import numpy as np
import pytest

from anodeflow.errors import InputError
from anodeflow.potentials.uf3 import Uf3Basis, Uf3Settings, design_rows, uf3_file

pytestmark = pytest.mark.usefixtures("lammps_available")

ELEMENTS = ["Na", "Sn"]
BAR_A3_TO_EV = 1.0 / 1.602176634e6


def lammps_values(atoms, commands, directory):
    """LAMMPS energy (eV), forces (eV/A, atom order) and virial (eV, xx yy zz yz xz xy) of ``atoms``."""
    from anodeflow.workflows.engine import Lammps

    with Lammps(directory, log=False) as lmp:
        lmp.load_atoms(atoms, ELEMENTS)
        lmp.commands([*commands, "thermo_style custom step pe pxx pyy pzz pyz pxz pxy vol", "run 0"])
        pressure = np.array([lmp.thermo(k) for k in ("pxx", "pyy", "pzz", "pyz", "pxz", "pxy")])
        return lmp.thermo("pe"), lmp.forces(), pressure * lmp.thermo("vol") * BAR_A3_TO_EV


def cells():
    from anodeflow.structures.amorphous import random_alloy
    from anodeflow.structures.crystals import bulk_crystal, sheared_xz

    return [random_alloy("Na-Sn", 0.5, 16, seed=3), bulk_crystal("beta-Sn").repeat(2),
            sheared_xz(random_alloy("Na-Sn", 0.3, 40, seed=4), 0.1)]


def test_rows_equal_lammps_pair_style_uf3(tmp_path):
    basis = Uf3Basis(ELEMENTS, Uf3Settings())
    coeff = np.random.default_rng(1).normal(0.0, 0.05, basis.n_columns)
    potential = tmp_path / "random.uf3"
    potential.write_text(uf3_file(basis, coeff, "random coefficients"))
    for atoms in cells():
        rows = design_rows(atoms, basis)
        energy, forces, virial = lammps_values(atoms, ["pair_style uf3 3", f"pair_coeff * * {potential} Na Sn"],
                                               tmp_path)
        assert np.abs(forces).max() > 0.1 or len(set(atoms.get_chemical_symbols())) == 1  # a real test of forces
        assert rows["energy"] @ coeff == pytest.approx(energy, abs=1e-9)
        np.testing.assert_allclose(rows["forces"] @ coeff, forces.ravel(), atol=1e-9)
        np.testing.assert_allclose(rows["virial"] @ coeff, virial, atol=1e-4 * max(1.0, np.abs(virial).max()))


def test_like_neighbours_share_coefficients_and_trimmed_ones_are_zero():
    basis = Uf3Basis(ELEMENTS, Uf3Settings(n3_intervals=4))
    L, M, N = basis.shape3
    assert (L, M, N) == (7, 7, 11)  # intervals + 3 along r_ij, r_ik; twice the intervals along r_jk
    for trio in basis.triplets:
        cols = basis.grid_columns[trio]
        assert (cols[L - 3:] == -1).all() and (cols[:, M - 3:] == -1).all() and (cols[:, :, N - 3:] == -1).all()
        if trio[1] == trio[2]:
            np.testing.assert_array_equal(cols, cols.transpose(1, 0, 2))
    # 3 pairs x (25 - 3); 2 x 3 triplets: like neighbours 10 x 8 (l <= m of 4 x 4), unlike 16 x 8
    assert basis.n_columns == 3 * 22 + 4 * 10 * 8 + 2 * 16 * 8


def test_a_fit_recovers_a_morse_pair_potential(tmp_path):
    from anodeflow.potentials.snap import fit_coefficients
    from anodeflow.structures.amorphous import random_alloy

    morse = ["pair_style morse/smooth/linear 5.5", "pair_coeff * * 0.5 1.5 2.8"]
    basis = Uf3Basis(ELEMENTS, Uf3Settings(n3_intervals=4))
    data = []
    for k in range(40):  # 30 fitted (about 2,200 rows for 642 coefficients), 10 held out
        atoms = random_alloy("Na-Sn", 0.2 + 0.015 * k, 24, seed=10 + k)
        atoms.positions += np.random.default_rng(k).normal(0.0, 0.1, atoms.positions.shape)
        energy, forces, _ = lammps_values(atoms, morse, tmp_path)
        data.append((design_rows(atoms, basis), energy / len(atoms), forces.ravel(), len(atoms)))
    train, test = data[:30], data[30:]
    blocks = [block for rows, e, f, n in train
              for block in ((rows["energy"][None] / n, np.array([e]), 10.0), (rows["forces"], f, 1.0))]
    penalty = basis.curvature_rows()  # smooth splines, and no free coefficient where no distance falls
    blocks.append((penalty * np.sqrt(sum(len(t) for _, t, _ in blocks)), np.zeros(penalty.shape[0]), 1.0))
    coeff = fit_coefficients(blocks, ridge=1e-10)
    force_error = np.concatenate([rows["forces"] @ coeff - f for rows, _, f, _ in test])
    energy_error = np.array([rows["energy"] @ coeff / n - e for rows, e, _, n in test])
    assert np.sqrt(np.mean(force_error ** 2)) < 0.01  # eV/A, on forces of about 1 eV/A
    assert np.abs(energy_error).max() < 2e-3  # eV/atom


@pytest.mark.parametrize("kwargs, match", [
    ({"r_min_A": 0.0}, "r_min"), ({"r3_max_A": 6.0}, "r3_max"), ({"n2_intervals": 4}, "knot intervals")])
def test_bad_knots_are_one_line_errors(kwargs, match):
    with pytest.raises(InputError, match=match):
        Uf3Settings(**kwargs)


def test_unknown_element_is_refused():
    from ase import Atoms

    with pytest.raises(InputError, match=r"\['Li'\] are not in the UF3 basis"):
        design_rows(Atoms("Li2", positions=[[0, 0, 0], [2.5, 0, 0]], cell=[8, 8, 8], pbc=True),
                    Uf3Basis(ELEMENTS, Uf3Settings()))
