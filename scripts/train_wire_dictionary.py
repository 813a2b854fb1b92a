"""Train the zstd dictionary version-2 messages use (sync/wire.py) on the catalog's forms.

    .venv/bin/python scripts/train_wire_dictionary.py [--id 20261201]

Takes in, in a throw-away village store, every service item's and 一件事 bundle's example
application (forms/templates.py) under several applicants and dates, and samples the events
exactly as they are sealed (`sync.messages.event_payload`), with the decisions a center sends
back. Writes `sync/dictionaries/forms-<id>.zdict`. A new dictionary gets a new id (keep the
old file for one release, so messages written with it still open); set `DICTIONARY_ID` in
sync/wire.py to write with it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms.catalog import load_catalog
from forms.idnumber import make
from forms.templates import template
from storage import sync_outbox
from storage.crypto import TEST_KDF
from storage.store import Store
from sync import messages
from village_agent import intake

VILLAGE = "430481101201"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "秀梅建军春华国强丽娟志明桂英玉兰海燕德福"


def _vary(data: dict[str, Any], i: int, rng: random.Random) -> dict[str, Any]:
    data = json.loads(json.dumps(data))
    applicant = data.get("applicant")
    if isinstance(applicant, dict):
        if "id_number" in applicant:
            applicant["id_number"] = make("430481", datetime.date(1935 + i % 60, 1 + i % 12,
                                                                 1 + i % 28), i % 100,
                                          female=i % 2 == 0)
        if "name" in applicant:
            applicant["name"] = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
        if "phone" in applicant:
            applicant["phone"] = "1" + rng.choice("3589") + "".join(rng.choices("0123456789", k=9))
    return data


def samples(rounds: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    catalog = load_catalog()
    out: list[bytes] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.create(Path(tmp), village_code=VILLAGE, village_name="石鼓村",
                             operator_name="王秀梅", pin="739146", kdf=TEST_KDF)
        session = store.login("王秀梅", "739146")
        today = datetime.date(2026, 11, 23)
        for entry in catalog.entries():
            if entry.kind == "inspection":
                continue
            try:
                base = template(entry, village_code=VILLAGE, today=today)
            except Exception:  # an item with no example is simply not sampled
                continue
            for i in range(rounds):
                try:
                    intake.take(session, catalog, session.calendar(), entry.code,
                                _vary(base, i, rng), today=today)
                except Exception:  # a variation the item refuses
                    break
        for ev in sync_outbox.unsealed(store.database, session.keys):
            out.append(messages.event_payload({
                "application_id": ev.application_id, "type": ev.event_type,
                "payload": ev.payload, "item_code": ev.item_code, "item_version": ev.item_version,
                "kind": ev.kind, "seq": ev.seq, "hlc": ev.hlc, "recorded_at": ev.recorded_at}))
            if ev.event_type == "submitted":
                for decision, body in (
                        ("received", {"received_on": "2026-11-24", "by": "township",
                                      "due_date": "2026-12-08", "due_approximate": False}),
                        ("accepted", {"note": ""}),
                        ("completed", {"result": "每月发放100元，自次月起"})):
                    out.append(messages.decision_payload(
                        ev.application_id, decision,
                        {"center": "兴宁镇便民服务中心", "center_code": "430481101",
                         "clerk": "李春华", **body}, seq=ev.seq, hlc=ev.hlc,
                        recorded_at=ev.recorded_at, item_code=ev.item_code))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--id", type=int, default=20261201)
    parser.add_argument("--size", type=int, default=32 * 1024)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    found = samples(args.rounds, args.seed)
    trained = zstandard.train_dictionary(args.size, found, dict_id=args.id, level=12,
                                         threads=1, k=200, d=8)
    path = Path(__file__).resolve().parent.parent / "sync" / "dictionaries" / f"forms-{args.id}.zdict"
    path.write_bytes(trained.as_bytes())
    print(json.dumps({"dictionary": str(path), "id": trained.dict_id(), "samples": len(found),
                      "sample_bytes": sum(map(len, found)), "size": len(trained.as_bytes())}))


if __name__ == "__main__":
    main()
