"""Reference alloy phases: symmetry, composition, volume and structural chemistry of the built cells."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import spglib
from ase.neighborlist import neighbor_list

from anodeflow.errors import InputError
from anodeflow.structures.phases import PHASES, build_phase, phase_names, volume_anchors

SIN_BETA_NASB = np.sin(np.radians(117.6))

# (space group number, composition of the cell, volume per atom of the source cell in A^3, measured volume per
# atom in A^3 or None). Source cells: the _cell_volume of the DFT-relaxed CIF named in each phase's source
# (ml-evs/matador @8fa5384: LiSi mp-795, Li15Si4 mp-569849, Li17Si4, NaSn ICSD 641294, Na7Sn3 ICSD 167672,
# Na15Sn4 ICSD 105167; alexispaz/DFTB_LiSi @87468db: Li12Si7, Li7Si3, Li13Si4); NaSb: Cromer's cell,
# 6.80 x 6.34 x 12.48 A, beta 117.6 deg, 16 atoms (Acta Cryst. 12 (1959) 41); Na3Sb: a = 5.366, c = 9.515 A,
# 8 atoms (Brauer & Zintl 1937). Measured: Li15Si4 a = 10.685 A (Obrovac & Christensen, ESSL 7 (2004) A93);
# Li17Si4 a = 18.7259 A, 420 atoms (Zeilinger et al., Chem. Mater. 25 (2013) 1960); NaSn a = 10.475,
# c = 17.412 A (Baitinger et al. 1999, COD 8101628); Na15Sn4 a = 13.14 A (Mueller & Volk 1977)
EXPECTED = {
    "LiSi": (88, {"Li": 16, "Si": 16}, 502.90947685 / 32, None),
    "Li12Si7": (62, {"Li": 96, "Si": 56}, 2396.02311375 / 152, None),
    "Li7Si3": (153, {"Li": 42, "Si": 18}, 895.76297970 / 60, None),
    "Li13Si4": (55, {"Li": 26, "Si": 8}, 524.12681076 / 34, None),
    "Li15Si4": (220, {"Li": 60, "Si": 16}, 1208.06361820 / 76, 10.685**3 / 76),
    "Li17Si4": (216, {"Li": 340, "Si": 80}, 6417.55939851 / 420, 18.7259**3 / 420),
    "NaSn": (142, {"Na": 32, "Sn": 32}, 1905.06896914 / 64, 10.475**2 * 17.412 / 64),
    "Na7Sn3": (153, {"Na": 42, "Sn": 18}, 1701.90740054 / 60, None),
    "Na15Sn4": (220, {"Na": 60, "Sn": 16}, 2242.85724687 / 76, 13.14**3 / 76),
    "NaSb": (14, {"Na": 8, "Sb": 8}, 6.80 * 6.34 * 12.48 * SIN_BETA_NASB / 16, None),
    "Na3Sb": (194, {"Na": 6, "Sb": 2}, 5.366**2 * 3**0.5 / 2 * 9.515 / 8, None),
}


def _shortest(atoms, a: str, b: str, cutoff: float = 6.0) -> float:
    i, j, d = neighbor_list("ijd", atoms, cutoff)
    symbols = np.array(atoms.get_chemical_symbols())
    mask = (symbols[i] == a) & (symbols[j] == b)
    return float(d[mask].min()) if mask.any() else np.inf


def _host_clusters(atoms, host: str, cutoff: float) -> dict[tuple[int, ...], int]:
    """Host atoms joined by host-host bonds shorter than ``cutoff`` (A), within the cell's periodic graph:
    {sorted bond counts of a cluster's atoms: number of such clusters}."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    atoms = atoms[[s == host for s in atoms.get_chemical_symbols()]]
    i, j = neighbor_list("ij", atoms, cutoff)
    _, labels = connected_components(coo_matrix((np.ones(len(i)), (i, j)), shape=(len(atoms),) * 2), directed=False)
    bonds = np.bincount(i, minlength=len(atoms))
    clusters = [tuple(sorted(bonds[labels == k].tolist())) for k in np.unique(labels)]
    return {c: clusters.count(c) for c in set(clusters)}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_phase_symmetry_composition_volume(name):
    atoms, spec = build_phase(name), PHASES[name]
    number, composition, volume, measured = EXPECTED[name]
    dataset = spglib.get_symmetry_dataset((atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers), symprec=1e-3)
    assert dataset.number == number
    symbols = atoms.get_chemical_symbols()
    assert {e: symbols.count(e) for e in set(symbols)} == composition
    assert len(atoms) == spec.atoms_per_cell == sum(int(wyckoff[:-1]) for _, wyckoff, _ in spec.sites)
    assert atoms.get_volume() / len(atoms) == pytest.approx(volume, rel=0.005)
    assert spec.cell_volume_per_atom_A3 == pytest.approx(atoms.get_volume() / len(atoms), rel=1e-9)
    assert spec.volume_per_atom_A3 == pytest.approx(measured or volume, rel=1e-6)
    assert atoms.info["carrier_fraction"] == pytest.approx(composition[atoms.info["system"].split("-")[0]] / len(atoms))
    if measured is not None:  # PBE cells lie within a few per cent of the measured ones
        assert spec.lattice_source.startswith("DFT-relaxed (")
        assert volume == pytest.approx(measured, rel=0.05)


# host-host bonding: bond cutoff (A), bond lengths (A) and the clusters the bonds make in the cell (see
# _host_clusters); every cutoff lies in a gap of more than 0.6 A in the host-host distances of these cells.
# Si-Si bonds 2.35-2.51 A: the shortest Si-Si of the source CIFs (2.353 Li7Si3, 2.362 Li12Si7, 2.378 Li13Si4,
# 2.414 LiSi; diamond Si 2.352). Sn-Sn 2.90-3.10 A: 2.95 A in the isotypic K4Sn4 (Baitinger et al. 1999), PBE
# longer by a few per cent. Sb-Sb 2.8-3.0 A: helix bonds of NaSb (Cromer 1959), near A7 Sb's 2.908 A
# (Barrett, Cucka & Haefner 1963).
SI_BOND, SN_BOND, SB_BOND = (2.3, 2.55), (2.9, 3.1), (2.8, 3.0)
ANIONS = {
    # three-bonded Si in one 3D network (Evers, Oehlinger, Sextl, Angew. Chem. Int. Ed. Engl. 32 (1993) 1442)
    "LiSi": (2.7, SI_BOND, {(3,) * 16: 1}),
    # planar Si5 rings and Si4 stars (Nesper, von Schnering, Curda, Chem. Ber. 119 (1986) 3576); this cell: 8 + 4
    "Li12Si7": (2.7, SI_BOND, {(2,) * 5: 8, (1, 1, 1, 3): 4}),
    # Si2 dumbbells (von Schnering, Nesper, Tebbe, Curda, Z. Metallkd. 71 (1980) 357; ordered P3_212 model:
    # Morris, Grey, Pickard, Phys. Rev. B 90 (2014) 054111)
    "Li7Si3": (2.7, SI_BOND, {(1, 1): 9}),
    # Si2 dumbbells and isolated Si (Frank, Mueller, Schaefer, Z. Naturforsch. B 30 (1975) 10)
    "Li13Si4": (2.7, SI_BOND, {(1, 1): 2, (0,): 4}),
    # isolated Si: Cu15Si4 type (Obrovac & Christensen 2004), Li17Pb4 type (Zeilinger et al. 2013)
    "Li15Si4": (2.7, SI_BOND, {(0,): 16}),
    "Li17Si4": (2.7, SI_BOND, {(0,): 80}),
    # Sn4 tetrahedra (Baitinger et al. 1999)
    "NaSn": (3.3, SN_BOND, {(3, 3, 3, 3): 8}),
    # Sn2 dumbbells only: what this DFT cell (matador, from ICSD 167672) holds; same space group and Wyckoff
    # sequence as the Li7Si3 model above
    "Na7Sn3": (3.3, SN_BOND, {(1, 1): 9}),
    # isolated Sn, Cu15Si4 type (Mueller & Volk 1977)
    "Na15Sn4": (3.3, SN_BOND, {(0,): 16}),
    # two-bonded Sb in helices along b (Cromer 1959): two per cell, closed only through the periodic cell
    "NaSb": (3.3, SB_BOND, {(2, 2, 2, 2): 2}),
    # isolated Sb, Na3As type (Brauer & Zintl 1937)
    "Na3Sb": (3.3, SB_BOND, {(0,): 2}),
}


@pytest.mark.parametrize("name", sorted(ANIONS))
def test_phase_host_anions(name):
    cutoff, (shortest, longest), clusters = ANIONS[name]
    atoms = build_phase(name)
    host = PHASES[name].system.split("-")[1]
    assert _host_clusters(atoms, host, cutoff) == clusters
    i, j, d = neighbor_list("ijd", atoms, 6.0)
    symbols = np.array(atoms.get_chemical_symbols())
    hh = d[(symbols[i] == host) & (symbols[j] == host)]
    bonds, others = hh[hh < cutoff], hh[hh >= cutoff]
    assert bonds.size == 0 or shortest < bonds.min() <= bonds.max() < longest
    assert others.size == 0 or others.min() > cutoff + 0.3


def test_phase_carrier_host_contacts():
    # Li-Si contacts in lithium silicides are 2.5-3.0 A; Na-Sn contacts in sodium stannides 3.1-3.4 A
    for name in ("Li15Si4", "Li17Si4", "LiSi"):
        assert 2.5 < _shortest(build_phase(name), "Li", "Si") < 2.8
    for name in ("NaSn", "Na7Sn3", "Na15Sn4"):
        assert 3.1 < _shortest(build_phase(name), "Na", "Sn") < 3.4
    # Na3Sb: Na(2b)-Sb in the Sb plane at a / sqrt(3) = 3.098 A, no Sb-Sb bond
    na3sb = build_phase("Na3Sb")
    assert _shortest(na3sb, "Na", "Sb") == pytest.approx(5.366 / 3**0.5, abs=1e-3)
    assert _shortest(na3sb, "Sb", "Sb") == pytest.approx(5.366, abs=1e-3)
    # NaSb: Na-Sb 3.0-3.4 A (Na3Sb's shortest, above: 3.098 A)
    assert 3.0 < _shortest(build_phase("NaSb"), "Na", "Sb") < 3.4


def test_nasb_helices_are_infinite_and_lisi_is_a_network():
    # repeating the cell along the helix axis (b) doubles the helices' length; LiSi's network grows along every axis
    assert _host_clusters(build_phase("NaSb").repeat((1, 2, 1)), "Sb", 3.3) == {(2,) * 8: 2}
    assert _host_clusters(build_phase("NaSb").repeat((2, 1, 2)), "Sb", 3.3) == {(2,) * 4: 8}
    assert _host_clusters(build_phase("LiSi").repeat(2), "Si", 2.7) == {(3,) * 128: 1}


def test_volume_anchors_cover_every_system():
    # every tabulated phase anchors its system, ordered by carrier fraction; measured volumes where tabulated
    for system, names in (("Li-Si", ["LiSi", "Li12Si7", "Li7Si3", "Li13Si4", "Li15Si4", "Li17Si4"]),
                          ("Na-Sn", ["NaSn", "Na7Sn3", "Na15Sn4"]), ("Na-Sb", ["NaSb", "Na3Sb"])):
        anchors = volume_anchors(system)
        assert [n for _, _, n in anchors] == names
        assert [x for x, _, _ in anchors] == sorted(x for x, _, _ in anchors)
        for x, v, name in anchors:
            assert 0 < x < 1 and v == pytest.approx(EXPECTED[name][3] or EXPECTED[name][2], rel=1e-6)
    assert set(phase_names(buildable=True)) == set(EXPECTED)
    with pytest.raises(InputError, match="no alloy phase 'Li22Si5'"):
        build_phase("Li22Si5")
    # NaSn: the measured cell anchors (Baitinger et al. 1999, COD 8101628); the DFT cell is built
    assert PHASES["NaSn"].volume_per_atom_A3 == pytest.approx(10.475**2 * 17.412 / 64)
    assert PHASES["NaSn"].cell_volume_per_atom_A3 == pytest.approx(1905.06896914 / 64)
    assert "Baitinger" in PHASES["NaSn"].volume_source and "matador" in PHASES["NaSn"].lattice_source


def test_cell_only_phase_anchors_volumes_but_is_not_built(monkeypatch):
    monkeypatch.setitem(PHASES, "NaSb", replace(PHASES["NaSb"], sites=()))
    assert "NaSb" in phase_names("Na-Sb") and "NaSb" not in phase_names("Na-Sb", buildable=True)
    with pytest.raises(InputError, match="tabulated by its cell only"):
        build_phase("NaSb")


def test_li15si4_keeps_its_structure_with_the_cui_meam(lammps_available, tmp_path):
    """Box relaxation with the Li-Si MEAM keeps I-43d within 1.5 % of the measured lattice; the phase is
    below the Li + Si tie line (measured here: a = 10.589 A, -0.086 eV/atom)."""
    from anodeflow.structures.crystals import bulk_crystal
    from anodeflow.workflows.calculators import lammps_calculator, relax

    calculator = lammps_calculator("Li-Si", "LiSi-Cui2012-MEAM", tmp_path)
    elemental = {}
    for name in ("Si", "Li"):
        crystal = relax(bulk_crystal(name), calculator, steps=300)
        elemental[name] = crystal.get_potential_energy() / len(crystal)
    atoms = relax(build_phase("Li15Si4"), calculator, steps=500)
    dataset = spglib.get_symmetry_dataset((atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers), symprec=0.05)
    assert dataset.number == 220
    assert atoms.cell.lengths() == pytest.approx([10.685] * 3, rel=0.015)
    x = 15 / 19
    formation = atoms.get_potential_energy() / len(atoms) - (x * elemental["Li"] + (1 - x) * elemental["Si"])
    assert -0.2 < formation < -0.03


@pytest.mark.parametrize(("name", "n_atoms", "words"), [
    ("Li15Si4", 152, ("I-43d", "DFT-relaxed", "mp-569849", "Obrovac")),
    ("NaSb", 32, ("P2_1/c", "substitution", "LiAs", "Cromer")),
])
def test_build_phase_cli(tmp_path, name, n_atoms, words):
    from ase.io import read

    out = tmp_path / f"{name}.data"
    result = subprocess.run([sys.executable, "-m", "anodeflow.cli", "build", "phase", name, "-o", str(out),
                             "--repeat", "1,1,2"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    atoms = read(out, format="lammps-data", atom_style="atomic")
    assert len(atoms) == n_atoms
    assert all(word in result.stdout for word in words), result.stdout
