"""After the center decides: answer a correction request, hand the result over, record the villager's rating.

`CorrectionScreen` is the application form opened on the case's current answers,
with the township's reasons above it; when the reasons name fields or materials,
only those can be edited. `DeliverScreen` and `RatingScreen` are the two dialogs
of the hand-over; `DecideScreen` decides a village-decided item here (放权下沉). The
records themselves are `village_agent.intake`'s and `village_agent.deciding`'s.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Input,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.selection_list import Selection

from forms.engine import APPLICANT_KEYS, CleanApplication
from storage.attachments import IncomingFile, read_file
from storage.errors import InvalidRequest
from storage.status import (
    BAD_RATING,
    BAD_REASONS,
    DELIVERY_METHODS,
    GOOD_REASONS,
    RATING_LEVELS,
    RATING_REASONS,
)
from sync.corrections import Reason, scope_of
from village_agent import deciding, intake, printing
from village_agent.app.base import ConfirmScreen, localize_bindings
from village_agent.app.form import FormScreen
from village_agent.formstate import Entry
from village_agent.i18n import describe, t


def top_path(path: str) -> str | None:
    """The form block an issue's path belongs to: fields.members[0].name -> fields.members."""
    section, _, rest = path.partition(".")
    if section not in ("applicant", "fields", "materials") or not rest:
        return None
    return f"{section}.{rest.split('[', 1)[0].split('.', 1)[0]}"


def changes(entry: Entry, before: dict[str, Any], clean: CleanApplication) -> list[str]:
    """What the correction changes, one line each, for the agent to confirm (calculations left out)."""
    labels = {f"applicant.{k}": t(f"forms.applicant.{k}") for k in APPLICANT_KEYS}
    labels |= {f"fields.{f.name}": f.label for f in entry.fields if f.calc is None}
    labels |= {f"materials.{m.code}": m.name for m in entry.materials}
    now = {"applicant": clean.applicant, "fields": clean.fields, "materials": clean.materials}
    lines = []
    for path, label in labels.items():
        section, _, key = path.partition(".")
        old, new = (before.get(section) or {}).get(key), now[section].get(key)
        if old != new:
            if section == "materials":
                old, new = (t(f"material.{v}") if v else None for v in (old, new))
            lines.append(t("correct.change_line", what=label, old=_shown(old), new=_shown(new)))
    return lines


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return t("field.yes") if value else t("field.no")
    if isinstance(value, list):
        return t("app.sep.list").join(str(v) for v in value)
    return str(value)


class CorrectionScreen(FormScreen):
    """The form on the case's current answers; what the reasons do not name stays read-only.

    A field the named change makes necessary (a condition now requires it, or an
    old answer the catalog no longer accepts) opens as soon as validation asks
    for it: `intake.correct` allows exactly that. Corrections are short and are
    not kept as drafts; a draft would be resumed as a new application.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "review", "correct.submit", id="correct.submit"),
        Binding("escape", "leave", "nav.back", id="correct.back"),
    ]

    def __init__(self, entry: Entry, application_id: str, data: dict[str, Any],
                 reasons: list[Reason], scans: set[str]) -> None:
        super().__init__(entry, data=copy.deepcopy(data))
        self.application_id = application_id
        self.before = data
        self.reasons = reasons
        self.scope = scope_of(reasons)
        self.earlier_scans = scans
        self.unlocked: set[str] = set()

    def on_mount(self) -> None:
        # After FormScreen.on_mount (called next) has named the screen a new application.
        self.call_after_refresh(setattr, self, "sub_title",
                                f"{t('correct.subtitle')} · {self.application_id}")
        lines = [printing.reason_text(r, self.entry) for r in self.reasons]
        text = "\n".join([t("correct.scope_open" if self.scope.open else "correct.scope_named"),
                          *(f"{n}. {line}" for n, line in enumerate(lines, 1))])
        self.mount(VerticalScroll(Static(text, id="correction-reasons-text", markup=False),
                                        id="correction-reasons"), before="#form")
        self.query_one("#form-review", Button).label = t("correct.submit")
        self.apply_locks()  # FormScreen.on_mount, called after this one, validates

    def allowed(self, path: str) -> bool:
        return self.scope.allows(path) or top_path(path) in self.unlocked

    def apply_locks(self) -> None:
        for path, box in self.walk():
            locked = not self.allowed(path)
            if box.disabled != locked:
                box.disabled = locked
            box.set_class(locked, "-locked")
        scans = self.attachments()
        if scans is not None:
            open_labels = [(code, name) for code, name in scans.labels
                           if self.allowed(f"materials.{code}") or self.allowed(f"fields.{code}")]
            scans.query_one("#attach-label", Select).set_options(
                [(name, code) for code, name in open_labels])
            scans.disabled = not open_labels

    def revalidate(self) -> Any:
        result = super().revalidate()
        if not self.scope.open:
            wanted = {p for i in result.issues if (p := top_path(i.path)) and not self.allowed(p)}
            if wanted:
                self.unlocked |= wanted
                self.apply_locks()
        return result

    def attachment_names(self) -> set[str]:
        return super().attachment_names() | self.earlier_scans

    def look_up_applicant(self, raw: Any) -> None:
        """Nothing to look up: the form already holds this case's answers, and only they count."""

    def keep_draft(self) -> str | None:
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # No drafts of a correction; the scan picker only where the reasons leave scans open.
        return action != "save_draft" and super().check_action(action, parameters)

    def action_save_draft(self) -> None:
        pass

    def dirty_now(self) -> bool:
        box = self.attachments()
        data = self.data()
        return bool(box and box.attached) or any(
            _shown(data[s].get(k)) != _shown((self.before.get(s) or {}).get(k))
            for s in ("applicant", "fields", "materials")
            for k in set(data[s]) | set(self.before.get(s) or {})
            if top_path(f"{s}.{k}") and not (s == "applicant" and k not in APPLICANT_KEYS)
            and not (s == "fields" and any(f.name == k and f.calc for f in self.entry.fields)))

    def action_leave(self) -> None:
        if not self.dirty_now():
            self.dismiss(False)
            return
        self.app.push_screen(ConfirmScreen(t("correct.discard")), self._discard)

    def _discard(self, yes: bool | None) -> None:
        if yes:
            self.dismiss(False)

    def action_review(self) -> None:
        clean = self.checked()
        if clean is None:
            return
        lines = changes(self.entry, self.before, clean)
        scans = self.attachments()
        if scans is not None:
            lines += [t("correct.scan_line", what=scans.names.get(a.label, a.label))
                      for a in scans.attached]
        question = t("correct.confirm", changes="\n".join(lines) or t("correct.no_changes"))
        self.app.push_screen(ConfirmScreen(question), self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        if yes:
            self.submit_correction()

    @work(thread=True, group="correct", exit_on_error=False,
          description="read scans, seal and record the correction")
    def submit_correction(self) -> int:
        app = self.village
        session = app.require_session()
        box = self.attachments()
        files = [a.file or read_file(a.label, Path(a.path).expanduser())
                 for a in (box.attached if box else [])]
        return intake.correct(session, app.catalog, self.application_id, self.data(), files,
                              today=app.today)

    def work_done(self, group: str, result: Any) -> None:
        if group == "correct":
            self.dismiss(True)
        else:
            super().work_done(group, result)


@dataclass(frozen=True)
class Delivery:
    how: str
    to_whom: str
    note: str


class _Dialog(ModalScreen[Any]):
    """A small form over the detail screen: checked here, recorded by the screen that opened it."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "nav.cancel")]

    def __init__(self) -> None:
        super().__init__(classes="case-dialog")
        localize_bindings(self)

    def say(self, message: str) -> None:
        error = self.query_one(".dialog-error", Static)
        error.update(message)
        error.display = bool(message)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DeliverScreen(_Dialog):
    """Confirm the hand-over: how it went, who took it when it was not the applicant."""

    def __init__(self, application_id: str, outcome: str) -> None:
        super().__init__()
        self.application_id = application_id
        self.outcome = outcome

    def compose(self) -> ComposeResult:
        with Vertical(id="case-box"):
            yield Static(t("deliver.title", id=self.application_id), classes="dialog-title")
            yield Static(t("deliver.question", outcome=self.outcome), id="deliver-question",
                         markup=False)
            yield Static(t("deliver.how"), classes="field-label")
            with RadioSet(id="deliver-how", classes="control", compact=True):
                for n, how in enumerate(DELIVERY_METHODS):
                    yield RadioButton(t(f"deliver.how.{how}"), value=n == 0, id=f"how-{how}")
            yield Input(placeholder=t("deliver.to_whom_ph"), id="deliver-to", compact=True)
            yield Input(placeholder=t("deliver.note_ph"), id="deliver-note", compact=True)
            yield Static("", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("deliver.confirm"), id="deliver-ok", variant="success")
                yield Button(t("nav.cancel"), id="deliver-cancel")

    def on_mount(self) -> None:
        self.say("")
        self.query_one("#deliver-ok", Button).focus()

    def how(self) -> str:
        pressed = self.query_one("#deliver-how", RadioSet).pressed_button
        return pressed.id.removeprefix("how-") if pressed is not None and pressed.id else "in_person"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "deliver-cancel":
            self.dismiss(None)
            return
        how = self.how()
        try:
            to_whom, note = intake.check_delivery(how, self.query_one("#deliver-to", Input).value,
                                                  self.query_one("#deliver-note", Input).value)
        except InvalidRequest as exc:
            self.say(describe(exc))
            return
        self.dismiss(Delivery(how, to_whom, note))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#deliver-ok", Button).press()


@dataclass(frozen=True)
class Supplied:
    material: str
    scan: IncomingFile


class SupplyScreen(_Dialog):
    """An owed material handed in: which one, and the path of its scan (read here, checked
    by the store's rules for scans; recorded by `intake.supply` in the detail's worker)."""

    def __init__(self, application_id: str, owed: list[tuple[str, str]]) -> None:
        super().__init__()
        self.application_id = application_id
        self.owed = owed  # (material code, what the agent reads: name, state, due)

    def compose(self) -> ComposeResult:
        with Vertical(id="case-box"):
            yield Static(t("case.supply"), classes="dialog-title")
            yield Static(t("case.supply_choose"), classes="field-label")
            yield Select([(text, code) for code, text in self.owed], id="supply-material",
                         allow_blank=False, value=self.owed[0][0], compact=True)
            yield Input(placeholder=t("case.supply_scan"), id="supply-scan", compact=True)
            yield Static("", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("case.supply"), id="supply-ok", variant="success")
                yield Button(t("nav.cancel"), id="supply-cancel")

    def on_mount(self) -> None:
        self.say("")
        self.query_one("#supply-scan", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "supply-cancel":
            self.dismiss(None)
            return
        code = str(self.query_one("#supply-material", Select).value)
        path = self.query_one("#supply-scan", Input).value.strip()
        if not path:
            self.say(t("supply.no_scan", what=dict(self.owed).get(code, code)))
            return
        try:
            scan = read_file(code, Path(path).expanduser())
        except InvalidRequest as exc:
            self.say(describe(exc))
            return
        self.dismiss(Supplied(code, scan))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#supply-ok", Button).press()


class RatingScreen(_Dialog):
    """The villager's verdict at one of the five levels, reasons picked from the list, a note.

    The list shows the good reasons for 非常满意..基本满意 and the bad ones for 不满意 and
    非常不满意; a bad rating without a reason needs the note (`intake.check_rating`).
    """

    def __init__(self, application_id: str) -> None:
        super().__init__()
        self.application_id = application_id

    def compose(self) -> ComposeResult:
        with Vertical(id="case-box"):
            yield Static(t("rate.title", id=self.application_id), classes="dialog-title")
            with RadioSet(id="rate-choice", classes="control", compact=True):
                for level in RATING_LEVELS:
                    yield RadioButton(t(f"rating.{level}"), id=f"rate-{level}")
            yield Static(t("rate.common"), classes="field-label")
            yield SelectionList[str](id="rate-reasons", compact=True)
            yield Input(placeholder=t("rate.reason_ph"), id="rate-reason", compact=True)
            yield Static("", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("rate.submit"), id="rate-ok", variant="success")
                yield Button(t("rate.later"), id="rate-later")

    def on_mount(self) -> None:
        self.say("")
        self.show_reasons(None)
        self.query_one("#rate-choice", RadioSet).focus()

    def choice(self) -> int | None:
        pressed = self.query_one("#rate-choice", RadioSet).pressed_button
        return None if pressed is None or not pressed.id else int(pressed.id.removeprefix("rate-"))

    def show_reasons(self, level: int | None) -> None:
        keys = (RATING_REASONS if level is None else BAD_REASONS if level >= BAD_RATING
                else GOOD_REASONS)
        listing = self.query_one("#rate-reasons", SelectionList)
        listing.clear_options()
        listing.add_options([Selection(t(f"rating.reason.{key}"), key) for key in keys])

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.say("")
        self.show_reasons(self.choice())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "rate-later":
            self.dismiss(None)
            return
        level = self.choice()
        if level is None:
            self.say(t("rate.choose"))
            return
        reasons = list(self.query_one("#rate-reasons", SelectionList).selected)
        try:
            rating = intake.check_rating(level, reasons, self.query_one("#rate-reason", Input).value)
        except InvalidRequest as exc:
            self.say(describe(exc))
            return
        self.dismiss(rating)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#rate-ok", Button).press()


@dataclass(frozen=True)
class Decision:
    decision: str  # completed | rejected
    note: str  # the result, or the reason


class DecideScreen(_Dialog):
    """放权下沉: a village-decided case completed or rejected here (checked as `deciding` does;
    recorded by `deciding.decide` in the detail's worker, then reported to the township)."""

    def __init__(self, application_id: str) -> None:
        super().__init__()
        self.application_id = application_id

    def compose(self) -> ComposeResult:
        with Vertical(id="case-box"):
            yield Static(t("decide.title", id=self.application_id), classes="dialog-title")
            yield Static(t("decide.question"), id="decide-question", markup=False)
            with RadioSet(id="decide-choice", classes="control", compact=True):
                for n, decision in enumerate(deciding.DECIDABLE):
                    yield RadioButton(t(f"decide.{decision}"), value=n == 0, id=f"decide-{decision}")
            yield Input(placeholder=t("decide.note_ph"), id="decide-note", compact=True)
            yield Static("", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("decide.action"), id="decide-ok", variant="success")
                yield Button(t("nav.cancel"), id="decide-cancel")

    def on_mount(self) -> None:
        self.say("")
        self.query_one("#decide-note", Input).focus()

    def choice(self) -> str:
        pressed = self.query_one("#decide-choice", RadioSet).pressed_button
        return pressed.id.removeprefix("decide-") if pressed is not None and pressed.id else "completed"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "decide-cancel":
            self.dismiss(None)
            return
        decision = self.choice()
        try:
            note = deciding.check_decision(decision, self.query_one("#decide-note", Input).value)
        except InvalidRequest as exc:
            self.say(describe(exc))
            return
        self.dismiss(Decision(decision, note))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#decide-ok", Button).press()
