"""A QR code as the squares a PDF draws: segno makes the symbol, this turns it into filled runs.

Pure: `modules(data)` is segno's matrix (no quiet zone; rows of dark/light), `runs(matrix)`
the horizontal runs of dark modules the PDF fills, one rectangle a run (fewer rectangles
than modules, and no hairline gaps between neighbours for a scanner to trip on).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

QUIET = 4  # modules of white the standard wants around the symbol


@dataclass(frozen=True)
class ModuleRun:
    """`length` dark modules in `row`, from `column` on (counted from the symbol's top left)."""

    row: int
    column: int
    length: int


def modules(data: str) -> tuple[tuple[bool, ...], ...]:
    """The QR symbol for `data` (error correction M or better, as segno boosts it)."""
    import segno  # imported when a code is drawn: the command line stays quick

    code = segno.make_qr(data, error="m")
    return tuple(tuple(bool(m) for m in row) for row in code.matrix)


def runs(matrix: Sequence[Sequence[bool]]) -> tuple[ModuleRun, ...]:
    found: list[ModuleRun] = []
    for r, row in enumerate(matrix):
        start = None
        for c, dark in enumerate([*row, False]):
            if dark and start is None:
                start = c
            elif not dark and start is not None:
                found.append(ModuleRun(r, start, c - start))
                start = None
    return tuple(found)
