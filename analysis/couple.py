"""Front kinetics and profiles of a diffusion-couple trajectory."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial

import numpy as np

from anodeflow.analysis.bonds import host_bond_lengths
from anodeflow.analysis.fronts import FrontAdvance
from anodeflow.analysis.kinetics import frames_before_consumed
from anodeflow.analysis.profiles import InterfaceProfile
from anodeflow.analysis.structure import CrystallineHost
from anodeflow.analysis.trajectory import Frame
from anodeflow.errors import InputError


def _nanmean(values) -> float:
    values = np.asarray(values, float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


@dataclass
class CoupleResult:
    """Per-frame series and end-of-run averages (thicknesses per interface, nm)."""

    times_ps: list[float]
    crystalline_host_atoms: list[int]
    front_advance_nm: list[float]
    front_advance_err_nm: float
    front_velocity_nm_ps: float
    front_positions_nm: list[float]
    interface_width_nm: float
    reacted_thickness_nm: float
    amorphous_thickness_nm: float
    final_window_ps: float
    final_profile: list[dict[str, float]]
    profiles: list[dict] = field(default_factory=list)


def analyse_couple(
    frames: Iterable[Frame],
    host: str,
    carrier: str,
    host_density_A3: float,
    timestep_ps: float,
    n_interfaces: int = 2,
    bin_nm: float = 0.2,
    final_fraction: float = 0.2,
    bond_cutoff_A: float | None = None,
    axis: int = 2,
    on_frame: Callable[[int], None] | None = None,
    mapper: Callable = map,
) -> CoupleResult:
    """Classify host crystallinity, bin profiles and follow the front, frame by frame.

    End-of-run values (widths, thicknesses, final profile) are averages over the last
    ``final_fraction`` of the frames before the host crystal is consumed; front positions are the last frame's;
    ``front_velocity_nm_ps`` is the slope of a line through L(t) over those frames. ``mapper(fn, frames)`` applies
    :func:`couple_frame` to the frames and yields the results in order (``map``, or a parallel map such as
    :func:`anodeflow.parallel.map_ordered`).
    """
    CrystallineHost(host)  # unsupported hosts and settings fail before any frame is read
    InterfaceProfile(bin_nm=bin_nm, axis=axis, n_interfaces=n_interfaces, host_density_A3=host_density_A3)
    work = partial(couple_frame, host=host, carrier=carrier, host_density_A3=host_density_A3,
                   n_interfaces=n_interfaces, bin_nm=bin_nm, bond_cutoff_A=bond_cutoff_A, axis=axis)
    front: FrontAdvance | None = None
    per_frame = []
    for i, record in enumerate(mapper(work, _with_host(frames, host))):
        area_A2 = record.pop("area_A2")
        if front is None:
            front = FrontAdvance(area_A2, host_density_A3, n_interfaces)
        t = record.pop("step") * timestep_ps
        front.append(t, record.pop("n_crystalline"))
        per_frame.append({"time_ps": t, **record})
        if on_frame is not None:
            on_frame(i + 1)
    if front is None:
        raise InputError("the trajectory holds no frames")
    return _couple_summary(front, per_frame, final_fraction)


def couple_frame(frame: Frame, host: str, carrier: str, host_density_A3: float, n_interfaces: int = 2,
                 bin_nm: float = 0.2, bond_cutoff_A: float | None = None, axis: int = 2) -> dict:
    """One frame of a couple: ``step``, ``n_crystalline`` (host atoms), ``area_A2`` (of the interface
    plane), ``front_positions_nm``, ``interface_width_nm``, ``reacted_thickness_nm``,
    ``amorphous_thickness_nm`` and ``bins`` (see :class:`InterfaceProfile`)."""
    host_mask, carrier_mask = frame.mask(host), frame.mask(carrier)
    classifier = CrystallineHost(host).compute(frame.positions, frame.cell, host_mask)
    bonds = host_bond_lengths(frame, host, bond_cutoff_A)
    profiler = InterfaceProfile(bin_nm=bin_nm, axis=axis, n_interfaces=n_interfaces, host_density_A3=host_density_A3)
    profiler.compute(frame.positions, frame.cell, host_mask, carrier_mask, classifier.crystalline, bonds)
    area = float(np.linalg.norm(np.cross(frame.cell[(axis + 1) % 3], frame.cell[(axis + 2) % 3])))
    return {"step": frame.step, "n_crystalline": classifier.n_crystalline, "area_A2": area,
            "front_positions_nm": profiler.front_positions_nm, "interface_width_nm": profiler.interface_width_nm,
            "reacted_thickness_nm": profiler.reacted_thickness_nm,
            "amorphous_thickness_nm": profiler.amorphous_thickness_nm, "bins": profiler.bins()}


def _with_host(frames: Iterable[Frame], host: str) -> Iterator[Frame]:
    """``frames``, after checking that the first holds ``host`` atoms."""
    for i, frame in enumerate(frames):
        if i == 0 and not frame.mask(host).any():
            present = sorted(map(str, set(frame.symbols)))
            raise InputError(f"no {host} atoms in the trajectory; elements present: {present}")
        yield frame


def _couple_summary(front: FrontAdvance, per_frame: list[dict], final_fraction: float) -> CoupleResult:
    """End-of-run averages over the last ``final_fraction`` of the frames before the host crystal is consumed
    (:func:`~anodeflow.analysis.kinetics.frames_before_consumed`), the front speed over those frames, and the
    front's L(t) over all frames."""
    before = frames_before_consumed(front.n_crystalline)
    n_final = max(1, int(round(final_fraction * before)))
    final = per_frame[:before][-n_final:]
    mean = lambda key: float(np.nanmean([f[key] for f in final]))  # noqa: E731
    final_profile = [
        {key: _nanmean([f["bins"][b][key] for f in final]) for key in final[-1]["bins"][b]}
        for b in range(len(final[-1]["bins"]))
    ]
    times = np.asarray(front.times_ps)
    L = front.advance_nm
    velocity = (float(np.polyfit(times[:before], L[:before], 1)[0]) if before > 1 and np.ptp(times[:before]) > 0
                else float("nan"))
    return CoupleResult(
        times_ps=times.tolist(), crystalline_host_atoms=front.n_crystalline, front_advance_nm=L.tolist(),
        front_advance_err_nm=front.advance_err_nm, front_velocity_nm_ps=velocity,
        front_positions_nm=per_frame[-1]["front_positions_nm"],
        interface_width_nm=mean("interface_width_nm"), reacted_thickness_nm=mean("reacted_thickness_nm"),
        amorphous_thickness_nm=mean("amorphous_thickness_nm"), final_window_ps=float(times[-1] - times[-n_final]),
        final_profile=final_profile, profiles=per_frame,
    )


def final_dislocations(frames: Sequence[Frame], host: str) -> tuple[dict | None, str | None]:
    """Dislocation content of the last of ``frames`` (host atoms): DXA where the host has its lattice, otherwise
    (beta-Sn, A7 Sb) line-like core clusters in the positions averaged over ``frames``
    (:class:`~anodeflow.analysis.dislocations.LineDefects`, no Burgers vectors). Returns (summary or None, the
    reason it is None or how it was measured)."""
    from dataclasses import replace

    from anodeflow.analysis.dislocations import averaged_positions, dislocation_frame, uses_dxa

    try:
        if uses_dxa(host):
            frame, note = frames[-1], None
        else:
            frame = replace(frames[-1], positions=averaged_positions(frames))
            note = f"line defects of {host} from core clusters in positions averaged over {len(frames)} frames"
        summary = dislocation_frame(frame, host)
    except InputError as exc:
        return None, str(exc)
    del summary["step"]
    return summary, note


def analyse_final_state(frames: Sequence[Frame], host: str, carrier: str, stress_prefix: str | None = None,
                        bin_nm: float = 0.2, axis: int = 2) -> dict:
    """Bonds (partial RDFs), stress profile and dislocation content of the last frames of a run.

    Returns ``{"bonds": {pair: {first_peak_A, coordination}}, "stress": {...} | None,
    "dislocations": {...} | None, "notes": [...]}``. RDFs average all ``frames``; stress (needs
    the ``stress_prefix[1..6]`` per-atom columns) uses the last one; dislocations are :func:`final_dislocations`
    (``None`` and the reason in ``notes`` when they cannot be measured).
    """
    from anodeflow.analysis.bonds import PartialRDF
    from anodeflow.analysis.stress import analyse_stress, stress_columns

    if not frames:
        raise InputError("no frames to analyse")
    cell = np.asarray(frames[-1].cell, float)
    widths = [abs(np.linalg.det(cell)) / np.linalg.norm(np.cross(cell[(i + 1) % 3], cell[(i + 2) % 3])) for i in range(3)]
    rdf = PartialRDF(r_max_A=min(6.0, 0.49 * min(widths)))
    for frame in frames:
        rdf.compute(frame)
    bonds = {k: {"first_peak_A": v.first_peak_A, "coordination": v.coordination} for k, v in rdf.results().items()}
    last, notes = frames[-1], []
    stress = None
    if stress_prefix:
        tensor = np.column_stack([last.properties[c] for c in stress_columns(stress_prefix)])
        crystalline = CrystallineHost(host).compute(last.positions, last.cell, last.mask(host)).crystalline
        result = analyse_stress(last.positions, last.cell, last.symbols, tensor, host, carrier, crystalline,
                                axis=axis, bin_nm=bin_nm)
        stress = asdict(result)
    dislocations, message = final_dislocations(frames, host)
    if message:
        notes.append(f"dislocations: {message}")
    return {"bonds": bonds, "stress": stress, "dislocations": dislocations, "notes": notes}
