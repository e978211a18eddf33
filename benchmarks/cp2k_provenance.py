"""What a CP2K reference file records about how it was made: method, CP2K version and command."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path


def provenance(cutoff_Ry: float, kpoint_density: int, smearing_K: float) -> dict:
    """The settings of the package's ASE CP2K route as text, the CP2K version and the command line
    that is running (``python benchmarks/<script> ARGS``)."""
    version = subprocess.run(["cp2k.psmp", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {"method": f"CP2K PBE, DZVP-MOLOPT-SR-GTH / GTH-PBE, {cutoff_Ry:g} Ry, Fermi-Dirac {smearing_K:g} K, "
                      f"k-point density {kpoint_density} (symmetric Gamma-centred Monkhorst-Pack)",
            "cp2k": version,
            "command": f"python benchmarks/{Path(sys.argv[0]).name} " + shlex.join(sys.argv[1:])}
