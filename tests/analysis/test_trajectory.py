"""Reading LAMMPS dumps: element names, type maps, and clear errors for bad files."""

from __future__ import annotations

import numpy as np
import pytest

from anodeflow.analysis.trajectory import parse_type_map, read_frames
from anodeflow.errors import InputError


def _dump(steps=(0, 100), element=True, n_rows=None) -> str:
    out = []
    for k, step in enumerate(steps):
        cols = "id type element x y z" if element else "id type x y z"
        out += ["ITEM: TIMESTEP", str(step), "ITEM: NUMBER OF ATOMS", "3",
                "ITEM: BOX BOUNDS pp pp pp", "0 10", "0 10", "0 12", f"ITEM: ATOMS {cols}"]
        rows = [(2, 1, "Li", 1.0 + k, 2, 3), (1, 2, "Si", 4, 5, 6), (3, 2, "Si", 7, 8, 9)]
        for i, t, e, x, y, z in rows[: (n_rows if k == len(steps) - 1 and n_rows is not None else 3)]:
            out.append(f"{i} {t} {e} {x} {y} {z}" if element else f"{i} {t} {x} {y} {z}")
    return "\n".join(out) + "\n"


def test_frames_sorted_by_id_with_elements(tmp_path):
    path = tmp_path / "t.lammpstrj"
    path.write_text(_dump())
    frames = list(read_frames(path))
    assert [f.step for f in frames] == [0, 100]
    assert frames[0].ids.tolist() == [1, 2, 3]
    assert frames[0].symbols.tolist() == ["Si", "Li", "Si"]
    np.testing.assert_allclose(frames[1].positions[1], [2.0, 2, 3])
    np.testing.assert_allclose(frames[0].cell, np.diag([10.0, 10, 12]))


def test_numeric_types_need_a_map(tmp_path):
    path = tmp_path / "t.lammpstrj"
    path.write_text(_dump(element=False))
    with pytest.raises(InputError, match="pass a type map such as 1=Li,2=Si"):
        list(read_frames(path))
    frames = list(read_frames(path, parse_type_map("1=Li,2=Si")))
    assert frames[0].symbols.tolist() == ["Si", "Li", "Si"]


def test_truncated_dump_is_an_error(tmp_path):
    path = tmp_path / "t.lammpstrj"
    path.write_text(_dump(n_rows=1))
    with pytest.raises(InputError, match="is truncated: its last frame has 1 of 3 atom lines"):
        list(read_frames(path))


@pytest.mark.parametrize("content", ["", "ITEM: TIMESTEP\nabc\n", "hello world\n"])
def test_missing_empty_or_corrupt_files(tmp_path, content):
    path = tmp_path / "bad.lammpstrj"
    if content:
        path.write_text(content)
    with pytest.raises(InputError, match="bad.lammpstrj"):
        list(read_frames(path))


def test_bad_type_map():
    with pytest.raises(InputError, match="not of the form 1=Li,2=Si"):
        parse_type_map("Li,Si")


def test_gzipped_dump_reads_as_the_plain_one_and_a_cut_one_is_truncated(tmp_path):
    import gzip

    plain, packed, cut = tmp_path / "t.lammpstrj", tmp_path / "t.lammpstrj.gz", tmp_path / "cut.lammpstrj.gz"
    plain.write_text(_dump(steps=(0, 100, 200)))
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    cut.write_bytes(gzip.compress(plain.read_bytes()[:-9]))  # the last atom line loses its end
    for a, b in zip(read_frames(plain), read_frames(packed), strict=True):
        assert a.step == b.step and a.symbols.tolist() == b.symbols.tolist()
        np.testing.assert_array_equal(a.positions, b.positions)
    with pytest.raises(InputError, match="is truncated: its last frame has 2 of 3 atom lines"):
        list(read_frames(cut))
