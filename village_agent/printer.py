"""Handing a written PDF on: to the default printer (CUPS `lp`), or to the PC's PDF viewer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from village_agent.i18n import t

Which = Callable[[str], str | None]


@dataclass(frozen=True)
class Handoff:
    """What became of the PDF, said for the agent; the file stays where it was saved either way."""

    done: bool
    message: str


def send_to_printer(path: Path, *, which: Which = shutil.which) -> Handoff:
    """Print on the default printer with CUPS's lp; without lp, say that no printer is set up."""
    lp = which("lp")
    if lp is None:
        return Handoff(False, t("pdf.no_printer", path=path))
    try:
        # Absolute, so a file name starting with "-" is never read as an option.
        done = subprocess.run([lp, str(path.resolve())], capture_output=True, text=True,
                              timeout=60, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        return Handoff(False, t("pdf.print_failed", detail=exc, path=path))
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip() or f"lp exit {done.returncode}"
        return Handoff(False, t("pdf.print_failed", detail=detail, path=path))
    return Handoff(True, t("pdf.printed", path=path))


def can_print(which: Which = shutil.which) -> bool:
    return which("lp") is not None


def has_desktop() -> bool:
    """A viewer can show something: macOS and Windows always; elsewhere only under X or Wayland
    (on a text console xdg-open starts, finds no display and nothing appears)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_file(path: Path, *, which: Which = shutil.which) -> Handoff:
    """Open in the PC's own viewer (xdg-open, open, or Windows' file association) without waiting."""
    if sys.platform == "win32":
        starter = getattr(os, "startfile", None)
        if starter is None:
            return Handoff(False, t("pdf.no_viewer", path=path))
        try:
            starter(str(path))
        except OSError:
            return Handoff(False, t("pdf.no_viewer", path=path))
        return Handoff(True, t("pdf.opened", path=path))
    opener = which("open" if sys.platform == "darwin" else "xdg-open")
    if opener is None or not has_desktop():
        return Handoff(False, t("pdf.no_viewer", path=path))
    try:
        viewer = subprocess.Popen([opener, str(path.resolve())], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
    except OSError:
        return Handoff(False, t("pdf.no_viewer", path=path))
    # Some xdg-open fallbacks stay until the viewer closes: reap it aside, never wait here.
    threading.Thread(target=viewer.wait, name="pdf-viewer", daemon=True).start()
    return Handoff(True, t("pdf.opened", path=path))
