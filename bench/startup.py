"""Time to the first interactive screen and peak memory: our app next to a minimal Textual app.

Prints JSON. Each side runs in a fresh Python process (imports included, as a
village PC starting the app would), headless, N times interleaved; the child
reports the time from interpreter start to its first screen being mounted, and
its peak resident memory. Targets: at most 1.5x the minimal app's time, under
120 MB peak.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Both sides build their app, then one shared tail runs it headless at 80x24; Textual's auto-pilot
# starts once the app is ready, waits for the first screen to settle, and stops the clock.
MINIMAL = r"""
from textual.app import App
from textual.widgets import Footer, Header, Static

class Minimal(App):
    def compose(self):
        yield Header(); yield Static("你好"); yield Footer()

app = Minimal()
"""

OURS = r"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from village_agent import cli  # what the console script imports before it opens the app
from village_agent.app import make_app

app = make_app(Path(sys.argv[1]))
"""

TAIL = r"""
mark = []

def own_peak_kb():
    # VmHWM is this process's own peak resident set (its address space, made new at exec).
    # ru_maxrss is not: Linux carries the forking parent's peak over fork and exec, so every
    # child would report at least the bench's own size.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

async def first_screen(pilot):
    await pilot.pause()
    mark.append(time.perf_counter() - _t0)
    pilot.app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=first_screen)
print(mark[0], own_peak_kb())
"""


def measure(code: str, *args: str) -> tuple[float, float]:
    """(seconds from interpreter start to first screen, peak RSS in MB) of one fresh process."""
    wrapper = "import time; _t0 = time.perf_counter()\n" + code + TAIL
    out = subprocess.run([sys.executable, "-c", wrapper, *args], capture_output=True, text=True,
                         check=True, cwd=ROOT, timeout=120)
    seconds, rss_kb = out.stdout.split()[-2:]
    return float(seconds), int(rss_kb) / 1024


def _own_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ours, first_run, minimal = [], [], []
    with tempfile.TemporaryDirectory() as daily, tempfile.TemporaryDirectory() as empty:
        # Every day but the first the app opens on the login screen of an existing service point.
        sys.path.insert(0, str(ROOT))
        from storage.crypto import TEST_KDF
        from storage.store import Store

        Store.create(Path(daily), village_code="130102001001", village_name="东关村",
                     operator_name="王秀英", pin="739146", kdf=TEST_KDF).close()
        for _ in range(args.runs):
            minimal.append(measure(MINIMAL))
            ours.append(measure(OURS, daily, str(ROOT)))
            first_run.append(measure(OURS, empty, str(ROOT)))
    t_ours = statistics.median(s for s, _ in ours)
    t_first = statistics.median(s for s, _ in first_run)
    t_min = statistics.median(s for s, _ in minimal)
    result = {
        "benchmark": "startup", "runs": args.runs,
        "ours": {"screen": "login", "first_screen_s": round(t_ours, 3),
                 "peak_rss_mb": round(max(m for _, m in ours), 1)},
        "ours_first_run": {"screen": "setup wizard", "first_screen_s": round(t_first, 3),
                           "peak_rss_mb": round(max(m for _, m in first_run), 1)},
        "minimal_textual": {"first_screen_s": round(t_min, 3),
                            "peak_rss_mb": round(max(m for _, m in minimal), 1)},
        "ratio": round(t_ours / t_min, 2),
        "ratio_first_run": round(t_first / t_min, 2),
        "targets": {"ratio": 1.5, "peak_rss_mb": 120},
        # What each child would have reported through ru_maxrss: at least this (see TAIL).
        "bench_parent_rss_mb": round(_own_rss_mb(), 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
