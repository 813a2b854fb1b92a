"""A QR code as inline SVG for the console's pages: one path of unit squares, no style attributes.

The console's CSP (`style-src 'self'`) refuses inline styles, so the symbol is drawn with
presentation attributes only. Each row's runs of dark modules become one rectangle of the path
(`M x y h n v 1 h -n z`), inside a quiet zone of four modules; `matrix_of(svg)` reads them back,
which is how the tests check that the picture is the code the page shows as text.
"""

from __future__ import annotations

import re

QUIET = 4  # modules of light margin the QR standard asks for
_RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-\d+z")


def modules(text: str) -> list[list[bool]]:
    """The symbol for `text`: a regular QR code (never a Micro QR: phones read those badly)."""
    import segno  # imported when a code is drawn: the console starts without it

    return [[bool(m) for m in row] for row in segno.make_qr(text, error="m").matrix]


def svg(text: str, *, size: int = 232, label: str = "") -> str:
    """Inline `<svg>` markup for `text`, `size` pixels square, named `label` for screen readers."""
    matrix = modules(text)
    side = len(matrix) + 2 * QUIET
    path = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            path.append(f"M{start + QUIET} {y + QUIET}h{x - start}v1h-{x - start}z")
    name = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {side} {side}"'
            f' width="{size}" height="{size}" role="img" aria-label="{name}"'
            f' shape-rendering="crispEdges"><rect width="{side}" height="{side}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(path)}"/></svg>')


def matrix_of(markup: str) -> list[list[bool]]:
    """The modules an `svg()` drawing shows (quiet zone left out)."""
    side = int(re.search(r'viewBox="0 0 (\d+) \d+"', markup).group(1))  # type: ignore[union-attr]
    n = side - 2 * QUIET
    matrix = [[False] * n for _ in range(n)]
    for x, y, length in _RUN.findall(markup):
        for i in range(int(length)):
            matrix[int(y) - QUIET][int(x) - QUIET + i] = True
    return matrix
