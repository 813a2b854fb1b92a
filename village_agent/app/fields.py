"""Form widgets generated from the catalog's FieldSpecs: one box per field, groups as add-a-row lists."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static

from forms.fieldtypes import is_blank
from forms.model import FieldSpec
from village_agent.i18n import t

_PLACEHOLDERS = {
    "id_number": "field.ph.id_number", "phone": "field.ph.phone", "date": "field.ph.date",
    "money": "field.ph.money", "bank_account": "field.ph.bank_account",
    "division_code": "field.ph.division_code",
}


def widget_id(name: str) -> str:
    return "f-" + name


class ShowsErrors(Vertical):
    """A form block with a `.field-error` line under it (fields, groups, materials)."""

    error_text = ""

    def show_error(self, messages: list[str]) -> None:
        text = "\n".join(messages)
        if text == self.error_text:
            return  # unchanged: no relayout on every keystroke
        self.error_text = text
        error = self.query_one(".field-error", Static)
        error.update(text)
        error.display = bool(messages)
        self.set_class(bool(messages), "-invalid")


LABEL_CELLS = 23  # the label column (village.tcss .field-row > .field-label) less one to breathe


def label_lines(label: str) -> str:
    """A label too long for its column breaks before its bracketed part, not mid-word:
    "银行账号" over "（社保卡金融账号） *" rather than a lone "） *" on the second line."""
    from rich.cells import cell_len

    if cell_len(label) <= LABEL_CELLS:
        return label
    for bracket in ("（", " ("):
        at = label.find(bracket)
        if at > 0 and cell_len(label[:at]) <= LABEL_CELLS:
            return label[:at] + "\n" + label[at:].lstrip()
    return label


class FieldBox(ShowsErrors):
    """One field: its label, the control for its type, help, and the validation message under it."""

    class Changed(Message):
        """The value changed; `typing` while the agent is still in a text box."""

        def __init__(self, box: FieldBox, typing: bool = False) -> None:
            super().__init__()
            self.box = box
            self.typing = typing

    class Left(Message):
        """Focus left this field: time to say what is wrong with it."""

        def __init__(self, box: FieldBox) -> None:
            super().__init__()
            self.box = box

    def __init__(self, spec: FieldSpec, value: Any = None, *, required: bool | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id, classes="field")
        self.spec = spec
        self.initial = value
        self.required = spec.required if required is None else required
        self.error_text = ""
        self.derived_text = ""

    def compose(self) -> ComposeResult:
        spec = self.spec
        mark = " *" if self.required else ""
        with Horizontal(classes="field-row"):
            yield Label(label_lines(spec.label + mark), classes="field-label")
            yield self._control()
        if spec.help:
            yield Static(spec.help, classes="field-help", markup=False)
        if spec.type == "id_number":  # birth date, sex and age, once the number is right
            yield Static("", classes="field-derived", markup=False)
        yield Static("", classes="field-error", markup=False)

    def _control(self) -> Widget:
        spec, value = self.spec, self.initial
        if spec.calc is not None:
            return Static(t("field.calculated"), classes="field-calc")
        if spec.type == "attachment":
            return Static(t("field.attachment_hint", label=spec.label), classes="field-calc")
        if spec.type == "boolean":
            return Checkbox(t("field.yes"), value=value is True,
                            classes="control", compact=True)
        if spec.type == "choice":
            options = [(c, c) for c in spec.choices]
            return Select(options, prompt=t("field.choose"), classes="control", compact=True,
                          value=value if value in spec.choices else Select.NULL)
        if spec.type == "multichoice":
            chosen = set(value) if isinstance(value, list) else set()
            return SelectionList[str](*((c, c, c in chosen) for c in spec.choices),
                                      classes="control", compact=True)
        kind: Literal["integer", "number", "text"] = "text"
        if spec.type in ("number", "money"):
            kind = "integer" if spec.integer else "number"
        placeholder = t(_PLACEHOLDERS[spec.type]) if spec.type in _PLACEHOLDERS else ""
        return Input("" if is_blank(value) else str(value), placeholder=placeholder,
                     type=kind, classes="control", compact=True)

    @property
    def control(self) -> Widget:
        return self.query_one(".control")

    def raw(self) -> Any:
        """The value as typed, for validation and drafts (blank as None)."""
        if self.spec.calc is not None or self.spec.type == "attachment":
            return None
        control = self.control
        if isinstance(control, Checkbox):
            return control.value
        if isinstance(control, Select):
            return None if control.value is Select.NULL else control.value
        if isinstance(control, SelectionList):
            return list(control.selected) or None
        assert isinstance(control, Input)
        return control.value.strip() or None

    def set_raw(self, value: Any) -> None:
        if self.spec.calc is not None or self.spec.type == "attachment":
            return
        control = self.control
        if isinstance(control, Checkbox):
            control.value = value is True
        elif isinstance(control, Select):
            control.value = value if value in self.spec.choices else Select.NULL
        elif isinstance(control, SelectionList):
            control.deselect_all()
            for choice in value if isinstance(value, list) else []:
                if choice in self.spec.choices:
                    control.select(choice)
        elif isinstance(control, Input):
            control.value = "" if is_blank(value) else str(value)

    def is_blank(self) -> bool:
        value = self.raw()
        return value is False or is_blank(value)

    def show_calculated(self, value: Any) -> None:
        if self.spec.calc is not None:
            shown = t("field.calculated") if value is None else f"{value}"
            self.query_one(".field-calc", Static).update(shown)

    def show_derived(self, text: str) -> None:
        """What a valid ID number says, under it; blank (hidden) while the number is not right."""
        if self.spec.type != "id_number" or text == self.derived_text:
            return
        self.derived_text = text
        line = self.query_one(".field-derived", Static)
        line.update(text)
        line.display = bool(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self, typing=event.input.has_focus))

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.post_message(self.Left(self))

    def on_select_changed(self, event: Select.Changed) -> None:
        self._changed(event)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._changed(event)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        self._changed(event)

    def _changed(self, event: Message) -> None:
        event.stop()
        self.post_message(self.Changed(self))


class GroupRow(Vertical):
    """One row of a group: a box per sub-field and a button to remove the row."""

    def __init__(self, spec: FieldSpec, values: Mapping[str, Any] | None) -> None:
        super().__init__(classes="group-row")
        self.spec = spec
        self.values = dict(values or {})

    def compose(self) -> ComposeResult:
        for sub in self.spec.fields:
            yield FieldBox(sub, self.values.get(sub.name))
        yield Button(t("group.remove_row"), classes="group-remove", variant="warning",
                     compact=True)

    def boxes(self) -> list[FieldBox]:
        return list(self.query_children(FieldBox))

    def raw(self) -> dict[str, Any]:
        return {b.spec.name: v for b in self.boxes() if (v := b.raw()) is not None}


class GroupBox(ShowsErrors):
    """A group field (家庭成员…): as many rows as the applicant has, each a small form."""

    class Changed(Message):
        def __init__(self, box: GroupBox) -> None:
            super().__init__()
            self.box = box

    def __init__(self, spec: FieldSpec, rows: Any = None, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="field group")
        self.spec = spec
        self.initial = [r for r in rows if isinstance(r, Mapping)] if isinstance(rows, list) else []
        self.error_text = ""

    def compose(self) -> ComposeResult:
        limits = []
        if self.spec.min_items:
            limits.append(t("group.min", n=self.spec.min_items))
        if self.spec.max_items is not None:
            limits.append(t("group.max", n=self.spec.max_items))
        yield Label(t("app.with_note", text=self.spec.label, note=t("app.sep.comma").join(limits))
                    if limits else self.spec.label,
                    classes="field-label")
        if self.spec.help:
            yield Static(self.spec.help, classes="field-help", markup=False)
        with Vertical(classes="group-rows"):
            for row in self.initial:
                yield GroupRow(self.spec, row)
        yield Button(t("group.add_row"), classes="group-add", compact=True)
        yield Static("", classes="field-error", markup=False)

    def rows(self) -> list[GroupRow]:
        return list(self.query(GroupRow))

    def raw(self) -> list[dict[str, Any]] | None:
        rows = [r.raw() for r in self.rows()]
        return rows or None

    async def add_row(self, values: Mapping[str, Any] | None = None) -> GroupRow:
        row = GroupRow(self.spec, values)
        await self.query_one(".group-rows").mount(row)
        return row

    async def set_rows(self, rows: Any) -> None:
        await self.query_one(".group-rows").remove_children()
        for values in rows if isinstance(rows, list) else []:
            if isinstance(values, Mapping):
                await self.add_row(values)
        self.post_message(self.Changed(self))

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.has_class("group-add"):
            row = await self.add_row()
            row.boxes()[0].control.focus()
        elif event.button.has_class("group-remove"):
            row = next(a for a in event.button.ancestors if isinstance(a, GroupRow))
            await row.remove()
        self.post_message(self.Changed(self))

    def walk_boxes(self, path: str) -> Iterator[tuple[str, FieldBox]]:
        for i, row in enumerate(self.rows()):
            for box in row.boxes():
                yield f"{path}[{i}].{box.spec.name}", box
