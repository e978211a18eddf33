"""Registry of potential records shipped in ``potentials/data/*.yaml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from anodeflow.errors import InputError

DATA_DIR = Path(__file__).parent / "data"


class Potential(BaseModel):
    """One interatomic potential: what it is, where it came from, how LAMMPS and ASE run it.

    A record is one of the typed forms below (:class:`MeamPotential`, :class:`FittedPotential`,
    :class:`MlipPotential`); each writes its own LAMMPS lines and data files (:meth:`lammps_commands`),
    attaches what runs in Python (:meth:`bind`) and gives an ASE calculator (:meth:`calculator`).
    """

    name: str
    elements: list[str]
    systems: list[str]
    form: str
    pair_style: str
    citation: str
    validity: str
    timestep_fs: float = Field(..., gt=0, description="recommended MD timestep (fs)")
    made_by: str
    command: str | None = Field(None, description="the anodeflow command that made it (fitted potentials)")
    reference_values: dict[str, float] = Field(default_factory=dict)
    fails_host_check: dict[str, str] = Field(
        default_factory=dict, description="systems whose host crystal it does not keep, and how it fails: runs "
                                          "there warn, and it cannot teach a fit for them")
    md_speed_atom_steps_per_s: float | None = Field(
        None, description="measured LAMMPS MD speed (atom-steps/s) on one core, 1,000-atom random alloy at x = 0.5 "
                          "(benchmarks/potentials.py); None where not measured")
    meam: dict[str, Any] | None = Field(None, description="MEAM library and parameter tables")
    mlip: dict[str, str] | None = Field(None, description="MLIP package and model name (fix external)")
    snap: dict[str, Any] | None = Field(None, description="fitted potentials: SNAP coefficient/parameter files, "
                                        "the UF3 file if it has UF3 terms, and the ZBL reference")

    def check_elements(self, elements: list[str]) -> None:
        """Raise ``InputError`` if the potential does not cover every element given."""
        missing = sorted(set(elements) - set(self.elements))
        if missing:
            raise InputError(
                f"potential {self.name} has no parameters for {', '.join(missing)}; "
                f"it covers {', '.join(self.elements)}"
            )

    def lammps_commands(self, type_elements: list[str], directory: Path | None = None) -> list[str]:
        """LAMMPS ``pair_style``/``pair_coeff`` lines for atom types 1..n = ``type_elements``.

        Data files the style needs are written into ``directory`` (default: ``ANODEFLOW_HOME/potential_files/NAME``).
        """
        raise InputError(f"potential {self.name}: pair_style {self.pair_style} has no LAMMPS writer")

    def bind(self, lammps, type_elements: list[str]):
        """Attach what runs in Python to a LAMMPS instance after :meth:`lammps_commands`; returns what to keep
        alive while it runs (None for LAMMPS-native styles)."""
        return None

    def calculator(self, type_elements: list[str], directory: Path | None = None):
        """An ASE calculator: LAMMPS in-process (``LAMMPSlib``) with the types ``type_elements``."""
        from ase.calculators.lammpslib import LAMMPSlib

        from anodeflow.workflows.engine import load_mpi

        load_mpi()
        return LAMMPSlib(lmpcmds=self.lammps_commands(type_elements, directory),
                         atom_types={e: i + 1 for i, e in enumerate(type_elements)}, log_file=None, keep_alive=True)


class MeamPotential(Potential):
    """A (2NN-)MEAM potential from its library and parameter tables (written as LAMMPS files)."""

    meam: dict[str, Any] = Field(description="MEAM library and parameter tables")

    def lammps_commands(self, type_elements: list[str], directory: Path | None = None) -> list[str]:
        from anodeflow.potentials.meam import write_meam_files
        from anodeflow.workflows.engine import lammps_path

        self.check_elements(type_elements)
        library, params = write_meam_files(self, Path(directory) if directory else _home() / "potential_files" / self.name)
        files = f"{lammps_path(library)} {' '.join(self.elements)} {lammps_path(params)}"
        return ["pair_style meam", f"pair_coeff * * {files} {' '.join(type_elements)}"]


class FittedPotential(Potential):
    """A fitted SNAP (optionally with UF3 2+3-body terms) over ZBL, from its coefficient files."""

    snap: dict[str, Any] = Field(description="SNAP coefficient/parameter files, the UF3 file if it has UF3 terms, "
                                             "and the ZBL reference")

    def lammps_commands(self, type_elements: list[str], directory: Path | None = None) -> list[str]:
        from anodeflow.potentials.snap import pair_commands

        self.check_elements(type_elements)
        spec = self.snap
        for key in ("coeff_file", "param_file", "uf3_file"):
            if key in spec and not Path(spec[key]).is_file():
                raise InputError(f"potential {self.name}: file '{spec[key]}' ({key}) is missing")
        return pair_commands(type_elements, spec["coeff_file"], spec["param_file"], spec["zbl_inner_A"],
                             spec["zbl_outer_A"], spec.get("uf3_file"))


class MlipPotential(Potential):
    """A machine-learned potential run in Python: its own ASE calculator, in LAMMPS through ``fix external``."""

    mlip: dict[str, str] = Field(description="MLIP package and model name (fix external)")

    def lammps_commands(self, type_elements: list[str], directory: Path | None = None) -> list[str]:
        from anodeflow.potentials.mlip import lammps_commands

        self.check_elements(type_elements)
        return lammps_commands()

    def bind(self, lammps, type_elements: list[str]):
        from anodeflow.potentials.mlip import FixExternalBridge, ase_calculator

        return FixExternalBridge(lammps, type_elements, ase_calculator(self))

    def calculator(self, type_elements: list[str] | None = None, directory: Path | None = None):
        from anodeflow.potentials.mlip import ase_calculator

        return ase_calculator(self)


def potential_record(spec: dict) -> Potential:
    """The typed record of a record file's contents: MEAM, fitted (SNAP/UF3) or MLIP."""
    if spec.get("mlip"):
        return MlipPotential(**spec)
    if spec.get("snap"):
        return FittedPotential(**spec)
    if spec.get("meam"):
        return MeamPotential(**spec)
    return Potential(**spec)


def _home() -> Path:
    import os

    from anodeflow.settings import ANODEFLOW_HOME

    return Path(os.environ.get("ANODEFLOW_HOME", ANODEFLOW_HOME))


def user_potentials_dir() -> Path:
    """Where fitted potentials are written and read from (``<ANODEFLOW_HOME>/potentials``)."""
    return _home() / "potentials"


def record_folders() -> list[Path]:
    """Folders searched for extra records besides the shipped ones: each subfolder of
    ``ANODEFLOW_HOME/potentials`` and every folder in ``ANODEFLOW_POTENTIALS_PATH`` (separated like PATH)."""
    import os

    user = user_potentials_dir()
    folders = sorted(p for p in user.iterdir() if p.is_dir()) if user.is_dir() else []
    folders += [Path(p) for p in os.environ.get("ANODEFLOW_POTENTIALS_PATH", "").split(os.pathsep) if p]
    return folders + [p for p in _registered if p not in folders]


_registered: list[Path] = []


def register_folder(folder: Path) -> None:
    """Search ``folder`` for records too, for the rest of this process (a fit written outside the home)."""
    folder = Path(folder).resolve()
    if folder not in _registered:
        _registered.append(folder)
    reload_registry()


@cache
def _records() -> dict[str, Potential]:
    records = {}
    paths = sorted(DATA_DIR.glob("*.yaml")) + [p for folder in record_folders() for p in sorted(folder.glob("*.yaml"))]
    for path in paths:
        spec = yaml.safe_load(path.read_text())
        for key in ("coeff_file", "param_file", "uf3_file"):  # relative files sit next to their record
            if spec.get("snap") and key in spec["snap"]:
                spec["snap"][key] = str(path.parent / spec["snap"][key])
        record = potential_record(spec)
        records[record.name] = record
    return records


def reload_registry() -> None:
    """Forget cached records (after a fit wrote a new one)."""
    _records.cache_clear()


def list_potentials() -> list[Potential]:
    """All shipped potential records, sorted by name."""
    return list(_records().values())


def get_potential(name: str) -> Potential:
    """The record called ``name``; ``InputError`` listing the known names otherwise."""
    try:
        return _records()[name]
    except KeyError:
        raise InputError(
            f"unknown potential '{name}'; known: {', '.join(_records())}"
        ) from None


def default_potential(system: str, defaults: dict[str, str] | None = None) -> Potential:
    """The default potential for a carrier-host system such as ``Li-Si``."""
    if defaults is None:
        from anodeflow.settings import get_settings

        defaults = get_settings().default_potentials
    if system not in defaults:
        raise InputError(
            f"no potential for system '{system}'; systems with a default: {', '.join(sorted(defaults))}"
        )
    return get_potential(defaults[system])
