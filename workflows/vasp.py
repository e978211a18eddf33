"""VASP makers for HPC (atomate2), with the settings this package's DFT uses everywhere.

PBE with the Materials Project POTCAR choices (Li_sv, Na_pv, Si, Ge_d, Sn_d, Sb, P), a
plane-wave cutoff of 450 eV (above 1.3 x the largest ENMAX of those POTCARs), Gaussian smearing
(a carrier in a semiconductor host puts electrons in the conduction band), fixed cells (hops and
interfaces are studied at a set lattice) and the atom order as given (sorting would break the
POSCAR/POTCAR agreement of NEB images). VASP is licensed and not installed here; these makers
write inputs and run where ``ATOMATE2_VASP_CMD`` and ``PMG_VASP_PSP_DIR`` are set (see HPC_NOTES.md).
"""

from __future__ import annotations

#: the code of the VASP route, for documents
VASP_CITATION = "G. Kresse and J. Furthmuller, Phys. Rev. B 54, 11169 (1996) (VASP); PBE, PAW (Materials Project POTCARs)"
#: electronic and ionic settings shared by relaxations and NEB
#: (atomate2's base set is PBEsol with charge-density outputs: switched to PBE, outputs off)
VASP_INCAR = {"GGA": "PE", "ENCUT": 450, "ISMEAR": 0, "SIGMA": 0.05, "EDIFF": 1e-6, "EDIFFG": -0.02, "ISIF": 2,
              "LREAL": "Auto", "LWAVE": False, "LCHARG": False, "LAECHG": False, "LVTOT": False, "LELF": False,
              "ISPIN": 1}
#: k-points per reciprocal atom (atomate2's reciprocal density); 64 gives 2x2x2 for a 65-atom Si cell
VASP_KPOINT_DENSITY = 64


def vasp_relax_maker(kpoint_density: int = VASP_KPOINT_DENSITY, incar: dict | None = None):
    """atomate2 ``RelaxMaker``: positions only (ISIF 2), :data:`VASP_INCAR`, atoms kept in order."""
    from atomate2.vasp.jobs.core import RelaxMaker
    from atomate2.vasp.sets.core import RelaxSetGenerator

    generator = RelaxSetGenerator(user_incar_settings={**VASP_INCAR, **(incar or {})}, sort_structure=False,
                                  user_kpoints_settings={"reciprocal_density": kpoint_density}, auto_ismear=False)
    return RelaxMaker(name="vasp relax fixed cell", input_set_generator=generator)


def vasp_neb_maker(kpoint_density: int = VASP_KPOINT_DENSITY, incar: dict | None = None, climb: bool = True):
    """atomate2 ``NebFromEndpointsMaker``: endpoints relaxed by :func:`vasp_relax_maker`, then an NEB;
    climbing uses the VTST settings (LCLIMB, IOPT 1, IBRION 3, POTIM 0): VASP built with VTST tools."""
    from atomate2.vasp.jobs.neb import NebFromEndpointsMaker, NebFromImagesMaker
    from atomate2.vasp.sets.core import NebSetGenerator

    generator = NebSetGenerator(user_incar_settings={**VASP_INCAR, **(incar or {})}, sort_structure=False,
                                climbing_image=climb,
                                user_kpoints_settings={"reciprocal_density": kpoint_density})
    return NebFromEndpointsMaker(endpoint_relax_maker=vasp_relax_maker(kpoint_density, incar),
                                 images_maker=NebFromImagesMaker(name="vasp neb", input_set_generator=generator))
