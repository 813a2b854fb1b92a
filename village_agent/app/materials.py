"""Materials (provided / 告知承诺 / 容缺, only what each allows) and scans attached by path or from a folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, Select, Static
from textual.widgets.option_list import Option

from forms.model import MaterialSpec
from storage.attachments import IncomingFile
from village_agent.app.fields import ShowsErrors
from village_agent.i18n import t


class MaterialRow(ShowsErrors):
    """One material: its name and form, a radio button per status it allows, the message under it."""

    class Changed(Message):
        def __init__(self, row: MaterialRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, spec: MaterialSpec, options: tuple[str, ...], value: str | None) -> None:
        super().__init__(classes="field material", id=f"m-{spec.code}")
        self.spec = spec
        self.options = options
        self.initial = value
        self.error_text = ""

    def compose(self) -> ComposeResult:
        text = t("app.with_note", text=self.spec.name, note=self.spec.form) if self.spec.form else self.spec.name
        yield Label(text, classes="field-label")
        with RadioSet(classes="control", compact=True):
            for option in self.options:
                yield RadioButton(t(f"material.{option}"), value=option == self.initial,
                                  id=f"m-{self.spec.code}-{option}")
        yield Static("", classes="field-error", markup=False)

    def raw(self) -> str | None:
        pressed = self.query_one(RadioSet).pressed_button
        if pressed is None or pressed.id is None:
            return None
        return pressed.id.rsplit("-", 1)[1]

    def set_raw(self, value: Any) -> None:
        if value in self.options:
            self.query_one(f"#m-{self.spec.code}-{value}", RadioButton).value = True

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self))


@dataclass
class Attached:
    """A scan the agent pointed at: read once when added, or again at submit after a resumed draft."""

    label: str
    path: str
    file: IncomingFile | None = None


class AttachmentsBox(Vertical):
    """Choose what the scan is, give its path (typed, or picked from a folder), add; the list shows
    what is attached (Delete removes)."""

    class AddRequested(Message):
        def __init__(self, label: str, path: str) -> None:
            super().__init__()
            self.label = label
            self.path = path

    class Changed(Message):
        pass

    class BrowseRequested(Message):
        """The agent asked to pick the scan from a folder listing instead of typing its path."""

    def __init__(self, labels: list[tuple[str, str]], attached: list[Attached]) -> None:
        super().__init__(classes="field attachments")
        self.labels = labels
        self.names = dict(labels)
        self.attached = list(attached)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="attach-row"):
            yield Select([(name, code) for code, name in self.labels], prompt=t("attach.what"),
                         id="attach-label", compact=True)
            yield Input(placeholder=t("attach.path"), id="attach-path", compact=True)
        with Horizontal(classes="attach-buttons"):
            yield Button(t("attach.add"), id="attach-add", compact=True)
            yield Button(t("attach.browse"), id="attach-browse", compact=True)
        yield OptionList(id="attach-list", compact=True, markup=False)  # a path may hold [x]
        yield Static("", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self._refresh()

    def labels_attached(self) -> set[str]:
        return {a.label for a in self.attached}

    def add(self, item: Attached) -> None:
        self.attached = [a for a in self.attached if (a.label, a.path) != (item.label, item.path)]
        self.attached.append(item)
        self.query_one("#attach-path", Input).value = ""
        self._refresh()
        self.post_message(self.Changed())

    def _refresh(self) -> None:
        listing = self.query_one("#attach-list", OptionList)
        listing.clear_options()
        for a in self.attached:
            size = f"  {len(a.file.content) / 1048576:.1f} MB" if a.file else ""
            listing.add_option(Option(f"{self.names.get(a.label, a.label)} ← {a.path}{size}"))
        listing.display = bool(self.attached)

    def show_error(self, messages: list[str]) -> None:
        error = self.query_one(".field-error", Static)
        error.update("\n".join(messages))
        error.display = bool(messages)

    def on_select_changed(self, event: Select.Changed) -> None:
        self.show_error([])  # "which material?" answered

    def picked(self, path: Path) -> None:
        """A file chosen from the folder: its path in the box, added at once if the material is chosen."""
        self.query_one("#attach-path", Input).value = str(path)
        if self.query_one("#attach-label", Select).value is Select.NULL:
            self.show_error([t("attach.say_what")])
            self.query_one("#attach-label", Select).focus()
            return
        self.query_one("#attach-add", Button).press()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "attach-browse":
            self.post_message(self.BrowseRequested())
            return
        label = self.query_one("#attach-label", Select).value
        path = self.query_one("#attach-path", Input).value.strip()
        if label is Select.NULL or not path:
            self.show_error([t("attach.need_both")])
            return
        self.show_error([])
        self.post_message(self.AddRequested(str(label), path))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#attach-add", Button).press()

    def on_key(self, event: events.Key) -> None:
        listing = self.query_one("#attach-list", OptionList)
        if event.key == "delete" and listing.has_focus and listing.highlighted is not None:
            del self.attached[listing.highlighted]
            self._refresh()
            self.post_message(self.Changed())
