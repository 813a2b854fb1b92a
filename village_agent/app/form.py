"""The application form: applicant (found by ID number), the item's fields, materials, scans.

Every change re-validates the whole application (the engine is pure and fast):
fields the conditions hide disappear, messages appear under the fields the
agent has touched, and under all of them once review is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from forms.engine import CleanApplication
from forms.idnumber import InvalidIdNumber, normalize, parse
from forms.model import Bundle
from storage.attachments import read_file
from village_agent import formstate
from village_agent.app.base import BaseScreen
from village_agent.app.fields import FieldBox, GroupBox, widget_id
from village_agent.app.materials import Attached, AttachmentsBox, MaterialRow
from village_agent.formstate import APPLICANT_SPECS, Entry
from village_agent.i18n import t

AUTOSAVE_SECONDS = 30


def derived_text(number: Any, today: date) -> str:
    """The line under an ID number box: sex, age and birth date, or "" while the number is not right."""
    facts = formstate.derived(number, today)
    if facts is None:
        return ""
    return t("form.derived", sex=t(formstate.SEX_KEYS[facts["sex"]]), age=facts["age"],
             birth=facts["birth_date"])


class FormScreen(BaseScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "review", "form.review", id="form.review"),
        Binding("ctrl+s", "save_draft", "form.save", id="form.save"),
        Binding("ctrl+o", "pick_scan", "form.pick_scan", id="form.pick_scan"),
        Binding("escape", "leave", "nav.back", id="form.back"),
    ]

    def __init__(self, entry: Entry, *, draft_id: str | None = None,
                 data: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.entry = entry
        self.draft_id = draft_id
        self.initial = data or {}
        self.touched: set[str] = set()
        self.show_all = False
        self.looked_up: set[str] = set()
        self.dirty = False
        self.last_check: formstate.Check | None = None

    # building
    def compose(self) -> ComposeResult:
        yield self.header()
        applicant = self.initial.get("applicant") or {}
        fields = self.initial.get("fields") or {}
        materials = self.initial.get("materials") or {}
        inspection = self.entry.kind == "inspection"
        with VerticalScroll(id="form"):
            yield Static(t("app.name_code", name=self.entry.name, code=self.entry.code), id="form-title")
            if isinstance(self.entry, Bundle):  # one form, several applications: say which
                yield Static(t("review.bundle", n=len(self.entry.items), names=t("app.sep.list").join(
                    i.name for i in self.entry.items)), id="form-bundle")
            yield Static(t("form.applicant_optional" if inspection else "form.applicant"),
                         classes="section")
            for spec in formstate.applicant_specs():
                required = not inspection and spec.name in ("id_number", "name")
                yield FieldBox(spec, applicant.get(spec.name), required=required,
                               id=widget_id("applicant-" + spec.name))
            yield Static(t("form.fields"), classes="section")
            for spec in self.entry.fields:
                if spec.type == "group":
                    yield GroupBox(spec, fields.get(spec.name), id=widget_id(spec.name))
                else:
                    yield FieldBox(spec, fields.get(spec.name), id=widget_id(spec.name))
            if self.entry.materials:
                yield Static(t("form.materials"), classes="section")
                for m in self.entry.materials:
                    options = formstate.material_options(self.entry, m.code)
                    yield MaterialRow(m, options, materials.get(m.code))
            labels = formstate.attachment_labels(self.entry)
            if labels:
                yield Static(t("form.attachments"), classes="section")
                attached = [Attached(str(a["label"]), str(a["path"]))
                            for a in self.initial.get("attachments") or []]
                yield AttachmentsBox(labels, attached)
            yield Static("", id="form-summary")
            yield Button(t("form.review_button"), id="form-review", variant="primary", compact=True)
        yield self.footer()

    def on_mount(self) -> None:
        self.sub_title = t("form.subtitle")
        self.revalidate()
        self.set_interval(AUTOSAVE_SECONDS, self.autosave)

    # reading the form
    def walk(self) -> Iterator[tuple[str, FieldBox | GroupBox | MaterialRow]]:
        for spec in APPLICANT_SPECS:
            yield f"applicant.{spec.name}", self.query_one(
                "#" + widget_id("applicant-" + spec.name), FieldBox)
        for spec in self.entry.fields:
            box = self.query_one("#" + widget_id(spec.name))
            path = f"fields.{spec.name}"
            if isinstance(box, GroupBox):
                yield path, box
                yield from box.walk_boxes(path)
            else:
                assert isinstance(box, FieldBox)
                yield path, box
        for row in self.query(MaterialRow):
            yield f"materials.{row.spec.code}", row

    def attachments(self) -> AttachmentsBox | None:
        found = list(self.query(AttachmentsBox))
        return found[0] if found else None

    def data(self) -> dict[str, Any]:
        """The application as typed: what validation checks and what intake records."""
        out: dict[str, dict[str, Any]] = {"applicant": {}, "fields": {}, "materials": {}}
        for path, box in self.walk():
            section, _, name = path.partition(".")
            if "[" in name:
                continue  # rows travel inside their group
            value = box.raw()
            if value is not None and not (isinstance(box, FieldBox) and value is False
                                          and not box.required and not box.spec.required):
                out[section][name] = value
        return out

    def draft_payload(self) -> dict[str, Any]:
        box = self.attachments()
        scans = [{"label": a.label, "path": a.path} for a in box.attached] if box else []
        return {**self.data(), "attachments": scans}

    def attachment_names(self) -> set[str]:
        box = self.attachments()
        return box.labels_attached() if box else set()

    # validation as you type
    def revalidate(self) -> formstate.Check:
        data = self.data()
        today = self.village.today
        hidden = formstate.hidden(self.entry, data, today)
        result = formstate.check(self.entry, data, today, self.attachment_names())
        messages = result.by_path()
        for path, box in self.walk():
            if box.display != (path not in hidden):
                box.display = path not in hidden
            shown = self.show_all or path in self.touched or any(
                p.startswith(path + "[") for p in self.touched)
            box.show_error(messages.get(path, []) if shown else [])
            if isinstance(box, FieldBox) and box.spec.type == "id_number":
                box.show_derived(derived_text(box.raw(), today))
            if isinstance(box, FieldBox) and box.spec.calc is not None and result.clean:
                box.show_calculated(result.clean.fields.get(box.spec.name))
        scans = self.attachments()
        if scans is not None:
            about_scans = [m for p, ms in messages.items() if p.startswith("attachments") for m in ms]
            scans.show_error(about_scans if self.show_all else [])
        said = t("form.ok") if result.clean else t("form.problems", n=len(result.issues))
        summary = self.query_one("#form-summary", Static)
        if str(summary.content) != said:
            summary.update(said)
            summary.set_class(result.clean is None, "-invalid")
        self.last_check = result
        return result

    def _touch(self, box: FieldBox | GroupBox | MaterialRow) -> None:
        for path, candidate in self.walk():
            if candidate is box:
                self.touched.add(path)
        self.dirty = True

    def on_field_box_changed(self, event: FieldBox.Changed) -> None:
        # A text box is judged when the agent leaves it, not at every key ("应为18位，当前为5位");
        # an ID number as soon as it has all 18 characters (a wrong check digit is said at once).
        raw = event.box.raw()
        if not event.typing or (event.box.spec.type == "id_number" and isinstance(raw, str)
                                and len(normalize(raw)) >= 18):
            self._touch(event.box)
        self.dirty = True
        if event.box.id == widget_id("applicant-id_number"):
            self.look_up_applicant(raw)
        self.revalidate()

    def on_field_box_left(self, event: FieldBox.Left) -> None:
        self._touch(event.box)
        self.revalidate()

    def on_group_box_changed(self, event: GroupBox.Changed) -> None:
        self._touch(event.box)
        self.revalidate()

    def on_material_row_changed(self, event: MaterialRow.Changed) -> None:
        self._touch(event.row)
        self.revalidate()

    def on_attachments_box_changed(self, event: AttachmentsBox.Changed) -> None:
        self.dirty = True
        self.revalidate()

    # the applicant seen before (一数一源)
    def look_up_applicant(self, raw: Any) -> None:
        if not isinstance(raw, str):
            return
        try:
            number = parse(raw, today=self.village.today).number
        except InvalidIdNumber:
            return
        if number in self.looked_up:
            return
        self.looked_up.add(number)
        found = self.village.require_session().find_applicant(number)
        if found is None:
            self.notify(t("form.applicant_new"), timeout=4)
            return
        self.run_worker(self.prefill(formstate.prefill(found, self.entry)), group="prefill")

    async def prefill(self, values: dict[str, Any]) -> None:
        """Fill what is still empty with what this person declared last time; never overwrite."""
        for spec in APPLICANT_SPECS:
            box = self.query_one("#" + widget_id("applicant-" + spec.name), FieldBox)
            if spec.name in values["applicant"] and box.is_blank():
                box.set_raw(values["applicant"][spec.name])
        for name, value in values["fields"].items():
            widget = self.query_one("#" + widget_id(name))
            if isinstance(widget, GroupBox):
                if not widget.rows():
                    await widget.set_rows(value)
            elif isinstance(widget, FieldBox) and widget.is_blank():
                widget.set_raw(value)
        name = values["applicant"].get("name", "")
        self.notify(t("form.applicant_found", name=name), timeout=4)

    # scans
    def on_attachments_box_add_requested(self, event: AttachmentsBox.AddRequested) -> None:
        self.read_scan(event.label, event.path)

    def on_attachments_box_browse_requested(self, event: AttachmentsBox.BrowseRequested) -> None:
        self.action_pick_scan()

    def takes_scans(self) -> bool:
        box = self.attachments()
        return box is not None and not box.disabled  # a correction may leave no scan open

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick_scan":
            return self.takes_scans()  # a form that takes no scans has no picker
        return True

    def action_pick_scan(self) -> None:
        """Pick the scan from the scanner's folder (the last one a scan came from, this session)."""
        from village_agent.app.scans import ScanPickerScreen

        if self.takes_scans():
            self.app.push_screen(ScanPickerScreen(self.village.scan_dir), self.scan_picked)

    def scan_picked(self, path: Path | None) -> None:
        box = self.attachments()
        if path is None or box is None:
            return
        self.village.scan_dir = path.parent
        box.picked(path)

    @work(thread=True, group="attach", exit_on_error=False, description="read a scan from disk")
    def read_scan(self, label: str, path: str) -> Attached:
        return Attached(label, path, read_file(label, Path(path).expanduser()))

    def work_done(self, group: str, result: Any) -> None:
        box = self.attachments()
        if group == "attach" and box is not None:
            box.add(result)
            self.village.scan_dir = Path(result.path).expanduser().absolute().parent  # picker opens there

    def work_failed(self, group: str, error: BaseException) -> bool:
        box = self.attachments()
        if group == "attach" and box is not None:
            from village_agent.app.errors import user_message

            box.show_error([user_message(error)])
            return True
        return False

    # drafts and leaving
    def keep_draft(self) -> str | None:
        """Save the form as a draft (quick, synchronous: the agent is told it is kept)."""
        session = self.village.session
        if session is None:
            return None
        self.draft_id = session.save_draft(self.entry.code, self.entry.version,
                                           self.draft_payload(), self.draft_id)
        self.dirty = False
        return self.draft_id

    def autosave(self) -> None:
        if self.dirty:
            self.keep_draft()

    def action_save_draft(self) -> None:
        self.keep_draft()
        self.notify(t("form.saved"), timeout=3)

    def action_leave(self) -> None:
        if self.dirty or self.draft_id is None:
            self.keep_draft()
            self.notify(t("form.saved"), timeout=3)
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "form-review":
            self.action_review()

    def checked(self) -> CleanApplication | None:
        """Every message shown; the clean application, or None after pointing at the first problem."""
        self.show_all = True
        result = self.revalidate()
        if result.clean is None:
            self.notify(t("form.fix_first", n=len(result.issues)), severity="warning", timeout=5)
            first = next((box for path, box in self.walk()
                          if box.display and any(i.path == path for i in result.issues)), None)
            if first is not None:
                self.query_one("#form", VerticalScroll).scroll_to_widget(first)
        return result.clean

    def action_review(self) -> None:
        clean = self.checked()
        if clean is None:
            return
        self.keep_draft()
        from village_agent.app.review import ReviewScreen

        box = self.attachments()
        self.app.push_screen(ReviewScreen(self.entry, clean, self.data(),
                                          list(box.attached) if box else [], self.draft_id))
