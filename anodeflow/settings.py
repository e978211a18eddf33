"""User settings: environment (``ANODEFLOW_*``) over ``~/.anodeflow/config.yaml`` over defaults.

Nested fields use ``__`` in environment names, e.g. ``ANODEFLOW_STORE__TYPE=mongo``.
The config file location can be moved with ``ANODEFLOW_CONFIG``; a file named there must exist
(only the default ``ANODEFLOW_HOME/config.yaml`` is optional). The file is read with
``yaml.safe_load`` (no Python tags) and must be a mapping of known settings; every problem with it
or with an ``ANODEFLOW_*`` value is an :class:`~anodeflow.errors.InputError` naming the setting,
its source and what is valid.

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
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from anodeflow.errors import InputError

ANODEFLOW_HOME = Path(os.environ.get("ANODEFLOW_HOME", Path.home() / ".anodeflow"))


def config_path() -> Path:
    """Location of the optional YAML config file."""
    return Path(os.environ.get("ANODEFLOW_CONFIG", ANODEFLOW_HOME / "config.yaml"))


class StoreSettings(BaseModel):
    """Where results go. ``monty`` is an embedded SQLite-backed store needing no server."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

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
        env_prefix="ANODEFLOW_", env_nested_delimiter="__", extra="forbid", allow_inf_nan=False
    )

    store: StoreSettings = StoreSettings()
    work_dir: Path = Field(ANODEFLOW_HOME / "runs", description="parent folder of run folders")
    jobs_dir: Path = Field(ANODEFLOW_HOME / "jobs", description="one folder per batch job submitted with 'anodeflow submit'")
    default_potentials: dict[str, str] = Field(
        default_factory=lambda: {"Li-Si": "LiSi-Cui2012-MEAM", "Na-Sn": "SevenNet-0",
                                 "Na-Sb": "Na-Sb-UF3SNAP-SevenNet-l3i5"},
        description="potential name per carrier-host system",
    )
    cp2k_source_dir: Path = Field(Path("/usr/share/cp2k"), description="CP2K data folder (BASIS_MOLOPT, POTENTIAL)")
    cp2k_data_dir: Path = Field(ANODEFLOW_HOME / "cp2k_data", description="the same data in pymatgen's per-element format")
    lammps_threads: int = Field(1, ge=1, description="OpenMP threads per LAMMPS process")
    max_atoms: int = Field(1_000_000, ge=1, description="largest cell (atoms) a build or run makes; larger "
                                                         "requests are refused before anything is built")

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
        return init_settings, env_settings, _ConfigFileSource(settings_cls), file_secret_settings


class _ConfigFileSource(PydanticBaseSettingsSource):
    """The settings in the YAML config file (see :func:`read_config_file`)."""

    def get_field_value(self, field, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return read_config_file(config_path())


#: settings whose values are never shown in messages
_SECRETS = ("password", "uri", "username")


def _problem(error: dict) -> str:
    """One pydantic error as 'KEY = VALUE: what is valid' (credentials masked)."""
    key = ".".join(str(part) for part in error["loc"])
    secret = any(part in _SECRETS for part in error["loc"])
    value = "" if error["type"] == "missing" else " = ***" if secret else f" = {error.get('input')!r}"
    return f"{key}{value}: {error['msg'].replace('Input should be', 'should be')}"


@cache
def _config_file_model() -> type[BaseModel]:
    """A plain model with the fields of :class:`Settings`, to check a config file on its own."""
    fields = {name: (field.annotation, field) for name, field in Settings.model_fields.items()}
    return create_model("ConfigFile", __config__=ConfigDict(extra="forbid", allow_inf_nan=False), **fields)


def read_config_file(path: Path) -> dict[str, Any]:
    """The mapping in the YAML config file ``path`` ({} for an absent default file), checked on its own.

    Raises :class:`InputError` for a file named by ``ANODEFLOW_CONFIG`` that does not exist, a folder,
    unreadable or non-YAML text, Python tags, anything but a mapping, unknown keys and wrong types.
    """
    import yaml

    if not path.exists():
        default = Path(os.environ.get("ANODEFLOW_HOME", ANODEFLOW_HOME)) / "config.yaml"
        if "ANODEFLOW_CONFIG" in os.environ and path != default:
            raise InputError(f"config file '{path}' (ANODEFLOW_CONFIG) does not exist")
        return {}
    try:
        data = yaml.safe_load(path.read_text())
    except IsADirectoryError:
        raise InputError(f"config file '{path}' is a folder; ANODEFLOW_CONFIG must name a YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read config file '{path}': {exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"config file '{path}' is not valid YAML{line}: {reason}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"config file '{path}' must be a mapping of settings (key: value), "
                         f"not a {type(data).__name__}")
    try:
        _config_file_model().model_validate(data)
    except ValidationError as exc:
        raise InputError(f"config file '{path}': setting {_problem(exc.errors()[0])}") from None
    return data


def _env_name(loc: tuple) -> str | None:
    """The ``ANODEFLOW_*`` variable that set the field at ``loc``, if one did."""
    for depth in range(len(loc), 0, -1):
        name = "ANODEFLOW_" + "__".join(str(part) for part in loc[:depth]).upper()
        if name in os.environ:
            return name
    return None


def get_settings(**overrides) -> Settings:
    """Read settings fresh (environment and config file may change between calls).

    Raises :class:`InputError` naming the setting, where it came from and what is valid.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        env = _env_name(error["loc"])
        source = f"environment {env}" if env else f"config file {config_path()}"
        raise InputError(f"setting {_problem(error)} ({source})") from None
    except SettingsError as exc:
        raise InputError(f"{exc}: ANODEFLOW_* values of dict or list settings must be JSON, "
                         'e.g. ANODEFLOW_DEFAULT_POTENTIALS=\'{"Li-Si": "LiSi-Cui2012-MEAM"}\'') from None
