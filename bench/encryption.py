"""Encryption at rest, measured both ways: per-record AES-GCM (ours) vs whole-database SQLCipher.

Prints JSON. Same workload on both, same run, same disk: N inserts of an
application-sized JSON record, one transaction each, WAL + synchronous=FULL;
then a full read of every record (decrypting). A plain, unencrypted sqlite3
run is the shared baseline. SQLCipher comes from `sqlcipher3-binary`
(`pip install '.[bench]'`); without it that column says so.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.crypto import DEFAULT_KDF, Keys, new_data_key

RECORD = json.dumps({
    "applicant": {"name": "张桂英", "id_number": "430481194003051240", "phone": "13907351234",
                  "address": "湖南省资兴市兴宁镇石鼓村3组18号"},
    "fields": {"household_address": "湖南省资兴市兴宁镇石鼓村3组18号", "living_status": "独居",
               "bank_name": "湖南资兴农村商业银行", "bank_account": "6230901234567890123",
               "account_holder": "张桂英", "age_band": "80-89周岁"},
    "materials": {"id_card": "provided", "household_register": "missing", "bank_card": "provided"},
}, ensure_ascii=False).encode()


def _pragmas(conn: Any) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")


def run(conn: Any, n: int, seal: Callable[[bytes, int], bytes], unseal: Callable[[bytes, int], bytes]) -> dict[str, float]:
    times = []
    for i in range(n):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (id, body) VALUES (?, ?)", (i, seal(RECORD, i)))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    for i, body in conn.execute("SELECT id, body FROM t"):
        unseal(body, i)
    scan = time.perf_counter() - start
    times.sort()
    return {
        "insert_p50_ms": round(times[len(times) // 2] * 1e3, 3),
        "insert_p95_ms": round(times[int(len(times) * 0.95)] * 1e3, 3),
        "insert_mean_ms": round(statistics.mean(times) * 1e3, 3),
        "read_all_ms": round(scan * 1e3, 2),
    }


def main() -> None:
    n = int(os.environ.get("BENCH_N", "500"))
    keys = Keys(new_data_key())
    results: dict[str, Any] = {"benchmark": "encryption_at_rest", "n": n, "record_bytes": len(RECORD)}
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as tmp:
        plain = sqlite3.connect(f"{tmp}/plain.db", isolation_level=None)
        _pragmas(plain)
        results["plain_sqlite"] = run(plain, n, lambda b, i: b, lambda b, i: b)

        ours = sqlite3.connect(f"{tmp}/ours.db", isolation_level=None)
        _pragmas(ours)
        results["per_record_aesgcm"] = run(
            ours, n, lambda b, i: keys.encrypt(b, f"t:{i}"), lambda b, i: keys.decrypt(b, f"t:{i}")
        )
        try:
            from sqlcipher3 import dbapi2 as sqlcipher
        except ImportError:
            results["sqlcipher"] = "not installed (pip install '.[bench]')"
        else:
            conn = sqlcipher.connect(f"{tmp}/cipher.db", isolation_level=None)
            conn.execute(f"PRAGMA key = \"x'{keys.data_key.hex()}'\"")  # raw key: no PBKDF2 on open
            _pragmas(conn)
            results["sqlcipher"] = run(conn, n, lambda b, i: b, lambda b, i: b)
            results["sqlcipher_version"] = conn.execute("PRAGMA cipher_version").fetchone()[0]
    for name in ("per_record_aesgcm", "sqlcipher"):
        if isinstance(results.get(name), dict):
            results[f"{name}_vs_plain"] = {
                "insert_p50": round(results[name]["insert_p50_ms"] / results["plain_sqlite"]["insert_p50_ms"], 2),
                "read_all": round(results[name]["read_all_ms"] / max(results["plain_sqlite"]["read_all_ms"], 1e-3), 2),
            }
    unlocks = []
    for _ in range(5):
        start = time.perf_counter()
        DEFAULT_KDF.derive("739146", os.urandom(16))
        unlocks.append(time.perf_counter() - start)
    results["pin_unlock_argon2id_s"] = {
        "params": DEFAULT_KDF.__dict__, "median": round(statistics.median(unlocks), 3),
        "target_range": [0.3, 1.0],
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
