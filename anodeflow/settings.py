"""User settings: environment (``ANODEFLOW_*``) over ``~/.anodeflow/config.yaml`` over defaults.

Nested fields use ``__`` in environment names, e.g. ``ANODEFLOW_STORE__TYPE=mongo``.
The config file location can be moved with ``ANODEFLOW_CONFIG``.

Example ``config.yaml`` for MongoDB::

    store:
      type: mongo
      host: mongo.cluster.example
      database: anodeflow
      username: me
      password: secret
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

ANODEFLOW_HOME = Path(os.environ.get("ANODEFLOW_HOME", Path.home() / ".anodeflow"))


def config_path() -> Path:
    """Location of the optional YAML config file."""
    return Path(os.environ.get("ANODEFLOW_CONFIG", ANODEFLOW_HOME / "config.yaml"))


class StoreSettings(BaseModel):
    """Where results go. ``monty`` is an embedded SQLite-backed store needing no server."""

    type: Literal["monty", "mongo"] = "monty"
    path: Path = Field(ANODEFLOW_HOME / "store", description="folder of the embedded store (monty)")
    database: str = "anodeflow"
    collection_name: str = "outputs"
    host: str = "localhost"
    port: int = 27017
    username: str = ""
    password: str = ""
    uri: str | None = Field(None, description="mongodb:// URI; overrides host/port/credentials")
    auth_source: str | None = None
    server_selection_timeout_s: float = Field(5.0, gt=0, description="give up on an unreachable MongoDB after this (s)")
    lock_timeout_s: float = Field(300.0, gt=0, description="wait at most this long (s) for another process's "
                                                            "write to the embedded store")


class Settings(BaseSettings):
    """All anodeflow settings, with their defaults."""

    model_config = SettingsConfigDict(
        env_prefix="ANODEFLOW_", env_nested_delimiter="__", extra="ignore"
    )

    store: StoreSettings = StoreSettings()
    work_dir: Path = Field(ANODEFLOW_HOME / "runs", description="parent folder of run folders")
    jobs_dir: Path = Field(ANODEFLOW_HOME / "jobs", description="one folder per batch job submitted with 'anodeflow submit'")
    default_potentials: dict[str, str] = Field(
        default_factory=lambda: {"Li-Si": "LiSi-Cui2012-MEAM", "Na-Sn": "SevenNet-0", "Na-Sb": "SevenNet-0"},
        description="potential name per carrier-host system",
    )
    cp2k_source_dir: Path = Field(Path("/usr/share/cp2k"), description="CP2K data folder (BASIS_MOLOPT, POTENTIAL)")
    cp2k_data_dir: Path = Field(ANODEFLOW_HOME / "cp2k_data", description="the same data in pymatgen's per-element format")
    lammps_threads: int = Field(1, ge=1, description="OpenMP threads per LAMMPS process")

    @field_validator("work_dir", "jobs_dir", "cp2k_data_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_source = YamlConfigSettingsSource(settings_cls, yaml_file=config_path())
        return init_settings, env_settings, yaml_source, file_secret_settings


def get_settings(**overrides) -> Settings:
    """Read settings fresh (environment and config file may change between calls)."""
    return Settings(**overrides)
