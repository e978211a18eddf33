"""Makers compose the way atomate2's do: an atomate2 job's Structure feeds LammpsMDMaker in one Flow, the
system comes from the structure, and a pinned potential record runs as submitted."""

from __future__ import annotations

import json

import pytest
from ase.build import bulk

pytestmark = pytest.mark.usefixtures("lammps_available")


def test_atomate2_relax_feeds_lammps_md_in_one_flow(tmp_path, monkeypatch):
    """atomate2's ForceFieldRelaxMaker (CHGNet, shipped in its wheel) relaxes a rattled 16-atom bcc Na cell;
    its output Structure goes straight into LammpsMDMaker.make. The system (Na-Sn) comes from the pinned
    record's systems, since the cell holds Na alone; the run keeps every atom, and its stored maker carries
    the record itself, not a name the worker would resolve again."""
    from atomate2.forcefields.jobs import ForceFieldRelaxMaker
    from jobflow import Flow, run_locally
    from pymatgen.io.ase import AseAtomsAdaptor

    from anodeflow.potentials import get_potential
    from anodeflow.workflows.md import LammpsMDMaker

    monkeypatch.chdir(tmp_path)
    atoms = bulk("Na", "bcc", a=4.23, cubic=True).repeat(2)
    atoms.rattle(0.05, seed=2)
    relax = ForceFieldRelaxMaker(force_field_name="CHGNet", relax_cell=False, steps=50).make(
        AseAtomsAdaptor.get_structure(atoms))
    record = get_potential("Na-Sn-UF3SNAP-SevenNet-0")
    md = LammpsMDMaker(temperature_K=300.0, time_ps=0.2, dump_every_ps=0.1, potential=record, progress=False).make(
        relax.output.structure)
    responses = run_locally(Flow([relax, md]), create_folders=True, ensure_success=True)
    doc = responses[md.uuid][1].output
    assert doc.system == "Na-Sn" and doc.n_atoms == 16 and doc.potential.name == record.name
    assert 0 < doc.thermo[-1].temp_K < 1000
    setup = json.loads((tmp_path.glob("job_*/md_setup.json").__next__()).read_text())
    assert setup["maker"]["potential"]["@class"] == "FittedPotential"
    assert setup["maker"]["potential"]["name"] == record.name


def test_system_of_a_structure():
    """A structure names its system by its carrier and host; one element alone needs a list to choose from."""
    from anodeflow.errors import InputError
    from anodeflow.structures.crystals import system_of

    assert system_of(["Sn", "Na", "Sn"]) == "Na-Sn"
    assert system_of(["Si"], ["Li-Si", "Na-Sn", "Na-Sb"]) == "Li-Si"
    with pytest.raises(InputError, match="Na alone belongs to Na-Sb, Na-Sn"):
        system_of(["Na"], ["Li-Si", "Na-Sn", "Na-Sb"])
    with pytest.raises(InputError, match="not a carrier-host system"):
        system_of(["Li", "Na", "Si"])
