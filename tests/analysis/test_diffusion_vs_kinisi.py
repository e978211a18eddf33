"""D and its error bar next to kinisi 2.1 (McCluskey et al., Bayesian regression with the MSD covariance).

Both see the same unwrapped, drift-corrected positions and the same fit window (lags from 10 % to
50 % of the run); kinisi's MSD must equal ours, its D and posterior standard deviation are
compared with ``D_cm2_s`` and ``D_err_cm2_s``.

Measured on a 256-atom Li0.5Si0.5 liquid (Cui 2012 MEAM, NVT 1500 K, 12 ps, frames every
0.05 ps, first ps dropped; LAMMPS 2025-07-22), D in 1e-5 cm^2/s:

============================  ===============  ===============
method                        Li               Si
============================  ===============  ===============
anodeflow GLS (this code)     6.75 +- 0.31     2.96 +- 0.13
kinisi, same window           6.59 +- 0.42     3.00 +- 0.28
kinisi, lags to the end       6.47 +- 0.46     2.97 +- 0.25
previous block average        6.43 +- 0.42     3.01 +- 0.27
============================  ===============  ===============

and on the 128-atom, 3.5 ps liquid of the test below: 6.70 +- 0.51 (GLS), 6.58 +- 0.92 (kinisi),
6.26 +- 0.60 (blocks). Splitting the 256-atom liquid's atoms into 8 or 16 groups, the group D
scatter about their mean with chi^2/dof = 1.11-1.25 under the GLS errors and 2.4-3.2 under the
block errors (1 when the errors are right). On synthetic walks with known D (40 per size) kinisi
covers the truth in 72-75 % / 97-100 % of 100 x 200 walks, 38-40 % / 75-80 % of 10 x 60 and
65 % / 90 % of 4 x 200 (1 / 2 sigma); the GLS errors cover 68 % / 93 % of the 300 walks of
tests/analysis/test_uncertainty_coverage.py (60-76 % / 88-98 % per size).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import require_module

require_module("kinisi")

from anodeflow.analysis.diffusion import diffusion_from_frames, msd_fft, tracer_diffusion, unwrap  # noqa: E402


def kinisi_D(x: np.ndarray, dt_ps: float, window=(0.1, 0.5), seed: int = 1):
    """kinisi's MSD (A^2, lags 1..) and D, posterior std (A^2/ps) for (frames, atoms, 3) unwrapped positions."""
    import scipp as sc
    from kinisi.diffusion import Diffusion
    from kinisi.displacement import calculate_msd
    from kinisi.parser import Parser

    n_frames, n_atoms, _ = x.shape
    box = 10 * (np.abs(x).max() + 10)  # no wrapping: kinisi takes the displacements as given
    coords = sc.array(dims=["time", "particle", "dimension"], values=x / box)
    lattice = sc.array(dims=["time", "row", "column"], values=np.tile(np.eye(3) * box, (n_frames, 1, 1)),
                       unit="angstrom")
    # time in frames (1 "ps" per frame): kinisi 2.1 truncates lag / frame interval to an integer, which
    # turns e.g. 4.3 ps / 0.1 ps into lag 42 instead of 43
    parsed = Parser(coords, lattice, time_step=sc.scalar(1.0, unit="ps"), step_skip=sc.scalar(1),
                    specie_indices=sc.array(dims=["particle"], values=np.arange(n_atoms)),
                    drift_indices=sc.array(dims=["particle"], values=np.array([], dtype=int)))
    msd = calculate_msd(parsed, progress=False)  # samples per lag from the whole run, then the same window as ours
    lo, hi = max(1, int(window[0] * n_frames)), int(window[1] * n_frames)
    msd = sc.DataGroup({"da": msd["da"]["time interval", :hi - 1], "dimensionality": msd["dimensionality"]})
    fit = Diffusion(msd)
    fit._diffusion(sc.scalar(float(lo), unit="ps"), progress=False, n_samples=500, n_burn=300,
                   random_state=np.random.RandomState(seed))
    D = fit.D.values * 1e4 / dt_ps  # cm^2/s per frame -> A^2/ps
    return msd["da"].values, float(np.mean(D)), float(np.std(D))


def _compare(x: np.ndarray, dt_ps: float) -> tuple:
    ours = tracer_diffusion(x, dt_ps)
    msd, D, D_std = kinisi_D(x, dt_ps)
    np.testing.assert_allclose(msd, msd_fft(x)[1:len(msd) + 1], rtol=1e-9)
    return ours, D, D_std


def test_kinisi_and_gls_agree_on_a_random_walk():
    """The issue's case: 100 walkers, 200 frames, D = 5e-6 cm^2/s (0.05 A^2/ps)."""
    x = np.cumsum(np.random.default_rng(21).normal(0, np.sqrt(2 * 0.05 * 0.1), (200, 100, 3)), axis=0)
    ours, D, D_std = _compare(x, 0.1)
    assert abs(ours.D_A2_ps - D) < 2 * ours.D_err_A2_ps
    assert 0.6 < D_std / ours.D_err_A2_ps < 1.7
    assert abs(ours.D_A2_ps - 0.05) < 3 * ours.D_err_A2_ps


@pytest.mark.slow
@pytest.mark.usefixtures("lammps_available")
def test_kinisi_and_gls_agree_on_a_lammps_liquid(tmp_path):
    """A 128-atom Li0.5Si0.5 liquid at 1500 K (Cui MEAM): same MSD, D within the errors, errors alike."""
    from ase.data import atomic_masses

    from anodeflow.analysis.trajectory import read_frames
    from anodeflow.structures.amorphous import random_alloy
    from anodeflow.workflows.md import LammpsMDMaker

    atoms = random_alloy("Li-Si", 0.5, 128, seed=1)
    md = LammpsMDMaker(temperature_K=1500, time_ps=4, dump_every_ps=0.025, seed=3, threads=1,
                       progress=False).run(atoms, "Li-Si", tmp_path)
    frames = [f for f in read_frames(md.trajectory) if f.step * md.timestep_fs / 1000 >= 0.5]
    result = diffusion_from_frames(iter(frames), "Li", md.timestep_fs / 1000)
    li = frames[0].symbols == "Li"
    x = unwrap(np.array([f.positions for f in frames]), frames[0].cell)
    masses = np.where(li, atomic_masses[3], atomic_masses[14])
    centre = (masses[None, :, None] * x).sum(axis=1) / masses.sum()
    x -= (centre - centre[0])[:, None, :]  # the centre-of-mass drift, as diffusion_from_frames removes it
    ours, D, D_std = _compare(x[:, li], result.dt_ps)
    assert ours.D_A2_ps == pytest.approx(result.D_A2_ps, rel=1e-6)
    assert 1e-5 < result.D_cm2_s < 3e-4  # cm^2/s: liquid Li-Si (256 atoms, 12 ps: 6.7e-5)
    assert abs(ours.D_A2_ps - D) < 2.5 * ours.D_err_A2_ps
    assert 0.5 < D_std / ours.D_err_A2_ps < 2.0
