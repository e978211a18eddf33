"""Percolation of carrier site networks (analysis.site_network) on networks whose answer is known by hand.

Each case is built so that the nearest-pair barrier, the deepest trap's escape and the percolating
barrier differ, so a method that returns any of the other two fails.
"""

import numpy as np
import pytest

from anodeflow.analysis.site_network import Hop, SiteNetwork, merge_sites, periodic_distances
from anodeflow.errors import InputError


def test_chain_percolates_at_its_highest_link_not_its_lowest():
    """A 1-D chain along x with two sites per cell: 0 -> 1 over 0.3 eV, 1 -> 0 of the next cell over
    0.8 eV. The network winds only when the 0.8 eV hop is added; a dead-end side hop at 0.5 eV does
    not make a path. Barrier = 0.8 - lowest site (0)."""
    energies = [0.0, 0.1, 0.05]
    hops = [Hop(0, 1, (0, 0, 0), 0.3), Hop(1, 0, (1, 0, 0), 0.8), Hop(1, 2, (0, 0, 0), 0.5)]
    result = SiteNetwork("xyz").compute(energies, hops)
    assert result.percolates
    assert result.threshold_eV == pytest.approx(0.8)
    assert result.barrier_eV == pytest.approx(0.8)
    assert result.winding == (1, 0, 0)
    assert (result.bottleneck.i, result.bottleneck.j) == (1, 0)
    assert sorted((h.i, h.j) for h in result.cycle) == [(0, 1), (1, 0)]
    assert result.escape_eV == pytest.approx([0.3, 0.2, 0.45])  # each site's cheapest hop out


def test_a_deep_trap_in_the_cluster_sets_the_barrier():
    """Pipe-like chain along z at 0.4 eV saddles with one deep trap (-0.6 eV) hung on it by a 0.1 eV
    saddle: the chain percolates at 0.4 eV, and a carrier at equilibrium starts from the trap, so
    the long-range barrier is 0.4 - (-0.6) = 1.0 eV, not the trap's single-hop escape of 0.7 eV."""
    energies = [0.0, 0.0, -0.6]
    hops = [Hop(0, 1, (0, 0, 0), 0.4), Hop(1, 0, (0, 0, 1), 0.4), Hop(0, 2, (0, 0, 0), 0.1)]
    result = SiteNetwork("z").compute(energies, hops)
    assert result.threshold_eV == pytest.approx(0.4)
    assert result.trap_site == 2
    assert result.barrier_eV == pytest.approx(1.0)
    assert result.escape_eV[2] == pytest.approx(0.7)


def test_winding_only_along_other_axes_does_not_count():
    """A ring closing along x does not percolate a network asked to wind along z (a dislocation line)."""
    hops = [Hop(0, 1, (0, 0, 0), 0.2), Hop(1, 0, (1, 0, 0), 0.3)]
    assert SiteNetwork("z").compute([0.0, 0.0], hops).percolates is False
    assert SiteNetwork("x").compute([0.0, 0.0], hops).threshold_eV == pytest.approx(0.3)


def test_a_closed_loop_inside_the_cell_is_not_a_path():
    """Three sites joined in a triangle without lattice offsets: cycles without winding never percolate."""
    hops = [Hop(0, 1, (0, 0, 0), 0.1), Hop(1, 2, (0, 0, 0), 0.2), Hop(2, 0, (0, 0, 0), 0.3)]
    result = SiteNetwork().compute([0.0, 0.0, 0.0], hops)
    assert not result.percolates and result.barrier_eV is None


def test_square_lattice_with_random_saddles_matches_brute_force():
    """Random 2-D periodic networks (one site per cell of a 4x4 supercell, nearest-neighbour hops with
    random saddles): the threshold equals the smallest saddle cap at which a breadth-first search over
    unwrapped positions reaches a site at two different lattice offsets."""
    rng = np.random.default_rng(7)
    n = 4
    index = {(i, j): i * n + j for i in range(n) for j in range(n)}
    for _ in range(20):
        hops = []
        for (i, j), a in index.items():
            for di, dj in ((1, 0), (0, 1)):
                ni, nj = i + di, j + dj
                offset = (ni // n, nj // n, 0)
                hops.append(Hop(a, index[ni % n, nj % n], offset, float(rng.uniform(0, 1))))
        energies = rng.uniform(-0.2, 0.0, n * n)
        result = SiteNetwork("xy").compute(energies, hops)
        assert result.threshold_eV == pytest.approx(_brute_force_threshold(n * n, hops))
        assert result.barrier_eV == pytest.approx(result.threshold_eV - energies[result.percolating_sites].min())


def _brute_force_threshold(n_sites: int, hops: list[Hop]) -> float:
    for cap in sorted(h.saddle_eV for h in hops):
        links = {}
        for h in hops:
            if h.saddle_eV <= cap:
                links.setdefault(h.i, []).append((h.j, np.array(h.offset)))
                links.setdefault(h.j, []).append((h.i, -np.array(h.offset)))
        for start in range(n_sites):
            seen = {start: np.zeros(3, int)}
            queue = [start]
            while queue:
                site = queue.pop()
                for other, offset in links.get(site, []):
                    position = seen[site] + offset
                    if other in seen and np.any(seen[other] != position):
                        return cap
                    if other not in seen:
                        seen[other] = position
                        queue.append(other)
    return float("nan")


def test_merge_sites_keeps_the_lowest_member_across_the_boundary():
    """Two relaxed positions 0.1 A apart across a periodic face merge into the lower-energy one;
    a third, 1 A away, stays a site of its own."""
    cell = np.diag([5.0, 5.0, 5.0])
    positions = np.array([[4.95, 1.0, 1.0], [0.05, 1.0, 1.0], [1.05, 1.0, 1.0]])
    sites, energies, owner = merge_sites(positions, [0.2, 0.1, 0.3], cell, (True, True, True))
    assert len(sites) == 2
    assert energies.tolist() == [0.1, 0.3]
    assert owner.tolist() == [0, 0, 1]
    r, offset = periodic_distances(positions[:1], positions[1:2], cell, (True, True, True))
    assert r[0, 0] == pytest.approx(0.1) and offset[0, 0].tolist() == [1, 0, 0]
    assert len(merge_sites(positions, [0.2, 0.1, 0.3], cell, (False, True, True))[0]) == 3  # no image along x


def test_bad_axes_and_sites_are_refused():
    with pytest.raises(InputError, match="subset of xyz"):
        SiteNetwork("w")
    with pytest.raises(InputError, match="outside"):
        SiteNetwork().compute([0.0], [Hop(0, 3, (1, 0, 0), 0.1)])
