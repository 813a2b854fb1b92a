"""Every word in the catalogues is said somewhere: a key no code or template names is dead weight.

A key counts as used when the product's code or templates (not the tests) name it in quotes,
or when it matches one of the patterns below, which list every key the code builds at run
time (`t(f"status.{x}")`, `_('console.action.' ~ d)`). A new key built that way goes in
`BUILT`; a pattern nothing matches any more is stale and fails too.
"""

from __future__ import annotations

import fnmatch
import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("village_agent", "center", "sync", "storage", "forms")
SOURCES = (".py", ".html", ".toml", ".js")
CATALOGUES = ("village_agent.i18n", "sync.receipt_texts", "center.texts", *(
    ".".join(p.relative_to(ROOT).with_suffix("").parts)
    for folder in ("center", "center/console", "village_agent")
    for p in sorted((ROOT / folder).glob("*_texts.py"))))

# Keys the code builds from a value (fnmatch patterns), with where: the only way a key may be
# used without its whole name written in quotes.
BUILT = (
    "applicant.source.*",  # village_agent/app/casework.py
    "center.applicant.*", "center.by.*", "center.decision.*", "center.event.*",  # center/cases.py
    "center.how.*", "center.material.*",  # center/cases.py
    "complaint.source.*", "complaint.state.*",  # center/complaints.py, console templates
    "complaints.done.*", "complaints.filter.*",  # console/templates/complaints.html
    "console.action.*", "console.kind.*", "console.owed_state.*",  # console templates
    "console.alarm.*", "console.alarm_do.*",  # center/console/app.py
    "decide.*",  # village_agent/app/casework.py
    "deliver.how.*",  # village_agent/printing.py, intake.py, commands.py
    "event.*", "status.*",  # storage/status.py, sync/i18n.py (event_text, status_in)
    "storage.store.place.*",  # storage/store.py
    "sync.reason.*",  # sync/errors.py (BundleRejected, reason_text)
    "followup.result.*", "followup.state.*", "followup.step.*", "followup.step_name.*",
    "forms.applicant.*",  # forms/engine.py
    "kind.*",  # village_agent/app/picker.py
    "ledger.sheet.*",  # center/ledger.py
    "list.period.*",  # village_agent/app/applications.py
    "manage.done.*", "manage.enroll.code_for.*", "manage.enroll.intro.*",  # console templates
    "manage.enroll.state.*",
    "material.*",  # village_agent/app/materials.py, review.py, printing.py
    "node.*",  # sync/cli.py, center/cli.py
    "notice.*",  # village_agent/i18n.py, sync/paper/decisions.py
    "outbox.*",  # village_agent/app/syncscreen.py
    "owed.state.*",  # village_agent/printing.py
    "pdf.stem.*",  # sync/paper/pdf.py, center/console/notices.py
    "print.event.*", "print.level.*",  # village_agent/printing.py
    "priority.ground.*",  # sync/i18n.py
    "publish.change.*",  # center/changes.py
    "rating.*",  # sync/i18n.py, console templates
    "receipts.*",  # sync/receipts.py, sync/paper, center/console/receipts.py
    "role.*",  # sync/cli.py, village_agent/app/home.py, console templates
    "setup.*",  # village_agent/app/login.py
    "sup.chart.*", "sup.colour.*", "sup.dim.*", "sup.subject.*",  # supervision pages, watch_cli
    "syncscreen.stick_*",  # village_agent/app/syncscreen.py
    "weekday.*",  # village_agent/app/home.py
)

QUOTED = re.compile(r"""["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)["'](?!\s*:\s*\{)""")


def catalogue() -> set[str]:
    from sync.i18n import MESSAGES

    for name in CATALOGUES:
        importlib.import_module(name)
    return set(MESSAGES)


def named_in_code() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if path.suffix in SOURCES and path.is_file():
                found.update(QUOTED.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_catalogue_key_is_named_by_the_product_or_built_by_a_listed_pattern() -> None:
    named = named_in_code()
    dead = sorted(k for k in catalogue() - named
                  if not any(fnmatch.fnmatchcase(k, p) for p in BUILT))
    assert dead == [], f"catalogue keys nothing uses (delete them, or list how they are built): {dead}"


def test_every_listed_pattern_still_builds_some_key() -> None:
    keys = catalogue()
    stale = [p for p in BUILT if not fnmatch.filter(keys, p)]
    assert stale == [], f"patterns that match no catalogue key any more: {stale}"


def test_the_finder_sees_a_key_only_its_definition_names() -> None:
    """The check itself can fail: a definition line alone does not count as a use."""
    assert "sync.line" not in QUOTED.findall('"sync.line": {"zh": "x"}, t("sync.now")')
    assert "sync.now" in QUOTED.findall('"sync.line": {"zh": "x"}, t("sync.now")')
