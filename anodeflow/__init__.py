"""anodeflow: interface amorphization and diffusion in alloying anodes, from cell to database."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("anodeflow")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

from anodeflow.errors import AnodeflowError, EngineError, InputError, StoreError

__all__ = ["AnodeflowError", "EngineError", "InputError", "StoreError", "__version__"]
