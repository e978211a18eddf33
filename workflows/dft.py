"""DFT through atomate2's CP2K makers, with defaults that work on Debian's CP2K (2023.1) data.

atomate2 0.1.5 names basis sets and pseudopotentials by hashes of its own CP2K data release, which
do not exist in other releases. Here the CP2K data folder (``/usr/share/cp2k`` by default) is
converted once into pymatgen's per-element format (``pmg config --cp2k``) and each element gets
explicit PBE choices: DZVP-MOLOPT-SR-GTH (or DZVP-MOLOPT-GTH) with GTH-PBE pseudopotentials, no
auxiliary basis.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from ase.calculators.cp2k import CP2K
from jobflow import Flow, Maker, job

from anodeflow.errors import EngineError, InputError
from anodeflow.workflows.schemas import DftStaticDocument

BASIS_PREFERENCE = ("DZVP-MOLOPT-SR-GTH", "DZVP-MOLOPT-GTH")
POTENTIAL_NAME = "GTH-PBE"
#: EPS_DEFAULT 1e-10: atomate2's 1e-12 with EPS_PGF_ORB 1e-16 makes small periodic cells many times
#: slower for sub-meV changes. Runs stay spin-polarised (UKS): atomate2 0.1.5 cannot parse RKS outputs.
FAST_DEFAULTS = {"eps_default": 1e-10, "eps_pgf_orb": None}
#: 1 Hartree/Bohr in eV/A (CODATA 2018): CP2K's force unit as atomate2 stores it
HARTREE_BOHR_TO_EV_A = 51.42208619083232
#: SCF settings of k-point runs (diagonalisation): 20 empty orbitals per spin and Broyden mixing at 0.2,
#: as in the ASE route, instead of atomate2's every orbital at mixing 0.05
KPOINT_SCF = {"FORCE_EVAL": {"DFT": {"SCF": {"ADDED_MOS": 20, "MIXING": {"ALPHA": 0.2}}}}}
POTENTIAL_FILES = ("POTENTIAL", "GTH_POTENTIALS")
BASIS_FILES = ("BASIS_MOLOPT",)


def cp2k_data_dir() -> Path:
    """pymatgen-format CP2K data (one YAML file per element), built once from the CP2K data folder."""
    from anodeflow.settings import get_settings

    settings = get_settings()
    target = settings.cp2k_data_dir
    if (target / "Si").is_file():
        return target
    source = settings.cp2k_source_dir
    if not (source / "BASIS_MOLOPT").is_file():
        raise EngineError(f"CP2K data not found in {source} (no BASIS_MOLOPT); install Debian's cp2k "
                          "or set ANODEFLOW_CP2K_SOURCE_DIR")
    from pymatgen.cli.pmg_config import setup_cp2k_data

    target.parent.mkdir(parents=True, exist_ok=True)
    scratch_parent = Path(tempfile.mkdtemp(dir=target.parent, prefix=".cp2k_data-"))
    scratch = scratch_parent / "data"  # must not exist yet: pymatgen would ask before reusing it
    with contextlib.redirect_stdout(io.StringIO()):  # it reports every file on stdout
        setup_cp2k_data([str(source), str(scratch)])
    if not target.exists():  # else another process finished first
        scratch.rename(target)
    shutil.rmtree(scratch_parent)
    return target


def basis_and_potential(elements) -> dict[str, dict]:
    """Per element: the data keys of its PBE basis and pseudopotential for atomate2's CP2K input sets."""
    from ruamel.yaml import YAML

    data_dir = cp2k_data_dir()
    choice = {}
    for el in sorted(set(elements)):
        path = data_dir / el
        if not path.is_file():
            raise InputError(f"no CP2K data for element '{el}' in {data_dir}")
        data = YAML().load(path.read_text())

        def find(table, names, files, el=el, data=data):
            for name in names:
                for key, entry in data[table].items():
                    aliases = [entry.get("name"), *(entry.get("alias_names") or [])]
                    if entry.get("filename") in files and any(a == name or (a or "").startswith(name + "-q")
                                                              for a in aliases):
                        return key
            raise InputError(f"CP2K data for {el} has no {' or '.join(names)} in {', '.join(files)}")

        choice[el] = {"basis": find("basis_sets", BASIS_PREFERENCE, BASIS_FILES),
                      "potential": find("potentials", (POTENTIAL_NAME,), POTENTIAL_FILES), "aux_basis": None}
    return choice


#: Kohn-Sham settings of the ASE route: Fermi-Dirac smearing (a carrier in a semiconductor cell
#: puts electrons in the conduction band) with extra empty orbitals, diagonalisation with Broyden
#: mixing (plain mixing sloshes in 9-atom Li/Si cells), a Monkhorst-Pack mesh
CP2K_SMEARED_SCF = """&FORCE_EVAL
&DFT
{kpoints}&SCF
EPS_SCF 1.0E-6
ADDED_MOS {added_mos}
&SMEAR ON
METHOD FERMI_DIRAC
ELECTRONIC_TEMPERATURE {smearing_K}
&END SMEAR
&MIXING
METHOD BROYDEN_MIXING
ALPHA 0.2
NBROYDEN 8
&END MIXING
&END SCF
&END DFT
&END FORCE_EVAL"""
#: the code of the CP2K route, for documents
CP2K_CITATION = "T. D. Kuhne et al., J. Chem. Phys. 152, 194103 (2020) (CP2K); PBE, DZVP-MOLOPT-SR-GTH, GTH-PBE"


def cp2k_calculator(cutoff_Ry: float = 300.0, kpoints: tuple[int, int, int] = (1, 1, 1), smearing_K: float = 300.0,
                    added_mos: int = 20, label: str = "cp2k") -> Cp2kShellCalculator:
    """An ASE CP2K calculator (CP2K's shell mode): PBE, DZVP-MOLOPT-SR-GTH, GTH-PBE, a
    ``kpoints`` Monkhorst-Pack mesh ((1, 1, 1): Gamma point), Fermi-Dirac occupations at
    ``smearing_K`` (K), density cutoff ``cutoff_Ry`` (Ry).

    Every host and carrier element here (Li, Na, Si, Ge, Sn, Sb, P) has that basis and
    pseudopotential in CP2K's data folder.
    """
    from ase.units import Rydberg

    from anodeflow.settings import get_settings

    _check_cp2k()
    if not cutoff_Ry > 0 or smearing_K < 0:
        raise InputError(f"cutoff_Ry must be > 0 and smearing_K >= 0, got {cutoff_Ry} and {smearing_K}")
    kpoints = tuple(int(k) for k in kpoints)
    if len(kpoints) != 3 or min(kpoints) < 1:
        raise InputError(f"kpoints must be three integers >= 1, got {kpoints}")
    mesh = "" if kpoints == (1, 1, 1) else monkhorst_pack_section(kpoints)
    source = get_settings().cp2k_source_dir
    for name in ("BASIS_MOLOPT", "GTH_POTENTIALS"):
        if not (source / name).is_file():
            raise EngineError(f"CP2K data file {source / name} not found; install Debian's cp2k "
                              "or set ANODEFLOW_CP2K_SOURCE_DIR")
    return Cp2kShellCalculator(
        command=f"{_cp2k_command()} --shell", label=label, xc="PBE", basis_set="DZVP-MOLOPT-SR-GTH",
        basis_set_file=str(source / "BASIS_MOLOPT"), potential_file=str(source / "GTH_POTENTIALS"),
        pseudo_potential="GTH-PBE", cutoff=cutoff_Ry * Rydberg, max_scf=200, uks=False,
        inp=CP2K_SMEARED_SCF.format(kpoints=mesh, added_mos=added_mos, smearing_K=smearing_K))


class Cp2kShellCalculator(CP2K):
    """ASE's CP2K calculator whose deep copies start their own CP2K shell under a numbered label
    (atomate2's NEB gives every image a deep copy of one calculator)."""

    _copies = itertools.count(1)

    def __deepcopy__(self, memo):
        return type(self)(command=self.command, label=f"{self.label}-{next(self._copies)}", **self.parameters)


def _cp2k_command() -> str:
    """atomate2's CP2K command (``ATOMATE2_CP2K_CMD``, e.g. ``cp2k.psmp`` or ``srun cp2k.psmp``)."""
    from atomate2 import SETTINGS

    return SETTINGS.CP2K_CMD


def _check_cp2k() -> None:
    binary = _cp2k_command().split()[-1]  # the program after any launcher (srun, mpirun -np 4)
    if not shutil.which(binary):
        raise EngineError(f"CP2K binary '{binary}' not found; install Debian's cp2k (cp2k.psmp) or set "
                          "ATOMATE2_CP2K_CMD")


def symmetric_mesh(structure, mesh) -> tuple[int, int, int]:
    """A Gamma-centred mesh at least as dense as ``mesh`` that the crystal's point group maps onto itself.

    Each count is made odd (an odd Monkhorst-Pack grid contains Gamma); where a rotation mixes
    reciprocal axes with different counts (a centred lattice in its primitive cell), all three take
    the largest. On such a grid symmetric forces and stresses stay symmetric.
    """
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    n = np.array([int(k) + 1 - int(k) % 2 for k in mesh])
    for op in SpacegroupAnalyzer(structure, symprec=1e-3).get_symmetry_operations(cartesian=False):
        reciprocal = np.rint(np.linalg.inv(op.rotation_matrix).T)  # acts on fractional k
        ratio = reciprocal * n[:, None] / n[None, :]
        if not np.allclose(ratio, np.rint(ratio)):
            return (int(n.max()),) * 3
    return tuple(int(k) for k in n)


def kpoint_mesh(structure, kpoint_density: int) -> tuple[int, int, int] | None:
    """The Monkhorst-Pack mesh of atomate2's reciprocal density ``kpoint_density`` (k-points per
    A^-3 of reciprocal volume) made Gamma-centred and symmetric (:func:`symmetric_mesh`); None for 0
    (the Gamma point)."""
    from pymatgen.io.vasp.inputs import Kpoints

    if not kpoint_density:
        return None
    mesh = Kpoints.automatic_density_by_vol(structure, kpoint_density, force_gamma=True).kpts[0]
    return symmetric_mesh(structure, mesh)


def monkhorst_pack_section(mesh) -> str:
    """CP2K's KPOINTS section for the Monkhorst-Pack grid ``mesh``.

    CP2K reduces this grid by time reversal only (``SYMMETRY`` off), which is exact. A list of
    irreducible k-points with weights (``SCHEME GENERAL``, pymatgen's choice for atomate2) is not:
    CP2K does not symmetrise forces or stresses over it, so a perfect crystal gets forces and shear
    stresses that symmetry forbids.
    """
    return "&KPOINTS\nSCHEME MONKHORST-PACK {} {} {}\n&END KPOINTS\n".format(*mesh)


@dataclass
class Cp2kStaticMaker(Maker):
    """Single-point PBE energy, forces and stress with CP2K (atomate2 ``StaticMaker``, working defaults).

    ``extra_input`` updates atomate2's input settings (e.g. ``{"spin_polarized": True}``);
    ``kpoint_density`` is atomate2's reciprocal density (k-points per A^-3 of reciprocal volume),
    turned into a Gamma-centred Monkhorst-Pack mesh that keeps the crystal's symmetry
    (:func:`kpoint_mesh`); 0 means the Gamma point only (CP2K then uses OT, the fast choice for
    large cells).
    """

    name: str = "cp2k static"
    kpoint_density: int = 0
    cutoff_Ry: float = 400.0
    extra_input: dict = field(default_factory=dict)

    def atomate2_maker(self, elements):
        from atomate2.cp2k.jobs.core import StaticMaker

        from anodeflow.workflows.cp2k_sets import SymmetricGridStaticSetGenerator

        from pymatgen.core import SETTINGS as PMG_SETTINGS

        _check_cp2k()
        os.environ.setdefault("DEFAULT_CP2K_FUNCTIONAL", "PBE")
        PMG_SETTINGS["PMG_CP2K_DATA_DIR"] = str(cp2k_data_dir())  # read when the input set is generated
        from atomate2.cp2k.sets.base import recursive_update

        settings = {"basis_and_potential": basis_and_potential(elements), "cutoff": self.cutoff_Ry, **FAST_DEFAULTS}
        if self.kpoint_density:  # atomate2's all-MO diagonalisation at mixing 0.05 is many times slower
            settings["override_default_params"] = KPOINT_SCF
        settings = recursive_update(settings, self.extra_input)
        kpoints = {"reciprocal_density": self.kpoint_density} if self.kpoint_density else None
        # atoms kept in their order (atomate2 sorts by element): forces then match the cell given
        generator = SymmetricGridStaticSetGenerator(user_input_settings=settings, user_kpoints_settings=kpoints,
                                               auto_kspacing=False, sort_structure=False)
        return StaticMaker(name=self.name, input_set_generator=generator)

    @property
    def method(self) -> str:
        """The level of theory in words, e.g. ``CP2K PBE (400 Ry, Gamma point)``."""
        mesh = f"k-point density {self.kpoint_density}" if self.kpoint_density else "Gamma point"
        return f"CP2K PBE ({self.cutoff_Ry:g} Ry, {mesh})"

    def make(self, structure) -> Flow:
        """atomate2's CP2K static job, then a :class:`DftStaticDocument` summary (the Flow's output)."""
        from pymatgen.core import Structure

        if not isinstance(structure, Structure):
            from pymatgen.io.ase import AseAtomsAdaptor

            structure = AseAtomsAdaptor.get_structure(structure)
        static = self.atomate2_maker([str(e) for e in structure.composition.elements]).make(structure)
        summary = summarise_dft(static.output, self.kpoint_density, self.cutoff_Ry,
                                kpoint_mesh(structure, self.kpoint_density))
        return Flow([static, summary], output=summary.output, name=f"{self.name} {structure.formula}")


@job
def summarise_dft(task, kpoint_density: int, cutoff_Ry: float, mesh=None) -> DftStaticDocument:
    """atomate2's CP2K task document -> :class:`DftStaticDocument` (forces from Hartree/Bohr to eV/A)."""
    import numpy as np

    out = task.output
    forces = np.asarray(out.forces, float) * HARTREE_BOHR_TO_EV_A
    n = len(forces)
    return DftStaticDocument(
        formula=str(out.structure.composition.reduced_formula), n_atoms=n, volume_A3=float(out.structure.volume),
        energy_eV=float(out.energy),
        energy_per_atom_eV=float(out.energy) / n, forces_eV_A=forces.tolist(),
        max_force_eV_A=float(np.linalg.norm(forces, axis=1).max()),
        stress_GPa=np.asarray(out.stress, float).tolist() if out.stress is not None else None,
        kpoint_density=kpoint_density, kpoint_mesh=list(mesh) if mesh else None, cutoff_Ry=cutoff_Ry,
        dir_name=str(task.dir_name),
    )
