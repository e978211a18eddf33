"""``anodeflow build ...``: structures to files (extxyz, LAMMPS data or CIF by extension)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from anodeflow.cli_common import Table, check_atom_option, check_reservoir_x, console, handle_errors
from anodeflow.errors import InputError
from anodeflow.outputs import check_output_path, output_file

build_app = typer.Typer(help="Build cells and write them to a file.", no_args_is_help=True)
OutOpt = Annotated[Path, typer.Option("-o", "--output", help="file: .extxyz/.xyz, .data/.lmp (LAMMPS) or .cif")]
FORMATS = {".extxyz": "extxyz", ".xyz": "extxyz", ".data": "lammps-data", ".lmp": "lammps-data", ".cif": "cif"}


def check_output(path: Path) -> str:
    """The ASE format of the structure file ``path`` (by extension); :class:`InputError` if it cannot be written."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"unknown output format '{path.suffix}'; use one of {', '.join(FORMATS)}")
    check_output_path(path, "structure file")
    return fmt


def write_structure(atoms, path: Path) -> None:
    """Write ``atoms`` whole in the format its extension names; regions go along in extxyz."""
    from ase.io import write

    fmt = check_output(path)
    out = atoms.copy()
    if fmt != "extxyz":
        out.info.clear()
        for key in [k for k in out.arrays if k not in ("numbers", "positions")]:
            del out.arrays[key]
    else:
        out.info = {k: (json.dumps(v) if isinstance(v, dict | list | tuple) else v) for k, v in atoms.info.items()}
    kwargs = {"specorder": sorted(set(out.get_chemical_symbols())), "masses": True} if fmt == "lammps-data" else {}
    with output_file(path, "structure file") as tmp:
        write(tmp, out, format=fmt, **kwargs)


def repeated(atoms, repeat: str):
    """``atoms`` repeated by ``"2,2,1"`` (three positive integers), refused up front when too many atoms."""
    try:
        reps = tuple(int(v) for v in repeat.split(","))
    except ValueError:
        reps = ()
    if len(reps) != 3 or min(reps) < 1:
        raise InputError(f"repeat '{repeat}' must be three positive integers, e.g. 2,2,2")
    from anodeflow.structures.sizes import check_atoms

    check_atoms(len(atoms) * math.prod(reps), f"--repeat {repeat} of a {len(atoms)}-atom cell")
    return atoms.repeat(reps)


def summarise(atoms, path: Path, extra: dict | None = None) -> None:
    from anodeflow.structures.couples import min_distance

    symbols = atoms.get_chemical_symbols()
    rows = {"file": str(path), "atoms": len(atoms),
            "composition": ", ".join(f"{e} {symbols.count(e)}" for e in sorted(set(symbols))),
            "cell (nm)": " x ".join(f"{v / 10:.3f}" for v in atoms.cell.lengths()),
            "min distance (A)": f"{min_distance(atoms):.3f}"}
    rows.update(extra or {})
    table = Table(show_header=False, title="built")
    for key, value in rows.items():
        table.add_row(key, str(value))
    console.print(table)


@build_app.command("crystal")
@handle_errors
def crystal(name: Annotated[str, typer.Argument(help="Si, Ge, alpha-Sn, beta-Sn, Sb, Li, Na")],
            output: OutOpt, repeat: Annotated[str, typer.Option("--repeat", help="supercell, e.g. 2,2,2")] = "1,1,1"):
    """A conventional crystal cell (cited lattice constants), optionally repeated."""
    from anodeflow.structures import bulk_crystal

    check_output(output)
    atoms = repeated(bulk_crystal(name), repeat)
    write_structure(atoms, output)
    summarise(atoms, output)


@build_app.command("phase")
@handle_errors
def phase(name: Annotated[str, typer.Argument(help="alloy phase, e.g. LiSi, Li15Si4, NaSn, Na15Sn4, NaSb, Na3Sb")],
          output: OutOpt, repeat: Annotated[str, typer.Option("--repeat", help="supercell, e.g. 2,2,2")] = "1,1,1"):
    """A reference alloy phase (DFT-relaxed or measured structure, with its sources), optionally repeated."""
    from anodeflow.structures.phases import PHASES, build_phase

    check_output(output)
    atoms = repeated(build_phase(name), repeat)
    write_structure(atoms, output)
    spec = PHASES[name]
    rows = {"space group": spec.spacegroup, "carrier fraction": f"{spec.carrier_fraction:.4f}",
            "volume per atom (A^3)": f"{spec.cell_volume_per_atom_A3:.3f}"}
    if spec.sites_source == spec.lattice_source:
        rows["source"] = spec.lattice_source
    else:
        rows.update({"lattice source": spec.lattice_source, "sites source": spec.sites_source})
    if spec.experimental_lattice is not None:
        rows.update({"measured volume per atom (A^3)": f"{spec.volume_per_atom_A3:.3f}",
                     "measured lattice source": spec.experimental_source})
    summarise(atoms, output, rows)


@build_app.command("interface")
@handle_errors
def interface(system: Annotated[str, typer.Argument(help="carrier-host, e.g. Li-Si, Na-Sn, Na-Sb")], output: OutOpt,
              orientation: Annotated[str, typer.Option("--orientation", help="host plane (hkl), e.g. 110; Sb also (hkil), e.g. 0001")] = "110",
              host_nm: Annotated[float, typer.Option("--host-nm", help="host slab thickness (nm)")] = 2.5,
              reservoir_nm: Annotated[float, typer.Option("--reservoir-nm", help="reservoir thickness (nm)")] = 2.5,
              size_nm: Annotated[float, typer.Option("--size-nm", help="in-plane size (nm)")] = 2.0,
              fixed_nm: Annotated[float, typer.Option("--fixed-nm", help="fixed host layer (nm)")] = 0.0,
              vacuum_nm: Annotated[float, typer.Option("--vacuum-nm", help="vacuum instead of periodic z (nm)")] = 0.0,
              reservoir: Annotated[str, typer.Option("--reservoir", help="bcc, amorphous or an alloy phase (e.g. Li15Si4, Na3Sb)")] = "bcc",
              x: Annotated[float | None, typer.Option("--x", help="carrier fraction of an amorphous reservoir")] = None,
              reservoir_orientation: Annotated[str, typer.Option("--reservoir-orientation", help="plane of an alloy-phase reservoir")] = "001",
              host_crystal: Annotated[str | None, typer.Option("--host-crystal", help="another crystal of the host, e.g. alpha-Sn")] = None,
              seed: Annotated[int, typer.Option("--seed", help="random packing of an amorphous reservoir")] = 0):
    """A host(hkl) | reservoir couple with region tags (bcc carrier, amorphous alloy or lattice-matched phase)."""
    from anodeflow.structures import build_couple

    check_output(output)
    check_reservoir_x(reservoir, x)
    atoms = build_couple(system, orientation, host_nm, reservoir_nm, size_nm, fixed_thickness_nm=fixed_nm,
                         vacuum_nm=vacuum_nm, reservoir=reservoir, reservoir_x=x, reservoir_miller=reservoir_orientation,
                         host_crystal=host_crystal, seed=seed)
    write_structure(atoms, output)
    info = atoms.info
    rows = {"host": f"{info['host_crystal']} ({info['miller']})", "reservoir": info["reservoir"],
            "reservoir strain (xx, yy, xy)": ", ".join(f"{s:+.3%}" for s in info["reservoir_strain"]),
            "interfaces": info["n_interfaces"]}
    if "reservoir_x" in info:
        rows["reservoir carrier fraction"] = f"{info['reservoir_x']:.3f}"
    summarise(atoms, output, rows)


@build_app.command("nanowire")
@handle_errors
def nanowire(host: Annotated[str, typer.Argument(help="host element: Si, Ge, Sn, Sb")], output: OutOpt,
             axis: Annotated[str, typer.Option("--axis", help="wire axis [uvw], e.g. 110")] = "110",
             diameter_nm: Annotated[float, typer.Option("--diameter-nm")] = 3.0,
             length_nm: Annotated[float, typer.Option("--length-nm")] = 2.0,
             shell: Annotated[str | None, typer.Option("--shell", help="carrier shell element, e.g. Li")] = None,
             shell_nm: Annotated[float, typer.Option("--shell-nm", help="shell thickness (nm)")] = 0.0,
             host_crystal: Annotated[str | None, typer.Option("--host-crystal", help="another crystal of the host, e.g. alpha-Sn")] = None):
    """A host nanowire along [uvw], optionally inside a carrier shell."""
    from anodeflow.structures.nanowires import build_nanowire

    check_output(output)
    atoms = build_nanowire(host, axis, diameter_nm, length_nm, shell=shell, shell_thickness_nm=shell_nm,
                           host_crystal=host_crystal)
    write_structure(atoms, output)
    summarise(atoms, output, {"diameter (nm)": f"{atoms.info['diameter_nm']:.3f}", "axis": atoms.info["axis"]})


@build_app.command("endpoints")
@handle_errors
def endpoints(host: Annotated[str, typer.Argument(help="host crystal: Si, Ge, alpha-Sn, beta-Sn, Sb")],
              carrier: Annotated[str, typer.Argument(help="Li or Na")], output: OutOpt,
              kind: Annotated[str, typer.Option("--kind", help="bulk, front (checked on diamond hosts) or dislocation (diamond)")] = "bulk",
              miller: Annotated[str, typer.Option("--miller", help="couple orientation, front hops")] = "100",
              dislocation: Annotated[str, typer.Option("--dislocation", help="60 or screw")] = "60"):
    """NEB endpoints of a carrier hop: writes OUTPUT with _initial/_final suffixes."""
    from anodeflow.structures import build_couple
    from anodeflow.structures.crystals import CRYSTALS
    from anodeflow.structures.dislocations import build_dislocation
    from anodeflow.structures.endpoints import (FRONT_HOP_COUPLE, bulk_hop_endpoints, core_hop_endpoints,
                                                 front_hop_endpoints)

    paths = [output.with_name(f"{output.stem}_{tag}{output.suffix}") for tag in ("initial", "final")]
    for path in paths:
        check_output(path)
    if kind == "bulk":
        initial, final, record = bulk_hop_endpoints(host, carrier)
    elif kind == "front":
        element = CRYSTALS[host].element if host in CRYSTALS else host
        initial, final, record = front_hop_endpoints(
            build_couple(f"{carrier}-{element}", miller, host_crystal=host, **FRONT_HOP_COUPLE), carrier)
    elif kind == "dislocation":
        initial, final, record = core_hop_endpoints(
            build_dislocation(host, dislocation, radius_nm=1.2, length_cells=3, vacuum_nm=0.6), carrier)
    else:
        raise InputError(f"unknown hop kind '{kind}'; kinds: bulk, front, dislocation")
    for atoms, path in zip((initial, final), paths):
        write_structure(atoms, path)
    rows = {"final": str(paths[1]), "hop distance (A)": f"{record.hop_distance_A:.3f}",
            "site clearance (A)": f"{record.site_clearance_A:.3f}"}
    if record.feature_distance_A:
        label = "depth below the front (A)" if kind == "front" else "distance from the line (A)"
        rows[label] = ", ".join(f"{v:.2f}" for v in record.feature_distance_A)
    summarise(initial, paths[0], rows)


@build_app.command("dislocation")
@handle_errors
def dislocation(host: Annotated[str, typer.Argument(help="Si, Ge or alpha-Sn; beta-Sn for its [001] screw")],
                output: OutOpt,
                kind: Annotated[str, typer.Option("--kind", help="60 or screw")] = "60",
                radius_nm: Annotated[float, typer.Option("--radius-nm", help="cylinder radius")] = 2.0,
                length_cells: Annotated[int, typer.Option("--length-cells", help="line periods along z")] = 5,
                dipole: Annotated[bool, typer.Option("--dipole", help="a +b/-b dipole in a fully periodic cell instead of a cylinder")] = False,
                separation: Annotated[int, typer.Option("--separation", help="dipole: glide distances between the cores")] = 8):
    """A straight dislocation in a cylinder, or a periodic dipole (matscipy, anisotropic elasticity); for beta-Sn
    the [001] screw (b = c) in a cylinder."""
    from anodeflow.structures.dislocations import build_c_screw_dislocation, build_dislocation, build_dislocation_dipole

    check_output(output)
    if host == "beta-Sn":
        if kind != "screw" or dipole:
            raise InputError(f"beta-Sn: only --kind screw in a cylinder is built (got --kind {kind}"
                             f"{' --dipole' if dipole else ''})")
        atoms = build_c_screw_dislocation(host, radius_nm, length_cells)
    elif dipole:
        atoms = build_dislocation_dipole(host, kind, separation, length_cells)
    else:
        atoms = build_dislocation(host, kind, radius_nm, length_cells)
    write_structure(atoms, output)
    summarise(atoms, output, {"Burgers vector (A)": np.round(atoms.info["burgers_A"], 4).tolist()})


@build_app.command("amorphous")
@handle_errors
def amorphous(system: Annotated[str, typer.Argument(help="carrier-host system, e.g. Li-Si")], output: OutOpt,
              x: Annotated[float, typer.Option("--x", help="atomic carrier fraction, 0..1")] = 0.5,
              n_atoms: Annotated[int, typer.Option("--atoms", help="number of atoms")] = 128,
              volume: Annotated[float | None, typer.Option("--volume-per-atom-A3", help="override the interpolated volume")] = None,
              seed: Annotated[int, typer.Option("--seed")] = 0):
    """Random-packing start cell of an amorphous alloy (melt-quench it with 'anodeflow run meltquench')."""
    from anodeflow.structures.amorphous import random_alloy

    check_output(output)
    check_atom_option(n_atoms)
    atoms = random_alloy(system, x, n_atoms, volume_per_atom=volume, seed=seed)
    write_structure(atoms, output)
    summarise(atoms, output, {"carrier fraction": f"{atoms.info['carrier_fraction']:.3f}",
                              "volume per atom (A^3)": f"{atoms.info['volume_per_atom_A3']:.2f}"})
