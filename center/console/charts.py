"""The figures page's charts as SVG documents, drawn on the server by pygal.

Each chart is its own `image/svg+xml` response shown by an <img>: the page keeps its CSP (no
inline script or style), and the chart's own style lives inside its SVG. pygal always writes a
small config <script> into the SVG for its optional tooltips; it is taken out here (an <img>
never runs it anyway, and the chart's response forbids scripts besides). Every chart's values are
also printed as a table beside it, for screen readers and for a clerk who wants the numbers.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from xml.etree import ElementTree

import pygal
from pygal.style import Style

# pygal puts a legacy finder on sys.meta_path for its optional map plugins (pygal.maps.*, not
# used here); it has no find_spec, so Python 3.11 warns (ImportWarning) at every later import
# that reaches it. Taken off again: nothing of ours imports pygal.maps.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

SVG_NS = "http://www.w3.org/2000/svg"
FONT = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif'
STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#1b1b1b",
    foreground_strong="#1b1b1b", foreground_subtle="#555555", font_family=FONT,
    title_font_family=FONT, label_font_family=FONT, major_label_font_family=FONT,
    value_font_family=FONT, legend_font_family=FONT, title_font_size=18, label_font_size=13,
    major_label_font_size=13, legend_font_size=14, value_font_size=12,
    colors=("#0f3d6e", "#137333", "#b3261e", "#e3b400"),
)
WIDTH, HEIGHT = 900, 420
MAX_BARS = 20  # a bar chart names at most this many villages or items (the largest ones)


def _svg(chart: pygal.graph.graph.Graph) -> bytes:
    """The chart as a standalone SVG, without pygal's config script."""
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in list(parent):
            if child.tag in ("script", f"{{{SVG_NS}}}script"):
                parent.remove(child)
    return bytes(ElementTree.tostring(tree, encoding="utf-8"))


def _config(title: str) -> dict[str, object]:
    return {"title": title, "style": STYLE, "width": WIDTH, "height": HEIGHT, "js": [],
            "disable_xml_declaration": True, "legend_at_bottom": True, "print_values": True,
            "no_data_text": "—", "truncate_label": 12}


def months_line(title: str, months: Sequence[str], received: Sequence[int],
                ontime: Sequence[float | None], received_label: str, ontime_label: str) -> bytes:
    """办件量 by month (left axis) with 按期办结率 in percent (right axis, 0..100)."""
    chart = pygal.Line(**_config(title), x_labels=list(months), x_label_rotation=30,
                       secondary_range=(0, 100), include_x_axis=True, dots_size=4)
    chart.add(received_label, list(received))
    chart.add(ontime_label, [None if r is None else round(r * 100, 1) for r in ontime],
              secondary=True, formatter=lambda v: "" if v is None else f"{v:.1f}%")
    return _svg(chart)


def bars(title: str, labels: Sequence[str], values: Sequence[int], label: str) -> bytes:
    """One bar per label (already sorted, largest first), at most MAX_BARS of them."""
    chart = pygal.Bar(**_config(title), x_labels=list(labels[:MAX_BARS]), x_label_rotation=30,
                      show_legend=False, include_x_axis=True)
    chart.add(label, list(values[:MAX_BARS]))
    return _svg(chart)
