"""The VASP route for HPC: atomate2's NEB and relax makers with this package's PBE settings.

VASP is licensed and not installed here, so these tests stop where VASP would start: they run the
real endpoint job (LAMMPS) and write the real VASP inputs (POTCAR.spec instead of the licensed
POTCARs) that atomate2 would hand to VASP.
"""

from __future__ import annotations

import numpy as np
import pytest
from atomate2.common.jobs.neb import _get_images_from_endpoints
from atomate2.vasp.files import write_vasp_input_set
from pymatgen.io.vasp import Incar, Kpoints, Poscar

from anodeflow.workflows.neb import HopNebMaker, neb_endpoints
from anodeflow.workflows.vasp import vasp_neb_maker

pytestmark = pytest.mark.usefixtures("lammps_available")


def test_vasp_hop_flow_relaxes_endpoints_then_runs_the_neb():
    flow = HopNebMaker(neb_maker=vasp_neb_maker(), num_images=3).make("Li-Si")
    assert [job.name for job, _ in flow.iterflow()] == [
        "neb_endpoints", "vasp relax fixed cell endpoint 1", "vasp relax fixed cell endpoint 2",
        "get_images_from_endpoints", "vasp neb", "collect_neb_output", "summarise_neb"]


@pytest.fixture(scope="module")
def vasp_inputs(tmp_path_factory):
    """Endpoints of Li Td -> Td in 64 Si on the tabulated lattice (5.431 A), three images, VASP inputs."""
    out = neb_endpoints.original("Li-Si", "bulk", 0.0, None, 10.0, "100", "vasp")
    images = _get_images_from_endpoints(out["endpoints"], 3)
    maker = vasp_neb_maker()
    written = {}
    for name, structure, generator in (("neb", images[0], maker.images_maker.input_set_generator),
                                       ("relax", out["endpoints"][0], maker.endpoint_relax_maker.input_set_generator)):
        folder = tmp_path_factory.mktemp(name)
        if name == "neb":
            generator.num_images = 3  # atomate2's NEB job sets this from its images
        write_vasp_input_set(structure, generator, directory=folder, potcar_spec=True)
        written[name] = folder
    return out, images, written


def test_endpoints_stay_on_the_tabulated_lattice(vasp_inputs):
    out, images, _ = vasp_inputs
    np.testing.assert_allclose(out["deform"], np.eye(3), atol=1e-12)  # DFT relaxes at a = 5.431 A, not the potential's
    assert len(images) == 5 and np.allclose(images[0].lattice.abc, (10.862,) * 3)


def test_neb_incar_is_pbe_climbing_image_at_fixed_cell(vasp_inputs):
    _, _, written = vasp_inputs
    incar = Incar.from_file(written["neb"] / "INCAR")
    assert incar["IMAGES"] == 3 and incar["LCLIMB"] and incar["IBRION"] == 3 and incar["POTIM"] == 0
    assert incar["ISIF"] == 2 and incar["GGA"].upper() == "PE" and incar["ENCUT"] == 450
    assert incar["ISMEAR"] == 0 and incar["SIGMA"] == 0.05 and not incar.get("LAECHG")
    relax = Incar.from_file(written["relax"] / "INCAR")
    assert relax["ISIF"] == 2 and relax["IBRION"] == 2 and relax["GGA"].upper() == "PE"


def test_potcar_order_follows_the_poscar(vasp_inputs):
    """Atoms are not re-sorted: image folders and the head POTCAR must list species in one order."""
    _, images, written = vasp_inputs
    poscar = Poscar.from_file(written["neb"] / "POSCAR")
    potcars = (written["neb"] / "POTCAR.spec").read_text().split()
    assert poscar.site_symbols == ["Si", "Li"] == [p.split("_")[0] for p in potcars]
    assert potcars == ["Si", "Li_sv"]  # Materials Project choices
    assert Poscar(images[2]).site_symbols == poscar.site_symbols
    assert tuple(Kpoints.from_file(written["neb"] / "KPOINTS").kpts[0]) == (2, 2, 2)  # 64 per reciprocal atom, 65 atoms
