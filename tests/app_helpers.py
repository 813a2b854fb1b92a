"""Helpers for driving the terminal app with Textual's Pilot: build it, log in, fill forms, read screens."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from pathlib import Path
from typing import Any

from textual.app import App
from textual.message_pump import MessagePump
from textual.pilot import Pilot
from textual.widgets import Input, Static
from textual.worker import Worker

from storage.crypto import TEST_KDF
from tests.conftest import PIN, TODAY
from village_agent.app import VillageApp, make_app
from village_agent.app.applications import ApplicationsScreen
from village_agent.app.fields import FieldBox, GroupBox, widget_id
from village_agent.app.form import FormScreen
from village_agent.app.materials import MaterialRow

SIZE = (80, 24)  # the village PC's terminal


def village_app(home: Path, export_dir: Path | None = None,
                scan_dir: Path | None = None) -> VillageApp:
    """The app as the CLI builds it, with the cheap test KDF and the suite's fixed day."""
    return make_app(home, kdf=TEST_KDF, today=TODAY, export_dir=export_dir, scan_dir=scan_dir)


SETTLE_TIMEOUT = 120.0  # seconds: far beyond any worker here, even on a loaded 2-core CI machine


def _pending_messages(app: App[Any]) -> bool:
    """Does the app, or any node of the current screen, still have messages to handle?"""
    nodes: list[MessagePump] = [app, *app.screen.walk_children(with_self=True)]
    return any(not node._message_queue.empty() for node in nodes)  # Textual has no public peek


async def settle(pilot: Pilot[Any], *, ignore: Collection[str] = (),
                 timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait until the app is quiet: no worker running, and every message handled and painted.

    A worker's result often starts another (a sync reloads the queue) and each step
    is a message to a widget, then a repaint: this goes round until two rounds in a
    row find no worker and no message left, however slow the machine. A worker that
    fails or is cancelled is the app's to report (each screen says so), so it ends a
    wait like any other. Work on threads that are not Textual workers (the background
    loop, a proxy) is not seen here: wait for its own event. Workers of the groups in
    `ignore` are neither waited for nor counted (one a test holds up on purpose).
    """
    app = pilot.app
    deadline = asyncio.get_running_loop().time() + timeout

    def running() -> list[Worker[Any]]:
        return [w for w in app.workers if w.group not in ignore]

    quiet = 0
    while quiet < 2:
        workers = running()
        if workers:
            left = deadline - asyncio.get_running_loop().time()
            done, late = await asyncio.wait(
                [asyncio.ensure_future(w.wait()) for w in workers], timeout=max(left, 0.0))
            for future in done:
                future.exception()  # retrieved: a failure is the screen's to show, not ours
            if late:
                for future in late:
                    future.cancel()
                raise AssertionError(f"the app did not settle in {timeout:.0f} s: "
                                     + ", ".join(w.description or w.name for w in running()))
        await pilot.pause()
        quiet = 0 if workers or running() or _pending_messages(app) else quiet + 1
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the app did not settle in {timeout:.0f} s: messages keep coming")


async def log_in(pilot: Pilot[Any], pin: str = PIN, operator: str | None = None) -> None:
    from textual.widgets import Select

    if operator is not None:
        pilot.app.screen.query_one("#login-operator", Select).value = operator
    box = pilot.app.screen.query_one("#login-pin", Input)
    box.focus()
    box.value = pin  # typed key by key in test_app_start; here only the Enter is pressed
    await pilot.press("enter")
    await settle(pilot)


async def open_applications(pilot: Pilot[Any]) -> ApplicationsScreen:
    """From home, a: the applications list, loaded."""
    await pilot.press("a")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ApplicationsScreen)
    return screen


async def type_into(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Focus a box and type, key by key, as the agent does (Pilot takes ~60 ms a key: keep it short)."""
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    await pilot.pause()
    await pilot.press(*text)
    await pilot.pause()


async def enter_text(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Put a long value into a text box as if typed (focused, changed, then left)."""
    box = pilot.app.screen.query_one(selector, Input)
    box.focus()
    await pilot.pause()
    box.value = text
    await pilot.pause()
    pilot.app.screen.set_focus(None)
    await pilot.pause()


def text_of(app: VillageApp, selector: str) -> str:
    widget = app.screen.query_one(selector, Static)
    return str(widget.content)


def screen_text(app: VillageApp) -> str:
    """What the terminal shows, as plain text, line by line."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def field(screen: FormScreen, name: str) -> FieldBox:
    return screen.query_one("#" + widget_id(name), FieldBox)


def applicant_field(screen: FormScreen, name: str) -> FieldBox:
    return screen.query_one("#" + widget_id("applicant-" + name), FieldBox)


async def fill(pilot: Pilot[Any], data: dict[str, Any], *, skip_applicant: bool = False) -> None:
    """Put a complete data file (as `catalog template` prints it) into the form's widgets."""
    screen = pilot.app.screen
    assert isinstance(screen, FormScreen)
    if not skip_applicant:
        for key, value in data.get("applicant", {}).items():
            applicant_field(screen, key).set_raw(value)
            await pilot.pause()
    for name, value in data.get("fields", {}).items():
        box = screen.query_one("#" + widget_id(name))
        if isinstance(box, GroupBox):
            await box.set_rows(value)
        elif isinstance(box, FieldBox):
            box.set_raw(value)
    for code, status in data.get("materials", {}).items():
        screen.query_one(f"#m-{code}", MaterialRow).set_raw(status)
    await settle(pilot)
