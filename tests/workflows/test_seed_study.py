"""``anodeflow study seed --scale quick``: the whole machinery end to end with real LAMMPS and the embedded store.

Li/Si runs with the Cui 2012 MEAM (3 orientations x 2 replicas, diffusion at 3 temperatures); Na/Sn is
given the shipped Na-Sn fit, whose rattled beta-Sn collapses (its record: Cmcm, 66 meV/atom below
beta-Sn), so the study must report Na/Sn as "no valid potential" and leave its claims undetermined.
Li/Si also runs its site network in the crystal and pipe diffusion in a 216-atom dipole for 2 ps. Measured
here: 42 s for the whole study on one core (the melting point from a 128-atom coexistence run at three
temperatures, the network 2 s).
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import home_env, home_settings

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("lammps_available")]

#: Cui 2012 MEAM diamond Si, a = 5.4223 A at 0 K (SCIENCE.md): first-shell bond a sqrt(3) / 4
MEAM_SI_BOND_A = 5.4223 * np.sqrt(3) / 4


def anodeflow(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "anodeflow.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=900, env=env)


@pytest.fixture(scope="module")
def quick_study(tmp_path_factory):
    """The quick study in its own home: (report folder, --json summary, home)."""
    root = tmp_path_factory.mktemp("seed")
    out, home = root / "report", root / "home"
    result = anodeflow("study", "seed", "--scale", "quick", "--systems", "Li-Si,Na-Sn", "--potential",
                       "Na-Sn=Na-Sn-UF3SNAP-SevenNet-0", "--out", out, "--json", "--no-progress", env=home_env(home))
    assert result.returncode == 0, result.stderr[-3000:]
    return out, json.loads(result.stdout), home


def test_report_folder_and_stored_document(quick_study, monkeypatch):
    out, summary, home = quick_study
    names = {p.name for p in out.iterdir()}
    assert {"report.md", "study.json", "claim1_rate_law.png", "claim4_front_width.png", "claim5_anisotropy.png",
            "claim6_diffusivity.png"} <= names
    assert all((out / n).read_bytes()[:4] == b"\x89PNG" for n in names if n.endswith(".png"))
    report = (out / "report.md").read_text()
    assert "| claim | quantity measured | value +- 1 sigma | the seed | verdict |" in report
    assert "## Wall time of each part (s)" in report and "anodeflow study seed --scale quick" in report
    assert "## Dislocations at the end of the couples" in report and "| Li-Si | (110) |" in report
    assert len(summary["claims"]) == 10
    assert {"claim9_barriers.png", "claim10_pipe_diffusion.png"} <= names
    assert "## Carrier site networks in the host crystals" in report and "## Pipe diffusion along dislocation cores" in report

    from anodeflow.store import open_store

    for key, value in home_settings(home).items():
        monkeypatch.setenv(key, value)
    store = open_store()
    store.connect()
    docs = list(store.query({"output.doc_type": "seed_study"}))
    assert len(docs) == 1 and docs[0]["uuid"] == summary["id"]


def test_li_si_measured_with_replicas_and_error_bars(quick_study):
    out, _, _ = quick_study
    doc = json.loads((out / "study.json").read_text())
    li_si = next(s for s in doc["systems"] if s["system"] == "Li-Si")
    assert li_si["valid"] and li_si["host_check"]["relaxed_spacegroup"] == "Fd-3m"
    # homologous T of the potential's own melting point (a tiny coexistence run at this scale)
    assert li_si["melting_point_source"].startswith("solid-liquid coexistence with LiSi-Cui2012-MEAM, 128 atoms")
    assert 0.6 * 1687 < li_si["melting_point_K"] < 2.0 * 1687 and li_si["melting_point_err_K"] > 0
    assert li_si["temperature_K"] == pytest.approx(0.85 * li_si["melting_point_K"])
    assert [o["miller"] for o in li_si["orientations"]] == ["110", "100", "111"]
    for o in li_si["orientations"]:
        assert o["front_velocity_nm_ps"]["n"] == 2 and np.isfinite(o["front_velocity_nm_ps"]["err"])
        assert 0 <= o["interface_width_nm"]["value"] < 1.5
        # bulk Si-Si bond at 1434 K: the MEAM's 0 K bond, lengthened by thermal expansion and by the thermal
        # spread of bond vectors (a mean |r| exceeds the lattice distance): measured here 2.40 A, +2.4 %
        assert MEAM_SI_BOND_A < o["bulk_host_bond_A"]["value"] < 1.04 * MEAM_SI_BOND_A
        # DXA on each replica's last frame, or the reason it could not map the cell
        if o["dislocation_method"] == "DXA":
            assert o["dislocation_density_m2"]["n"] >= 1 and o["dislocation_density_m2"]["value"] >= 0
        else:
            assert o["dislocation_method"].startswith("DXA cannot analyse this cell")
    D = li_si["D_300K_cm2_s"]
    assert D["value"] > 0 and D["err"] > 0 and D["n"] == 3
    assert li_si["reacted_phase"] == "Li15Si4" and li_si["carrier_fraction"] == pytest.approx(15 / 19)


def test_li_si_network_and_pipe_diffusion_in_the_study(quick_study):
    """The bulk network percolates at the MEAM's CI-NEB barrier (0.5537 eV, tests/workflows/test_neb.py);
    pipe diffusion runs a 216-atom 60-degree dipole with one Li per line period in each of its two cores at
    0.62 Tm. Two picoseconds decide nothing: the test checks the machinery and the error bars, not the picture."""
    out, summary, _ = quick_study
    doc = json.loads((out / "study.json").read_text())
    li_si = next(s for s in doc["systems"] if s["system"] == "Li-Si")
    assert li_si["parts"] == ["couples", "diffusion", "network", "pipe"]
    network = li_si["network"]
    assert network["well_posed"] and network["barrier_eV"] == pytest.approx(0.5537, abs=0.01)
    assert len(network["sites"]) == 8
    (run,) = li_si["pipe"]
    assert run["temperature_K"] == pytest.approx(0.62 * li_si["melting_point_K"], abs=0.1)
    assert run["n_core_carriers"] == 6 and run["n_crystal_carriers"] == 6
    for key in ("D_core_line", "D_crystal"):
        assert run[f"{key}_cm2_s"] > 0 and run[f"{key}_err_cm2_s"] > 0
    assert run["picture"] in ("pipe", "trap", "undetermined")
    claims = {c["claim"]: c for c in summary["claims"]}
    barriers = claims["Carriers cross the host crystals in the order of the diffusivities: barrier Li-Si > Na-Sb > Na-Sn"]
    assert barriers["values"]["Li-Si"].startswith("0.55") and barriers["verdict"] == "undetermined"
    assert barriers["values"]["Na-Sn"].startswith("no valid potential")
    assert f"Li-Si at {run['temperature_K']:.0f} K" in claims["Dislocation cores are fast diffusion paths (pipe diffusion)"]["reason"]


def test_a_system_without_a_valid_potential_is_reported_not_run(quick_study):
    out, summary, _ = quick_study
    doc = json.loads((out / "study.json").read_text())
    na_sn = next(s for s in doc["systems"] if s["system"] == "Na-Sn")
    assert not na_sn["valid"] and not na_sn["orientations"] and na_sn["diffusion"] is None
    assert na_sn["host_check"]["spacegroup"] == "I4_1/amd"
    assert na_sn["host_check"]["relaxed_spacegroup"] != "I4_1/amd" and na_sn["host_check"]["energy_meV_atom"] < -1
    claims = {c["claim"]: c for c in summary["claims"]}
    bonds = claims["Sn-Sn bonds are longer near the Na/Sn front"]
    assert bonds["verdict"] == "undetermined" and "Na-Sn: no valid potential" in bonds["reason"]
    assert bonds["values"]["Na-Sn"].startswith("no valid potential")
    assert claims["Screening classes: Si, Sb, P are ICR; Sn, Ge are DCR"]["verdict"] == "undetermined"
    for claim in summary["claims"]:
        assert claim["verdict"] in ("agrees", "disagrees", "undetermined") and claim["reason"]


@pytest.mark.parametrize("args, message", [
    (["--scale", "huge"], "unknown scale 'huge'; choose one of quick, workstation, hpc"),
    (["--systems", "Li-Ge"], "system Li-Ge is not in the study; choose from Li-Si, Na-Sn, Na-Sb"),
    (["--potential", "Na-Sn"], "--potential 'Na-Sn' is not SYSTEM=NAME"),
    (["--potential", "Li-Si=Nope"], "Nope"),
    (["--parts", "couples,bogus"], "unknown part 'bogus'; choose from couples, diffusion, network, pipe, screen"),
    (["--parts", "screen"], "the quick scale has no screen of hosts; choose workstation or hpc"),
], ids=["scale", "system", "potential-form", "potential-name", "parts", "screen"])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    from typer.testing import CliRunner

    from anodeflow.cli import app

    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["study", "seed", *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr and result.stderr.count("\n") == 1
    assert not out.exists() and "Traceback" not in result.stderr


def test_studies_run_separately_merge_into_one_report(quick_study, tmp_path):
    """The quick study split into one study per system and merged again gives the same claims table; a system
    given twice, or studies of two scales, are refused with one line and exit code 2, and nothing is written."""
    out, summary, _ = quick_study
    doc = json.loads((out / "study.json").read_text())
    parts = []
    for system in doc["systems"]:
        part = tmp_path / f"{system['system']}.json"
        part.write_text(json.dumps({**doc, "systems": [system]}))
        parts.append(part)
    merged = anodeflow("study", "merge", *parts, "--out", tmp_path / "merged", "--json")
    assert merged.returncode == 0, merged.stderr[-2000:]
    assert json.loads(merged.stdout)["claims"] == summary["claims"]
    report = (tmp_path / "merged" / "report.md").read_text()
    assert "anodeflow study merge" in report and "| Li-Si | (110) |" in report

    # Li-Si's parts from two studies (one ran the MD of the couples and the alloy, the other the network and pipe)
    li_si = doc["systems"][0]
    md = {**li_si, "parts": ["couples", "diffusion"], "network": None, "pipe": []}
    rest = {**li_si, "parts": ["network", "pipe"], "orientations": [], "diffusion": None, "D_300K_cm2_s": None}
    split = [tmp_path / "md.json", tmp_path / "rest.json"]
    split[0].write_text(json.dumps({**doc, "systems": [md, *doc["systems"][1:]]}))
    split[1].write_text(json.dumps({**doc, "systems": [rest]}))
    by_parts = anodeflow("study", "merge", *split, "--out", tmp_path / "by-parts", "--json")
    assert by_parts.returncode == 0, by_parts.stderr[-2000:]
    assert json.loads(by_parts.stdout)["claims"] == summary["claims"]

    twice = anodeflow("study", "merge", parts[0], parts[0], "--out", tmp_path / "twice")
    assert twice.returncode == 2 and twice.stderr.strip() == \
        "error: system Li-Si is in more than one study with the same parts; give each part of a system once"
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**doc, "scale": {**doc["scale"], "name": "workstation"}, "systems": doc["systems"][1:]}))
    scales = anodeflow("study", "merge", parts[0], other, "--out", tmp_path / "scales")
    assert scales.returncode == 2 and "different scales (quick, workstation)" in scales.stderr
    assert not (tmp_path / "twice").exists() and not (tmp_path / "scales").exists()


def test_a_screen_run_again_and_settings_of_later_parts_carry_into_the_merge(quick_study, tmp_path):
    """The screen of the last study given is the merged study's (a screen run again supersedes); a study made
    before the pipe part existed takes the pipe settings of the study that ran it; the report tabulates the
    screen and draws it."""
    out, _, _ = quick_study
    doc = json.loads((out / "study.json").read_text())
    row = {"system": "Na-P", "host": "P", "potential": "SevenNet-0", "bond_energy_eV": 2.3, "shear_modulus_GPa": 6.0,
           "born_stiffness_GPa": 2.6, "barrier_eV": 0.1, "amorphous_thickness_nm": None, "score": 0.4, "predicted": "DCR", "seed": "ICR"}
    old = {**doc, "scale": {**doc["scale"], "pipe": None}, "screening": {
        "reference": "Li-Si", "threshold": 0.75, "rows": [{**row, "system": "Li-P"}], "agreement": 0.0}}
    new = {**doc, "systems": [], "screening": {"reference": "Li-Si", "threshold": 0.75, "rows": [row],
                                                "agreement": 0.0}}
    files = [tmp_path / "old.json", tmp_path / "new.json"]
    for path, study in zip(files, (old, new)):
        path.write_text(json.dumps(study))
    merged = anodeflow("study", "merge", *files, "--out", tmp_path / "merged", "--json")
    assert merged.returncode == 0, merged.stderr[-2000:]
    stored = json.loads((tmp_path / "merged" / "study.json").read_text())
    assert [r["system"] for r in stored["screening"]["rows"]] == ["Na-P"]
    assert stored["scale"]["pipe"] == doc["scale"]["pipe"] is not None
    report = (tmp_path / "merged" / "report.md").read_text()
    assert "| Na-P | SevenNet-0 | 2.300 | 6.0 | 2.6 | 0.100 | - | 0.40 | DCR | ICR |" in report
    assert (tmp_path / "merged" / "claim8_screening.png").stat().st_size > 10_000
    screening = next(c for c in stored["claims"] if c["claim"].startswith("Screening"))
    assert screening["verdict"] == "undetermined" and screening["reason"].startswith(
        "Na-P: DCR, but SevenNet-0 is a third as stiff as PBE along black P's chains")  # its record, as it is now
