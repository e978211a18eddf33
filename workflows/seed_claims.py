"""The seed study's claims table: each claim of the seed, the quantity that tests it, the values measured
per system and a verdict from :mod:`anodeflow.analysis.claims`."""

from __future__ import annotations

import re
from typing import Callable

from anodeflow.analysis.claims import (
    AGREES, DISAGREES, UNDETERMINED, Estimate, Verdict, at_most, combine, descending, greater, log10_estimate,
    rate_law)
from anodeflow.errors import InputError
from anodeflow.workflows.schemas import ClaimRow, MeasuredValue, OrientationResult, SystemResult
from anodeflow.workflows.validation import BARRIERS_EV

#: sources of the numbers in the table that this study does not measure
REFERENCES = {
    "seed": "Choi, Scanlon, Lee: progress report on diffusion kinetics in alloying anodes (bracketed numbers "
            "are its reference numbers)",
    "[18]": "atomically sharp (~1 nm) Li/Si reaction front, cited by the seed",
    "[65, 68]": "AIMD of Na/Sn: longer Sn-Sn distances near the interface, cited by the seed",
    "[82]": "Na diffusivity in Sn, ~3.0e-6 cm^2/s, cited by the seed",
    "[113]": "Li diffusivity in Si, ~5.1e-12 cm^2/s, cited by the seed",
    "[114]": "Na diffusivity in Sb, ~3.0e-10 cm^2/s, cited by the seed",
    "melting points": "CRC Handbook of Chemistry and Physics, 97th ed. (2016): Si 1687 K, Sn 505 K, Sb 904 K",
    "[84, 87-90]": "dislocation-pipe diffusion, many orders of magnitude faster than bulk diffusion, cited by the seed",
    "DFT barriers": "carrier migration barriers in the host crystals: " + "; ".join(
        f"{system} {value:g} eV ({source})" for system, (value, source) in BARRIERS_EV.items()),
}
#: a front this wide (nm, 10-90 %) still counts as "about 1 nm" sharp
SHARP_FRONT_MAX_NM = 1.5


def _estimate(value: MeasuredValue | None) -> Estimate:
    if value is None:
        return Estimate(float("nan"), float("nan"), 0)
    return Estimate(value.value, value.err, value.n)


def _text(value: MeasuredValue | None, digits: int = 3) -> str:
    return _estimate(value).text(digits)


def _first(result: SystemResult) -> OrientationResult | None:
    return result.orientations[0] if result.orientations else None


def _not_measured(result: SystemResult, part: str) -> str | None:
    """Why ``result`` has no ``part``, in short; None when it has."""
    if not result.valid:
        return f"{result.status} ({result.potential})"
    return None if part in result.parts else f"{part} not run"


def _per_system(results: dict[str, SystemResult], pick: Callable[[SystemResult], MeasuredValue | None],
                digits: int = 3, part: str = "couples") -> dict[str, str]:
    """Value text per system; a system that was not measured says why in short."""
    return {s: _not_measured(r, part) or _text(pick(r), digits) for s, r in results.items()}


def _missing(results: dict[str, SystemResult], needed: tuple[str, ...], part: str = "couples") -> Verdict | None:
    """Undetermined when a system the claim needs was not in the study, has no valid potential, was over budget
    or did not run ``part``."""
    absent = [s for s in needed if s not in results]
    invalid = [s for s in needed if s in results and not results[s].valid]
    skipped = [s for s in needed if s in results and results[s].valid and part not in results[s].parts]
    if not (absent or invalid or skipped):
        return None
    parts = [f"{s} not in this study" for s in absent]
    parts += [f"{s}: {results[s].status} ({results[s].potential}: {results[s].reason})" for s in invalid]
    parts += [f"{s}: {part} not run in this study" for s in skipped]
    return Verdict(UNDETERMINED, "; ".join(parts))


def _orientation(result: SystemResult, miller: str) -> OrientationResult | None:
    return next((o for o in result.orientations if o.miller == miller), None)


def rate_law_row(results: dict[str, SystemResult]) -> ClaimRow:
    expected = {"Li-Si": "ICR", "Na-Sb": "ICR", "Na-Sn": "DCR"}
    parts = []
    for system, regime in expected.items():
        gap = _missing(results, (system,))
        parts.append(gap or rate_law(_estimate(_first(results[system]).exponent_n), regime, system))
    verdict = combine(parts)
    return ClaimRow(claim="Li/Si and Na/Sb are interface-controlled (ICR); Na/Sn is diffusion-controlled (DCR)",
                    quantity="exponent n of L = A t^n (first orientation; ICR n >= 0.8, DCR n <= 0.6)",
                    values=_per_system(results, lambda r: _first(r).exponent_n),
                    seed_statement="ICR: L ~ t; DCR: L^2 ~ t (seed, Table 1)", verdict=verdict.verdict,
                    reason=verdict.reason)


def amorphous_layer_row(results: dict[str, SystemResult]) -> ClaimRow:
    verdict = _missing(results, ("Na-Sn", "Na-Sb"))
    if verdict is None:
        sn, sb = (_estimate(_first(results[s]).amorphous_thickness_nm) for s in ("Na-Sn", "Na-Sb"))
        verdict = combine([greater(sn, Estimate(0.0, 0.0, 1), "Na/Sn layer", "0", "nm"),
                           greater(sn, sb, "Na/Sn layer", "Na/Sb layer", "nm")])
    return ClaimRow(claim="A thin amorphous Sn layer forms ahead of the Na/Sn front, not ahead of Na/Sb",
                    quantity="amorphous host thickness ahead of each front (nm)",
                    values=_per_system(results, lambda r: _first(r).amorphous_thickness_nm),
                    seed_statement="DCR: thin amorphous host layer ahead of the front; ICR: sharp front (seed)",
                    verdict=verdict.verdict, reason=verdict.reason)


def bond_row(results: dict[str, SystemResult]) -> ClaimRow:
    verdict = _missing(results, ("Na-Sn",))
    if verdict is None:
        shift = _estimate(_first(results["Na-Sn"]).host_bond_shift_A)
        verdict = greater(shift, Estimate(0.0, 0.0, 1), "Sn-Sn near the front - in the crystal", "0", "A")
    return ClaimRow(claim="Sn-Sn bonds are longer near the Na/Sn front",
                    quantity="host-host bond within 0.6 nm of the crystal minus in the bulk crystal, same run (A)",
                    values=_per_system(results, lambda r: _first(r).host_bond_shift_A),
                    seed_statement="AIMD: Sn-Sn distances grow near the interface [65, 68]",
                    verdict=verdict.verdict, reason=verdict.reason)


def sharp_front_row(results: dict[str, SystemResult]) -> ClaimRow:
    verdict = _missing(results, ("Li-Si",))
    values = {}
    if verdict is None:
        widths = {o.miller: o.interface_width_nm for o in results["Li-Si"].orientations}
        values = {f"Li-Si ({m})": _text(w) for m, w in widths.items()}
        verdict = combine([at_most(_estimate(w), SHARP_FRONT_MAX_NM, f"({m}) width", "nm") for m, w in widths.items()])
    return ClaimRow(claim="The Li/Si front is sharp (about 1 nm)",
                    quantity=f"10-90 % width of the crystalline-fraction front (nm); sharp: <= {SHARP_FRONT_MAX_NM:g}",
                    values=values or _per_system(results, lambda r: _first(r).interface_width_nm),
                    seed_statement="atomically sharp interface, ~1 nm [18]", verdict=verdict.verdict,
                    reason=verdict.reason)


def anisotropy_row(results: dict[str, SystemResult]) -> ClaimRow:
    verdict = _missing(results, ("Li-Si",))
    values = {}
    if verdict is None:
        order = [(f"({m})", _orientation(results["Li-Si"], m)) for m in ("110", "100", "111")]
        values = {f"Li-Si {m}": _text(o.front_velocity_nm_ps) for m, o in order}
        verdict = descending([(m, _estimate(o.front_velocity_nm_ps)) for m, o in order], "nm/ps")
    return ClaimRow(claim="Si fronts are anisotropic: (110) > (100) > (111)",
                    quantity="front velocity per interface (nm/ps)", values=values,
                    seed_statement="Si: <110> fastest, up to ~400 % difference between orientations (seed)",
                    verdict=verdict.verdict, reason=verdict.reason)


def diffusivity_row(results: dict[str, SystemResult]) -> ClaimRow:
    systems = ("Na-Sn", "Na-Sb", "Li-Si")
    verdict = _missing(results, systems, "diffusion")
    if verdict is None:
        verdict = descending([(s, log10_estimate(_estimate(results[s].D_300K_cm2_s))) for s in systems],
                             "in log10 D")
    return ClaimRow(claim="Diffusivities are ordered Na-Sn >> Na-Sb >> Li-Si",
                    quantity="carrier D in the amorphous reacted phase, Arrhenius-extrapolated to 300 K (cm^2/s)",
                    values=_per_system(results, lambda r: r.D_300K_cm2_s, part="diffusion"),
                    seed_statement="Na in Sn ~3.0e-6 [82]; Na in Sb ~3.0e-10 [114]; Li in Si ~5.1e-12 cm^2/s [113]",
                    verdict=verdict.verdict, reason=verdict.reason)


def stress_row(results: dict[str, SystemResult]) -> ClaimRow:
    verdict = _missing(results, ("Li-Si", "Na-Sn"))
    if verdict is None:
        si, sn = (_estimate(_first(results[s]).eq1_stress_term_eV) for s in ("Li-Si", "Na-Sn"))
        verdict = greater(Estimate(abs(si.value), si.err, si.n), Estimate(abs(sn.value), sn.err, sn.n),
                          "|Li/Si term|", "|Na/Sn term|", "eV")
    return ClaimRow(claim="Stress at the front is much larger for Li/Si than for Na/Sn",
                    quantity="stress term of the seed's Eq. (1) per inserted carrier, from the mean stresses and "
                             "volumes of crystal and alloy (eV)",
                    values=_per_system(results, lambda r: _first(r).eq1_stress_term_eV),
                    seed_statement="ICR: large compressive stress at the front; DCR: relieved (seed)",
                    verdict=verdict.verdict, reason=verdict.reason)


def screening_row(screening: dict | None) -> ClaimRow:
    """Each screened pair's predicted class against the seed's; a seed host the screen did not cover leaves
    the claim undetermined."""
    from anodeflow.workflows.screening import SEED_CLASSES

    row = dict(claim="Screening classes: Si, Sb, P are ICR; Sn, Ge are DCR", quantity="predicted class",
               seed_statement="Si, Sb, P: ICR; Sn, Ge: DCR (seed)")
    if not screening:
        return ClaimRow(**row, values={}, verdict=UNDETERMINED,
                        reason="the screen runs at the workstation and hpc scales only")
    rows = screening.get("rows", [])
    parts = [screened_pair(r) for r in rows if r["host"] in SEED_CLASSES]
    screened = {r["host"] for r in rows}
    parts += [Verdict(UNDETERMINED, f"{host} is not screened") for host in SEED_CLASSES if host not in screened]
    verdict = combine(parts)
    return ClaimRow(**row, values={r["system"]: r["predicted"] for r in rows}, verdict=verdict.verdict,
                    reason=verdict.reason)


def screened_pair(row: dict) -> Verdict:
    """One screened pair against the seed's class; undetermined where the host crystal is not mechanically stable
    with the pair's potential (Born stiffness <= 0), or where the potential's record says it fails the pair's host
    check (the registry as it is now, so an older screen is judged with what is known today)."""
    from anodeflow.potentials import get_potential
    from anodeflow.workflows.screening import SEED_CLASSES

    text = f"{row['system']}: {row['predicted']}"
    born = row.get("born_stiffness_GPa")
    if born is not None and born <= 0:
        return Verdict(UNDETERMINED, f"{text}, but {row['host']} is not mechanically stable with {row['potential']} "
                                     f"(Born stiffness {born:.1f} GPa)")
    try:
        failure = get_potential(row["potential"]).fails_host_check.get(row["system"]) if row.get("potential") else None
    except InputError:
        failure = None
    if failure:
        return Verdict(UNDETERMINED, f"{text}, but {row['potential']} {re.split(r'[:;(]', failure)[0].strip()}")
    return Verdict(AGREES if row["predicted"] == SEED_CLASSES[row["host"]] else DISAGREES, text)


def pairs_not_counted(screening: dict) -> frozenset[str]:
    """The screened pairs of a seed host that decide nothing in the screening claim (:func:`screened_pair`)."""
    from anodeflow.workflows.screening import SEED_CLASSES

    return frozenset(r["system"] for r in screening.get("rows", [])
                     if r["host"] in SEED_CLASSES and screened_pair(r).verdict == UNDETERMINED)


def network_barrier(result: SystemResult) -> MeasuredValue | None:
    """The barrier at which the carrier's site network percolates, +- the 5 meV to which its sites are
    reproducible (eV); None without a well-posed, percolating network."""
    from anodeflow.workflows.site_network import FLAT_EV

    network = result.network
    if network is None or not network.well_posed or network.barrier_eV is None:
        return None
    return MeasuredValue(value=network.barrier_eV, err=FLAT_EV, n=1)


def _network_text(result: SystemResult) -> str:
    network = result.network
    if network is None:
        return _not_measured(result, "network") or f"not run: {result.network_status}"
    if not network.well_posed:
        return "not well posed: a site is not reproducible or a pair is not a hop"
    if not network.percolates:
        return f"no percolating path up to {network.max_hop_A:g} A"
    dft = BARRIERS_EV.get(result.system)
    return _text(network_barrier(result)) + (f"; DFT {dft[0]:g}" if dft else "")


def barrier_row(results: dict[str, SystemResult]) -> ClaimRow:
    """Bulk barriers of the percolating site networks, in the order of the diffusivities (Li-Si highest)."""
    order = ("Li-Si", "Na-Sb", "Na-Sn")
    measured = [(s, _estimate(network_barrier(results[s]))) for s in order if s in results]
    measured = [(f"{s} barrier", e) for s, e in measured if e.known]
    lacking = [s for s in order if s not in results or network_barrier(results[s]) is None]
    parts = [descending(measured, "eV")] if len(measured) > 1 else []
    parts += [Verdict(UNDETERMINED, f"{s}: " + (_network_text(results[s]) if s in results else "not in this study"))
              for s in lacking]
    verdict = combine(parts)
    return ClaimRow(claim="Carriers cross the host crystals in the order of the diffusivities: barrier Li-Si > "
                          "Na-Sb > Na-Sn",
                    quantity="barrier at which the carrier's network of minima and CI-NEB hops first percolates "
                             "through the host crystal, less its lowest site (eV, +- 5 meV site reproducibility)",
                    values={s: _network_text(r) for s, r in results.items()},
                    seed_statement="Na in Sn fastest, Li in Si slowest [82, 113, 114]; DFT barriers: Li in Si 0.58 eV, "
                                   "Na in beta-Sn 0.22 eV along [001] (DFT barriers)",
                    verdict=verdict.verdict, reason=verdict.reason)


def _pipe_text(result: SystemResult) -> str:
    if not result.pipe:
        return _not_measured(result, "pipe") or f"not run: {result.pipe_status}"
    return "; ".join(f"{d.temperature_K:.0f} K: D_core/D_crystal = {d.ratio:.2g} +- {d.ratio_err:.2g} ({d.picture})"
                     for d in result.pipe)


def pipe_row(results: dict[str, SystemResult]) -> ClaimRow:
    """Pipe diffusion: at each temperature, D along the core faster than in the crystal (agrees), slower
    (disagrees: the core traps the carrier) or within 2 sigma (undetermined)."""
    picture = {"pipe": AGREES, "trap": DISAGREES}
    parts = []
    for system, result in results.items():
        if not result.pipe:
            parts.append(Verdict(UNDETERMINED, f"{system}: {_pipe_text(result)}"))
        for d in result.pipe:
            parts.append(Verdict(picture.get(d.picture, UNDETERMINED), f"{system} at {d.temperature_K:.0f} K: "
                                 f"D_core/D_crystal = {d.ratio:.2g} +- {d.ratio_err:.2g}, {d.picture}"))
    verdict = combine(parts) if parts else Verdict(UNDETERMINED, "no system in this study")
    return ClaimRow(claim="Dislocation cores are fast diffusion paths (pipe diffusion)",
                    quantity="carrier D along the line of a periodic 60-degree dislocation dipole / D in the perfect "
                             "crystal with as many carriers, same MD temperature; pipe > 1, trap < 1 by 2 sigma",
                    values={s: _pipe_text(r) for s, r in results.items()},
                    seed_statement="dislocation cores lower the activation energy; pipe diffusion many orders of "
                                   "magnitude faster than bulk diffusion [84, 87-90]",
                    verdict=verdict.verdict, reason=verdict.reason)


def claim_rows(systems: list[SystemResult], screening: dict | None = None) -> list[ClaimRow]:
    """Every claim of the seed that this study measures, in the order of the issue that asked for them."""
    results = {s.system: s for s in systems}
    return [rate_law_row(results), amorphous_layer_row(results), bond_row(results), sharp_front_row(results),
            anisotropy_row(results), diffusivity_row(results), stress_row(results), screening_row(screening),
            barrier_row(results), pipe_row(results)]
