"""A notice or receipt on screen with 打印 PDF: written to the export folder in a worker, then printed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
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
    handoff: Handoff | None  # None: neither a printer nor a PDF viewer here, the PDF is only saved


class PrintoutScreen(TextScreen):
    """The plain text on screen; `p` prints the A4 PDF of the same documents, `o` opens it.

    `p` sends it to the default printer; a PC without one opens it in the PDF viewer,
    whose own print button then reaches whatever printer the OS knows.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "print_pdf", "pdf.print", id="text.print_pdf"),
        Binding("o", "open_pdf", "pdf.open", id="text.open_pdf"),
    ]

    def __init__(self, title: str, documents: Sequence[Document], *, button: str,
                 ident: str = "text") -> None:
        super().__init__(title, "\n".join(d.text() for d in documents), button=button, ident=ident)
        self.documents = tuple(documents)
        self.printing = False

    def action_print_pdf(self) -> None:
        self._make_pdf(to_printer=True)

    def action_open_pdf(self) -> None:
        self._make_pdf(to_printer=False)

    def _make_pdf(self, *, to_printer: bool) -> None:
        if self.printing or not self.documents:
            return
        self.printing = True
        self.notify(t("pdf.working"), timeout=3)
        self.print_pdf(to_printer)

    @work(thread=True, group="pdf", exit_on_error=False,
          description="lay out the PDF, embed the font subset, write it, print or open it")
    def print_pdf(self, to_printer: bool = True) -> Printed:
        from village_agent import pdf, printer

        app = self.village
        path = pdf.write_pdf(self.documents, app.export_dir / pdf.file_name(self.documents, app.today))
        if to_printer and printer.can_print():
            return Printed(path, printer.send_to_printer(path))
        opened = printer.open_file(path)
        if not opened.done:
            return Printed(path, None)
        if to_printer:
            opened = replace(opened, message=t("pdf.opened_to_print", path=path))
        return Printed(path, opened)

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
