"""The seed study's bulk-barrier and pipe-diffusion claims, decided from hand-built system results.

The numbers are chosen so that each verdict is forced: barriers 0.555 eV (Li in Si, the Cui 2012 MEAM's
CI-NEB, tests/workflows/test_neb.py) and 0.163 eV (Na in Sb), ordered beyond the 5 meV to which sites are
reproducible; pipe ratios 0.030 +- 0.029 (a trap at 2 sigma) and 0.69 +- 0.28 (undetermined), the two
measured along the 60-degree core of Si (docs/site_networks/README.md).
"""

from __future__ import annotations

import pytest

from anodeflow.workflows.schemas import PipeDiffusionDocument, PotentialSummary, SiteNetworkDocument, SystemResult
from anodeflow.workflows.seed_claims import barrier_row, pipe_row
from anodeflow.workflows.seed_study import merge_system_results

POTENTIAL = PotentialSummary(name="test", form="test", citation="test")


def network(system: str, barrier: float | None, well_posed: bool = True) -> SiteNetworkDocument:
    carrier, host = system.split("-")
    return SiteNetworkDocument(
        system=system, host=host, carrier=carrier, kind="bulk", percolation_axes="xyz",
        unit_cell_A=[[5.0, 0, 0], [0, 5.0, 0], [0, 0, 5.0]], n_host_atoms=8, sites=[], hops=[], max_hop_A=3.5,
        n_relaxations=2, n_bands=1, every_hop=False, well_posed=well_posed, percolates=barrier is not None,
        threshold_eV=barrier, barrier_eV=barrier, potential=POTENTIAL, wall_time_s=1.0)


def pipe(temperature_K: float, ratio: float, ratio_err: float, picture: str) -> PipeDiffusionDocument:
    return PipeDiffusionDocument(
        system="Li-Si", host="Si", carrier="Li", dislocation="60", temperature_K=temperature_K, time_ps=60.0,
        equilibration_ps=0.0, core_radius_A=4.0, n_core_carriers=12, n_crystal_carriers=12,
        D_core_line_cm2_s=ratio * 1e-5, D_core_line_err_cm2_s=ratio_err * 1e-5, D_crystal_cm2_s=1e-5,
        D_crystal_err_cm2_s=0.0, ratio=ratio, ratio_err=ratio_err, fraction_still_in_core=0.8, picture=picture,
        potential=POTENTIAL, wall_time_s=1.0)


def result(system: str, parts=("network", "pipe"), valid: bool = True, **fields) -> SystemResult:
    return SystemResult(system=system, potential="test", valid=valid, status="measured" if valid else
                        "no valid potential", reason="" if valid else "beta-Sn collapses", melting_point_K=1000.0,
                        melting_point_source="test", temperature_K=850.0, parts=list(parts), **fields)


def test_barriers_in_order_agree_and_out_of_order_disagree():
    ordered = {"Li-Si": result("Li-Si", network=network("Li-Si", 0.555)),
               "Na-Sb": result("Na-Sb", network=network("Na-Sb", 0.163)),
               "Na-Sn": result("Na-Sn", network=network("Na-Sn", 0.10))}
    row = barrier_row(ordered)
    assert row.verdict == "agrees", row.reason
    assert row.values["Li-Si"] == "0.555 +- 0.005 (n=1); DFT 0.58"
    swapped = {**ordered, "Na-Sn": result("Na-Sn", network=network("Na-Sn", 0.30))}
    assert barrier_row(swapped).verdict == "disagrees"
    # within the 5 meV reproducibility of the sites: no order
    close = {**ordered, "Na-Sn": result("Na-Sn", network=network("Na-Sn", 0.158))}
    assert barrier_row(close).verdict == "undetermined"


def test_a_network_that_is_not_well_posed_or_a_missing_system_leaves_the_order_undetermined():
    rows = {"Li-Si": result("Li-Si", network=network("Li-Si", 0.555)),
            "Na-Sb": result("Na-Sb", network=network("Na-Sb", 0.163)),
            "Na-Sn": result("Na-Sn", network=network("Na-Sn", 0.011, well_posed=False))}
    row = barrier_row(rows)
    assert row.verdict == "undetermined"
    assert "Na-Sn: not well posed" in row.reason and "Li-Si barrier - Na-Sb barrier = 0.392" in row.reason
    invalid = barrier_row({**rows, "Na-Sn": result("Na-Sn", valid=False)})
    assert invalid.verdict == "undetermined" and invalid.values["Na-Sn"] == "no valid potential (test)"
    skipped = barrier_row({**rows, "Na-Sn": result("Na-Sn", parts=("couples",))})
    assert skipped.values["Na-Sn"] == "network not run"


def test_pipe_verdict_follows_the_picture_at_each_temperature():
    trap = {"Li-Si": result("Li-Si", pipe=[pipe(1200, 0.030, 0.029, "trap"), pipe(1500, 0.69, 0.28, "undetermined")])}
    row = pipe_row(trap)
    assert row.verdict == "disagrees" and "1200 K: D_core/D_crystal = 0.03 +- 0.029" in row.values["Li-Si"]
    fast = {"Li-Si": result("Li-Si", pipe=[pipe(1200, 30.0, 5.0, "pipe")])}
    assert pipe_row(fast).verdict == "agrees"
    unclear = {"Li-Si": result("Li-Si", pipe=[pipe(1500, 0.69, 0.28, "undetermined")])}
    assert pipe_row(unclear).verdict == "undetermined"
    none = {"Na-Sb": result("Na-Sb", pipe_status="periodic dislocation dipoles are built in diamond hosts only")}
    assert pipe_row(none).values["Na-Sb"].startswith("not run: periodic dislocation dipoles")


def test_parts_of_one_system_merge_and_a_part_given_twice_is_refused():
    from anodeflow.errors import InputError

    md = result("Li-Si", parts=("couples", "diffusion"), melting_wall_time_s=10.0)
    extra = result("Li-Si", parts=("network", "pipe"), network=network("Li-Si", 0.555),
                   pipe=[pipe(1200, 0.03, 0.029, "trap")], melting_wall_time_s=5.0)
    merged = merge_system_results([md, extra])
    assert merged.parts == ["couples", "diffusion", "network", "pipe"]
    assert merged.network.barrier_eV == 0.555 and len(merged.pipe) == 1 and merged.melting_wall_time_s == 15.0
    with pytest.raises(InputError, match="system Li-Si is in more than one study with the same parts"):
        merge_system_results([extra, extra])
    with pytest.raises(InputError, match="different potentials"):
        merge_system_results([md, extra.model_copy(update={"potential": "other"})])


def screen(*rows: tuple[str, str]) -> dict:
    return {"rows": [{"system": system, "host": system.split("-")[1], "predicted": predicted}
                     for system, predicted in rows]}


def test_screening_verdict_needs_every_seed_host():
    """Si, Sb, P ICR and Sn, Ge DCR (seed): all five screened and matching agree; a mismatch disagrees; a host
    left out leaves the claim undetermined and names it."""
    from anodeflow.workflows.seed_claims import screening_row

    matching = [("Li-Si", "ICR"), ("Na-Sb", "ICR"), ("Na-P", "ICR"), ("Na-Sn", "DCR"), ("Li-Ge", "DCR")]
    assert screening_row(screen(*matching)).verdict == "agrees"
    mismatch = screening_row(screen(*matching[:2], ("Na-P", "DCR"), *matching[3:]))
    assert mismatch.verdict == "disagrees" and "Na-P: DCR" in mismatch.reason
    no_p = screening_row(screen(*matching[:2], *matching[3:]))
    assert no_p.verdict == "undetermined" and no_p.reason.endswith("P is not screened")
    assert screening_row(None).verdict == "undetermined"


def test_a_pair_whose_potential_fails_its_host_check_decides_nothing():
    """SevenNet-l3i5 lets black P's layers slide (its record, docs/host_fidelity/black_p_stiffness.json): its
    Na-P row is undetermined whatever it predicts, and the claim with it; so is a row whose host crystal is not
    Born-stable with its potential."""
    from anodeflow.workflows.seed_claims import screening_row

    doc = screen(("Li-Si", "ICR"), ("Na-Sb", "ICR"), ("Na-P", "ICR"), ("Na-Sn", "DCR"), ("Li-Ge", "DCR"))
    doc["rows"][2]["potential"] = "SevenNet-l3i5"
    row = screening_row(doc)
    assert row.verdict == "undetermined"
    assert "Na-P: ICR, but SevenNet-l3i5 lets the layers of black P slide" in row.reason
    # a host that is not Born-stable with its potential (SevenNet-0's beta-Sn in the workstation screen: -307 GPa)
    doc["rows"][3].update(potential="SevenNet-0", born_stiffness_GPa=-307.2)
    assert "Na-Sn: DCR, but Sn is not mechanically stable with SevenNet-0 (Born stiffness -307.2 GPa)" in \
        screening_row(doc).reason
