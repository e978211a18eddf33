"""Composition and crystallinity profiles along the interface normal of a couple."""

from __future__ import annotations

import numpy as np

from anodeflow.analysis.fronts import fit_slab_fronts
from anodeflow.errors import InputError

#: a bin belongs to the lithiated/sodiated alloy when its non-crystalline host fraction is at
#: least this (Li15Si4 has 0.21 Si) and its carrier fraction at least CARRIER_MIN
ALLOY_HOST_MIN = 0.15
CARRIER_MIN = 0.10
#: without a host density, a bin counts as amorphous host when its non-crystalline host fraction
#: is at least this while the carrier fraction stays below CARRIER_MIN
AMORPHOUS_HOST_MIN = 0.5


def bin_count(length_A: float, bin_nm: float) -> int:
    """Bins of width ``bin_nm`` (nm) along a cell edge of ``length_A`` (A); :class:`InputError` below two."""
    n = int(round(length_A / (10 * bin_nm)))
    if n < 2:
        raise InputError(f"bin width {bin_nm:g} nm leaves fewer than 2 bins along the {length_A / 10:.3g} nm cell "
                         f"normal; use at most {length_A / 20:.3g} nm")
    return n


def layer_classes(total, host, carrier, crystalline) -> dict[str, np.ndarray]:
    """Per-bin classes from atom counts per bin: ``crystal``, ``alloy`` (reacted layer), ``amorphous``."""
    total = np.asarray(total, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        crystalline_fraction = np.where(total > 0, np.asarray(crystalline) / total, 0.0)
        carrier_fraction = np.where(total > 0, np.asarray(carrier) / total, 0.0)
        amorphous_host = np.where(total > 0, (np.asarray(host) - np.asarray(crystalline)) / total, 0.0)
    carrier_poor = carrier_fraction < CARRIER_MIN
    return {"crystal": crystalline_fraction >= 0.5,
            "alloy": (amorphous_host >= ALLOY_HOST_MIN) & ~carrier_poor,
            "amorphous": (amorphous_host >= AMORPHOUS_HOST_MIN) & carrier_poor}


class InterfaceProfile:
    """Binned profiles along one axis of a couple with a crystalline host slab.

    ``compute(positions, cell, host_mask, carrier_mask, crystalline)`` fills:
    ``z_nm`` (bin centres, in the frame's coordinates), ``host_count``, ``carrier_count``,
    ``crystalline_count``, ``carrier_fraction``, ``crystalline_fraction`` (crystalline host atoms
    over all atoms), ``density_atoms_nm3``, ``host_bond_A`` (mean host-host first-shell bond),
    ``bin_index`` (bin of each atom) and the per-bin classes ``crystal_bins``, ``alloy_bins``
    (the reacted layer) and ``amorphous_bins``; from an erf fit of the crystalline fraction
    ``front_positions_nm`` and ``interface_width_nm`` (mean 10-90 % width); and per interface
    ``reacted_thickness_nm`` (alloy bins) and ``amorphous_thickness_nm``: with
    ``host_density_A3`` the non-crystalline host atoms in carrier-poor bins over (density x
    area), free of bin quantisation; without it, the width of the amorphous bins.
    """

    def __init__(self, bin_nm: float = 0.2, axis: int = 2, n_interfaces: int = 2,
                 host_density_A3: float | None = None):
        if bin_nm <= 0:
            raise InputError(f"bin width must be > 0 nm, got {bin_nm}")
        if axis not in (0, 1, 2):
            raise InputError(f"axis must be 0, 1 or 2 (x, y, z), got {axis}")
        self.bin_nm = bin_nm
        self.axis = axis
        self.n_interfaces = n_interfaces
        self.host_density_A3 = host_density_A3

    def compute(self, positions, cell, host_mask, carrier_mask, crystalline, host_bonds=None) -> InterfaceProfile:
        """Bin one frame. ``host_bonds`` = (atom index, length A) of host-host first-shell bonds
        (see :func:`anodeflow.analysis.bonds.host_bond_lengths`) adds the mean bond length per bin."""
        cell = np.asarray(cell, float)
        L = float(np.linalg.norm(cell[self.axis]))
        frac = np.linalg.solve(cell.T, np.asarray(positions, float).T).T[:, self.axis] % 1.0
        # centre the crystalline slab in the window so its two fronts are not split by the boundary
        crystalline = np.asarray(crystalline, bool)
        if crystalline.any():
            angle = np.angle(np.exp(2j * np.pi * frac[crystalline]).mean()) / (2 * np.pi)
            shift = 0.5 - angle
        else:
            shift = 0.0
        s = (frac + shift) % 1.0
        nbins = bin_count(L, self.bin_nm)
        which = np.minimum((s * nbins).astype(np.int64), nbins - 1)
        self.bin_index = which
        count = lambda m: np.bincount(which, weights=np.asarray(m, dtype=float), minlength=nbins)  # noqa: E731
        self.host_count = count(host_mask)
        self.carrier_count = count(carrier_mask)
        self.crystalline_count = count(crystalline)
        total = np.bincount(which, minlength=nbins)
        edges = np.linspace(0, 1, nbins + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.carrier_fraction = np.where(total > 0, self.carrier_count / total, 0.0)
            self.crystalline_fraction = np.where(total > 0, self.crystalline_count / total, 0.0)
        self.host_bond_A = np.full(nbins, np.nan)
        if host_bonds is not None and len(host_bonds[0]):
            bond_bin = which[host_bonds[0]]
            sums = np.bincount(bond_bin, weights=host_bonds[1], minlength=nbins)
            counts = np.bincount(bond_bin, minlength=nbins)
            self.host_bond_A = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        volume_nm3 = abs(np.linalg.det(cell)) / 1000.0 / nbins
        self.density_atoms_nm3 = total / volume_nm3
        centres = 0.5 * (edges[1:] + edges[:-1])
        self.z_nm = ((centres - shift) % 1.0) * L / 10.0
        self._window_nm = centres * L / 10.0

        fit = fit_slab_fronts(centres * L, self.crystalline_fraction)
        self.front_positions_nm = [float(((z / L - shift) % 1.0) * L / 10.0) if np.isfinite(z) else float("nan")
                                   for z in (fit["z_lo_A"], fit["z_hi_A"])]
        self.interface_width_nm = 0.05 * (fit["width_lo_A"] + fit["width_hi_A"])
        bin_width_nm = L / 10.0 / nbins
        carrier_poor = self.carrier_fraction < CARRIER_MIN
        classes = layer_classes(total, self.host_count, self.carrier_count, self.crystalline_count)
        self.crystal_bins, self.alloy_bins, self.amorphous_bins = (classes[k] for k in ("crystal", "alloy", "amorphous"))
        self.reacted_thickness_nm = float(self.alloy_bins.sum() * bin_width_nm / self.n_interfaces)
        if self.host_density_A3:
            area_A2 = abs(np.linalg.det(cell)) / L
            n_amorphous = (self.host_count - self.crystalline_count)[carrier_poor].sum()
            self.amorphous_thickness_nm = float(n_amorphous / (self.host_density_A3 * area_A2 * self.n_interfaces) / 10)
        else:
            self.amorphous_thickness_nm = float(self.amorphous_bins.sum() * bin_width_nm / self.n_interfaces)
        return self

    def bins(self) -> list[dict[str, float]]:
        """Per-bin records along the window with the crystal slab centred (JSON-friendly).

        ``z_nm`` is the bin centre in the frame's coordinates, ``z_centred_nm`` in the window's.
        """
        return [
            {"z_nm": float(z), "z_centred_nm": float(zc), "host": int(h), "carrier": int(c), "crystalline": int(x),
             "carrier_fraction": float(cf), "crystalline_fraction": float(xf), "density_atoms_nm3": float(d),
             "host_bond_A": float(b)}
            for z, zc, h, c, x, cf, xf, d, b in zip(self.z_nm, self._window_nm, self.host_count, self.carrier_count,
                                                    self.crystalline_count, self.carrier_fraction,
                                                    self.crystalline_fraction, self.density_atoms_nm3, self.host_bond_A)
        ]


#: a bin is bulk crystal when at least this fraction of its host atoms is crystalline
BULK_CRYSTAL_MIN = 0.9


def front_and_bulk_host_bonds(bins: list[dict], reach_nm: float = 0.6) -> tuple[float, float]:
    """Mean host-host bond (A) near the front and in the bulk crystal of one profile (``InterfaceProfile.bins``).

    Bulk: bins whose host atoms are at least ``BULK_CRYSTAL_MIN`` crystalline. Near the front: the other
    bins with host bonds within ``reach_nm`` (nm) of a bulk bin, on either side of the slab. Means are
    weighted by the host atoms per bin; NaN where no bin qualifies.
    """
    z = np.array([b["z_centred_nm"] for b in bins], float)
    host = np.array([b["host"] for b in bins], float)
    bond = np.array([b["host_bond_A"] for b in bins], float)
    with np.errstate(invalid="ignore", divide="ignore"):
        crystalline = np.where(host > 0, np.array([b["crystalline"] for b in bins], float) / host, 0.0)
    has_bonds = (host > 0) & np.isfinite(bond)
    bulk = has_bonds & (crystalline >= BULK_CRYSTAL_MIN)
    if not bulk.any():
        return float("nan"), float("nan")
    distance = np.min(np.abs(z[:, None] - z[bulk][None, :]), axis=1)
    front = has_bonds & ~bulk & (distance <= reach_nm + 1e-9)

    def weighted(mask):
        return float(np.average(bond[mask], weights=host[mask])) if mask.any() else float("nan")

    return weighted(front), weighted(bulk)
