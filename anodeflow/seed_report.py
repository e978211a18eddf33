"""The seed study's report folder: ``report.md`` (claims table, methods, potentials and their checks, wall
times), ``study.json`` (the stored document) and one PNG per claim with data."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from anodeflow.outputs import output_file
from anodeflow.plots import (plot_claim_bars, plot_front_advance, plot_pipe_diffusion, plot_screening,
                             plot_study_arrhenius)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    cell = lambda text: str(text).replace("|", "/").replace("\n", " ")  # noqa: E731
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)]


def claims_table(doc: dict) -> list[str]:
    """The claims table as Markdown lines."""
    rows = [[c["claim"], c["quantity"], "; ".join(f"{k}: {v}" for k, v in c["values"].items()) or "-",
             c["seed_statement"], f"**{c['verdict']}**: {c['reason']}"] for c in doc["claims"]]
    return _table(["claim", "quantity measured", "value +- 1 sigma", "the seed", "verdict"], rows)


def _potential_rows(doc: dict) -> list[list[str]]:
    rows = []
    for s in doc["systems"]:
        check = s["host_check"]
        if check is None:
            rows.append([s["system"], s["potential"], f"not run: {s['reason']}", "-", "-"])
            continue
        outcome = "passed" if check["passed"] else f"failed: {check['reason']}"
        if check.get("spacegroup"):
            outcome += f" ({check['spacegroup']} -> {check['relaxed_spacegroup']}, {check['energy_meV_atom']:+.1f} meV/atom)"
        err = f" +- {s['melting_point_err_K']:.0f}" if s.get("melting_point_err_K") else ""
        couples = f"{s['temperature_K']:.0f} K" if "couples" in s.get("parts", ("couples",)) else "no couples run"
        rows.append([s["system"], s["potential"], outcome, f"{s['melting_point_K']:.0f}{err} K: "
                     f"{s['melting_point_source']}", couples])
    return rows


def _wall_time_rows(doc: dict) -> list[list[str]]:
    rows = []
    for s in doc["systems"]:
        if s["host_check"] is not None:
            rows.append([s["system"], "host check", f"{s['host_check']['wall_time_s']:.0f}"])
        if s.get("melting_wall_time_s"):
            rows.append([s["system"], "melting point (coexistence)", f"{s['melting_wall_time_s']:.0f}"])
        for o in s["orientations"]:
            rows.append([s["system"], f"couples ({o['miller']}), all replicas", f"{o['wall_time_s']:.0f}"])
        if s["valid"] and "diffusion" in s.get("parts", ("diffusion",)):
            rows.append([s["system"], "melt-quench and diffusion", f"{s['diffusion_wall_time_s']:.0f}"])
        if s.get("network"):
            rows.append([s["system"], "site network (relaxations and CI-NEB)", f"{s['network']['wall_time_s']:.0f}"])
        for d in s.get("pipe", []):
            rows.append([s["system"], f"pipe diffusion at {d['temperature_K']:.0f} K (both cells)",
                         f"{d['wall_time_s']:.0f}"])
    return rows


def _network_rows(doc: dict) -> list[list[str]]:
    rows = []
    for s in doc["systems"]:
        n = s.get("network")
        if not n:
            rows.append([s["system"], f"not run: {s.get('network_status') or s['reason']}", *"-----"])
            continue
        sites = f"{len(n['sites'])} in {len({x['site_class'] for x in n['sites']})} classes, " \
                f"{sum(not x['reproducible'] for x in n['sites'])} not reproducible"
        shift = max((x["host_shift_A"] for x in n["sites"]), default=float("nan"))
        barrier = f"{n['barrier_eV']:.3f}" if n.get("barrier_eV") is not None else "no path"
        rows.append([s["system"], n["potential"]["name"], sites, f"{shift:.2f}",
                     f"{len(n['hops'])} hops, {n['n_bands']} CI-NEB bands", "yes" if n["well_posed"] else "no", barrier])
    return rows


def _pipe_rows(doc: dict) -> list[list[str]]:
    rows = []
    for s in doc["systems"]:
        if not s.get("pipe"):
            rows.append([s["system"], f"not run: {s.get('pipe_status') or s['reason']}", *"------"])
        for d in s.get("pipe", []):
            spacing = d.get("spacing_cells", 1)
            carriers = f"{d['n_core_carriers']} / {d['n_crystal_carriers']}, one per " + \
                (f"{spacing} line periods" if spacing > 1 else "line period")
            rows.append([s["system"], f"{d['temperature_K']:.0f}", carriers,
                         f"{d['D_core_line_cm2_s']:.2g} +- {d['D_core_line_err_cm2_s']:.2g}",
                         f"{d['D_crystal_cm2_s']:.2g} +- {d['D_crystal_err_cm2_s']:.2g}", f"{d['ratio']:.2g} +- {d['ratio_err']:.2g}",
                         d["picture"], f"{d['fraction_still_in_core']:.2f}"])
    return rows


def _screen_rows(doc: dict) -> list[list[str]]:
    def number(row, key, digits):
        return "-" if row.get(key) is None else f"{row[key]:.{digits}f}"

    return [[r["system"], r.get("potential") or "-", number(r, "bond_energy_eV", 3), number(r, "shear_modulus_GPa", 1),
             number(r, "born_stiffness_GPa", 1), number(r, "barrier_eV", 3), number(r, "amorphous_thickness_nm", 2),
             f"{r['score']:.2f}", r["predicted"], r["seed"] or "-"]
            for r in (doc.get("screening") or {}).get("rows", [])]


def _dislocation_rows(doc: dict) -> list[list[str]]:
    rows = []
    for s in doc["systems"]:
        for o in s["orientations"]:
            density = o.get("dislocation_density_m2")
            value = "-" if not density or density["n"] == 0 else \
                f"{density['value']:.3g} +- {density['err']:.2g} (n={density['n']})"
            rows.append([s["system"], f"({o['miller']})", value, o.get("dislocation_method") or "not measured"])
    return rows


def parts_wall_time_s(doc: dict) -> float:
    """Sum (s) of the wall times of the study's parts (host checks, melting points, couples, diffusion)."""
    return sum(float(row[2]) for row in _wall_time_rows(doc))


def methods(doc: dict) -> list[str]:
    scale = doc["scale"]
    pipe = scale.get("pipe") or {}
    return [
        f"- Couples: host | carrier metal, {scale['couple_size_nm']:g} nm in plane, host slab "
        f"{1.25 * scale['couple_size_nm']:g} nm, reservoir {scale.get('reservoir_factor', 1.25) * scale['couple_size_nm']:g} nm "
        f"thick, {scale['couple_time_ps']:g} ps of "
        f"NPT MD (LAMMPS) at T = {scale['homologous_temperature']:g} Tm of the host (Tm of the potential itself from "
        "solid-liquid coexistence where the scale runs it, else the experimental one; see the table below), "
        f"{scale['replicas']} replica seeds per orientation; Li/Si (110), (100), (111); beta-Sn (100) and A7 Sb (001), "
        "which have a lattice period normal to the interface.",
        "- Front advance L(t) from the loss of crystalline host atoms; L = A t^n fitted by generalised least squares "
        "with AR(1) noise per replica; every value is the replica mean +- its standard error (the larger of the "
        "replica scatter and the propagated per-run errors).",
        "- Dislocations at the end of each couple: OVITO's DXA on the diamond hosts' last frame; in beta-Sn and A7 Sb, "
        "which DXA has no reference lattice for, line-like clusters of distorted host atoms inside the crystal in "
        "the positions averaged over the final frames (analysis.dislocations.LineDefects; no Burgers vectors).",
        "- Bonds near the front: host-host first-shell bond in bins within 0.6 nm of the bulk-crystal bins, against "
        "the bulk-crystal bins of the same run.",
        f"- Diffusivity: a {scale['diffusion_atoms']}-atom amorphous alloy at the reacted phase's composition "
        f"(melt-quench), NVT MD of {scale['diffusion_time_ps']:g} ps at "
        f"{', '.join(f'{f:g}' for f in scale['diffusion_temperatures'])} Tm, tracer D with MSD-covariance errors, "
        "Arrhenius fit extrapolated to 300 K with the propagated error. Picosecond runs need temperatures where "
        "the alloy is liquid-like; the extrapolation assumes one activation energy down to 300 K, across any "
        "glass transition, so it tests the ordering of the systems more than each value.",
        "- Site networks: every Voronoi vertex of the host's conventional cell is a candidate; one carrier "
        "relaxation per symmetry class from 0.2 A off it, and a second from another direction with the host started "
        "afresh (a site that does not return within 0.3 A and 5 meV is not reproducible); CI-NEB of one hop per "
        "symmetry class; the barrier is where the network of hops first winds through the cell "
        "(workflows.site_network). A network with a site that is not reproducible, or a pair that is not a hop, "
        "is not well posed and gives no barrier.",
        "- Pipe diffusion (diamond hosts): a periodic dipole of 60-degree dislocations with one carrier every "
        f"{pipe.get('spacing_cells', 1)} line period(s) in each core, and the perfect crystal with as many carriers in "
        f"its cages, NVT MD of both at {', '.join(f'{f:g}' for f in pipe.get('temperatures', ()))} Tm; D along the "
        "line of the carriers that start within the core radius of a line (DXA on the first frame) against 3-D D "
        "in the crystal (workflows.pipe_diffusion).",
        "- Screen of hosts: per host crystal relaxed with the pair's potential (for pairs without a default, "
        "SevenNet-l3i5 for black P and SevenNet-0 for the others), the cohesive energy per first-shell bond, the "
        "Voigt-Reuss-Hill shear modulus and the Born "
        "stiffness of its relaxed-ion elastic tensor (matscipy stress-strain fit); per pair, the CI-NEB barrier "
        "of the carrier between the nearest pair of interstitial sites; the score is the mean of these relative to "
        "the reference pair (workflows.screening).",
        "- A claim is decided only when the measurement separates its outcomes by more than 2 standard errors; "
        "otherwise it is undetermined.",
        f"- Host check: the host crystal and a {'x'.join(map(str, scale['rattled_repeats']))} supercell rattled by "
        "0.01 A relaxed with the cell free; the potential is valid when the supercell keeps the space group and "
        "ends no lower than the symmetric cell.",
    ]


def _screen_section(doc: dict) -> list[str]:
    screening = doc.get("screening")
    if not screening:
        return ["Not run: the screen runs at the workstation and hpc scales."]
    return [f"Scores relative to {screening['reference']}; a pair is predicted ICR at a score of at least "
            f"{screening['threshold']:g} (workflows.screening).", "",
            *_table(["system", "potential", "bond energy (eV)", "shear modulus G_VRH (GPa)", "Born stiffness (GPa)",
                     "carrier barrier (eV)", "amorphous layer (nm)", "score", "predicted", "the seed"],
                    _screen_rows(doc))]


def report_markdown(doc: dict, wall_time_s: float, command: str) -> str:
    import anodeflow

    lines = [f"# Seed study ({doc['scale']['name']} scale)", "",
             f"Command: `{command}` (anodeflow {anodeflow.__version__}). Machine: {platform.machine()}, "
             f"{platform.system()}, {os.cpu_count()} cores; total wall time {wall_time_s:.0f} s.", "", "## Claims", "", *claims_table(doc), "",
             "## Potentials and their host checks", "",
             *_table(["system", "potential", "host check", "host melting point Tm", "couple temperature"],
                    _potential_rows(doc)), "",
             "## Dislocations at the end of the couples", "",
             *_table(["system", "orientation", "line length per volume (m^-2) +- 1 sigma", "method"],
                    _dislocation_rows(doc)), "",
             "## Carrier site networks in the host crystals", "",
             *_table(["system", "potential", "minima", "largest host shift (A)", "hops", "well posed",
                      "percolation barrier (eV)"], _network_rows(doc)), "",
             "## Pipe diffusion along dislocation cores", "",
             *_table(["system", "T (K)", "carriers: core / crystal", "D along the core (cm^2/s)",
                      "D in the crystal (cm^2/s)", "ratio",
                      "picture", "core carriers still in a core"], _pipe_rows(doc)), "",
             "## Screen of hosts", "", *_screen_section(doc), "",
             "## Methods", "", *methods(doc), "", "## Settings", "",
             *(f"- {k}: {v}" for k, v in doc["scale"].items()), "", "## Wall time of each part (s)", "",
             *_table(["system", "part", "wall time (s)"], _wall_time_rows(doc)), "", "## Sources", "",
             *(f"- {k}: {v}" for k, v in doc["references"].items()), ""]
    return "\n".join(lines)


def claim_figures(doc: dict, out: Path) -> list[Path]:
    """One PNG per claim that has measured values."""
    systems = [s for s in doc["systems"] if s["valid"]]
    first = {s["system"]: s["orientations"][0] for s in systems if s["orientations"]}
    paths = []
    if first:
        paths.append(plot_front_advance(systems, out / "claim1_rate_law.png"))
        for name, key, label in (("claim2_amorphous_layer", "amorphous_thickness_nm", "amorphous host layer (nm)"),
                                 ("claim3_host_bonds", "host_bond_shift_A", "host bond: front - bulk (A)"),
                                 ("claim7_stress", "eq1_stress_term_eV", "Eq. (1) stress term (eV)")):
            paths.append(plot_claim_bars({s: o[key] for s, o in first.items()}, label, out / f"{name}.png"))
    li_si = next((s for s in systems if s["system"] == "Li-Si" and s["orientations"]), None)
    if li_si:
        for name, key, label in (("claim4_front_width", "interface_width_nm", "Li/Si front width (nm)"),
                                 ("claim5_anisotropy", "front_velocity_nm_ps", "Li/Si front velocity (nm/ps)")):
            paths.append(plot_claim_bars({f"({o['miller']})": o[key] for o in li_si["orientations"]}, label,
                                         out / f"{name}.png"))
    if any(s.get("diffusion") for s in systems):
        paths.append(plot_study_arrhenius(systems, out / "claim6_diffusivity.png"))
    barriers = {s["system"]: {"value": s["network"]["barrier_eV"], "err": 0.0, "n": 1} for s in systems
                if s.get("network") and s["network"]["well_posed"] and s["network"].get("barrier_eV") is not None}
    if barriers:
        paths.append(plot_claim_bars(barriers, "percolation barrier in the host crystal (eV)",
                                     out / "claim9_barriers.png", title="carrier site network, CI-NEB at 0 K"))
    if doc.get("screening"):
        from anodeflow.workflows.seed_claims import pairs_not_counted

        paths.append(plot_screening(doc["screening"], out / "claim8_screening.png",
                                    pairs_not_counted(doc["screening"])))
    pipes = [d for s in systems for d in s.get("pipe", [])]
    if pipes:
        paths.append(plot_pipe_diffusion(pipes, out / "claim10_pipe_diffusion.png"))
    return paths


def write_report(doc: dict, out: Path, wall_time_s: float, command: str) -> list[Path]:
    """Write the report folder ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    with output_file(out / "study.json", "study document") as tmp:
        tmp.write_text(json.dumps(doc, indent=1, default=str))
    with output_file(out / "report.md", "report") as tmp:
        tmp.write_text(report_markdown(doc, wall_time_s, command))
    return [out / "report.md", out / "study.json", *claim_figures(doc, out)]
