"""Review before submitting, the submit itself (in a worker), and the intake receipt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, RadioButton, RadioSet, Static

from forms import priority
from forms.engine import CleanApplication
from forms.model import Bundle, FieldSpec
from storage.attachments import read_file
from sync.receipts import vouch
from village_agent import formstate, intake, printing
from village_agent.app.base import BaseScreen
from village_agent.app.materials import Attached
from village_agent.formstate import Entry, applicant_specs
from village_agent.i18n import t


@dataclass(frozen=True)
class Submitted:
    application_ids: list[str]
    receipts: tuple[printing.Document, ...]


def _shown(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, bool):
        return t("field.yes") if value else t("field.no")
    if isinstance(value, list) and spec.type == "group":
        rows = []
        for i, row in enumerate(value, 1):
            parts = [t("app.label_value", label=s.label, value=_shown(s, row[s.name]))
                     for s in spec.fields if s.name in row]
            rows.append(f"\n    {i}. " + t("app.sep.clause").join(parts))
        return "".join(rows) or "—"
    if isinstance(value, list):
        return t("app.sep.list").join(str(v) for v in value)
    return str(value)


def review_text(entry: Entry, clean: CleanApplication, attached: list[Attached]) -> str:
    lines = [t("app.name_code", name=entry.name, code=entry.code), ""]
    if isinstance(entry, Bundle):  # one submission, an application (and a receipt) per item
        lines[1:1] = [t("review.bundle", n=len(entry.items),
                        names=t("app.sep.list").join(i.name for i in entry.items))]
    applicant = clean.applicant
    if applicant:
        lines.append(t("form.applicant"))
        for spec in applicant_specs():
            if spec.name in applicant:
                lines.append("  " + t("app.label_value", label=spec.label, value=applicant[spec.name]))
        if "sex" in applicant:
            sex = applicant["sex"]
            sex = t(formstate.SEX_KEYS[sex]) if sex in formstate.SEX_KEYS else sex  # English: male
            lines.append(f"  {t('review.derived', sex=sex, age=applicant['age'])}")
        lines.append("")
    lines.append(t("form.fields"))
    for spec in entry.fields:
        if spec.name in clean.fields:
            lines.append("  " + t("app.label_value", label=spec.label, value=_shown(spec, clean.fields[spec.name])))
    if clean.materials:
        names = {m.code: m.name for m in entry.materials}
        lines += ["", t("form.materials")]
        for code, status in clean.materials.items():
            lines.append("  " + t("app.label_value", label=names.get(code, code), value=t("material." + status)))
    if attached:
        what = dict(formstate.attachment_labels(entry))  # the material's name, not its code
        lines += ["", t("form.attachments")]
        lines += [f"  {what.get(a.label, a.label)} ← {a.path}" for a in attached]
    return "\n".join(lines)


class ReviewScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "review.submit", id="review.submit"),
        Binding("escape", "back", "review.edit", id="review.back"),
    ]

    def __init__(self, entry: Entry, clean: CleanApplication, data: dict[str, Any],
                 attached: list[Attached], draft_id: str | None) -> None:
        super().__init__()
        self.entry, self.clean, self.data = entry, clean, data
        self.attached, self.draft_id = attached, draft_id

    def compose(self) -> ComposeResult:
        yield self.header()
        with VerticalScroll(id="review"):
            yield Static(review_text(self.entry, self.clean, self.attached), id="review-text",
                         markup=False)
            if self.entry.kind != "inspection":
                yield Static(t("review.authorization"), classes="section")
                with RadioSet(id="review-authorization"):
                    yield RadioButton(t("review.auth_signed"), value=True, id="auth-signed")
                    yield RadioButton(t("review.auth_in_person"), id="auth-in_person")
                yield from self.priority_choices()
        yield Static("", id="review-progress")
        with Horizontal(id="review-buttons"):
            yield Button(t("review.submit_button"), id="review-submit", variant="success")
            yield Button(t("review.edit"), id="review-back")
        yield self.footer()

    def on_mount(self) -> None:
        self.sub_title = t("review.subtitle")
        self.query_one("#review-submit", Button).focus()

    def authorization(self) -> str:
        found = self.query("#review-authorization")
        if not found:
            return "signed"
        pressed = self.query_one("#review-authorization", RadioSet).pressed_button
        return "in_person" if pressed is not None and pressed.id == "auth-in_person" else "signed"

    def priority_choices(self) -> ComposeResult:
        """绿色通道: 老 ticked (and fixed) when the ID number says 60 or older; the rest the agent ticks."""
        yield Static(t("priority.review"), classes="section")
        elderly = priority.is_elderly(str(self.clean.applicant.get("id_number") or ""), self.village.today)
        if elderly:
            yield Static(t("priority.review_elderly", age=priority.ELDERLY_AGE), id="review-elderly")
        with Horizontal(id="review-priority"):
            for ground in priority.GROUNDS:
                yield Checkbox(t(f"priority.ground.{ground}"), value=ground == "elderly" and elderly,
                               disabled=ground == "elderly" and elderly, id=f"priority-{ground}")
        for item in (self.entry.items if isinstance(self.entry, Bundle) else (self.entry,)):
            if item.priority_time_limit_days is not None:
                yield Static(t("priority.review_days", days=item.priority_time_limit_days,
                               normal=item.time_limit_days), classes="hint")

    def priority(self) -> list[str]:
        """The grounds ticked (老 by the ID number is added at intake whether ticked or not)."""
        return [g for g in priority.GROUNDS
                if any(box.value for box in self.query(f"#priority-{g}").results(Checkbox))]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "review-submit":
            self.action_submit()
        elif event.button.id == "review-back":
            self.action_back()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        button = self.query_one("#review-submit", Button)
        if button.disabled:
            return
        button.disabled = True
        self.query_one("#review-progress", Static).update(t("review.submitting"))
        self.submit(self.authorization(), self.priority())

    @work(thread=True, group="submit", exit_on_error=False,
          description="read scans, seal and record the application")
    def submit(self, authorization: str, grounds: Sequence[str] = ()) -> Submitted:
        app = self.village
        session = app.require_session()
        files = [a.file or read_file(a.label, Path(a.path).expanduser()) for a in self.attached]
        result = intake.take(session, app.catalog, session.calendar(), self.entry.code, self.data,
                             files, authorization=authorization, today=app.today,
                             entry=self.entry, draft_id=self.draft_id, priority=grounds)
        receipts = []
        for app_id in result.application_ids:
            summary, events = session.show(app_id)
            receipts.append(vouch(session, printing.receipt_document(
                summary, events, app.catalog.item(summary.item_code), session.store.info),
                summary, events))  # signed by this device: the villager's proof
        return Submitted(result.application_ids, tuple(receipts))

    def work_done(self, group: str, result: Any) -> None:
        if group == "submit":
            assert isinstance(result, Submitted)
            self.village.after_submit(result.application_ids, result.receipts)

    def work_ended(self, group: str) -> None:
        if group == "submit" and self.is_attached:
            self.query_one("#review-submit", Button).disabled = False
            self.query_one("#review-progress", Static).update("")


class TextScreen(BaseScreen):
    """A printable text on screen: the one-time notice, an intake receipt."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "nav.back", id="text.close")]

    def __init__(self, title: str, text: str, *, button: str, ident: str = "text") -> None:
        super().__init__()
        self.title_text, self.text, self.button, self.ident = title, text, button, ident

    def compose(self) -> ComposeResult:
        yield self.header()
        yield Static(self.title_text, id=f"{self.ident}-title", classes="screen-title")
        with VerticalScroll(id=f"{self.ident}-scroll", classes="document"):
            yield Static(self.text, id=f"{self.ident}-text", markup=False)
        yield Button(self.button, id=f"{self.ident}-go", variant="primary")
        yield self.footer()

    def on_mount(self) -> None:
        self.query_one(f"#{self.ident}-go", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)


def receipt_screen(application_ids: list[str], receipts: Sequence[printing.Document]) -> TextScreen:
    from village_agent.app.printout import PrintoutScreen

    return PrintoutScreen(t("receipt.title", id=t("app.sep.list").join(application_ids)), receipts,
                          button=t("receipt.done"), ident="receipt")


def notice_screen(entry: Entry, notice: printing.Document) -> TextScreen:
    from village_agent.app.printout import PrintoutScreen

    return PrintoutScreen(t("notice.title", name=entry.name), [notice],
                          button=t("notice.continue"), ident="notice")
