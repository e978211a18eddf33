"""Figures written by workflows and the CLI (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_couple(doc: dict, path: str | Path, first_profile: list[dict] | None = None) -> Path:
    """Profiles across the couple (start and end) and the front advance L(t)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    final = doc["final_profile"]
    host, carrier = doc["host"], doc["carrier"]
    z = [b["z_centred_nm"] for b in final]
    if first_profile:
        ax1.plot([b["z_centred_nm"] for b in first_profile], [b["crystalline_fraction"] for b in first_profile],
                 "k:", lw=1, label=f"crystalline {host}, t = 0")
    ax1.plot(z, [b["crystalline_fraction"] for b in final], "C0-", label=f"crystalline {host}, end")
    ax1.plot(z, [b["carrier_fraction"] for b in final], "C3-", label=f"{carrier} fraction, end")
    ax1.set_xlabel("z, crystal slab centred (nm)")
    ax1.set_ylabel("fraction of atoms in bin")
    ax1.set_ylim(-0.02, 1.05)
    ax1.legend(fontsize=8, loc="center right")
    ax1.set_title(f"{doc['system']} ({doc['miller']}), {doc['temperature_K']:g} K")

    ax2.plot(doc["times_ps"], doc["front_advance_nm"], "C0o-", ms=3)
    err = doc.get("front_advance_err_nm")
    if err and err == err:
        ax2.fill_between(doc["times_ps"], [v - err for v in doc["front_advance_nm"]],
                         [v + err for v in doc["front_advance_nm"]], color="C0", alpha=0.2, lw=0)
    ax2.set_xlabel("t (ps)")
    ax2.set_ylabel("front advance L per interface (nm)")
    ax2.set_title(f"v = {doc['front_velocity_nm_ps']:.3g} nm/ps")
    return _save(fig, path)


#: file types a plot can be written as
PLOT_SUFFIXES = (".png", ".pdf", ".svg")


def _save(fig, path) -> Path:
    """Write ``fig`` to ``path`` whole (see :func:`anodeflow.outputs.output_file`) and close it."""
    from anodeflow.outputs import check_output_path, output_file

    try:
        path = check_output_path(path, "plot", PLOT_SUFFIXES)
        fig.tight_layout()
        with output_file(path, "plot") as tmp:
            fig.savefig(tmp, dpi=120)
    finally:
        plt.close(fig)
    return path


def plot_profile(bins: list[dict], host: str, carrier: str, path) -> Path:
    """Crystalline fraction, carrier fraction and host bond length along the normal."""
    fig, ax = plt.subplots(figsize=(7, 4))
    z = [b["z_centred_nm"] for b in bins]
    ax.plot(z, [b["crystalline_fraction"] for b in bins], "C0-", label=f"crystalline {host}")
    ax.plot(z, [b["carrier_fraction"] for b in bins], "C3-", label=f"{carrier} fraction")
    ax.set_xlabel("z, crystal centred (nm)")
    ax.set_ylabel("fraction of atoms in bin")
    ax2 = ax.twinx()
    ax2.plot(z, [b["host_bond_A"] for b in bins], "k.", ms=4, label=f"{host}-{host} bond")
    ax2.set_ylabel(f"{host}-{host} first-shell bond (A)")
    ax.legend(loc="center left", fontsize=8)
    return _save(fig, path)


def plot_rdfs(results: dict, path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, res in results.items():
        ax.plot(res.r_A, res.g, label=f"{name}: {res.first_peak_A:.2f} A, CN {res.coordination:.2f}")
    ax.set_xlabel("r (A)")
    ax.set_ylabel("g(r)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_kinetics(t, L, fit, path) -> Path:
    import numpy as np

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(t, L, "ko", ms=3, label="data")
    tt = np.linspace(0, max(t), 200)
    ax.plot(tt, fit.k_linear_nm_ps * tt + (L[0] if len(L) else 0), "C0-", label=f"linear k = {fit.k_linear_nm_ps:.3g} nm/ps")
    ax.plot(tt, np.sqrt(np.clip(fit.k_parabolic_nm2_ps * tt, 0, None)), "C3--",
            label=f"parabolic k = {fit.k_parabolic_nm2_ps:.3g} nm2/ps")
    ax.set_title(f"{fit.regime}: n = {fit.exponent_n:.2f} ± {fit.exponent_n_err:.2f}")
    ax.set_xlabel("t (ps)")
    ax.set_ylabel("L (nm)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_msd(result, path) -> Path:
    import numpy as np

    fig, ax = plt.subplots(figsize=(6, 4))
    lag = np.array(result.lag_ps)
    ax.plot(lag, result.msd_A2, "C0-", label=f"MSD {result.species}")
    ax.plot(lag, 6 * result.D_A2_ps * lag, "k--", label=f"6Dt, D = {result.D_cm2_s:.3g} cm2/s")
    ax.axvspan(*result.fit_window_ps, color="0.9")
    ax.set_xlabel("lag (ps)")
    ax.set_ylabel("MSD (A^2)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_arrhenius(fit, path) -> Path:
    import numpy as np

    from anodeflow.analysis.diffusion import KB_EV_K

    fig, ax = plt.subplots(figsize=(6, 4))
    T = np.array(fit.temperatures_K)
    ax.semilogy(1000 / T, fit.D_cm2_s, "ko", label="runs")
    TT = np.linspace(min(T.min(), 300), T.max(), 100)
    ax.semilogy(1000 / TT, fit.D0_cm2_s * np.exp(-fit.Ea_eV / (KB_EV_K * TT)), "C0-",
                label=f"Ea = {fit.Ea_eV:.3f} eV, D0 = {fit.D0_cm2_s:.3g} cm2/s")
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("D (cm2/s)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_stress(result, path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(result.z_nm, result.mean_stress_profile_GPa, "C0.-")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel("z (nm)")
    ax.set_ylabel("mean stress (GPa, tensile > 0)")
    ax.set_title(f"host {result.mean_stress_host_GPa:.2f} GPa, alloy {result.mean_stress_alloy_GPa:.2f} GPa")
    return _save(fig, path)


#: colours: crystalline host, other host, carriers, anything else
_COLOURS = {"crystalline": (0.15, 0.35, 0.85), "host": (0.95, 0.6, 0.1), "carrier": (0.55, 0.85, 0.35),
            "other": (0.6, 0.6, 0.6)}


def render_frame(frame, path, host: str | None = None, size=(800, 600)) -> Path:
    """Render a frame with OVITO's software Tachyon renderer (needs a Vulkan loader, e.g. Mesa's)."""
    import numpy as np
    from ovito.pipeline import Pipeline, StaticSource
    from ovito.vis import TachyonRenderer, Viewport

    from anodeflow.analysis.structure import CrystallineHost, ovito_data
    from anodeflow.errors import EngineError
    from anodeflow.outputs import output_file

    colours = np.tile(_COLOURS["other"], (len(frame.positions), 1))
    if host:
        host_mask = frame.mask(host)
        crystalline = CrystallineHost(host).compute(frame.positions, frame.cell, host_mask).crystalline
        colours[host_mask] = _COLOURS["host"]
        colours[crystalline] = _COLOURS["crystalline"]
        colours[~host_mask] = _COLOURS["carrier"]
    data = ovito_data(frame.positions, frame.cell)
    data.particles_.create_property("Color", data=colours)
    data.particles_.create_property("Radius", data=np.full(len(colours), 1.1))
    pipeline = Pipeline(source=StaticSource(data=data))
    pipeline.add_to_scene()
    try:
        viewport = Viewport(type=Viewport.Type.Ortho, camera_dir=(1.0, 0.6, -0.25))
        viewport.zoom_all()
        with output_file(path, "image") as tmp:
            try:
                viewport.render_image(size=size, filename=str(tmp), renderer=TachyonRenderer())
            except Exception as exc:  # OVITO reports a missing Vulkan driver as a RuntimeError
                raise EngineError(f"OVITO could not render: {str(exc).splitlines()[0]} "
                                  "(install Debian's libvulkan1 and mesa-vulkan-drivers)") from None
    finally:
        pipeline.remove_from_scene()
    return Path(path)


def plot_claim_bars(values: dict[str, dict], label: str, path,
                    title: str = "mean over replicas +- 1 standard error") -> Path:
    """One bar per key with its 1-sigma error bar; ``values`` maps a label to ``{value, err, n}``."""
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    names = list(values)
    means = [values[k]["value"] for k in names]
    errs = [values[k]["err"] if values[k]["err"] == values[k]["err"] else 0.0 for k in names]
    ax.bar(names, means, yerr=errs, capsize=5, color=[f"C{i}" for i in range(len(names))])
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_ylabel(label)
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


def plot_screening(screening: dict, path, not_counted: frozenset[str] = frozenset()) -> Path:
    """Each screened pair's score (relative to the reference pair) coloured by its predicted class, the ICR
    threshold, and the seed's class written above each bar; pairs in ``not_counted`` (their potential does not
    hold their host) hatched."""
    fig, ax = plt.subplots(figsize=(6, 3.8))
    rows = screening["rows"]
    colours = {"ICR": "C0", "DCR": "C3"}
    bars = ax.bar([r["system"] for r in rows], [r["score"] for r in rows],
                  color=[colours.get(r["predicted"], "0.5") for r in rows], edgecolor="k", linewidth=0.6)
    for bar, row in zip(bars, rows, strict=True):
        if row["system"] in not_counted:
            bar.set_hatch("//")
            bar.set_alpha(0.45)
    for i, r in enumerate(rows):
        ax.annotate(f"seed: {r['seed'] or '-'}", (i, r["score"]), ha="center", va="bottom", fontsize=8)
    ax.axhline(screening["threshold"], color="k", ls="--", lw=0.8, label=f"ICR at >= {screening['threshold']:g}")
    ax.set_ylabel(f"score relative to {screening['reference']}")
    ax.set_title("screen of hosts: blue predicted ICR, red DCR; hatched: the potential does not hold the host",
                 fontsize=8)
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_front_advance(systems: list[dict], path) -> Path:
    """Replica-averaged L(t) of every couple orientation of the seed study's systems."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for s in systems:
        for o in s["orientations"]:
            n = o["exponent_n"]
            ax.plot(o["times_ps"], o["front_advance_nm"], "o-", ms=3,
                    label=f"{s['system']} ({o['miller']}): n = {n['value']:.2f} +- {n['err']:.2f}")
    ax.set_xlabel("t (ps)")
    ax.set_ylabel("front advance L per interface (nm)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_study_arrhenius(systems: list[dict], path) -> Path:
    """Carrier D of each system against 1000/T with its Arrhenius line down to 300 K."""
    import numpy as np

    from anodeflow.analysis.diffusion import KB_EV_K

    fig, ax = plt.subplots(figsize=(6, 4))
    for i, s in enumerate(systems):
        study = s.get("diffusion")
        carrier = s["system"].split("-")[0]
        fit = (study or {}).get("arrhenius", {}).get(carrier, {})
        runs = [r for r in (study or {}).get("runs", []) if r["species"] == carrier and r["D_cm2_s"] > 0]
        if not runs:
            continue
        T = np.array([r["temperature_K"] for r in runs])
        ax.errorbar(1000 / T, [r["D_cm2_s"] for r in runs], yerr=[r["D_err_cm2_s"] for r in runs], fmt="o",
                    color=f"C{i}", label=s["system"])
        if "Ea_eV" in fit:
            TT = np.linspace(300.0, T.max(), 100)
            ax.plot(1000 / TT, fit["D0_cm2_s"] * np.exp(-fit["Ea_eV"] / (KB_EV_K * TT)), "-", color=f"C{i}")
            ax.errorbar([1000 / 300.0], [fit["D_300K_cm2_s"]], yerr=[[0], [fit["D_300K_err_cm2_s"]]], fmt="s",
                        color=f"C{i}", mfc="none")
    ax.set_yscale("log")
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("carrier D (cm2/s)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_pipe_diffusion(docs: list[dict], path) -> Path:
    """Carrier D along dislocation cores (filled) and in the perfect crystal (open) against 1000/T, from
    pipe-diffusion documents."""
    import numpy as np

    fig, ax = plt.subplots(figsize=(6, 4))
    for i, system in enumerate(sorted({d["system"] for d in docs})):
        runs = sorted((d for d in docs if d["system"] == system), key=lambda d: d["temperature_K"])
        x = 1000 / np.array([d["temperature_K"] for d in runs])
        for key, marker, where in (("D_core_line", "o", "along the core"), ("D_crystal", "s", "in the crystal")):
            ax.errorbar(x, [d[f"{key}_cm2_s"] for d in runs], yerr=[d[f"{key}_err_cm2_s"] for d in runs],
                        fmt=marker + "-", color=f"C{i}", mfc="none" if key == "D_crystal" else f"C{i}",
                        label=f"{system}: {where}")
    positive = all(d[f"{key}_cm2_s"] > 0 for d in docs for key in ("D_core_line", "D_crystal"))
    ax.set_yscale("log" if positive else "symlog", **({} if positive else {"linthresh": 1e-8}))
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("carrier D (cm2/s)")
    ax.set_title("D of the carriers that start in the cores, along the line, +- 1 sigma", fontsize=9)
    ax.legend(fontsize=8)
    return _save(fig, path)


def _cycle_profile(doc: dict) -> tuple[list[float], list[float]]:
    """Path length (A) and energy (eV) along the winding path of a site-network document (with a
    ``cycle``): its NEB image energies where the hop's band is stored, else site -> saddle -> site."""
    import numpy as np

    sites, hops, cycle = doc["sites"], doc["hops"], doc["cycle"]
    current = cycle[0]["i"]
    x, y = [0.0], [sites[current]["energy_eV"]]
    for ref in cycle:
        end = ref["j"] if ref["i"] == current else ref["i"]
        band = next((h for h in hops if {h["i"], h["j"]} == {ref["i"], ref["j"]} and h["image_energies_eV"]), None)
        if band:
            energies = band["image_energies_eV"] if band["i"] == current else band["image_energies_eV"][::-1]
            x += list(x[-1] + np.linspace(0, ref["distance_A"], len(energies))[1:])
            y += list(energies[1:])
        else:
            x += [x[-1] + ref["distance_A"] / 2, x[-1] + ref["distance_A"]]
            y += [ref["saddle_eV"], sites[end]["energy_eV"]]
        current = end
    return x, y


def plot_site_network(doc: dict, path) -> Path:
    """A site network: energy along the path that first winds through the cell (left) and the saddle of
    every measured hop against its length (right), with the percolation threshold."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    if doc["cycle"]:
        x, y = _cycle_profile(doc)
        left.plot(x, y, "o-", ms=3)
        left.set_title(f"winding path: barrier {doc['barrier_eV']:.3f} eV", fontsize=9)
    else:
        left.text(0.5, 0.5, "no path winds through the cell", ha="center", transform=left.transAxes)
    left.set_xlabel("path length (A)")
    left.set_ylabel("energy relative to the lowest site (eV)")
    measured = [h for h in doc["hops"] if h["status"] == "measured"]
    right.plot([h["distance_A"] for h in measured], [h["saddle_eV"] for h in measured], "o", label="measured hops")
    if doc.get("threshold_eV") is not None:
        right.axhline(doc["threshold_eV"], color="C3", ls="--", label="percolation threshold")
    right.set_xlabel("hop length (A)")
    right.set_ylabel("saddle relative to the lowest site (eV)")
    right.set_title(f"{doc['system']} {doc['kind']}: {len(doc['sites'])} minima, "
                    f"{'well posed' if doc['well_posed'] else 'not well posed'}", fontsize=9)
    right.legend(fontsize=8)
    return _save(fig, path)
