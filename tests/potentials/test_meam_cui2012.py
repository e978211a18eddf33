"""The project's own record of the Cui et al. (2012) Li-Si 2NN-MEAM.

Reference numbers: LAMMPS 2025-07-22 with the parameter files as published by
Z. Cui, F. Gao, Z. Cui, J. Qu, J. Power Sources 207 (2012) 150 (library.meam + LiSi.meam,
``pair_coeff * * library.meam Li Si LiSi.meam Li Si``), evaluated on the cells below.
"""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from anodeflow.potentials import default_potential, get_potential, list_potentials
from anodeflow.potentials.meam import meam_library_text
from anodeflow.errors import InputError
from anodeflow.workflows.engine import Lammps


def _wiggle(atoms: Atoms, amp: float, f: tuple[float, float, float]) -> Atoms:
    k = np.arange(len(atoms))
    atoms.positions += amp * np.stack([np.sin(f[0] * k), np.cos(f[1] * k), np.sin(f[2] * k + 1)], 1)
    return atoms


def cells() -> dict[str, Atoms]:
    """Deterministic test cells (no random-number generator involved)."""
    si = _wiggle(bulk("Si", "diamond", a=5.431, cubic=True).repeat(2), 0.05, (1.0, 1.3, 0.7))
    li = bulk("Li", "bcc", a=3.51, cubic=True).repeat(3)
    k = np.arange(len(li))
    li.positions += 0.04 * np.stack([np.cos(k), np.sin(2.1 * k), np.cos(0.5 * k)], 1)
    alloy = bulk("Li", "bcc", a=3.0, cubic=True).repeat(3)
    alloy.set_chemical_symbols(["Si" if (i * 7) % 3 == 0 else "Li" for i in range(len(alloy))])
    k = np.arange(len(alloy))
    alloy.positions += 0.1 * np.stack([np.sin(1.7 * k), np.cos(0.9 * k), np.sin(2.3 * k)], 1)
    li_td = bulk("Si", "diamond", a=5.431, cubic=True).repeat(2) + Atoms("Li", positions=[[2.7155] * 3])
    return {"si_diamond": si, "li_bcc": li, "li_si_alloy": alloy, "li_td_in_si": li_td}


# eV/atom from the published parameter files (see module docstring)
REFERENCE_ENERGIES = {
    "si_diamond": -4.5929725048,
    "li_bcc": -1.6443740462,
    "li_si_alloy": -2.2895137047,  # Li36Si18
    "li_td_in_si": -4.5381848831,  # LiSi64, Li on a tetrahedral site
}


def _energy(atoms: Atoms, directory) -> float:
    pot = get_potential("LiSi-Cui2012-MEAM")
    with Lammps(directory) as lmp:
        lmp.load_atoms(atoms, ["Li", "Si"])
        lmp.commands(pot.lammps_commands(["Li", "Si"], directory))
        lmp.run(0)
        return lmp.thermo("pe") / len(atoms)


@pytest.mark.usefixtures("lammps_available")
@pytest.mark.parametrize("name", sorted(REFERENCE_ENERGIES))
def test_energies_match_published_parameters(name, tmp_path):
    assert _energy(cells()[name], tmp_path) == pytest.approx(REFERENCE_ENERGIES[name], abs=1e-6)


@pytest.mark.usefixtures("lammps_available")
@pytest.mark.parametrize(
    ("element", "structure", "a_start", "a_ref", "e_ref"),
    # Cui et al. 2012 MEAM under LAMMPS 2025-07-22 box/relax: the published fitting targets
    [("Si", "diamond", 5.431, 5.4223, -4.629), ("Li", "bcc", 3.51, 3.4523, -1.647)],
)
def test_box_relax_reproduces_lattice_constant_and_energy(element, structure, a_start, a_ref, e_ref, tmp_path):
    pot = get_potential("LiSi-Cui2012-MEAM")
    atoms = bulk(element, structure, a=a_start, cubic=True)
    with Lammps(tmp_path) as lmp:
        lmp.load_atoms(atoms, ["Li", "Si"])
        lmp.commands(pot.lammps_commands(["Li", "Si"], tmp_path))
        lmp.commands(["fix relax all box/relax iso 0.0 vmax 0.001", "min_style cg",
                      "minimize 0 1e-10 10000 100000", "unfix relax", "minimize 0 1e-10 10000 100000"])
        a = lmp.box()[0, 0]
        e = lmp.thermo("pe") / len(atoms)
    assert a == pytest.approx(a_ref, abs=1e-4)
    assert e == pytest.approx(e_ref, abs=1e-3)
    assert pot.reference_values[f"{element}_{structure}_a_A"] == a_ref


def test_registry_record():
    pot = default_potential("Li-Si", {"Li-Si": "LiSi-Cui2012-MEAM"})
    assert pot.elements == ["Li", "Si"]
    assert "J. Power Sources 207 (2012) 150" in pot.citation
    assert "LiSi-Cui2012-MEAM" in [p.name for p in list_potentials()]
    text = meam_library_text(pot)
    assert "'Si' 'dia' 4.0 14 28.086" in text
    assert "4.9 3.0 7.5 0.0 3.0 5.422 4.63 0.53" in text


def test_registry_errors():
    known = ("CHGNet-0.3.0, Li-Si-UF3SNAP-LiSi-Cui2012-MEAM, LiSi-Cui2012-MEAM, Na-Sb-UF3SNAP-SevenNet-0, "
             "Na-Sb-UF3SNAP-SevenNet-l3i5, Na-Sn-UF3SNAP-SevenNet-0, Na-Sn-UF3SNAP-SevenNet-l3i5, SevenNet-0")
    with pytest.raises(InputError, match=f"unknown potential 'nope'; known: {known}"):
        get_potential("nope")
    with pytest.raises(InputError, match="no potential for system 'Na-Sn'"):
        default_potential("Na-Sn", {"Li-Si": "LiSi-Cui2012-MEAM"})
    with pytest.raises(InputError, match="no parameters for Na"):
        get_potential("LiSi-Cui2012-MEAM").check_elements(["Na", "Si"])


@pytest.mark.usefixtures("lammps_available")
def test_calculator_writes_its_files_under_the_home_not_the_working_folder(isolated_home, tmp_path, monkeypatch):
    """An ASE calculator without a folder keeps the MEAM files in ANODEFLOW_HOME/potential_files/NAME,
    so running from a source checkout leaves nothing behind; the Si energy is the record's reference."""
    from anodeflow.structures.crystals import bulk_crystal
    from anodeflow.workflows.calculators import lammps_calculator

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    atoms = bulk_crystal("Si")
    atoms.set_cell(atoms.cell * 5.4223 / atoms.cell.lengths()[0], scale_atoms=True)
    atoms.calc = lammps_calculator("Li-Si", "LiSi-Cui2012-MEAM")
    assert atoms.get_potential_energy() / len(atoms) == pytest.approx(-4.629, abs=1e-3)  # reference_values above
    assert list(work.iterdir()) == []
    folder = isolated_home / "potential_files" / "LiSi-Cui2012-MEAM"
    assert sorted(p.name for p in folder.iterdir()) == ["LiSi-Cui2012-MEAM.library.meam", "LiSi-Cui2012-MEAM.meam"]


def test_records_are_found_on_the_potentials_path(tmp_path, monkeypatch):
    """A record outside the home is found through ANODEFLOW_POTENTIALS_PATH, with its files next to it."""
    import yaml

    from anodeflow.potentials.registry import reload_registry

    folder = tmp_path / "shared_potentials"
    folder.mkdir()
    spec = get_potential("LiSi-Cui2012-MEAM").model_dump()
    spec["name"] = "LiSi-copy"
    (folder / "LiSi-copy.yaml").write_text(yaml.safe_dump(spec))
    reload_registry()
    with pytest.raises(InputError, match="unknown potential 'LiSi-copy'"):
        get_potential("LiSi-copy")
    monkeypatch.setenv("ANODEFLOW_POTENTIALS_PATH", str(folder))
    reload_registry()
    assert get_potential("LiSi-copy").meam == spec["meam"]
    monkeypatch.delenv("ANODEFLOW_POTENTIALS_PATH")
    reload_registry()
