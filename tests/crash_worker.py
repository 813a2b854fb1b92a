"""Submits applications in a loop until killed; prints `OK <id>` only after each commit returns.

Run by tests/test_crash.py, which SIGKILLs it at random moments.
"""

from __future__ import annotations

import random
import sys
from datetime import date
from pathlib import Path

from forms.catalog import load_catalog
from forms.idnumber import make
from forms.templates import template
from forms.workdays import WorkingCalendar
from storage.attachments import IncomingFile
from storage.store import Store
from village_agent import intake


def main(home: str, operator: str, pin: str, seed: int) -> None:
    rng = random.Random(seed)
    catalog, calendar = load_catalog(), WorkingCalendar.default()
    session = Store.open(Path(home)).login(operator, pin)
    today = date(2026, 11, 23)
    codes = ["MZ-GLJT", "YJS-CS", "WG-AQYH", "RS-JYSYDJ"]
    samples = {c: template(catalog.get(c), village_code="430481101201", today=today) for c in codes}
    print("READY", flush=True)
    n = 0
    while True:
        n += 1
        code = rng.choice(codes)
        data = samples[code]
        if data.get("applicant"):
            born = date(1930 + n % 15, 1 + n % 12, 1 + n % 28) if code == "MZ-GLJT" else date(
                1980, 1 + n % 12, 1 + n % 28)
            data["applicant"]["id_number"] = make("430481", born, n % 100, female=n % 2 == 0)
        files = []
        entry = catalog.get(code)
        names = {f.name for f in entry.fields if f.type == "attachment"}
        for label in sorted(names):
            files.append(IncomingFile(label, f"{label}.jpg", rng.randbytes(rng.randint(10_000, 60_000))))
        if code == "MZ-GLJT":
            files.append(IncomingFile("id_card", "id_card.jpg", rng.randbytes(40_000)))
        result = intake.take(session, catalog, calendar, code, data, files, today=today)
        for app_id in result.application_ids:
            print(f"OK {app_id}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
