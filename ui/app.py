"""The room-mode application: exercise control and every role in one terminal, over one session."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen

from simulator.commands import AnswerHotwash, CommandBase, EndExercise
from simulator.engine import CommandError
from simulator.events import EventBase
from simulator.session import Session
from simulator.visibility import FACILITATOR, can_see
from ui.dialogs import ConfirmDialog, Dialog, HelpScreen, HotwashDialog, RolePicker
from ui.screens.debrief import DebriefScreen
from ui.screens.facilitator import WIDE_FROM, FacilitatorScreen
from ui.screens.participant import ParticipantScreen
from ui.text import clock, markup_safe, one_line

if TYPE_CHECKING:
    # Only for the annotations: room mode should not pay for loading the network stack.
    from simulator.net.client import RemoteSession
    from simulator.net.server import ExerciseServer


class TabletopApp(App):
    """Consoles for a live session. `live=False` leaves the clock to the caller (tests, snapshots)."""

    CSS_PATH = "app.tcss"
    TITLE = "Tabletop"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_FROM, "-wide")]
    BINDINGS = [
        Binding("r", "pick_role", "Role"),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    TICK = 0.25
    """Seconds between clock redraws while live."""
    DIALOG_TOAST = 3.0
    """Longest a notification stays over a dialog: it sits over the dialog's fields, and the room is busy."""

    def __init__(
        self,
        session: Session | RemoteSession,
        *,
        live: bool = True,
        welcome: str | None = None,
        role: str | None = None,
        server: ExerciseServer | None = None,
        join_commands: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.live = live
        self.welcome = welcome
        self.role = role
        """None in room mode (exercise control and every role); a role id for that role's console alone."""
        self.server = server
        """The exercise server participants join, when this console serves one (`tabletop serve`)."""
        self.join_commands = join_commands or {}
        """What each role types to join that server, by role id."""
        self.consoles: dict[str, Screen] = {}
        self.viewer = role or FACILITATOR
        self._connection = getattr(session, "connection", None)
        # A resumed log may already hold the end; its notice would be news to nobody.
        self._ended_seen = session.ended

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.session.subscribe(self.viewer, self._on_events)
        self.action_show(self.viewer)
        if self.role is not None:
            self.notify(self._joined_notice(), title="Joined", timeout=12, markup=False)
        elif self.session.resumed is not None:
            self.notify(self._resumed_notice(), title="Resumed", timeout=12, markup=False)
        elif self.welcome or (self.live and not self.session.started):
            # The first thing a trainer at a fresh exercise needs: nothing moves until the clock starts.
            start = "" if self.session.started else "Press space to start the clock."
            welcome = " ".join(part for part in (start, self.welcome) if part)
            self.notify(welcome, title="Welcome", timeout=12, markup=False)
        if self.live:
            self.session.launch()
            self.set_interval(self.TICK, self.refresh_clock)

    def _resumed_notice(self) -> str:
        session = self.session
        where = f"{session.resumed} logged events replayed from {session.log_path}"
        if session.ended:
            return f"{where}. The exercise had ended: press e for the hot wash and debrief."
        if not session.started:
            return f"{where}. Press space to start."
        return f"{where}. Paused at {clock(session.scenario_time())}: press space to continue."

    def _joined_notice(self) -> str:
        session = self.session
        name = one_line(session.scenario.role(self.viewer).name)
        where = "" if session.started else " The exercise has not started yet: injects arrive once it does."
        return f"You play {name}.{where} Press ? for the keys."

    def on_unmount(self) -> None:
        self.session.close()

    def format_title(self, title: str, sub_title: str) -> Content:
        # The header of every screen; titles come from the scenario (and are cleaned where they are set
        # too): an escape sequence in one would reach the terminal as it is.
        return super().format_title(one_line(title), one_line(sub_title))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # Over a dialog a notification is short-lived: its fields and buttons are what the user is working in.
        if isinstance(self.screen, ModalScreen):
            timeout = min(timeout if timeout is not None else self.NOTIFICATION_TIMEOUT, self.DIALOG_TOAST)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # ----------------------------------------------------------------- session

    def _on_events(self, events: list[EventBase]) -> None:
        self._check_connection()
        for viewer, screen in self.consoles.items():
            # A console not composed yet reads everything from the session when it is (on_mount).
            if not getattr(screen, "ready", False):
                continue
            seen = events if viewer == FACILITATOR else [e for e in events if can_see(self.session.scenario, viewer, e)]
            if seen:
                screen.add_events(seen)  # type: ignore[attr-defined]
        if self.session.ended and not self._ended_seen:
            self._ended_seen = True
            what = "e for the hot wash and debrief" if self.viewer == FACILITATOR else "w to answer the hot wash"
            self.notify(f"The exercise has ended. Press {what}.", title="Ended", timeout=10)

    def refresh_clock(self) -> None:
        """Redraw the clocks and countdowns of the console shown (under any dialog)."""
        # The console under any dialog; it may be current but not composed yet (switched to a moment
        # ago) or being taken down (the app closing): its own refresh_clock checks for both.
        for screen in reversed(self.screen_stack):
            if screen in self.consoles.values():
                refresh = getattr(screen, "refresh_clock", None)
                if refresh is not None:
                    refresh()
                return

    def act(self, step: Callable[[], object]) -> bool:
        """Run a session clock step, reporting refusals as notifications."""
        if self.session.ended:
            self.notify("The exercise has ended: the clock is stopped for good.", title="Ended", severity="warning")
            return False
        try:
            step()
        except CommandError as exc:
            # A refusal can quote scenario text (ids, names): shown as written, never as markup.
            self.notify(one_line(str(exc)), severity="error", markup=False)
            return False
        self.refresh_clock()
        return True

    def _check_connection(self) -> None:
        # A remote session calls its subscribers with [] when only the clock or the connection changed.
        state = getattr(self.session, "connection", None)
        if state == self._connection:
            return
        self._connection = state
        reason = one_line(getattr(self.session, "connection_reason", None) or "")
        if state == "reconnecting":
            self.notify(f"Connection to the exercise lost ({reason}); reconnecting …", severity="warning", markup=False)
        elif state == "connected":
            self.notify("Reconnected: nothing you received or sent was lost.", title="Connected", markup=False)
        elif state == "lost":
            self.notify(
                f"Disconnected for good: {reason}", title="Disconnected", severity="error", timeout=30, markup=False
            )

    def send(self, actor: str, commands: list[CommandBase], done: Callable[[int], None] | None = None) -> None:
        """Carry out commands in order, then call `done` with how many were recorded.

        A local session records them at once. A remote one sends them to the server, and `done`
        runs only once the server has logged each: a participant is told "sent" only when it is
        durable. A refusal (or a lost connection) is shown and stops the rest.
        """
        if isinstance(self.session, Session):
            recorded = 0
            for command in commands:
                if not self.submit(actor, command):
                    break
                recorded += 1
            if done is not None:
                done(recorded)
            return
        self.run_worker(self._send_remote(actor, commands, done), group="send", exit_on_error=False)

    async def _send_remote(self, actor: str, commands: list[CommandBase], done: Callable[[int], None] | None) -> None:
        recorded = 0
        for command in commands:
            try:
                await self.session.send(actor, command)
            except CommandError as exc:
                self.notify(one_line(str(exc)), title="Not sent", severity="error", markup=False)
                break
            recorded += 1
        if done is not None:
            done(recorded)

    def submit(self, actor: str, command: CommandBase) -> bool:
        """Send a command to the session; a refusal is shown, not raised."""
        try:
            self.session.submit(actor, command)
        except CommandError as exc:
            self.notify(one_line(str(exc)), title="Not sent", severity="error", markup=False)
            return False
        return True

    # ----------------------------------------------------------------- consoles

    def console_for(self, viewer: str) -> Screen:
        """The console for a viewer, created on first use and kept."""
        screen = self.consoles.get(viewer)
        if screen is None:
            if viewer == FACILITATOR:
                screen = FacilitatorScreen(self.session)
            else:
                screen = ParticipantScreen(self.session, viewer)
            self.consoles[viewer] = screen
            self.install_screen(screen, name=f"console:{viewer}")
        return screen

    def action_show(self, viewer: str) -> None:
        """Switch the room console to a viewer."""
        self.console_for(viewer)
        self.viewer = viewer
        if len(self.screen_stack) <= 1:
            self.push_screen(f"console:{viewer}")
        else:
            self.switch_screen(f"console:{viewer}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A console joined as one role has no other console to switch to.
        if action == "pick_role" and self.role is not None:
            return False
        # A dialog has the keyboard: switching console or opening help from one would stack screens.
        if action in ("pick_role", "help") and isinstance(self.screen, ModalScreen):
            return False
        return True

    def action_pick_role(self) -> None:
        def chosen(viewer: str | None) -> None:
            if viewer is not None:
                self.action_show(viewer)

        self.push_screen(RolePicker(self.session.scenario, self.viewer), chosen)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_quit(self) -> None:  # type: ignore[override]
        """Quit, after asking when answers would be lost or the exercise is still running."""
        screen = self.screen
        if isinstance(screen, ConfirmDialog) and screen.name == "quit":
            self.exit()  # ctrl+q twice: the user means it
            return
        reasons = []
        if isinstance(screen, HotwashDialog) and screen.unsaved():
            reasons.append("Your hot wash answers are not recorded yet.")
        # A console joined as one role leaves an exercise that runs on at the server (joining again
        # carries on): only the room's own exercise is worth a question.
        status = self.session.status if self.role is None else None
        if status == "running":
            reasons.append("The exercise is still running.")
        elif status == "paused":
            reasons.append("The exercise is paused, not ended.")
        if not reasons:
            self.exit()
            return
        safe = "Everything sent so far is in the log either way"
        if self.session.log_path is not None and not self.session.ended:
            safe += ", and the exercise can be resumed from it"
        dialog = ConfirmDialog("Quit now?", " ".join(reasons) + f" {safe}.", ok="Quit", name="quit")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(dialog, confirmed)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    # ----------------------------------------------------------------- ending

    def action_end_exercise(self) -> None:
        """Confirm, end, hot wash, debrief (or straight to the hot wash if it already ended)."""
        if self.session.ended:
            self._hotwash()
            return

        # The clock holds while the room thinks it over: at high pace the exercise could run out meanwhile.
        was_running = self.session.running
        if was_running:
            self.act(self.session.pause)

        def confirmed(yes: bool | None) -> None:
            if not yes:
                if was_running:
                    self.act(self.session.resume)
                return
            # Ended from here, the room goes straight to the hot wash: no notice telling it to press e.
            self._ended_seen = True
            if self.session.ended or self.submit(FACILITATOR, EndExercise()):
                self._hotwash()
            else:
                self._ended_seen = self.session.ended

        detail = "The clock is paused meanwhile. Ending stops it for good and the hot wash begins."
        self.push_screen(ConfirmDialog("End the exercise now?", detail, ok="End"), confirmed)

    def _hotwash(self) -> None:
        def answered(answers: dict[str, str] | None) -> None:
            if answers is None:
                # Back to the console; e opens the hot wash again.
                self.notify("The hot wash waits: press e to answer it and go on to the debrief.", timeout=6)
                return
            for question, answer in answers.items():
                self.submit(FACILITATOR, AnswerHotwash(role=FACILITATOR, question=question, answer=answer))
            self.show_debrief()

        if self.session.scenario.hotwash:
            self.push_screen(HotwashDialog(self.session.scenario), answered)
        else:
            self.show_debrief()

    def show_debrief(self) -> None:
        """Open the debrief, scored from the log so far."""
        self.push_screen(DebriefScreen(self.session))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette: what the screen it was opened on can do, by name."""
        if isinstance(screen, Dialog):
            # Over a dialog, only the dialog's own buttons: ending the exercise or switching console from
            # inside one would leave it stranded (and the keys do not offer it either).
            for name, help_text, callback in screen.palette_commands():
                yield SystemCommand(markup_safe(name), markup_safe(help_text), callback)
            return
        yield from super().get_system_commands(screen)
        session = self.session
        if isinstance(screen, FacilitatorScreen):
            if not session.ended:
                yield SystemCommand(
                    "Start / pause the clock", "Start, pause or resume scenario time", screen.action_toggle_clock
                )
                yield SystemCommand("Faster", "Next speed preset up", screen.action_faster)
                yield SystemCommand("Slower", "Next speed preset down", screen.action_slower)
                yield SystemCommand(
                    "Jump to next inject", "Skip ahead to the next inject or deadline", screen.action_jump
                )
                yield SystemCommand("Ad hoc inject", "Send an inject that is not in the scenario", screen.action_inject)
            yield SystemCommand("Observation", "Record an evaluator observation", screen.action_observe)
            yield SystemCommand("Filter the feed", "Show the feed for one role or team", screen.action_filter_feed)
            yield SystemCommand(
                "Feed: hide/show dynamics", "STATE lines from the world's dynamics", screen.action_toggle_dynamics
            )
            yield SystemCommand(
                "World state", "Swap the MSEL and feed for the world state (narrow screens)", screen.action_world
            )
        elif isinstance(screen, ParticipantScreen):
            yield SystemCommand("Decide", "Decide on the open item or the oldest open decision", screen.action_decide)
            yield SystemCommand("Message", "Write to other roles or teams", screen.action_message)
            yield SystemCommand("Inbox channel", "Show one channel of the inbox", screen.action_channel)
            if session.ended:
                yield SystemCommand("Hot wash", "Answer the hot wash questions", screen.action_hotwash)
        elif isinstance(screen, DebriefScreen):
            for fmt, name in (("html", "HTML"), ("md", "Markdown"), ("json", "JSON")):
                yield SystemCommand(
                    f"Export AAR ({name})",
                    "Write the after-action report next to the log",
                    lambda fmt=fmt: screen.action_export(fmt),  # type: ignore[misc]
                )
            yield SystemCommand(
                "Set rating", "Set the highlighted objective's rating, with a reason", screen.action_override
            )
            yield SystemCommand("Observation", "Record an evaluator observation", screen.action_observe)
        if self.role is not None:
            # One role's own console: nothing to switch to, and ending is exercise control's.
            yield SystemCommand("Help", "Keys and what they do", self.action_help)
            return
        yield SystemCommand(
            "Exercise control", "Switch to the facilitator console", lambda: self.action_show(FACILITATOR)
        )
        for role in session.scenario.roles:
            # The palette reads its entries as markup: role names are author text.
            yield SystemCommand(
                markup_safe(f"Console: {role.name}"),
                markup_safe(f"Switch to the participant console of {role.name}"),
                lambda role=role.id: self.action_show(role),  # type: ignore[misc]
            )
        yield SystemCommand(
            "End exercise" if not session.ended else "Hot wash and debrief",
            "End, hot wash and debrief" if not session.ended else "The hot wash questions, then the debrief",
            self.action_end_exercise,
        )
        yield SystemCommand("Help", "Keys and what they do", self.action_help)
