"""Finding a Chinese font the PDF can embed: VILLAGE_AGENT_FONT, then fontconfig, then known paths.

install.sh installs Debian's fonts-noto-cjk (NotoSansCJK-*.ttc: OpenType collections
with CFF outlines), which fpdf2 embeds as a subset. Any TrueType or CFF font with
the Chinese characters works as well (WenQuanYi, Microsoft YaHei, SimHei). The village point
and the centers find it the same way.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from storage.errors import InvalidRequest

ENV_VAR = "VILLAGE_AGENT_FONT"
FC_REGULAR = 80  # fontconfig's weights: regular 80, bold 200
FC_BOLD = 200
COLLECTIONS = (".ttc", ".otc")


class FontNotFound(InvalidRequest):
    """No Chinese font to embed: the PDF cannot be made (the plain text still can)."""


@dataclass(frozen=True)
class FontFace:
    path: Path
    index: int = 0  # the face inside a collection (.ttc); 0 for a single font


@dataclass(frozen=True)
class CjkFont:
    regular: FontFace
    bold: FontFace | None = None  # without one, titles are drawn thicker (fill and stroke)
    source: str = ""  # where it was found: "env", "fontconfig", "known path"


# Where the common Chinese fonts live when fontconfig is not there to ask (Windows, macOS, a
# minimal Linux): regular, then its bold companion if the family has one.
KNOWN_FONTS: tuple[tuple[str, str | None], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),  # Debian, Ubuntu (install.sh)
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),  # Arch
    ("/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Bold.ttc"),  # Fedora
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", None),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", None),
    ("C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/msyhbd.ttc"),
    ("C:/Windows/Fonts/simhei.ttf", None),
    ("C:/Windows/Fonts/simsun.ttc", None),
    ("/System/Library/Fonts/STHeiti Medium.ttc", None),
    ("/Library/Fonts/Arial Unicode.ttf", None),
)


def find_cjk_font(
    environ: Mapping[str, str] | None = None,
    *,
    system: Callable[[], CjkFont | None] | None = None,
) -> CjkFont:
    """The font to print with, or FontNotFound with a Chinese message saying what to do.

    An explicit VILLAGE_AGENT_FONT wins and is never silently ignored: a wrong
    path is an error naming it. `system` is the search of the machine (tests
    pass one that finds nothing).
    """
    env = os.environ if environ is None else environ
    explicit = env.get(ENV_VAR, "").strip()
    if explicit:
        return explicit_font(explicit)
    found = (system or system_cjk_font)()
    if found is None:
        raise FontNotFound("pdf.no_font")
    return found


def explicit_font(value: str) -> CjkFont:
    """VILLAGE_AGENT_FONT: a font file, or FILE#N for face N of a collection."""
    path, index = Path(value), None
    head, sep, tail = value.rpartition("#")
    if not path.is_file() and sep and tail.isdigit():
        path, index = Path(head), int(tail)
    if not path.is_file():
        raise FontNotFound("pdf.font_env_missing", var=ENV_VAR, path=value)
    if index is None:
        index = chinese_face(path)
    return CjkFont(FontFace(path, index), None, "env")


def system_cjk_font() -> CjkFont | None:
    return fontconfig_font() or known_path_font()


def fontconfig_font(
    run: Callable[[Sequence[str]], str | None] | None = None,
) -> CjkFont | None:
    """Ask fontconfig for its best Simplified Chinese sans-serif, and the bold of the same family."""
    query = run or _fc_match
    regular = _fc_face(query, "sans-serif:lang=zh-cn", bold=False)
    if regular is None:
        return None
    bold = _fc_face(query, "sans-serif:lang=zh-cn:weight=bold", bold=True)
    if bold == regular:
        bold = None  # fontconfig would only embolden the regular face
    return CjkFont(regular, bold, "fontconfig")


def _fc_face(query: Callable[[Sequence[str]], str | None], pattern: str, *,
             bold: bool) -> FontFace | None:
    # fc-match always answers, falling back to a Latin font: check it covers Chinese.
    out = query(["-f", "%{file}\t%{index}\t%{fontformat}\t%{weight}\t%{lang}", pattern])
    if not out:
        return None
    parts = out.split("\t")
    if len(parts) < 5:
        return None
    file, index, fmt, weight, langs = parts[:5]
    if fmt not in ("CFF", "TrueType") or "zh-cn" not in langs.split("|"):
        return None
    try:
        number, heaviness = int(index or 0), int(float(weight or FC_REGULAR))
    except ValueError:
        return None
    if bold and heaviness < FC_BOLD:
        return None
    path = Path(file)
    return FontFace(path, number) if path.is_file() else None


def _fc_match(args: Sequence[str]) -> str | None:
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, *args], capture_output=True, text=True, timeout=10,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def known_path_font(candidates: Sequence[tuple[str, str | None]] = KNOWN_FONTS) -> CjkFont | None:
    for regular, bold in candidates:
        path = Path(regular)
        if not path.is_file():
            continue
        bold_face = None
        if bold is not None and Path(bold).is_file():
            bold_face = FontFace(Path(bold), chinese_face(Path(bold)))
        return CjkFont(FontFace(path, chinese_face(path)), bold_face, "known path")
    return None


def chinese_face(path: Path) -> int:
    """In a collection, the face meant for Simplified Chinese (Noto CJK holds JP, KR, SC, TC, HK)."""
    if path.suffix.lower() not in COLLECTIONS:
        return 0
    from fontTools.ttLib import TTCollection, TTLibError

    try:
        with TTCollection(str(path), lazy=True) as collection:
            names = [str(face["name"].getDebugName(1) or "") for face in collection.fonts]
            gb2312 = [bool(face["OS/2"].ulCodePageRange1 >> 18 & 1) if "OS/2" in face else False
                      for face in collection.fonts]
    except (OSError, TTLibError, KeyError, IndexError, ValueError, struct.error):
        return 0  # unreadable: loading the face for the PDF says so, in the user's words
    ranked = sorted(
        range(len(names)),
        key=lambda i: (
            "mono" in names[i].lower(),
            not any(mark in names[i].split() for mark in ("SC", "GB", "CN")),
            not gb2312[i],
            i,
        ),
    )
    return ranked[0] if ranked else 0
