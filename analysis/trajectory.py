"""Streaming frames from LAMMPS text dumps (plain or gzip) and extxyz files.

Atom lines are parsed by pandas' C reader: a frame of more than ``BATCH_BYTES`` of text on its own,
smaller frames several at a time, so memory holds one large frame (or ``BATCH_BYTES`` of small ones)
besides the frames already handed out. Other formats that OVITO recognises are read through OVITO.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from anodeflow.errors import InputError

#: text (bytes) of atom lines parsed in one call; frames larger than this are parsed on their own
BATCH_BYTES = 1 << 22
#: bytes read (or decompressed from) a file at a time
CHUNK_BYTES = 1 << 24
#: how LAMMPS and other codes write not-a-number in a dump
NAN_TEXT = ["nan", "-nan", "NaN", "-NaN", "NAN"]
#: per-atom roles and the column names that carry them, in order of preference
_ROLES = {
    "lammps": {"id": [("id",)], "type": [("type",)], "element": [("element",)],
               "position": [("x", "y", "z"), ("xu", "yu", "zu")],
               "scaled": [("xs", "ys", "zs"), ("xsu", "ysu", "zsu")], "image": [("ix", "iy", "iz")]},
    "extxyz": {"id": [("id",)], "element": [("species",)], "position": [("pos:0", "pos:1", "pos:2")]},
}


@dataclass
class Frame:
    """One snapshot, atoms sorted by id.

    positions (A), 3x3 cell (rows a, b, c; A), element symbols, atom ids, numeric types,
    image flags (None if the file has none) and any extra per-atom columns asked for.
    """

    step: int
    positions: np.ndarray
    cell: np.ndarray
    symbols: np.ndarray
    ids: np.ndarray
    types: np.ndarray | None = None
    images: np.ndarray | None = None
    properties: dict[str, np.ndarray] = field(default_factory=dict)

    def mask(self, species: str) -> np.ndarray:
        """Boolean mask of atoms of an element symbol, or of a numeric LAMMPS type ("2")."""
        if species.isdigit() and self.types is not None:
            return self.types == int(species)
        return self.symbols == species


def parse_type_map(text: str | None) -> dict[int, str]:
    """``"1=Li,2=Si"`` -> {1: "Li", 2: "Si"}: LAMMPS types (integers >= 1, each once) to element symbols."""
    from ase.data import chemical_symbols

    if not text:
        return {}
    out = {}
    for item in text.split(","):
        key, _, value = (part.strip() for part in item.partition("="))
        if not key.isdigit() or not value:
            raise InputError(f"type map '{text}' is not of the form 1=Li,2=Si")
        if int(key) < 1:
            raise InputError(f"type map '{text}': LAMMPS types start at 1, got {key}")
        if value not in chemical_symbols[1:]:
            raise InputError(f"type map '{text}': '{value}' is not an element symbol (e.g. Li, Na, Si, Sn, Sb)")
        if int(key) in out:
            raise InputError(f"type map '{text}' maps type {key} twice ({out[int(key)]} and {value})")
        out[int(key)] = value
    return out


def read_frames(
    path: str | Path,
    type_map: Mapping[int, str] | None = None,
    columns: Sequence[str] = (),
) -> Iterator[Frame]:
    """Yield frames of a LAMMPS text dump (plain or gzip) or extxyz file, one at a time.

    ``type_map`` maps numeric LAMMPS types to elements where the dump has no element column;
    ``columns`` names extra per-atom columns to load (e.g. ``c_stress[1]``) into ``properties``.
    A missing, empty, corrupt or truncated file raises ``InputError`` naming the file and frame.
    """
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise InputError(f"trajectory '{path}' does not exist or is empty")
    try:
        kind = _text_kind(path)
    except OSError as exc:
        raise InputError(f"cannot read trajectory '{path}': {exc.strerror}") from None
    if kind == "lammps":
        _check_dump_complete(path)
    raws = _text_frames(path, kind, tuple(columns)) if kind else _ovito_frames(path, tuple(columns))
    type_map = dict(type_map or {})
    for index, raw in enumerate(raws):
        yield _frame(path, index, raw, type_map)


def count_frames(path: str | Path) -> int | None:
    """Frames in a trajectory, counted without parsing atom lines; None if the file cannot be read."""
    path = Path(path)
    try:
        kind = _text_kind(path)
        if kind is None:
            from ovito.io import import_file

            return import_file(str(path), multiple_frames=True).num_frames
        read_header = _lammps_header if kind == "lammps" else _extxyz_header
        n = 0
        with _Lines(path) as lines:
            while (header := read_header(lines, path, n)) is not None:
                lines.take(header.n_atoms)
                n += 1
        return n
    except Exception:  # noqa: BLE001 - reading the frames gives the proper error
        return None


# ------------------------------------------------------------------------------- frame assembly
class _Raw(NamedTuple):
    """One frame as read, before atoms are named and sorted: step, cell (rows, A), positions (A),
    ids, numeric types, {type: name} from the file, image flags and extra columns."""

    step: int
    cell: np.ndarray
    positions: np.ndarray
    ids: np.ndarray
    types: np.ndarray
    names: dict[int, str]
    images: np.ndarray | None
    extra: dict[str, np.ndarray]


def _frame(path: Path, index: int, raw: _Raw, type_map: Mapping[int, str]) -> Frame:
    """Name the atoms of ``raw`` (``type_map`` before the file's names), check them and sort them by id."""
    present = _present(raw.types)
    lookup = [type_map.get(t) or raw.names.get(t) or str(t) for t in present.tolist()]
    unknown = {s for s in lookup if s.isdigit()}
    if unknown:
        raise InputError(
            f"trajectory '{path}' has numeric types {sorted(unknown)} without element names; "
            "pass a type map such as 1=Li,2=Si"
        )
    symbols = _per_type(np.array(lookup), present, raw.types)
    _check_frame(path, index, raw.positions, raw.cell, raw.ids, raw.extra)
    ids = raw.ids
    if np.all(ids[1:] > ids[:-1]):  # already sorted (dump_modify sort id): no copies
        return Frame(raw.step, raw.positions, raw.cell, symbols, ids, raw.types, raw.images, raw.extra)
    order = np.argsort(ids)
    return Frame(raw.step, raw.positions[order], raw.cell, symbols[order], ids[order], raw.types[order],
                 None if raw.images is None else raw.images[order], {c: v[order] for c, v in raw.extra.items()})


def _present(types: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an integer array (by counting when they are small and >= 0)."""
    if len(types) and 0 <= types.min() and types.max() < 1 << 20:
        return np.flatnonzero(np.bincount(types))
    return np.unique(types)


def _per_type(table: np.ndarray, present: np.ndarray, types: np.ndarray) -> np.ndarray:
    """``table[k]`` for every atom whose type is ``present[k]``."""
    if len(present) and 0 <= present[0] and present[-1] < 1 << 20:
        slot = np.zeros(present[-1] + 1, dtype=np.intp)
        slot[present] = np.arange(len(present))
        return table[slot[types]]
    return table[np.searchsorted(present, types)]


def _check_frame(path: Path, index: int, positions: np.ndarray, cell: np.ndarray, ids: np.ndarray,
                 extra: dict[str, np.ndarray]) -> None:
    """Raise ``InputError`` for a frame without atoms, with a non-finite or flat cell, or with non-finite
    positions or per-atom columns (naming the first offending atom id)."""
    if len(positions) == 0:
        raise InputError(f"trajectory '{path}' has no atoms in frame {index}")
    if not np.all(np.isfinite(cell)) or not abs(np.linalg.det(cell)) > 0:
        raise InputError(f"trajectory '{path}' has a non-finite or flat cell in frame {index}: "
                         f"{np.round(cell, 3).tolist()} (A)")
    for name, values in {"position": positions, **extra}.items():
        if np.isfinite(np.sum(values)):  # a sum is finite only if every value is (or it overflows: look closer)
            continue
        bad = ~np.isfinite(values.reshape(len(values), -1)).all(axis=1)
        if bad.any():
            raise InputError(f"trajectory '{path}' has a non-finite {name} (nan or inf) for atom id "
                             f"{ids[bad][0]} in frame {index}")


# ---------------------------------------------------------------------------------- text files
class _Lines:
    """Lines, and runs of lines as byte ranges, of a text file (plain or gzip) read in large chunks."""

    def __init__(self, path: Path):
        self._path = path
        self._file = open(path, "rb")  # noqa: SIM115 - closed by __exit__
        self._inflate = zlib.decompressobj(31) if self._file.read(2) == b"\x1f\x8b" else None
        self._file.seek(0)
        self._buf, self._pos, self._line_bytes = b"", 0, 64.0

    def __enter__(self) -> _Lines:
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    def _fill(self, wanted: int = 0) -> bool:
        """Read on (``wanted`` bytes of text if that is more than ``CHUNK_BYTES``) after what is left unread;
        False at the end of the file."""
        size = max(CHUNK_BYTES, wanted) // (4 if self._inflate else 1)  # gzip text inflates about 4-fold
        while raw := self._file.read(size):
            data = raw if self._inflate is None else self._decompress(raw)
            if data:
                rest = self._buf[self._pos:]
                self._buf, self._pos = (rest + data if rest else data), 0
                return True
        return False

    def _decompress(self, raw: bytes) -> bytes:
        out = []
        while raw:
            try:
                out.append(self._inflate.decompress(raw))
            except zlib.error as exc:
                raise InputError(f"trajectory '{self._path}' is not a readable gzip file: {exc}") from None
            raw = b""
            if self._inflate.eof:  # a file of several gzip members
                raw = self._inflate.unused_data
                self._inflate = zlib.decompressobj(31)
        return b"".join(out)

    def line(self) -> bytes | None:
        """The next line without its newline; None at the end of the file."""
        while (end := self._buf.find(b"\n", self._pos)) < 0:
            if not self._fill():
                rest = self._buf[self._pos:]
                self._pos = len(self._buf)
                return rest or None
        line = self._buf[self._pos:end]
        self._pos = end + 1
        return line

    def take(self, n: int) -> tuple[list[tuple[bytes, int, int]], int]:
        """The next ``n`` lines as byte ranges (bytes, start, stop), without copies, and how many lines there
        were: fewer than ``n`` at the end of the file (a last line without its newline counts)."""
        parts: list[tuple[bytes, int, int]] = []
        found = consumed = 0
        while found < n:
            end, seen = _line_end(self._buf, self._pos, n - found, self._line_bytes)
            stop = end if end >= 0 else len(self._buf)
            if stop > self._pos:
                parts.append((self._buf, self._pos, stop))
            consumed, found, self._pos = consumed + stop - self._pos, found + seen, stop
            if end < 0 and not self._fill(int((n - found) * self._line_bytes * 1.25)):
                found += bool(parts) and parts[-1][0][parts[-1][2] - 1] != 10
                break
        if found:
            self._line_bytes = max(consumed / found, 1.0)
        return parts, found


class _Ranges:
    """A binary file over byte ranges (bytes, start, stop), for pandas to read without joining them."""

    def __init__(self, parts: list[tuple[bytes, int, int]]):
        self._parts, self._k = parts, 0
        self._at = parts[0][1] if parts else 0

    def read(self, size: int = -1) -> bytes:
        while self._k < len(self._parts):
            buf, _, stop = self._parts[self._k]
            if self._at < stop:
                end = stop if size is None or size < 0 else min(stop, self._at + size)
                out, self._at = buf[self._at:end], end
                return out
            self._k += 1
            self._at = self._parts[self._k][1] if self._k < len(self._parts) else 0
        return b""

    def __iter__(self):  # pandas takes objects with read() and __iter__ as files
        return iter(self.read, b"")


def _line_end(buf: bytes, start: int, need: int, line_bytes: float) -> tuple[int, int]:
    """(index just past the ``need``-th newline of ``buf`` after ``start``, ``need``), or (-1, the number of
    newlines after ``start``) if there are fewer. Lines of about ``line_bytes`` bytes are found fastest: the
    newlines up to the expected end are counted, and only the last few lines are searched one by one."""
    guess = min(len(buf), start + int(need * line_bytes))
    counted = buf.count(b"\n", start, guess)
    while counted < need:  # the line ends after the guess
        if guess == len(buf):
            return -1, counted
        stop = min(len(buf), guess + int((need - counted) * line_bytes * 1.5) + 4096)
        newlines = np.flatnonzero(np.frombuffer(buf, np.uint8, stop - guess, guess) == 10)
        if counted + len(newlines) >= need:
            return guess + int(newlines[need - counted - 1]) + 1, need
        counted, guess = counted + len(newlines), stop
    back = counted - need + 1  # the line ends at the back-th newline before the guess
    while True:
        low = max(start, guess - int(back * line_bytes * 1.5) - 4096)
        newlines = np.flatnonzero(np.frombuffer(buf, np.uint8, guess - low, low) == 10)
        if len(newlines) >= back:
            return low + int(newlines[len(newlines) - back]) + 1, need
        back, guess = back - len(newlines), low


def _text_kind(path: Path) -> str | None:
    """"lammps" for a LAMMPS text dump, "extxyz" for extended XYZ (plain or gzip), else None."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(31).decompress(head, 1 << 16)
        except zlib.error:
            return None
    if head.startswith(b"ITEM: TIMESTEP"):
        return "lammps"
    lines = head.split(b"\n", 2)
    if len(lines) > 2 and lines[0].strip().isdigit():
        comment = lines[1].lower()
        if b"lattice=" in comment and b"properties=" in comment:
            return "extxyz"
    return None


def _next_nonblank(lines: _Lines) -> bytes | None:
    """The next line that is not blank; None at the end of the file."""
    line = lines.line()
    while line is not None and not line.strip():
        line = lines.line()
    return line


class _Header(NamedTuple):
    """What precedes a frame's atom lines: step, atom count, cell (rows, A), origin (A), column names."""

    step: int
    n_atoms: int
    cell: np.ndarray
    origin: np.ndarray
    names: tuple[str, ...]


def _lammps_header(lines: _Lines, path: Path, index: int) -> _Header | None:
    """The ``ITEM:`` lines of the next frame of a LAMMPS dump, up to ``ITEM: ATOMS``; None at the end."""
    line = _next_nonblank(lines)
    if line is None:
        return None
    found = {}
    try:
        while not line.startswith(b"ITEM: ATOMS"):
            item = line.decode("ascii").strip()
            if not item.startswith("ITEM:"):
                raise ValueError(f"expected an ITEM: line, got '{item[:40]}'")
            item = item[5:].strip()
            if item.startswith("BOX BOUNDS"):
                found["box"] = _lammps_box(item.split()[2:], [lines.line().split() for _ in range(3)])
            else:  # TIMESTEP, NUMBER OF ATOMS, and one-line items such as UNITS or TIME
                found[item] = lines.line().strip()
            line = lines.line()
        cell, origin = found["box"]
        return _Header(int(found["TIMESTEP"]), int(found["NUMBER OF ATOMS"]), cell, origin,
                       tuple(line.decode("ascii").split()[2:]))
    except AttributeError:  # a line was None: the file ends inside the header
        raise InputError(f"trajectory '{path}' is truncated: its last frame has no complete header") from None
    except (ValueError, KeyError, IndexError, UnicodeDecodeError) as exc:
        raise InputError(f"trajectory '{path}' is corrupt at frame {index}: header {_first_line(exc)}") from None


def _lammps_box(flags: list[str], rows: list[list[bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """(cell rows a, b, c; origin), A, from a LAMMPS ``BOX BOUNDS`` item: orthogonal, tilted
    (``xy xz yz``: bounds of the tilted box, then the tilt) or general (``abc origin``)."""
    r = np.array(rows, dtype=float)
    if "abc" in flags:
        return r[:, :3].copy(), r[:, 3].copy()
    xy, xz, yz = r[:, 2] if r.shape[1] == 3 else (0.0, 0.0, 0.0)
    lo = r[:, 0] - [min(0.0, xy, xz, xy + xz), min(0.0, yz), 0.0]
    hi = r[:, 1] - [max(0.0, xy, xz, xy + xz), max(0.0, yz), 0.0]
    return np.array([[hi[0] - lo[0], 0.0, 0.0], [xy, hi[1] - lo[1], 0.0], [xz, yz, hi[2] - lo[2]]]), lo


def _extxyz_header(lines: _Lines, path: Path, index: int) -> _Header | None:
    """The count and comment lines of the next extxyz frame; None at the end."""
    line = _next_nonblank(lines)
    if line is None:
        return None
    comment = lines.line()
    try:
        info = {k: v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|\S+)', comment.decode())}
        keys = {k.lower(): v for k, v in info.items()}
        spec = keys["properties"].split(":")
        names = []
        for name, count in zip(spec[::3], map(int, spec[2::3]), strict=True):
            names += [name] if count == 1 else [f"{name}:{k}" for k in range(count)]
        cell = np.array(keys["lattice"].split(), dtype=float).reshape(3, 3)
        return _Header(int(info.get("Timestep", index)), int(line), cell, np.zeros(3), tuple(names))
    except AttributeError:
        raise InputError(f"trajectory '{path}' is truncated: its last frame has no complete header") from None
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise InputError(f"trajectory '{path}' is corrupt at frame {index}: header {_first_line(exc)}") from None


def _text_frames(path: Path, kind: str, columns: tuple[str, ...]) -> Iterator[_Raw]:
    """Raw frames of a LAMMPS dump or extxyz file; atom lines of small frames parsed together."""
    read_header = _lammps_header if kind == "lammps" else _extxyz_header
    batch: list[tuple[_Header, list]] = []
    size = index = 0
    numbering: dict[str, int] = {}  # element -> type where a file has no type column, kept over frames
    with _Lines(path) as lines:
        while (header := read_header(lines, path, index)) is not None:
            if batch and header.names != batch[0][0].names:
                yield from _parsed(path, index - len(batch), batch, kind, columns, numbering)
                batch, size = [], 0
            parts = _atom_lines(lines, path, header)
            batch.append((header, parts))
            size, index = size + sum(stop - start for _, start, stop in parts), index + 1
            if size >= BATCH_BYTES:
                yield from _parsed(path, index - len(batch), batch, kind, columns, numbering)
                batch, size = [], 0
    if batch:
        yield from _parsed(path, index - len(batch), batch, kind, columns, numbering)


def _atom_lines(lines: _Lines, path: Path, header: _Header) -> list[tuple[bytes, int, int]]:
    """The atom lines of a frame as byte ranges; ``InputError`` if the file ends before all are complete."""
    parts, found = lines.take(header.n_atoms)
    complete = found - bool(parts and parts[-1][0][parts[-1][2] - 1] != 10)  # writers end every line with one
    if complete < header.n_atoms:
        raise _truncated(path, complete, header.n_atoms)
    return parts


def _truncated(path: Path, complete: int, n_atoms: int) -> InputError:
    return InputError(f"trajectory '{path}' is truncated: its last frame has {complete} of {n_atoms} atom lines "
                      "(cut the incomplete frame off, or rerun)")


class _Layout(NamedTuple):
    """Column indices of each role (id, type, element, position, scaled, image) and of each extra column."""

    roles: dict[str, tuple[int, ...]]
    extra: dict[str, tuple[int, ...]]
    n_columns: int


def _layout(path: Path, kind: str, names: tuple[str, ...], columns: tuple[str, ...]) -> _Layout:
    """Where a frame with column ``names`` keeps each role and each of ``columns``."""
    at = {name: i for i, name in enumerate(names)}
    roles = {}
    for role, choices in _ROLES[kind].items():
        found = next((c for c in choices if all(n in at for n in c)), None)
        if found:
            roles[role] = tuple(at[n] for n in found)
    if "position" not in roles and "scaled" not in roles:
        raise InputError(f"trajectory '{path}' has no atom positions (x y z, xu yu zu or xs ys zs); "
                         f"it has {list(names)}")
    if "type" not in roles and "element" not in roles:
        raise InputError(f"trajectory '{path}' has neither a type nor an element column; it has {list(names)}")
    extra = {c: (at[c],) if c in at else tuple(at[n] for n in names if n.startswith(c + ":")) for c in columns}
    missing = [c for c, where in extra.items() if not where]
    if missing:
        raise InputError(f"trajectory '{path}' has no column(s) {missing}; it has {list(names)}")
    return _Layout(roles, extra, len(names))


def _parsed(path: Path, first: int, batch: list[tuple[_Header, list]], kind: str, columns: tuple[str, ...],
            numbering: dict[str, int]) -> Iterator[_Raw]:
    """Parse the atom lines of the frames in ``batch`` (frame ``first`` onwards) and split them per frame."""
    layout = _layout(path, kind, batch[0][0].names, columns)
    counts = [header.n_atoms for header, _ in batch]
    try:
        table = _parse_atoms([part for _, parts in batch for part in parts], layout, sum(counts))
    except ValueError as exc:
        if len(batch) > 1:  # find the frame at fault
            for k, item in enumerate(batch):
                yield from _parsed(path, first + k, [item], kind, columns, numbering)
            return
        raise InputError(f"trajectory '{path}' is corrupt at frame {first}: {_first_line(exc)}") from None
    start = 0
    for header, _ in batch:
        rows = slice(start, start + header.n_atoms)
        start = rows.stop
        yield _raw(header, {i: column[rows] for i, column in table.items()}, layout, numbering)


def _parse_atoms(parts: list[tuple[bytes, int, int]], layout: _Layout, n_lines: int) -> dict:
    """The columns of ``layout`` in the atom lines held in byte ranges ``parts``, by index: integers for ids,
    types and image flags, a pandas ``Categorical`` for elements, floats for the rest."""
    import pandas as pd

    ints = {i for role in ("id", "type", "image") for i in layout.roles.get(role, ())}
    dtype = {i: np.int64 if i in ints else float for where in [*layout.roles.values(), *layout.extra.values()]
             for i in where}
    for i in layout.roles.get("element", ()):
        dtype[i] = "category"
    if n_lines == 0:
        return {i: pd.Categorical([]) if t == "category" else np.zeros(0, t) for i, t in dtype.items()}
    options = dict(header=None, usecols=sorted(dtype), dtype=dtype, engine="c")
    try:
        table = pd.read_csv(_Ranges(parts), na_filter=False, **_separator(parts, n_lines, layout.n_columns), **options)
    except ValueError:  # nan or inf written out
        table = pd.read_csv(_Ranges(parts), sep=r"\s+", keep_default_na=False, na_values=NAN_TEXT, **options)
    return {i: table[i].array if t == "category" else table[i].to_numpy() for i, t in dtype.items()}


def _separator(parts: list[tuple[bytes, int, int]], n_lines: int, n_columns: int) -> dict[str, object]:
    """pandas options that split the atom lines in ``parts`` into columns, the fastest that fits: one space
    (every line has exactly one between columns, maybe one at its end), runs of spaces, or any whitespace."""
    if any(buf.find(b"\t", start, stop) >= 0 for buf, start, stop in parts):
        return {"sep": r"\s+"}
    buf, start, stop = parts[0]
    end = buf.find(b"\n", start, stop)
    first = buf[start:end if end >= 0 else stop]
    if not first.startswith(b" ") and b"  " not in first:
        spaces = sum(buf.count(b" ", start, stop) for buf, start, stop in parts)
        if spaces in (n_lines * (n_columns - 1), n_lines * n_columns):
            return {"sep": " "}
    return {"sep": " ", "skipinitialspace": True}


def _raw(header: _Header, table: dict, layout: _Layout, numbering: dict[str, int]) -> _Raw:
    """A raw frame from its header and parsed columns; without a type column, elements are numbered in
    order of first appearance in the file (``numbering``, updated)."""
    roles, n = layout.roles, header.n_atoms
    if "position" in roles:
        positions = np.column_stack([table[i] for i in roles["position"]]).astype(float, copy=False)
    else:
        x, y, z = (table[i][:, None] for i in roles["scaled"])
        positions = x * header.cell[0] + y * header.cell[1] + z * header.cell[2] + header.origin
    ids = np.array(table[roles["id"][0]]) if "id" in roles else np.arange(1, n + 1)
    elements = table[roles["element"][0]] if "element" in roles else None
    if "type" in roles:
        types = np.array(table[roles["type"][0]])
        names = {} if elements is None else {int(t): str(elements[int(np.argmax(types == t))]) for t in _present(types)}
    else:
        types, names = _number_elements(elements, numbering)
    images = np.column_stack([table[i] for i in roles["image"]]) if "image" in roles else None
    extra = {c: np.array(table[w[0]]) if len(w) == 1 else np.column_stack([table[i] for i in w])
             for c, w in layout.extra.items()}
    return _Raw(header.step, header.cell, positions.reshape(n, 3), ids, types, names, images, extra)


def _number_elements(elements, numbering: dict[str, int]) -> tuple[np.ndarray, dict[int, str]]:
    """(type per atom, {type: element}) for a ``Categorical`` of elements, types numbered in order of first
    appearance over the file as OVITO does (``numbering``: element -> type, updated)."""
    codes, categories = np.asarray(elements.codes), elements.categories
    present = _present(codes).tolist()
    for code in sorted(present, key=lambda c: int(np.argmax(codes == c))):
        numbering.setdefault(str(categories[code]), len(numbering) + 1)
    number = np.zeros(len(categories), dtype=np.int64)
    for code in present:
        number[code] = numbering[str(categories[code])]
    return number[codes], {int(number[c]): str(categories[c]) for c in present}


def _check_dump_complete(path: Path, block: int = 1 << 22) -> None:
    """Raise ``InputError`` if the last frame of a plain LAMMPS text dump is cut short.

    Reads backwards from the end only as far as the last ``ITEM:`` line, counting newlines.
    """
    with open(path, "rb") as fh:
        if not fh.read(15).startswith(b"ITEM: TIMESTEP"):  # gzip: checked while reading
            return
        pos = size = fh.seek(0, 2)
        fh.seek(max(0, size - 4096))
        end = fh.read()
        blank = max(end[len(end.rstrip()):].count(b"\n") - 1, 0)  # empty lines after the last atom line
        newlines, at = 0, -1
        while pos > 0 and at < 0:
            step = min(block, pos)
            pos -= step
            fh.seek(pos)
            chunk = fh.read(step + 16)
            at = chunk.rfind(b"ITEM: ")
            newlines += chunk.count(b"\n", max(at, 0), step)
        fh.seek(max(0, pos + at - 1024))
        head = fh.read(min(1024, pos + at)) if at >= 0 and chunk[at:at + 11] == b"ITEM: ATOMS" else b""
    _, found, rest = head.rpartition(b"ITEM: NUMBER OF ATOMS")
    try:
        n_atoms = int(rest.split(b"\n")[1])
    except (IndexError, ValueError):
        found = b""
    if not found or newlines == 0:
        raise InputError(f"trajectory '{path}' is truncated: its last frame has no complete header")
    if newlines - 1 - blank != n_atoms:  # the first newline ends the ITEM: ATOMS line
        raise _truncated(path, newlines - 1 - blank, n_atoms)


# ------------------------------------------------------------------------------- other formats
def _ovito_frames(path: Path, columns: tuple[str, ...]) -> Iterator[_Raw]:
    """Raw frames of any other format OVITO reads."""
    from ovito.io import import_file

    try:
        pipeline = import_file(str(path), multiple_frames=True)
        n_frames = pipeline.num_frames
    except Exception as exc:
        raise InputError(f"cannot read trajectory '{path}': {_first_line(exc)}") from None
    for index in range(n_frames):
        try:
            raw = _ovito_raw(path, pipeline.compute(index), index, columns)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"trajectory '{path}' is corrupt at frame {index}: {_first_line(exc)}") from None
        yield raw


def _ovito_raw(path: Path, data, index: int, columns: tuple[str, ...]) -> _Raw:
    """A raw frame from an OVITO ``DataCollection``."""
    particles = data.particles
    types = particles.particle_types
    ids = (np.array(particles.identifiers, dtype=int) if particles.identifiers is not None
           else np.arange(1, particles.count + 1))
    images = np.array(particles["Periodic Image"], dtype=int) if "Periodic Image" in particles else None
    extra = {c: _column(particles, c) for c in columns}
    missing = [c for c, v in extra.items() if v is None]
    if missing:
        raise InputError(f"trajectory '{path}' has no column(s) {missing}; it has {list(particles.keys())}")
    return _Raw(int(data.attributes.get("Timestep", index)), np.array(data.cell[:, :3]).T.copy(),
                np.array(particles.positions, dtype=float), ids, np.array(types, dtype=int),
                {t.id: t.name for t in types.types}, images, extra)


def _column(particles, name: str) -> np.ndarray | None:
    """A per-atom column by its name in the file.

    OVITO files some columns under standard properties (``c_stress[1..6]`` becomes the six
    components xx, yy, zz, xy, xz, yz of "Stress Tensor"); those are mapped back.
    """
    if name in particles:
        return np.array(particles[name])
    match = re.fullmatch(r"\w+\[([1-6])\]", name)
    if match and "Stress Tensor" in particles:
        return np.array(particles["Stress Tensor"])[:, int(match.group(1)) - 1]
    return None


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
