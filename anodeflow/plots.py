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
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
