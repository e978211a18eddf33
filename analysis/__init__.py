"""Analyses: frames in, numbers with units out. No engines, no store, no CLI here."""

from anodeflow.analysis.couple import CoupleResult, analyse_couple
from anodeflow.analysis.fronts import FrontAdvance, fit_slab_fronts
from anodeflow.analysis.profiles import InterfaceProfile
from anodeflow.analysis.structure import CrystallineHost
from anodeflow.analysis.trajectory import Frame, read_frames

__all__ = ["CoupleResult", "analyse_couple", "CrystallineHost", "Frame", "FrontAdvance", "InterfaceProfile", "fit_slab_fronts", "read_frames"]
