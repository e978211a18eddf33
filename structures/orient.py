"""Lattice planes: Miller indices and crystal cells turned so that a plane (hkl) is normal to z.

Works for any lattice (cubic, tetragonal beta-Sn, hexagonal-setting A7 Sb, alloy phases): the
in-plane cell is a rectangle of lattice translations (the lowest-index direction in the plane and
the shortest translation perpendicular to it), the third vector the translation along the plane
normal when there is one, otherwise the shortest vector to the next lattice plane (an oblique cell).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from functools import cache

import numpy as np
from ase import Atoms

from anodeflow.errors import InputError

MAX_MILLER = 6
#: largest integer coefficient searched for in-plane and out-of-plane lattice vectors
MAX_COEFFICIENT = 8


def parse_miller(miller: str | Sequence[int], hexagonal: bool = False) -> tuple[int, int, int]:
    """``"110"``, ``"1,1,0"``, ``"1 -1 0"`` or a sequence -> reduced (h, k, l).

    With ``hexagonal=True`` the four-index form (h k i l), e.g. ``"10-10"`` or ``"0,1,-1,2"``, is
    accepted too; i must equal -(h + k). Indices refer to the conventional cell's axes.
    """
    if isinstance(miller, str):
        text = miller.strip().strip("()[]{}")
        compact = re.fullmatch(r"(-?\d){3,4}", text)
        parts = re.findall(r"-?\d", text) if compact else text.replace(",", " ").split()
        try:
            indices = tuple(int(p) for p in parts)
        except ValueError:
            raise InputError(f"orientation '{miller}' is not a Miller index such as 110 or 1,1,1") from None
    else:
        indices = tuple(int(v) for v in miller)
    if len(indices) == 4:
        if not hexagonal:
            raise InputError(f"orientation '{miller}': four-index (hkil) notation is only for hexagonal lattices (Sb); "
                             "give three indices (hkl)")
        h, k, i, l = indices
        if i != -(h + k):
            raise InputError(f"orientation '{miller}': in (hkil) i must equal -(h+k) = {-(h + k)}, not {i}")
        indices = (h, k, l)
    if len(indices) != 3 or not any(indices):
        raise InputError(f"orientation '{miller}' must be three integers, not all zero, e.g. 110")
    if max(abs(v) for v in indices) > MAX_MILLER:
        raise InputError(f"orientation '{miller}': indices above {MAX_MILLER} are not supported")
    g = math.gcd(*indices)
    return tuple(v // g for v in indices)


def smallest_integer_multiple(vector: np.ndarray, max_factor: int) -> int | None:
    """The smallest k in 1..``max_factor`` for which k x ``vector`` is integer (within 1e-6), else None."""
    return next((k for k in range(1, max_factor + 1) if np.allclose(k * vector, np.round(k * vector), atol=1e-6)),
                None)


@cache
def _integer_vectors() -> np.ndarray:
    """All primitive integer vectors with coefficients in [-MAX_COEFFICIENT, MAX_COEFFICIENT] (read-only)."""
    r = range(-MAX_COEFFICIENT, MAX_COEFFICIENT + 1)
    t = np.array([c for c in itertools.product(r, r, r) if any(c) and math.gcd(*c) == 1])
    t.flags.writeable = False
    return t


def _sorted(vectors: np.ndarray, cartesian: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted by length, then by the integer vector (deterministic choice among equals)."""
    lengths = np.round(np.linalg.norm(cartesian, axis=1), 6)
    order = np.lexsort((*(-vectors.T[::-1]), lengths))
    return vectors[order], cartesian[order]


def primitive_cell(bulk: Atoms) -> Atoms:
    """The primitive cell of ``bulk`` in the same orientation (spglib, no idealisation)."""
    import spglib

    lattice, fractional, numbers = spglib.standardize_cell(
        (bulk.cell.array, bulk.get_scaled_positions(), bulk.numbers), to_primitive=True, no_idealize=True,
        symprec=1e-4)
    return Atoms(numbers=numbers, scaled_positions=fractional, cell=lattice, pbc=True)


def oriented_unit(bulk: Atoms, hkl: Sequence[int], max_length_A: float = 30.0) -> Atoms:
    """The crystal ``bulk`` (conventional cell) re-celled so that plane (hkl) is normal to z.

    Cell a is the in-plane translation along the lowest-index conventional direction (the shortest
    among equals), b the shortest in-plane translation perpendicular to it (a along x, b along y;
    cubic (100): [010] x [001]); c points up (z > 0): along z when a translation within ``max_length_A``
    is normal to the plane, else the shortest translation to the next plane with the smallest
    in-plane part. Centred lattices use their primitive translations (diamond [1-10]: a/sqrt 2).
    ``atoms.info["orthogonal"]`` says which; ``atoms.info["hkl_vectors"]`` holds the three
    vectors in the conventional basis (fractions for centring translations). Raises
    ``InputError`` if the plane holds no rectangle of translations within ``max_length_A``.
    """
    from ase.build import make_supercell

    hkl_conventional = np.asarray(hkl, int)
    primitive = primitive_cell(bulk)
    to_conventional = primitive.cell.array @ np.linalg.inv(bulk.cell.array)  # rational: 1/2, 1/3
    scaled = np.round(6 * to_conventional @ hkl_conventional).astype(int)
    hkl = scaled // math.gcd(*scaled)  # the plane's indices in the primitive basis
    bulk, cell = primitive, primitive.cell.array
    normal = hkl @ np.linalg.inv(cell).T  # reciprocal-lattice vector of the plane (no 2 pi)
    normal /= np.linalg.norm(normal)
    t = _integer_vectors()
    layer = t @ hkl
    cart = t @ cell
    length = np.linalg.norm(cart, axis=1)

    # a: the in-plane translation along the lowest-index conventional direction (then the shortest);
    # b: the shortest translation perpendicular to it in the plane (cubic (100): [010] x [001])
    mask = (layer == 0) & (length <= max_length_A)
    inplane, inplane_cart, n = t[mask], cart[mask], length[mask]
    direction = np.round(6 * inplane @ to_conventional).astype(int)
    direction //= np.gcd.reduce(direction, axis=1)[:, None]
    order = np.lexsort((*(-direction.T[::-1]), np.round(n, 6), (direction**2).sum(axis=1)))
    inplane, inplane_cart, n = inplane[order], inplane_cart[order], n[order]
    for first in range(len(inplane)):
        perpendicular = np.flatnonzero(np.abs(inplane_cart @ inplane_cart[first]) < 1e-8 * n * n[first])
        if len(perpendicular):
            t1, t2 = inplane[first], inplane[perpendicular[np.argmin(np.round(n[perpendicular], 6))]]
            break
    else:
        raise InputError(f"plane {tuple(hkl_conventional.tolist())} holds no rectangle of lattice vectors shorter than "
                         f"{max_length_A} A; choose a lower-index plane")
    if np.cross(t1 @ cell, t2 @ cell) @ normal < 0:
        t2 = -t2

    up = (layer > 0) & (length <= max_length_A)
    along = up & (np.linalg.norm(np.cross(cart, normal), axis=1) < 1e-6 * np.maximum(length, 1.0))
    if along.any():
        t3 = _sorted(t[along], cart[along])[0][0]
    else:
        first = layer == 1
        lateral = np.linalg.norm(cart - np.outer(cart @ normal, normal), axis=1)
        t3 = t[first][np.lexsort((length[first], np.round(lateral[first], 6)))[0]]

    P = np.array([t1, t2, t3])
    unit = make_supercell(bulk, P)
    vectors = unit.cell.array
    e1 = vectors[0] / np.linalg.norm(vectors[0])
    e2 = vectors[1] / np.linalg.norm(vectors[1])
    rotation = np.array([e1, e2, np.cross(e1, e2)])
    new_cell = vectors @ rotation.T
    new_cell[np.abs(new_cell) < 1e-9] = 0.0
    new_cell[0, 1:] = new_cell[1, ::2] = 0.0
    if along.any():
        new_cell[2, :2] = 0.0
    fractional = unit.get_scaled_positions(wrap=True)
    unit.set_cell(new_cell)
    unit.set_scaled_positions(fractional)
    unit.info["orthogonal"] = bool(along.any())
    unit.info["hkl_vectors"] = np.round(P @ to_conventional, 6).tolist()
    return unit


def cut_in_widest_gap(unit: Atoms, tolerance_A: float = 0.05) -> Atoms:
    """Shift ``unit`` (periodic along its c vector) so its c boundary falls in the widest gap between
    atomic planes: a slab of it then breaks the fewest bonds (diamond (111): whole bilayers, cut in
    the 2.35 A shuffle gap, not between the 0.78 A-spaced planes of one bilayer). Works on oblique
    cells (planes are fractional c coordinates). Unchanged when the boundary gap is already within
    ``tolerance_A`` of the widest."""
    cz = unit.cell[2, 2]
    fractional = unit.get_scaled_positions(wrap=True)
    s = np.mod(np.round(fractional[:, 2], 6), 1.0)  # a plane at 1 - 1e-9 folds onto 0
    planes = np.unique(np.round(s * cz, 3))
    gaps = np.diff(np.append(planes, planes[0] + cz))  # gaps[i]: above planes[i]; gaps[-1] wraps
    if gaps[-1] >= gaps.max() - tolerance_A:
        return unit
    delta = 1e-3 / cz
    shifted = unit.copy()
    fractional[:, 2] = np.mod(fractional[:, 2] - planes[np.argmax(gaps) + 1] / cz + delta, 1.0) - delta
    shifted.set_scaled_positions(fractional)
    return shifted


def plane_unit(bulk: Atoms, miller: str | Sequence[int], spacegroup: str | None) -> Atoms:
    """:func:`oriented_unit` of ``bulk`` for ``miller`` (four-index input for hexagonal ``spacegroup``),
    cut in its widest interplanar gap; ``atoms.info["hkl"]`` holds the reduced three-index plane."""
    hkl = parse_miller(miller, hexagonal=hexagonal(spacegroup))
    unit = cut_in_widest_gap(oriented_unit(bulk, hkl))
    unit.info["hkl"] = hkl
    return unit


def hexagonal(spacegroup: str | None) -> bool:
    """Whether a space group symbol (Hermann-Mauguin) has a hexagonal-setting cell (trigonal, hexagonal)."""
    return bool(spacegroup) and spacegroup.startswith(("R", "P6", "P3"))


def orthorhombic(block: Atoms) -> Atoms:
    """``block`` (cell a along x, b along y, c up) in the orthorhombic box (|a|, |b|, c_z), x and y wrapped.

    Exact for orthogonal cells; for an oblique c it is the bounded slab of the same layers.
    """
    box = np.abs(np.diag(block.cell.array))
    positions = block.positions
    positions[:, :2] = np.mod(positions[:, :2], box[:2])
    block.set_cell(np.diag(box))
    block.positions = positions
    return block


def slab(unit: Atoms, repeats: Sequence[int]) -> Atoms:
    """``repeats`` copies of an oriented unit in their orthorhombic box (:func:`orthorhombic`)."""
    return orthorhombic(unit.repeat(tuple(repeats)))
