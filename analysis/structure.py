"""Per-atom crystalline/amorphous classification of the host."""

from __future__ import annotations

import numpy as np

from anodeflow.errors import InputError

#: hosts with a diamond lattice, classified with OVITO's IdentifyDiamond
DIAMOND_HOSTS = ("Si", "Ge", "C")


class CrystallineHost:
    """Which host atoms sit in a crystalline environment (compute-object style).

    Diamond hosts use OVITO's IdentifyDiamond on the host sublattice only (carrier atoms are
    ignored, so a carrier interstitial does not amorphize its neighbours). Every diamond class
    (cubic/hexagonal, first and second neighbours) counts as crystalline.

    ``compute(positions, cell, host_mask)`` sets ``crystalline`` (bool per atom; False for
    non-host atoms) and ``n_crystalline``.
    """

    def __init__(self, host: str):
        if host not in DIAMOND_HOSTS:
            raise InputError(
                f"crystallinity of host '{host}' is not supported yet; supported: {', '.join(DIAMOND_HOSTS)}"
            )
        self.host = host
        self.crystalline: np.ndarray | None = None
        self.n_crystalline = 0

    def compute(self, positions: np.ndarray, cell: np.ndarray, host_mask: np.ndarray) -> CrystallineHost:
        from ovito.data import DataCollection
        from ovito.modifiers import IdentifyDiamondModifier

        data = DataCollection()
        matrix = np.zeros((3, 4))
        matrix[:, :3] = np.asarray(cell).T
        data.create_cell(matrix, pbc=(True, True, True))
        particles = data.create_particles(count=len(positions))
        particles.create_property("Position", data=np.asarray(positions, dtype=float))
        particles.create_property("Selection", data=np.asarray(host_mask, dtype=np.int32))
        data.apply(IdentifyDiamondModifier(only_selected=True))
        structure = np.asarray(data.particles["Structure Type"])
        other = IdentifyDiamondModifier.Type.OTHER
        self.crystalline = (structure != other) & np.asarray(host_mask, dtype=bool)
        self.n_crystalline = int(self.crystalline.sum())
        return self
