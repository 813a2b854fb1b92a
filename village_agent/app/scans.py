"""Picking a scan from the folder the scanner drops files into: a tree of folders, images and PDFs only."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Label, Static

from storage.attachments import ALLOWED_SUFFIXES
from village_agent.app.base import localize_bindings
from village_agent.i18n import t

# What the store accepts as a scan (JPG, PNG, PDF, TIFF, …): anything listed can be attached.
SCAN_SUFFIXES = ALLOWED_SUFFIXES


def is_scan(path: Path) -> bool:
    return path.suffix.lower() in SCAN_SUFFIXES


def existing(folder: Path) -> Path:
    """The folder, or the nearest folder above it that exists."""
    folder = folder.expanduser().absolute()
    while not folder.is_dir() and folder.parent != folder:
        folder = folder.parent
    return folder


class ScanTree(DirectoryTree):
    """A folder's sub-folders and scans; hidden entries and other files are left out."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("backspace", "up", "scan.up")]
    # Plain marks, not emoji: a basic terminal on the village PC may have no emoji font.
    ICON_NODE = "▸ "
    ICON_NODE_EXPANDED = "▾ "
    ICON_FILE = "  "

    class Moved(Message):
        """The tree now shows another folder (Backspace went one up)."""

        def __init__(self, folder: Path) -> None:
            super().__init__()
            self.folder = folder

    def __init__(self, path: Path, *, id: str | None = None) -> None:
        super().__init__(path, id=id)
        localize_bindings(self)
        self.show_root = False

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")
                and (self._safe_is_dir(p) or is_scan(p))]

    def action_up(self) -> None:
        folder = Path(self.path).expanduser().resolve()
        if folder.parent != folder:
            self.path = folder.parent
            self.post_message(self.Moved(folder.parent))


class ScanPickerScreen(ModalScreen[Path | None]):
    """Choose a scan: the folder on top (type another, Enter), the tree under it; Enter on a file picks it."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "nav.cancel")]

    def __init__(self, folder: Path) -> None:
        super().__init__()
        localize_bindings(self)
        self.wanted = folder
        self.folder = existing(folder)  # a scanner folder gone (USB stick out): the nearest above
        self.picked = False

    def compose(self) -> ComposeResult:
        with Vertical(id="scan-box"):
            yield Static(t("scan.title"), classes="dialog-title", markup=False)
            with Horizontal(id="scan-folder-row"):
                yield Label(t("folder.label"), classes="field-label")
                yield Input(str(self.folder), id="scan-folder", compact=True)
            yield ScanTree(self.folder, id="scan-tree")
            yield Static("", id="scan-error", classes="folder-error", markup=False)
            yield Static(t("scan.hint"), id="scan-hint", classes="field-help", markup=False)

    def on_mount(self) -> None:
        if self.folder != self.wanted:
            self.query_one("#scan-error", Static).update(t("scan.no_folder", path=self.wanted))
        self.query_one(ScanTree).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        folder = Path(event.value.strip()).expanduser()
        error = self.query_one("#scan-error", Static)
        if not folder.is_dir():
            error.update(t("scan.no_folder", path=folder))
            return
        error.update("")
        tree = self.query_one(ScanTree)
        tree.path = folder
        tree.focus()

    def on_scan_tree_moved(self, event: ScanTree.Moved) -> None:
        self.query_one("#scan-folder", Input).value = str(event.folder)
        self.query_one("#scan-error", Static).update("")

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        if self.picked or not is_scan(event.path) or not event.path.is_file():
            return  # a root gone missing is "selected" as a file too; and only one answer
        self.picked = True
        self.dismiss(event.path)

    def action_cancel(self) -> None:
        if not self.picked:
            self.picked = True
            self.dismiss(None)
