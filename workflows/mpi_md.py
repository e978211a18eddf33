"""Entry point of an MPI LAMMPS run: ``mpiexec -n N python -m anodeflow.workflows.mpi_md DIR [--resume]``.

Every rank rebuilds the Maker from ``md_setup.json`` and drives its share of one LAMMPS instance;
rank 0 writes ``md_document.json`` (or ``md_error.txt``) for the launching process.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from anodeflow.workflows.md import (
    DOCUMENT_FILE,
    ERROR_FILE,
    SETUP_FILE,
    START_FILE,
    latest_restart,
    maker_from_setup,
    resolve_potential,
)
from anodeflow.workflows.schemas import AtomsModel


def main(argv: list[str]) -> int:
    directory = Path(argv[0]).resolve()
    resume = "--resume" in argv[1:]
    setup = json.loads((directory / SETUP_FILE).read_text())
    maker = maker_from_setup(setup, progress=False)
    potential = resolve_potential(maker.potential, setup["system"])
    atoms = None if resume else AtomsModel.model_validate_json((directory / START_FILE).read_text()).to_atoms()
    restart = latest_restart(directory) if resume else None
    rank = int(os.environ.get("PMI_RANK", "0"))
    try:
        doc = maker._execute(atoms, setup["system"], potential, setup["type_elements"], directory, restart=restart)
    except Exception as exc:  # noqa: BLE001 - reported to the launching process through the error file
        if rank == 0:
            (directory / ERROR_FILE).write_text(str(exc))
        return 1
    if rank == 0:
        (directory / DOCUMENT_FILE).write_text(doc.model_dump_json())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
