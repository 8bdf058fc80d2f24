"""A participant's console: inbox, inject detail, decisions, messages, situation board and own actions."""

from __future__ import annotations

from rich.text import Text
from textual import events as textual_events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, HorizontalScroll, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static, TabbedContent, TabPane, Tabs

from simulator.commands import AnswerHotwash, CommandBase, Decide
from simulator.events import EventBase, HotwashAnswered
from simulator.session import Session
from simulator.visibility import state_visible_to
from ui.dialogs import ChoiceDialog, ComposeDialog, DecisionDialog, EventDialog, HotwashDialog
from ui.text import clock, countdown, literal, names, one_line, option_label, reflow, who
from ui.widgets.clock import ClockBar, ConsoleFooter
from ui.widgets.decisions import PendingStrip, open_decisions, still_open
from ui.widgets.feed import Feed
from ui.widgets.inbox import Inbox, InboxItem
from ui.widgets.state_board import StateBoard


class ParticipantScreen(Screen):
    """What one role sees and does."""

    # The inbox has the keys that come first (up, down, enter, d); the tab bar would swallow them.
    AUTO_FOCUS = "#inbox-table"

    BINDINGS = [
        Binding("d", "decide", "Decide"),
        Binding("m", "message", "Message"),
        Binding("R", "reply", "Reply", tooltip="Reply to the sender of the open item (a role)"),
        Binding("c", "channel", "Channel"),
        Binding("w", "hotwash", "Hot wash", tooltip="Answer the hot wash (once the exercise has ended)"),
        Binding("1", "tab('inbox')", "Inbox", show=False),
        Binding("2", "tab('situation')", "Situation", show=False),
        Binding("3", "tab('actions')", "My actions", show=False),
    ]

    def __init__(self, session: Session, role: str) -> None:
        super().__init__(name=role)
        self.session = session
        self.ready = False
        """Whether the console is composed: ticks and events before then are left to on_mount."""
        self.viewer = role
        self.role = session.scenario.role(role)
        self.opened: InboxItem | None = None

    def compose(self) -> ComposeResult:
        scenario = self.session.scenario
        team = scenario.team(self.role.team).name
        yield Header()
        yield ClockBar(self.session, f"{self.role.name} · {team}")
        # The role's own countdowns, in view whatever tab or item is open.
        yield PendingStrip(self.session, self.viewer, id="role-pending")
        with TabbedContent(initial="inbox"):
            with TabPane("Inbox", id="inbox"):
                with Horizontal():
                    yield Inbox(self.viewer, scenario, id="inbox-table")
                    with VerticalScroll(id="detail"):
                        yield Static(Text("Nothing selected.", style="dim"), id="detail-body")
                        # Attachments are documents laid out in columns: never wrapped, scrolled sideways
                        # on their own (the body above keeps wrapping at the pane's width).
                        with HorizontalScroll(id="attachments-box"):
                            yield Static("", id="detail-attachments")
                        yield Static("", id="detail-status")
            with TabPane("Situation", id="situation"):
                initial = {
                    name: var.initial
                    for name, var in scenario.state.items()
                    if state_visible_to(scenario, name, self.viewer)
                }
                yield StateBoard(scenario, initial, id="role-state")
                yield Static("", id="pending")
            with TabPane("My actions", id="actions"):
                # The feed's list: one line each, cut with an ellipsis, enter opens a line whole.
                yield Feed(scenario, title="My actions", id="own-log")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        # Composed: its widgets can be queried from here on (`is_mounted` only turns true after this).
        self.ready = True
        self._ticked = (
            self.query_one(ClockBar),
            self.query_one("#detail-status"),
            self.query_one("#pending"),
            self.query_one(PendingStrip),
        )
        self._item_shown: InboxItem | None = None
        # Cleaned here as well as in the app's header: titles and names are author text.
        self.title = one_line(self.session.scenario.title)
        self.sub_title = one_line(self.role.name)
        events = self.session.events_for(self.viewer)
        self.add_events(events, quiet=True)
        # Reading is not logged: on a console opened over a log (a resume), what reached the role
        # before its own last action counts as read.
        own = [e.seq for e in events if e.actor == self.viewer]
        if own:
            self.query_one(Inbox).mark_read_before(max(own))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The hot wash key shows once there is a hot wash to answer; pressed before, it says why (on_key).
        if action == "hotwash":
            return self.session.ended and bool(self.session.scenario.hotwash)
        return True

    def on_key(self, event: textual_events.Key) -> None:
        # Reached only when no binding took the key: the hot wash is not open yet.
        if event.key == "w":
            event.stop()
            self.action_hotwash()

    # ----------------------------------------------------------------- updates

    def add_events(self, events: list[EventBase], quiet: bool = False) -> None:
        """New events this role may see."""
        if not self.ready:
            # Composed later, the console reads everything from the session then (on_mount).
            return
        if self.session.ended:
            self.refresh_bindings()
        inbox = self.query_one(Inbox)
        arrived = inbox.add_events(events)
        self.query_one(StateBoard).add_events(events)
        self.query_one("#own-log", Feed).add_events([e for e in events if e.actor == self.viewer])
        if arrived and not quiet and self.is_current:
            self.notify(f"{arrived} new in the inbox", timeout=3)
        if inbox.row_count and self.opened is None:
            self._open(inbox.current())
        self.refresh_clock()

    def refresh_clock(self) -> None:
        """Clock tick: redraw the clock, the open item's countdown and the pending decisions."""
        if not self.ready:
            # A tick can reach a console that is current but not composed yet (switched to a moment ago).
            return
        bar, status, pending, strip = self._ticked
        if not (bar.is_attached and status.is_attached and pending.is_attached and strip.is_attached):
            # An app that is closing takes the widgets down before its ticker stops.
            return
        bar.refresh_clock()
        strip.refresh_strip()
        self._show_detail()
        self._show_pending()

    def on_inbox_opened(self, message: Inbox.Opened) -> None:
        self._open(message.item)

    def _open(self, item: InboxItem | None) -> None:
        self.opened = item
        if item is not None:
            self.query_one(Inbox).mark_read(item)
        self._show_detail()

    def _show_detail(self) -> None:
        item = self.opened
        if item is not self._item_shown:
            # The item itself changes only when another is opened; its decision's status every tick.
            self._item_shown = item
            self._show_item(item)
        status = self.query_one("#detail-status", Static)
        status.display = item is not None and bool(item.decision)
        if status.display and item is not None and item.decision:
            status.update(self._decision_status(item.decision))

    def _show_item(self, item: InboxItem | None) -> None:
        body = self.query_one("#detail-body", Static)
        attachments = self.query_one("#detail-attachments", Static)
        if item is None:
            body.update(Text("Nothing selected.", style="dim"))
            self.query_one("#attachments-box").display = False
            return
        # The title's bold is its own span: a base style would run on into the body.
        text = Text()
        text.append_text(literal(item.title, "bold"))
        text.append("\n")
        text.append(f"{clock(item.t)} · {item.channel} · {item.priority}\n", style="dim")
        text.append("From: ", style="dim")
        text.append_text(literal(item.sender))
        text.append("\nTo: ", style="dim")
        text.append_text(literal(names(self.session.scenario, item.to, sender=item.actor)))
        text.append("\n\n")
        # A message is shown as its sender typed it; an inject body is prose hand-wrapped by its author.
        written = item.body if item.channel == "message" else reflow(item.body)
        # Trailing new lines (a YAML block's last) would only push the attachments and status down.
        text.append_text(literal(written.rstrip("\n")))
        body.update(text)
        # Attachments are documents (records, tables, lists): shown as written, line for line, unwrapped.
        documents = Text(no_wrap=True)
        for n, attachment in enumerate(item.attachments):
            documents.append("\n\n── Attachment: " if n else "── Attachment: ", style="bold")
            documents.append_text(literal(attachment.get("name", ""), "bold"))
            documents.append(" ──\n", style="bold")
            documents.append_text(literal(attachment.get("text", "").rstrip("\n")))
        attachments.update(documents)
        box = self.query_one("#attachments-box", HorizontalScroll)
        box.display = bool(item.attachments)
        box.scroll_home(animate=False)
        self.query_one("#detail", VerticalScroll).scroll_home(animate=False)

    def _decision_status(self, decision: str) -> Text:
        record = self.session.decision_record(decision)
        if record is None:
            return Text("")
        if record.status == "made":
            by = "You" if record.role == self.viewer else who(self.session.scenario, record.role or "")
            label = option_label(self.session.scenario, decision, record.option or "")
            text = Text(f"✔ Decided: {by} chose “", "bold green")
            text.append_text(literal(label, "bold green"))
            text.append(f"” at {clock(record.decided_at or 0)}", "bold green")
            return text
        if record.status == "timed_out":
            return Text("✘ The deadline lapsed without a decision.", "bold red")
        if self.session.ended:
            return Text("■ Left open: the exercise ended before anyone decided.", "dim")
        if self.viewer not in record.by:
            return Text(f"Decision for {names(self.session.scenario, record.by)}.", "dim")
        left = ""
        if record.deadline is not None:
            left = f" — {countdown(record.deadline - self.session.scenario_time())} left"
        return Text(f"⚑ Decision needed{left}. Press d to decide.", "bold yellow")

    def _show_pending(self) -> None:
        pending = open_decisions(self.session, self.viewer)
        text = Text("Open decisions\n", style="bold")
        if not pending:
            text.append("None: the exercise has ended." if self.session.ended else "None.", style="dim")
        now = self.session.scenario_time()
        for record in pending:
            _, spec = self.session.scenario.decision(record.id)
            left = countdown(record.deadline - now) if record.deadline is not None else "no deadline"
            text.append(f"• {left:>8}  ", style="bold yellow")
            text.append_text(literal(spec.prompt))
            text.append("\n")
        self.query_one("#pending", Static).update(text)

    # ----------------------------------------------------------------- actions

    def action_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = tab
        # Focus left in the hidden pane would move to its next widget, and the tabs follow focus back there.
        pane = tabs.get_pane(tab)
        target = next((w for w in pane.query("*") if w.can_focus), None)
        if target is not None:
            target.focus()
        else:
            tabs.query_one(Tabs).focus()

    def action_decide(self) -> None:
        decision = self._decision_to_take()
        if decision is None:
            if self.session.ended:
                self.notify("The exercise has ended: every decision is closed.", severity="warning")
            else:
                self.notify("No open decision for you on this item.", severity="warning")
            return

        def send(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            option, rationale = result
            command = Decide(role=self.viewer, decision=decision, option=option, rationale=rationale)

            def recorded(n: int) -> None:
                if n:
                    label = option_label(self.session.scenario, decision, option)
                    self.notify(f"Decision recorded: {one_line(label)}", title="Sent", timeout=4, markup=False)
                    self._show_detail()

            self.app.send(self.viewer, [command], recorded)  # type: ignore[attr-defined]
            # Back to reading: the inbox has the keys (up, down, d) that come next.
            self.action_tab("inbox")

        self.app.push_screen(DecisionDialog(self.session, self.viewer, decision), send)

    def _decision_to_take(self) -> str | None:
        # The open item's decision first, else the oldest open decision for this role.
        item = self.opened
        if item is not None and item.decision:
            record = self.session.decision_record(item.decision)
            if record is not None and still_open(self.session, record) and self.viewer in record.by:
                return item.decision
        pending = [r for r in self.session.decisions_for(self.viewer) if still_open(self.session, r)]
        return pending[0].id if pending else None

    def action_message(self, to: list[str] | None = None, subject: str = "") -> None:
        def sent(n: int) -> None:
            if n:
                self.notify("Message sent.")

        def send(command: CommandBase | None) -> None:
            if command is not None:
                self.app.send(self.viewer, [command], sent)  # type: ignore[attr-defined]

        self.app.push_screen(ComposeDialog(self.session.scenario, self.viewer, to, subject), send)

    def action_reply(self) -> None:
        """Write to the sender of the open item, when the sender is a role (a message, or an inject
        the scenario has one of the roles send)."""
        item = self.opened
        if item is None:
            self.notify("Open an item of the inbox first.", severity="warning")
            return
        sender = item.actor or self._role_named(item.sender)
        if sender is None or sender == self.viewer:
            self.notify(
                f"{one_line(item.sender, 60)} is not a role in this exercise: press m to write to someone.",
                severity="warning",
                markup=False,
            )
            return
        subject = one_line(item.subject if item.channel == "message" else item.title, 200)
        if subject and not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
        self.action_message([sender], subject)

    def _role_named(self, name: str) -> str | None:
        wanted = one_line(name).casefold()
        return next(
            (r.id for r in self.session.scenario.roles if wanted in (r.id.casefold(), one_line(r.name).casefold())),
            None,
        )

    def on_feed_opened(self, message: Feed.Opened) -> None:
        self.app.push_screen(EventDialog(message.event, self.session.scenario))

    def action_hotwash(self) -> None:
        """This role's own answers to the hot wash questions, once the exercise has ended."""
        scenario = self.session.scenario
        if not scenario.hotwash:
            self.notify("This scenario has no hot wash questions.", severity="warning")
            return
        if not self.session.ended:
            self.notify("The hot wash opens when the exercise ends.", severity="warning")
            return
        given = {
            e.question: e.answer
            for e in self.session.events_for(self.viewer)
            if isinstance(e, HotwashAnswered) and e.actor == self.viewer
        }

        def record(answers: dict[str, str] | None) -> None:
            commands: list[CommandBase] = [
                AnswerHotwash(role=self.viewer, question=question, answer=answer)
                for question, answer in (answers or {}).items()
            ]

            def recorded(sent: int) -> None:
                if sent:
                    self.notify(f"{sent} hot wash answer{'s' if sent > 1 else ''} recorded.", title="Sent")

            if commands:
                self.app.send(self.viewer, commands, recorded)  # type: ignore[attr-defined]

        self.app.push_screen(HotwashDialog(scenario, self.role.name, given), record)

    def action_channel(self) -> None:
        inbox = self.query_one(Inbox)
        choices = [(Text("All channels"), "all")] + [(literal(c), c) for c in inbox.channels()]

        def chosen(value: str | None) -> None:
            if value is not None:
                inbox.set_channel(value)
                self.opened = None
                self._open(inbox.current())

        self.app.push_screen(ChoiceDialog("Show channel", choices, inbox.channel), chosen)
