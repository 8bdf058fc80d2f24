"""The MSEL as a live table: every inject with its status, and each decision's countdown."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from simulator.events import EventBase, InjectDelivered
from simulator.session import Session
from ui.text import clock, countdown, one_line, option_label

STATUS_STYLE = {
    "delivered": "green",
    "upcoming": "",
    "conditional": "dim",
    "cancelled": "dim strike",
    "adhoc": "cyan",
}
DECISION_STYLE = {"open": "bold yellow", "made": "green", "timed_out": "bold red"}
TO_WIDTH = 24
ADHOC_ROWS = 100
"""Ad hoc injects kept as rows (the newest); the feed holds them all. Sizing thousands of rows costs seconds."""


class MselTable(DataTable):
    """Rows keyed by inject id; cells updated in place as the exercise moves."""

    DEFAULT_CSS = """
    MselTable { border: round $primary-darken-2; }
    """

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.session = session
        self.adhoc: list[str] = []
        """Ad hoc inject ids shown as rows, oldest first."""
        self.adhoc_total = 0
        self._cells: dict[tuple[str, str], Text] = {}
        self._resort = False

    def on_mount(self) -> None:
        self.border_title = "MSEL"
        self.add_column("Status", key="status", width=11)
        self.add_column("Due", key="due", width=11)
        self.add_column("Inject", key="title", width=34)
        self.add_column("To", key="to", width=TO_WIDTH)
        self.add_column("Decision", key="decision", width=24)
        for row in self.session.msel():
            self.add_row("", "", "", "", "", key=row.inject)
        self.refresh_rows()

    def add_events(self, events: list[EventBase]) -> None:
        """Add ad hoc injects as rows (the newest ADHOC_ROWS); everything else is redrawn by `refresh_rows`."""
        adhoc = [e for e in events if isinstance(e, InjectDelivered) and e.adhoc and e.inject not in self.rows]
        self.adhoc_total += len(adhoc)
        for event in adhoc[-ADHOC_ROWS:]:
            cells = (
                Text("ad hoc", style=STATUS_STYLE["adhoc"]),
                Text(clock(event.t), style="dim"),
                Text(one_line(event.title, 60)),
                Text(self._names(event.to)),
                "",
            )
            self.add_row(*cells, key=event.inject)
            self.adhoc.append(event.inject)
        while len(self.adhoc) > ADHOC_ROWS:
            self.remove_row(self.adhoc.pop(0))
        if adhoc:
            hidden = self.adhoc_total - len(self.adhoc)
            self.border_subtitle = f"{hidden:,} earlier ad hoc injects: see the feed" if hidden else ""
            self._resort = True
        self.refresh_rows()

    def refresh_rows(self) -> None:
        """Redraw status, due time and decision countdowns from the session (only the cells that changed)."""
        session = self.session
        now = session.scenario_time()
        decisions = session.exercise.decisions
        for row in session.msel():
            style = STATUS_STYLE.get(row.status, "")
            title = Text(one_line(row.title, 60), style=style)
            if row.priority in ("high", "flash"):
                title.append(f" !{row.priority}", style="bold red")
            self._set(row.inject, "status", Text(row.status, style=style))
            self._set(row.inject, "due", Text(clock(row.at) if row.at is not None else "when …", style="dim"))
            self._set(row.inject, "title", title)
            self._set(row.inject, "to", Text(self._names(row.to), style=style))
            self._set(row.inject, "decision", self._decision_cell(row.decision, decisions, now))
        if self._resort:
            self._resort = False
            # By due time ("T+HH:MM:SS" sorts as text); conditional rows ("when …") after; ties keep MSEL order.
            self.sort("due", key=lambda due: (str(due).startswith("when"), str(due)))

    def _set(self, row: str, column: str, value: Text) -> None:
        # Every clock tick redraws the table; a cell that did not change costs no re-render.
        if self._cells.get((row, column)) != value:
            self._cells[row, column] = value
            self.update_cell(row, column, value)
            if column == "due":
                self._resort = True

    def _names(self, roles: list[str]) -> str:
        """Recipients by role name (a role's first word or two when the names would not fit), else ids."""
        scenario = self.session.scenario
        names = {r.id: one_line(r.name) for r in scenario.roles}
        if len(roles) == len(scenario.roles) > 1:
            return "everyone"
        full = ", ".join(names.get(r, r) for r in roles)
        if len(full) <= TO_WIDTH:
            return full
        short = ", ".join(" ".join(names.get(r, r).split()[:2]) for r in roles)
        return short if len(short) <= len(", ".join(roles)) else ", ".join(roles)

    def _decision_cell(self, decision: str | None, decisions: dict, now: float) -> Text:
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
            label = one_line(option_label(self.session.scenario, decision, record.option or ""), 40)
            return Text(f"{decision}: {label}", style=style)
        return Text(f"{decision}: LAPSED", style=style)
