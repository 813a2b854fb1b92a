"""Notices and receipts as A4 PDF: the layout and rendering the centers share, in sync/paper/pdf.py."""

from __future__ import annotations

from sync.paper.pdf import (
    BODY_BOTTOM,
    BODY_TOP,
    BODY_WIDTH,
    MARGIN,
    NO_LINE_END,
    NO_LINE_START,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    SIZES,
    Block,
    Box,
    FontUnusable,
    Measure,
    Page,
    PdfOutputError,
    Piece,
    Row,
    Run,
    Stroke,
    Style,
    blocks_of,
    check_target,
    file_name,
    layout,
    measurer,
    paginate,
    render,
    wrap,
    write_pdf,
)

__all__ = ["BODY_BOTTOM", "BODY_TOP", "BODY_WIDTH", "MARGIN", "NO_LINE_END", "NO_LINE_START",
           "PAGE_HEIGHT", "PAGE_WIDTH", "SIZES", "Block", "Box", "FontUnusable", "Measure", "Page",
           "PdfOutputError", "Piece", "Row", "Run", "Stroke", "Style", "blocks_of", "check_target",
           "file_name", "layout", "measurer", "paginate", "render", "wrap", "write_pdf"]
