"""TUI benchmark: launch to first usable screen, and a key press with 5,000 injects in the feed and inbox.

Prints ratios against a bare Textual app measured in the same run; never asserts wall-clock times.
Run: .venv/bin/python bench/bench_tui.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult
from textual.widgets import Footer, Static

from simulator.commands import InjectAdHoc
from simulator.loader import load_file
from simulator.session import ManualClock, Session
from ui.app import TabletopApp
from ui.widgets.feed import Feed

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "port-drill.yaml"
ITEMS = 5_000
ROUNDS = 5


class Bare(App):
    """The baseline: a static line and a footer."""

    def compose(self) -> ComposeResult:
        yield Static("hello")
        yield Footer()


def session(loaded) -> Session:
    return Session(loaded, clock=ManualClock(), wall=lambda: 0.0)


async def launch(make) -> float:
    app = make()
    start = time.perf_counter()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        return time.perf_counter() - start


async def key_press(app: App, key: str) -> float:
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            times.append(time.perf_counter() - start)
        return statistics.median(times)


def flood(s: Session) -> None:
    s.start()
    for n in range(ITEMS):
        s.submit("facilitator", InjectAdHoc(to=["harbour-master"], title=f"Inject {n}", body="x" * 80))


async def main() -> None:
    loaded = load_file(SCENARIO)
    bare = statistics.median([await launch(Bare) for _ in range(ROUNDS)])
    ours = statistics.median([await launch(lambda: TabletopApp(session(loaded), live=False)) for _ in range(ROUNDS)])
    print(f"launch to first screen: bare {bare * 1000:.0f} ms, tabletop {ours * 1000:.0f} ms, ratio {ours / bare:.2f}")

    bare_key = await key_press(Bare(), "down")

    busy = session(loaded)
    flood(busy)
    app = TabletopApp(busy, live=False)
    start = time.perf_counter()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        loaded_s = time.perf_counter() - start
        assert len(app.screen.query_one(Feed).items) > ITEMS
        feed_key = []
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            await pilot.press("down")
            await pilot.pause()
            feed_key.append(time.perf_counter() - t0)
        app.action_show("harbour-master")
        await pilot.pause()
        inbox_key = []
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            await pilot.press("down")
            await pilot.pause()
            inbox_key.append(time.perf_counter() - t0)
        # A live inject arriving into a full feed and inbox.
        t0 = time.perf_counter()
        busy.submit("facilitator", InjectAdHoc(to=["harbour-master"], title="One more"))
        await pilot.pause()
        arrive = time.perf_counter() - t0
    fk, ik = statistics.median(feed_key), statistics.median(inbox_key)
    print(f"open with {ITEMS} injects in feed and inbox: {loaded_s * 1000:.0f} ms")
    print(f"key press: bare {bare_key * 1000:.1f} ms")
    print(f"  facilitator (5,000-line feed): {fk * 1000:.1f} ms, ratio {fk / bare_key:.2f}")
    print(f"  participant (5,000-row inbox): {ik * 1000:.1f} ms, ratio {ik / bare_key:.2f}")
    print(f"one more inject into full feed and inbox: {arrive * 1000:.1f} ms, ratio {arrive / bare_key:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
