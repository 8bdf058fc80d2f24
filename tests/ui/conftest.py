"""A room-mode app over a session whose clocks only move when a test says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.loader import load_file
from simulator.session import ManualClock, Session
from ui.app import TabletopApp

SCENARIO = Path(__file__).resolve().parent.parent.parent / "scenarios" / "port-drill.yaml"
FROZEN_WALL = 1_777_000_000.0


@pytest.fixture(scope="session")
def port_drill():
    return load_file(SCENARIO)


@pytest.fixture
def make_app(port_drill, tmp_path):
    """Build an app (not running yet); returns (app, session, clock)."""

    def make(*, started: bool = False, log: bool = False) -> tuple[TabletopApp, Session, ManualClock]:
        clock = ManualClock()
        session = Session(
            port_drill,
            log=tmp_path / "run.db" if log else None,
            clock=clock,
            wall=lambda: FROZEN_WALL,
            pace=60.0,
        )
        if started:
            session.start()
        return TabletopApp(session, live=False), session, clock

    return make
