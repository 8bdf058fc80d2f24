"""TUI benchmark: launch, opening consoles over 5,000 events, key presses and one inject arriving.

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


async def bare_update() -> float:
    """The baseline of an arrival: one widget of a bare app changes and the screen is redrawn."""
    app = Bare()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        times = []
        for n in range(ROUNDS):
            start = time.perf_counter()
            app.query_one(Static).update(f"hello {n}")
            await pilot.pause()
            times.append(time.perf_counter() - start)
        return statistics.median(times)


def flood(s: Session) -> None:
    s.start()
    for n in range(ITEMS):
        s.submit("facilitator", InjectAdHoc(to=["harbour-master"], title=f"Inject {n}", body="x" * 80))


async def presses(pilot, key: str) -> float:
    times = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        await pilot.press(key)
        await pilot.pause()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


async def arrivals(pilot, busy: Session) -> float:
    times = []
    for n in range(ROUNDS):
        t0 = time.perf_counter()
        busy.submit("facilitator", InjectAdHoc(to=["harbour-master"], title=f"One more {n}"))
        await pilot.pause()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def line(label: str, ours: float, base: float) -> None:
    print(f"  {label}: {ours * 1000:.0f} ms, ratio {ours / base:.2f}")


async def main() -> None:
    loaded = load_file(SCENARIO)
    bare = statistics.median([await launch(Bare) for _ in range(ROUNDS)])
    ours = statistics.median([await launch(lambda: TabletopApp(session(loaded), live=False)) for _ in range(ROUNDS)])
    bare_key = await key_press(Bare(), "down")
    bare_change = await bare_update()
    print(f"baselines (bare app): launch {bare * 1000:.0f} ms, key press {bare_key * 1000:.1f} ms, ", end="")
    print(f"one widget updated {bare_change * 1000:.1f} ms")
    print("launch to first screen (empty exercise):")
    line("facilitator console", ours, bare)

    busy = session(loaded)
    flood(busy)
    app = TabletopApp(busy, live=False)
    start = time.perf_counter()
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        opened = time.perf_counter() - start
        assert len(app.screen.query_one(Feed).events) > ITEMS
        facilitator_key = await presses(pilot, "down")
        facilitator_arrival = await arrivals(pilot, busy)
        t0 = time.perf_counter()
        app.action_show("harbour-master")
        await pilot.pause()
        participant_open = time.perf_counter() - t0
        participant_key = await presses(pilot, "down")
        participant_arrival = await arrivals(pilot, busy)
    print(f"open with {ITEMS:,} events (ad hoc injects to one role), against the bare launch:")
    line("facilitator console (feed, MSEL)", opened, bare)
    line("participant console (inbox), switched to", participant_open, bare)
    print("key press (cursor down), against the bare key press:")
    line("facilitator", facilitator_key, bare_key)
    line("participant", participant_key, bare_key)
    print("one inject arriving, against one widget updated in the bare app:")
    line("facilitator console showing", facilitator_arrival, bare_change)
    line("participant console showing", participant_arrival, bare_change)


if __name__ == "__main__":
    asyncio.run(main())
