"""Typed potential records: each shipped record is the form its file describes, and owns its engine lines."""

from __future__ import annotations

import pytest

from anodeflow.errors import InputError
from anodeflow.potentials import FittedPotential, MeamPotential, MlipPotential, get_potential, list_potentials
from anodeflow.potentials.registry import potential_record


def test_shipped_records_are_typed_by_form():
    kinds = {p.name: type(p) for p in list_potentials()}
    assert kinds["LiSi-Cui2012-MEAM"] is MeamPotential
    assert kinds["SevenNet-0"] is MlipPotential and kinds["CHGNet-0.3.0"] is MlipPotential
    assert kinds["Na-Sn-UF3SNAP-SevenNet-0"] is FittedPotential


def test_each_form_writes_its_own_lammps_lines(tmp_path):
    meam = get_potential("LiSi-Cui2012-MEAM").lammps_commands(["Si", "Li"], tmp_path)
    assert meam[0] == "pair_style meam" and meam[1].endswith(" Si Li")
    assert (tmp_path / "LiSi-Cui2012-MEAM.library.meam").is_file()
    fitted = get_potential("Na-Sn-UF3SNAP-SevenNet-0").lammps_commands(["Na", "Sn"])
    assert fitted[0].startswith("pair_style hybrid/overlay") and any("snap" in line for line in fitted)
    assert any(line.startswith("fix") and "external" in line for line in get_potential("SevenNet-0").lammps_commands(
        ["Na", "Sn"]))  # forces from Python through fix external
    assert get_potential("LiSi-Cui2012-MEAM").bind(None, ["Si"]) is None  # nothing runs in Python
    with pytest.raises(InputError, match="has no parameters for Cu"):
        get_potential("LiSi-Cui2012-MEAM").lammps_commands(["Cu"], tmp_path)


def test_a_lammps_native_record_gives_lammpslib(tmp_path):
    from ase.calculators.lammpslib import LAMMPSlib

    assert isinstance(get_potential("LiSi-Cui2012-MEAM").calculator(["Si", "Li"], tmp_path), LAMMPSlib)


def test_a_record_without_a_form_has_no_lammps_writer():
    spec = {"name": "bare", "elements": ["Si"], "systems": ["Li-Si"], "form": "?", "pair_style": "tersoff",
            "citation": "-", "validity": "-", "timestep_fs": 1.0, "made_by": "-"}
    with pytest.raises(InputError, match="pair_style tersoff has no LAMMPS writer"):
        potential_record(spec).lammps_commands(["Si"])
    missing = {**spec, "name": "lost", "pair_style": "hybrid/overlay",
               "snap": {"coeff_file": "/nonexistent.snapcoeff", "param_file": "/nonexistent.snapparam",
                        "zbl_inner_A": 1.5, "zbl_outer_A": 2.2}}
    with pytest.raises(InputError, match="file '/nonexistent.snapcoeff' \\(coeff_file\\) is missing"):
        potential_record(missing).lammps_commands(["Si"])
