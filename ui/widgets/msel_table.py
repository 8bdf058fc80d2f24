"""The MSEL as a live table: every inject with its status, and each decision's countdown."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from simulator.events import EventBase, InjectDelivered
from simulator.session import Session
from ui.text import clock, countdown, one_line

STATUS_STYLE = {
    "delivered": "green",
    "upcoming": "",
    "conditional": "dim",
    "cancelled": "dim strike",
    "adhoc": "cyan",
}
DECISION_STYLE = {"open": "bold yellow", "made": "green", "timed_out": "bold red"}


class MselTable(DataTable):
    """Rows keyed by inject id; cells updated in place as the exercise moves."""

    DEFAULT_CSS = """
    MselTable { border: round $primary-darken-2; }
    """

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.session = session

    def on_mount(self) -> None:
        self.border_title = "MSEL"
        self.add_column("Status", key="status", width=11)
        self.add_column("Due", key="due", width=11)
        self.add_column("Inject", key="title", width=34)
        self.add_column("To", key="to", width=20)
        self.add_column("Decision", key="decision", width=24)
        for row in self.session.msel():
            self.add_row("", "", "", "", "", key=row.inject)
        self.refresh_rows()

    def add_events(self, events: list[EventBase]) -> None:
        """Add ad hoc injects as rows; everything else is redrawn by `refresh_rows`."""
        for event in events:
            if isinstance(event, InjectDelivered) and event.adhoc and event.inject not in self.rows:
                cells = (
                    Text("ad hoc", style=STATUS_STYLE["adhoc"]),
                    clock(event.t),
                    Text(one_line(event.title, 60)),
                    Text(one_line(", ".join(event.to), 40)),
                    "",
                )
                self.add_row(*cells, key=event.inject)
        self.refresh_rows()

    def refresh_rows(self) -> None:
        """Redraw status, due time and decision countdowns from the session."""
        session = self.session
        now = session.scenario_time()
        decisions = session.exercise.decisions
        for row in session.msel():
            style = STATUS_STYLE.get(row.status, "")
            self.update_cell(row.inject, "status", Text(row.status, style=style))
            self.update_cell(row.inject, "due", Text(clock(row.at) if row.at is not None else "when …", style="dim"))
            title = Text(one_line(row.title, 60), style=style)
            if row.priority in ("high", "flash"):
                title.append(f" !{row.priority}", style="bold red")
            self.update_cell(row.inject, "title", title)
            self.update_cell(row.inject, "to", Text(one_line(", ".join(row.to), 40), style=style))
            self.update_cell(row.inject, "decision", self._decision_cell(row.decision, decisions, now))

    @staticmethod
    def _decision_cell(decision: str | None, decisions: dict, now: float) -> Text:
        if decision is None:
            return Text("")
        record = decisions.get(decision)
        if record is None:
            return Text(f"{decision} (not yet)", style="dim")
        style = DECISION_STYLE.get(record.status, "")
        if record.status == "open":
            left = f" {countdown(record.deadline - now)} left" if record.deadline is not None else " open"
            return Text(f"{decision}{left}", style=style)
        if record.status == "made":
            return Text(f"{decision}: {record.option}", style=style)
        return Text(f"{decision}: LAPSED", style=style)
