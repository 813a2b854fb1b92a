"""The Chinese font the PDFs embed: found by sync/paper/fonts.py, which the centers share."""

from __future__ import annotations

from sync.paper.fonts import (
    COLLECTIONS,
    ENV_VAR,
    FC_BOLD,
    FC_REGULAR,
    KNOWN_FONTS,
    CjkFont,
    FontFace,
    FontNotFound,
    chinese_face,
    explicit_font,
    find_cjk_font,
    fontconfig_font,
    known_path_font,
    system_cjk_font,
)

__all__ = ["COLLECTIONS", "ENV_VAR", "FC_BOLD", "FC_REGULAR", "KNOWN_FONTS", "CjkFont", "FontFace",
           "FontNotFound", "chinese_face", "explicit_font", "find_cjk_font", "fontconfig_font",
           "known_path_font", "system_cjk_font"]
