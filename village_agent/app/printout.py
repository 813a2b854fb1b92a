"""A notice or receipt on screen with 打印 PDF: written to the export folder in a worker, then printed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType

from village_agent.app.review import TextScreen
from village_agent.i18n import t
from village_agent.printer import Handoff
from village_agent.printing import Document


@dataclass(frozen=True)
class Printed:
    path: Path
    handoff: Handoff | None  # None: no printer on this PC, the PDF is only saved


class PrintoutScreen(TextScreen):
    """The plain text on screen; `p` makes the A4 PDF of the same documents."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "print_pdf", "pdf.print", id="text.print_pdf"),
    ]

    def __init__(self, title: str, documents: Sequence[Document], *, button: str,
                 ident: str = "text") -> None:
        super().__init__(title, "\n".join(d.text() for d in documents), button=button, ident=ident)
        self.documents = tuple(documents)
        self.printing = False

    def action_print_pdf(self) -> None:
        if self.printing or not self.documents:
            return
        self.printing = True
        self.notify(t("pdf.working"), timeout=3)
        self.print_pdf()

    @work(thread=True, group="pdf", exit_on_error=False,
          description="lay out the PDF, embed the font subset, write it, send it to the printer")
    def print_pdf(self) -> Printed:
        from village_agent import pdf, printer

        app = self.village
        path = pdf.write_pdf(self.documents, app.export_dir / pdf.file_name(self.documents, app.today))
        handoff = printer.send_to_printer(path) if printer.can_print() else None
        return Printed(path, handoff)

    def work_done(self, group: str, result: Any) -> None:
        if group != "pdf":
            return
        assert isinstance(result, Printed)
        if result.handoff is None:
            self.notify(t("pdf.saved", path=result.path), timeout=10)
        else:
            self.notify(result.handoff.message, timeout=10,
                        severity="information" if result.handoff.done else "warning")

    def work_ended(self, group: str) -> None:
        if group == "pdf":
            self.printing = False
