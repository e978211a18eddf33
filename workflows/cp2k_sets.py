"""atomate2 CP2K input sets with k-point grids that keep a crystal's symmetry (own module: atomate2's
CP2K sets take seconds to import, and only jobs that write CP2K inputs need them)."""

from __future__ import annotations

from dataclasses import dataclass

from atomate2.cp2k.sets.core import StaticSetGenerator
from pymatgen.io.vasp.inputs import Kpoints

from anodeflow.workflows.dft import kpoint_mesh


@dataclass
class SymmetricGridStaticSetGenerator(StaticSetGenerator):
    """atomate2's CP2K static input set on a Gamma-centred Monkhorst-Pack grid of its k-point density
    that the crystal's point group maps onto itself (:func:`~anodeflow.workflows.dft.symmetric_mesh`,
    reduced by CP2K through time reversal only), instead of irreducible k-points with weights
    (:func:`~anodeflow.workflows.dft.monkhorst_pack_section` says why)."""

    def _get_kpoints(self, structure, kpoints_updates):
        kpoints = super()._get_kpoints(structure, kpoints_updates)
        if kpoints is None or not self.user_kpoints_settings:
            return kpoints
        return Kpoints.monkhorst_automatic(kpoint_mesh(structure, self.user_kpoints_settings["reciprocal_density"]))
