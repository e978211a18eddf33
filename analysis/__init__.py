"""Analyses: frames in, numbers with units out. No engines, no store, no CLI here.

The names below load their modules on first use, so that reading a trajectory does not import the
structure classifiers.
"""

from importlib import import_module

_HOMES = {"CoupleResult": "couple", "analyse_couple": "couple", "CrystallineHost": "structure", "Frame": "trajectory",
          "FrontAdvance": "fronts", "InterfaceProfile": "profiles", "fit_slab_fronts": "fronts",
          "read_frames": "trajectory"}

__all__ = ["CoupleResult", "analyse_couple", "CrystallineHost", "Frame", "FrontAdvance", "InterfaceProfile",
           "fit_slab_fronts", "read_frames"]


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(f"anodeflow.analysis.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'anodeflow.analysis' has no attribute '{name}'")
