"""Modal dialogs: confirm, decide, compose a message, ad hoc inject, observation, role picker, hot wash,
an event in full, help.

Every dialog scrolls when it is taller than the screen, with its buttons docked in view below the
fields, sends with ctrl+s from any field, and has its own footer: the keys shown are the dialog's,
not those of the console underneath.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import (
    Button,
    Footer,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from simulator.commands import InjectAdHoc, Observe, OverrideRating, SendMessage
from simulator.events import EventBase
from simulator.schema import Scenario
from simulator.session import Session
from simulator.visibility import FACILITATOR
from ui.describe import detail
from ui.text import clean, countdown, literal, one_line, short
from ui.widgets.decisions import open_decisions

CHANNELS = ("email", "phone", "radio", "news", "social", "sitrep", "briefing")
PRIORITIES = ("low", "normal", "high", "flash")


def _cleaned(before: str, after: str, cursor: int) -> int:
    """Where a cursor at `cursor` in `before` lands once `before` is cleaned to `after`."""
    return len(clean(before[:cursor])) if after != before else cursor


class SafeInput(Input):
    """An input that cleans a paste before it goes in, at the cursor, so the text keeps its order."""

    def _on_paste(self, event: events.Paste) -> None:
        # The base class would insert the raw text; it is skipped (prevent_default) for the clean one.
        event.prevent_default()
        event.stop()
        Input._on_paste(self, events.Paste(clean(event.text)))


class SafeTextArea(TextArea):
    """A text area that cleans a paste before it goes in, at the cursor, so the text keeps its order."""

    async def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()
        event.stop()
        await TextArea._on_paste(self, events.Paste(clean(event.text)))


class Choice(RadioButton):
    """A radio button whose label wraps (an option's end is often what tells it from the next one) and
    whose dot shows only when it is chosen (the stock one differs by colour alone)."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # The base class is one line whatever the label; the label wraps under the app's CSS.
        return max(1, self.render().get_height(self.styles, width))

    def render(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else " "
        return super().render()


class TickList(SelectionList[str]):
    """A selection list whose boxes read without colour: `[✓]` ticked, `[ ]` not.

    The stock box draws the same `▐X▌` either way and tells the two apart by colour alone.
    """

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        segments = list(line)
        # The stock line is the box (three segments), a space, then the prompt; anything else is left be.
        if len(segments) < 4 or segments[0].text != ToggleButton.BUTTON_LEFT:
            return line
        index = self.scroll_offset.y + y
        ticked = self.get_option_at_index(index).value in self.selected
        # The option's index rides on the box so a click on it toggles that entry, as in the stock list.
        meta = Style(meta={"option": index})
        base = (segments[3].style or Style()) + meta
        mark = self.get_component_rich_style("selection-list--button-selected").color
        tick = base + Style(color=mark, bold=True)
        box = [Segment("[", base), Segment("✓" if ticked else " ", tick), Segment("]", base)]
        return Strip(box + segments[3:], line.cell_length)


def _area(area_id: str, text: str = "", classes: str = "") -> SafeTextArea:
    return SafeTextArea(text, id=area_id, soft_wrap=True, show_line_numbers=False, classes=classes)


def submit_key(description: str) -> Binding:
    """The ctrl+s binding of a dialog, named for what it does (it works from inside a text field too)."""
    return Binding("ctrl+s", "submit", description, priority=True)


class DialogBody(VerticalScroll, can_focus=False):
    """The fields of a dialog: they scroll to the focused one, and tab goes from field to field, not here."""


BUTTONS_HEIGHT = 4
"""Rows the button bar takes (a gap and the buttons)."""


class Dialog(ModalScreen):
    """A centred box with a title; escape cancels. Subclasses yield their fields from `body`.

    The fields scroll in a body whose height is capped (in `_fit`) to what the screen leaves once the
    buttons are placed below it, so the buttons are always in view, even at 80×24.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    OK: str | None = "Send"
    """The primary button (and ctrl+s); None for a dialog without one."""
    CANCEL = "Cancel"
    BOX = ""
    """Extra classes of the box (small, wide)."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name)
        self._dismissing = False

    def compose(self) -> ComposeResult:
        with Vertical(classes=f"dialog {self.BOX}".strip(), id="box"):
            with self.scroller(id="fields"):
                yield from self.body()
            buttons = self.buttons()
            if buttons is not None:
                yield buttons
        yield Footer(compact=True, show_command_palette=False)

    def scroller(self, **kwargs: str) -> VerticalScroll:
        return DialogBody(**kwargs)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.height)

    def _fit(self, height: int) -> None:
        # The box's own cap (90% of the screen above the footer), less its border and the buttons:
        # what is left is the body's, and the rest of the fields scroll.
        buttons = BUTTONS_HEIGHT if self.query(".dialog-buttons") else 0
        self.query_one("#fields").styles.max_height = max(3, (height - 1) * 9 // 10 - 2 - buttons)

    def body(self) -> ComposeResult:
        """The fields of the dialog."""
        return iter(())

    def buttons(self) -> Horizontal | None:
        if self.OK is None:
            return Horizontal(Button(self.CANCEL, id="cancel"), classes="dialog-buttons")
        return Horizontal(
            Button(self.OK, variant="primary", id="ok"), Button(self.CANCEL, id="cancel"), classes="dialog-buttons"
        )

    def dismiss(self, result: Any = None) -> AwaitComplete:
        # Keys typed ahead can reach a dialog after it was dismissed, or while another is above it;
        # dismissing then would pop the wrong screen (or the last one).
        if self._dismissing or not self.is_current:
            return AwaitComplete.nothing()
        self._dismissing = True
        return super().dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        self.accept()

    def palette_commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        """What the command palette offers over this dialog: its own buttons, never the console's actions."""
        return [
            (str(button.label), f"The dialog's “{button.label}” button", button.press)
            for button in self.query(".dialog-buttons Button").results(Button)
        ]

    def ask_to_discard(self, what: str, why: str = "It has not been sent.", result: Any = None) -> None:
        """Dismiss with `result` once the user confirms that `what` (typed, not sent) may go."""

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss(result)

        # "Cancel" would be ambiguous here (cancel the text, or the discarding?): the button says what it keeps.
        self.app.push_screen(ConfirmDialog(f"Discard {what}?", why, ok="Discard", cancel="Keep writing"), confirmed)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            event.stop()
            self.action_cancel()
        elif event.button.id == "ok":
            event.stop()
            self.accept()

    def accept(self) -> None:
        """Called by the primary button and ctrl+s."""
        self.dismiss(True)

    def on_input_changed(self, event: Input.Changed) -> None:
        # Pastes are cleaned before they go in; anything else that slipped in is removed where it is,
        # the cursor staying with the text it was in.
        cleaned = clean(event.value)
        if cleaned != event.value:
            cursor = _cleaned(event.value, cleaned, event.input.cursor_position)
            event.input.value = cleaned
            event.input.cursor_position = cursor

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        area = event.text_area
        cleaned = clean(area.text)
        if cleaned != area.text:
            row, column = area.cursor_location
            lines = area.text.split("\n")
            before = "\n".join(lines[:row] + [lines[row][:column]]) if row < len(lines) else area.text
            at = len(clean(before))
            area.load_text(cleaned)
            head = cleaned[:at]
            area.move_cursor((head.count("\n"), len(head) - (head.rfind("\n") + 1)))

    def value(self, selector: str) -> str:
        """The cleaned, trimmed text of an Input or TextArea."""
        widget = self.query_one(selector)
        text = widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]
        return clean(text).strip()


class ConfirmDialog(Dialog):
    """Yes or no."""

    BINDINGS = [
        Binding("y", "yes", "Yes"),
        Binding("n", "cancel", "No"),
        Binding("escape", "cancel", "No"),
        submit_key("Yes"),
    ]
    BOX = "small"

    def __init__(
        self, question: str, detail: str = "", ok: str = "Yes", name: str | None = None, cancel: str = "Cancel"
    ) -> None:
        super().__init__(name=name)
        self.question = question
        self.detail = detail
        self.ok = ok
        self.cancel = cancel

    def buttons(self) -> Horizontal:
        return Horizontal(
            Button(self.ok, variant="primary", id="ok"), Button(self.cancel, id="cancel"), classes="dialog-buttons"
        )

    def body(self) -> ComposeResult:
        yield Label(literal(self.question, "bold"), classes="question")
        if self.detail:
            yield Label(literal(self.detail), classes="detail")

    def action_yes(self) -> None:
        self.dismiss(True)


class DecisionDialog(Dialog):
    """Choose an option (arrows and space, or its number), give a rationale, watch the deadline;
    confirm before sending. Leaving with a rationale typed asks first."""

    # Not priority bindings: typed in the rationale, a digit is text.
    BINDINGS = [
        submit_key("Decide"),
        Binding("1", "choose(1)", "Option", key_display="1-9"),
        *(Binding(str(n), f"choose({n})", show=False) for n in range(2, 10)),
    ]
    OK = "Decide…"

    def __init__(self, session: Session, role: str, decision: str) -> None:
        super().__init__()
        self.session = session
        self.role = role
        self.decision = decision
        self.inject, self.spec = session.scenario.decision(decision)

    def body(self) -> ComposeResult:
        yield Label(literal(self.spec.prompt, "bold"), classes="title")
        yield Label("", id="countdown")
        # Each option whole, wrapped under itself, its description after it.
        with RadioSet(id="options"):
            for n, option in enumerate(self.spec.options, 1):
                label = Text(f"{n}. ")
                label.append_text(literal(one_line(option.label)))
                if option.description:
                    label.append(f" — {one_line(option.description)}", style="dim")
                yield Choice(label, name=option.id)
        need = {"required": " (required)", "none": " (not asked)"}.get(self.spec.rationale, " (optional)")
        yield Label(f"Rationale{need}")
        yield _area("rationale")
        yield Label("", id="error", classes="error")

    def on_mount(self) -> None:
        self.refresh_countdown()
        self.set_interval(0.5, self.refresh_countdown)
        self.query_one(RadioSet).focus()

    def action_choose(self, n: int) -> None:
        """Press option `n` (1-based), as a click on it would."""
        choices = list(self.query(Choice))
        if 0 < n <= len(choices):
            choices[n - 1].value = True
            self.query_one("#error", Label).update("")

    def action_cancel(self) -> None:
        if self.value("#rationale"):
            self.ask_to_discard("this decision and its rationale")
        else:
            self.dismiss(None)

    def refresh_countdown(self) -> None:
        record = self.session.decision_record(self.decision)
        label = self.query_one("#countdown", Label)
        ended = self.session.ended and (record is None or record.status == "open")
        if record is None or (record.deadline is None and not ended):
            label.update(Text("No deadline", style="dim"))
        elif record.status != "open" or ended:
            if ended:
                # The log keeps it "open", but the clock has stopped for good: nothing can be sent.
                closed = "The exercise has ended: this decision is closed."
            elif record.status == "timed_out":
                closed = "The deadline lapsed: this decision is closed."
            else:
                closed = "This decision has been taken: it is closed."
            label.update(Text(closed, style="bold red"))
            # Nothing can be sent any more: the button says so rather than refusing after a confirmation.
            self.query_one("#ok", Button).disabled = True
        else:
            left = record.deadline - self.session.scenario_time()
            style = "bold red" if left < 120 else "bold yellow"
            label.update(Text(f"Deadline in {countdown(left)} (scenario time)", style=style))

    def accept(self) -> None:
        pressed = self.query_one(RadioSet).pressed_button
        error = self.query_one("#error", Label)
        record = self.session.decision_record(self.decision)
        if self.session.ended or (record is not None and record.status != "open"):
            error.update("This decision is closed; nothing was sent. Press esc to go back.")
            return
        if pressed is None:
            error.update("Choose an option first.")
            self.query_one(RadioSet).focus()
            return
        rationale = self.value("#rationale")
        if self.spec.rationale == "required" and not rationale:
            error.update("This decision needs a rationale.")
            self.query_one("#rationale").focus()
            return
        option = next(o for o in self.spec.options if o.id == pressed.name)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss((option.id, rationale))

        self.app.push_screen(
            ConfirmDialog(
                f"Send decision: {option.label}?",
                f"Rationale: {rationale}" if rationale else "No rationale given.",
                ok="Send",
            ),
            confirmed,
        )


def _recipients(scenario: Scenario, exclude: str | None = None) -> list[Selection]:
    # Names, as a person reads them; the ids stay behind the choices.
    choices = [Selection(Text("Everyone"), "all")]
    for team in scenario.teams:
        choices.append(Selection(literal(f"Team: {team.name}"), team.id))
    for role in scenario.roles:
        if role.id != exclude:
            label = literal(role.name)
            label.append_text(literal(f"  {short(scenario.team(role.team).name, 40)}", "dim"))
            choices.append(Selection(label, role.id))
    return choices


class ComposeDialog(Dialog):
    """A role writes to other roles or teams (a reply comes with its recipient and subject filled in)."""

    BINDINGS = [submit_key("Send")]

    def __init__(self, scenario: Scenario, role: str, to: list[str] | None = None, subject: str = "") -> None:
        super().__init__()
        self.scenario = scenario
        self.role = role
        self.to = to or []
        self.subject = subject

    def body(self) -> ComposeResult:
        yield Label(literal(f"Message from {self.scenario.role(self.role).name}", "bold"), classes="title")
        yield Label("To")
        recipients = _recipients(self.scenario, self.role)
        ticked = [Selection(c.prompt, c.value, c.value in self.to) for c in recipients]
        yield TickList(*ticked, id="to")
        yield SafeInput(clean(self.subject), placeholder="Subject (optional)", id="subject")
        yield Label("Message")
        yield _area("text")
        yield Label("", id="error", classes="error")

    def on_mount(self) -> None:
        # The scrolling box could take focus itself; the recipients come first, unless a reply has them.
        recipients = self.query_one("#to", TickList)
        if self.to:
            # In view, so the reply shows whom it goes to even when the list is taller than its box.
            ticked = [n for n in range(recipients.option_count) if recipients.get_option_at_index(n).value in self.to]
            recipients.highlighted = ticked[0] if ticked else 0
            self.query_one("#text").focus()
        else:
            recipients.focus()

    def accept(self) -> None:
        to = list(self.query_one("#to", SelectionList).selected)
        text = self.value("#text")
        error = self.query_one("#error", Label)
        if not to:
            error.update("Pick at least one recipient.")
            return
        if not text:
            error.update("Write the message first.")
            return
        subject = self.value("#subject")
        self.dismiss(SendMessage(role=self.role, to=to, text=text, subject=subject))

    def action_cancel(self) -> None:
        if self.value("#text"):
            self.ask_to_discard("this message")
        else:
            self.dismiss(None)


class InjectDialog(Dialog):
    """Exercise control sends an inject that is not in the scenario."""

    BINDINGS = [submit_key("Send inject")]
    OK = "Send inject"

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def body(self) -> ComposeResult:
        yield Label("Ad hoc inject", classes="title")
        yield Label("Recipients")
        yield TickList(*_recipients(self.scenario), id="to")
        with Horizontal(classes="row"):
            yield Select([(c, c) for c in CHANNELS], value="email", allow_blank=False, id="channel")
            yield Select([(p, p) for p in PRIORITIES], value="normal", allow_blank=False, id="priority")
        yield SafeInput(placeholder="From (default: Exercise control)", id="sender")
        yield SafeInput(placeholder="Title (one line)", id="title")
        yield Label("Body")
        yield _area("body")
        yield Label("", id="error", classes="error")

    def on_mount(self) -> None:
        # The scrolling box could take focus itself; the recipients come first.
        self.query_one("#to").focus()

    def accept(self) -> None:
        to = list(self.query_one("#to", SelectionList).selected)
        title = self.value("#title")
        error = self.query_one("#error", Label)
        if not to:
            error.update("Pick at least one recipient.")
            return
        if not title:
            error.update("Give the inject a title.")
            return
        self.dismiss(
            InjectAdHoc(
                to=to,
                title=title,
                body=self.value("#body"),
                channel=str(self.query_one("#channel", Select).value),
                priority=self.query_one("#priority", Select).value,  # type: ignore[arg-type]
                sender=self.value("#sender") or "Exercise control",
            )
        )

    def action_cancel(self) -> None:
        if self.value("#title") or self.value("#body"):
            self.ask_to_discard("this inject")
        else:
            self.dismiss(None)


class ObserveDialog(Dialog):
    """An evaluator's observation, tagged to an objective."""

    BINDINGS = [submit_key("Record")]
    OK = "Record"

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def body(self) -> ComposeResult:
        yield Label("Evaluator observation", classes="title")
        yield Label("Objective")
        # Radio buttons wrap: an objective's text is a sentence, and its end often tells two apart.
        with RadioSet(id="objective"):
            yield Choice(Text("None (a general note)", style="dim"), name="", value=True)
            for objective in self.scenario.objectives:
                label = literal(f"{objective.id}: ", "bold")
                label.append_text(literal(one_line(objective.text)))
                yield Choice(label, name=objective.id)
        yield Label("Kind")
        yield Select(
            [("note", "note"), ("strength", "strength"), ("improvement", "improvement")],
            value="note",
            allow_blank=False,
            id="kind",
        )
        yield Label("What you saw")
        yield _area("text")
        yield Label("", id="error", classes="error")

    def on_mount(self) -> None:
        self.query_one("#objective").focus()

    def accept(self) -> None:
        text = self.value("#text")
        if not text:
            self.query_one("#error", Label).update("Write the observation first.")
            self.query_one("#text").focus()
            return
        pressed = self.query_one("#objective", RadioSet).pressed_button
        objective = pressed.name if pressed is not None and pressed.name else None
        self.dismiss(
            Observe(
                text=text,
                objective=objective,
                kind=self.query_one("#kind", Select).value,  # type: ignore[arg-type]
            )
        )

    def action_cancel(self) -> None:
        if self.value("#text"):
            self.ask_to_discard("this observation", "It has not been recorded.")
        else:
            self.dismiss(None)


RATING_STYLE = {"P": "bold green", "S": "bold cyan", "M": "bold yellow", "U": "bold red"}
RATING_WORDS = {
    "P": "Performed without challenges",
    "S": "Performed with some challenges",
    "M": "Performed with major challenges",
    "U": "Unable to be performed",
}


class OverrideDialog(Dialog):
    """An evaluator sets an objective's rating, with the reason; the automatic rating stays on record.

    p, s, m and u pick a rating (outside the reason, where they are text); leaving with a reason
    typed asks first.
    """

    BINDINGS = [submit_key("Set rating")] + [
        Binding(letter.lower(), f"rate('{letter}')", RATING_WORDS[letter], show=False) for letter in RATING_WORDS
    ]
    OK = "Set rating"

    def __init__(self, objective: str, text: str, auto: str | None, current: str | None, points: str) -> None:
        super().__init__()
        self.objective = objective
        self.text = text
        self.auto = auto
        self.current = current
        self.points = points

    def body(self) -> ComposeResult:
        yield Label(literal(f"Rating: {one_line(self.text)}", "bold"), classes="title")
        scored = Text("Automatic: ", style="dim")
        if self.auto is None:
            scored.append("— not exercised", style="dim")
        else:
            scored.append(f"{self.auto} · {RATING_WORDS[self.auto]}", style=RATING_STYLE[self.auto])
        scored.append(f"  ({self.points} points)", style="dim")
        yield Label(scored, id="automatic")
        yield Label("Rating (p, s, m or u)")
        with RadioSet(id="rating"):
            for letter, words in RATING_WORDS.items():
                label = Text(f"{letter} ", style=RATING_STYLE[letter])
                label.append(words)
                yield Choice(label, name=letter, value=letter == self.current)
        yield Label("Reason (required: it goes in the report beside both ratings)")
        yield _area("reason")
        yield Label("", id="error", classes="error")

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    def action_rate(self, letter: str) -> None:
        for choice in self.query(Choice):
            if choice.name == letter:
                choice.value = True
        self.query_one("#error", Label).update("")

    def action_cancel(self) -> None:
        if self.value("#reason"):
            self.ask_to_discard("this rating and its reason", "The rating has not been set.")
        else:
            self.dismiss(None)

    def accept(self) -> None:
        pressed = self.query_one(RadioSet).pressed_button
        error = self.query_one("#error", Label)
        if pressed is None or pressed.name is None:
            error.update("Choose a rating first.")
            self.query_one(RadioSet).focus()
            return
        reason = self.value("#reason")
        if not reason:
            error.update("Give the reason for this rating.")
            self.query_one("#reason").focus()
            return
        self.dismiss(OverrideRating(objective=self.objective, rating=pressed.name, reason=reason))  # type: ignore[arg-type]


class PickDialog(Dialog):
    """Pick one entry of a list: arrows and enter, or its number (1–9)."""

    BINDINGS = [Binding("1", "pick(1)", "Pick by number", key_display="1-9")] + [
        Binding(str(n), f"pick({n})", show=False) for n in range(2, 10)
    ]
    OK = None
    BOX = "wide"

    def __init__(self, title: str, choices: list[tuple[Text, str]], current: str | None = None) -> None:
        super().__init__()
        self.heading = title
        self.choices = choices
        self.current = current

    def body(self) -> ComposeResult:
        yield Label(self.heading, classes="title")
        options = []
        for n, (label, value) in enumerate(self.choices, 1):
            # One line each: the number, then the label, cut with an ellipsis only where it must be.
            line = Text(f"{n} " if n < 10 else "  ", style="bold", no_wrap=True, overflow="ellipsis")
            line.append_text(label)
            options.append(Option(line, id=value))
        yield OptionList(*options, id="choices")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        choices.focus()
        ids = [value for _, value in self.choices]
        choices.highlighted = ids.index(self.current) if self.current in ids else 0

    def action_pick(self, n: int) -> None:
        if 0 < n <= len(self.choices):
            self.dismiss(self.choices[n - 1][1])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class ChoiceDialog(PickDialog):
    """Pick one of a few labelled choices (a channel, a feed filter)."""


class RolePicker(PickDialog):
    """Switch the room console to exercise control or a role; each role says how many decisions wait
    for it, so the trainer in the room sees whose turn it is before switching."""

    def __init__(self, scenario: Scenario, current: str) -> None:
        self.scenario = scenario
        super().__init__("Switch console", self._choices(None), current)

    def _choices(self, session: Session | None) -> list[tuple[Text, str]]:
        scenario = self.scenario
        choices = [(Text("Exercise control (facilitator)", style="bold"), FACILITATOR)]
        for role in scenario.roles:
            label = literal(role.name, "bold")
            waiting = len(open_decisions(session, role.id)) if session is not None else 0
            if waiting:
                # Before the team name: a narrow dialog cuts the team, not the count.
                label.append(f"  ⚑ {waiting} to decide", style="bold yellow")
            label.append("  ")
            label.append_text(literal(one_line(scenario.team(role.team).name), "dim"))
            choices.append((label, role.id))
        return choices

    def body(self) -> ComposeResult:
        # The session is the app's (built before the dialog had one to ask).
        session = getattr(self.app, "session", None)
        if session is not None:
            self.choices = self._choices(session)
        yield from super().body()


class HotwashDialog(Dialog):
    """The hot wash questions, answered by the room (as exercise control) or by one role from its console.

    Dismissed with the answers to record, {} to go on to the debrief without them (the room's "Skip"),
    or None to go back to the console.
    """

    BINDINGS = [submit_key("Record"), Binding("escape", "cancel", "Back")]

    def __init__(self, scenario: Scenario, who: str = "", answers: dict[str, str] | None = None) -> None:
        super().__init__()
        self.scenario = scenario
        self.who = who
        self.answers = answers or {}

    def body(self) -> ComposeResult:
        yield Label(literal(f"Hot wash — {self.who}" if self.who else "Hot wash"), classes="title")
        for question in self.scenario.hotwash:
            yield Label(literal(question.text, "bold"), classes="question")
            yield _area(f"q-{question.id}", self.answers.get(question.id, ""), classes="answer")

    def buttons(self) -> Horizontal:
        if self.who:
            return Horizontal(
                Button("Record answers", variant="primary", id="ok"),
                Button("Cancel", id="cancel"),
                classes="dialog-buttons",
            )
        # The room's hot wash leads on to the debrief; going there without answers is a choice of its own.
        return Horizontal(
            Button("Record and debrief", variant="primary", id="ok"),
            Button("Skip to debrief", id="skip"),
            Button("Back to console", id="cancel"),
            classes="dialog-buttons",
        )

    def on_mount(self) -> None:
        # Typing straight away should land in the first answer, not in the scroll container.
        areas = self.query(TextArea)
        if areas:
            areas.first().focus()

    def unsaved(self) -> dict[str, str]:
        """Answers typed and not recorded yet (an answer given before and left as it was is not new)."""
        answers = {}
        for question in self.scenario.hotwash:
            text = self.value(f"#q-{question.id}")
            if text and text != self.answers.get(question.id, ""):
                answers[question.id] = text
        return answers

    def accept(self) -> None:
        self.dismiss(self.unsaved())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "skip":
            event.stop()
            self._leave({})
            return
        super().on_button_pressed(event)

    def action_cancel(self) -> None:
        self._leave(None)

    def _leave(self, result: dict[str, str] | None) -> None:
        if not self.unsaved():
            self.dismiss(result)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss(result)

        self.app.push_screen(
            ConfirmDialog("Discard your hot wash answers?", "They have not been recorded.", ok="Discard"), confirmed
        )


class DetailDialog(Dialog):
    """Something whole, in a scrolling box: every field, names in full, text as written."""

    OK = None
    CANCEL = "Close"
    BOX = "wide"
    BINDINGS = [Binding("escape,enter,q", "cancel", "Close")]

    def __init__(self, text: Text) -> None:
        super().__init__()
        self.text = text

    def body(self) -> ComposeResult:
        yield Static(self.text, id="event-detail")

    def on_mount(self) -> None:
        self.query_one("#cancel").focus()


class EventDialog(DetailDialog):
    """One event of the feed (or of a role's own actions), whole."""

    def __init__(self, event: EventBase, scenario: Scenario) -> None:
        super().__init__(detail(event, scenario))
        self.event = event
        self.scenario = scenario


HELP = [
    ("Everywhere", ""),
    ("r", "switch console: exercise control or a role"),
    ("?", "this help"),
    ("ctrl+p", "command palette: every action of this screen by name"),
    ("ctrl+t", "light or dark theme"),
    ("ctrl+q", "quit (asks while the exercise runs; the log is kept)"),
    ("Exercise control", ""),
    ("space", "start, pause or resume the clock"),
    ("+ / -", "faster or slower (1× to 900×; the demo starts at 10×)"),
    ("n", "jump to the next inject or deadline"),
    ("i", "send an ad hoc inject"),
    ("o", "record an observation"),
    ("f", "filter the feed by role or team"),
    ("↑ ↓ enter", "in the feed or the MSEL: highlight a line and see it whole"),
    ("w", "on a narrow screen: the world state, decisions and messages instead of the MSEL and feed"),
    ("s", "hide or show STATE lines from the world's dynamics"),
    ("e", "end the exercise, hot wash, debrief"),
    ("p", "when serving (tabletop serve): who is connected, and each role's join command"),
    ("Participant", ""),
    ("↑ ↓ enter", "read the inbox; in my actions: see a line whole"),
    ("c", "filter the inbox by channel"),
    ("d", "decide on the open item (or the oldest open decision)"),
    ("m", "message other roles"),
    ("R", "reply to the open item's sender, when that is a role"),
    ("1 2 3", "inbox, situation, my actions"),
    ("w", "answer the hot wash (once the exercise has ended)"),
    ("Debrief", ""),
    ("↑ ↓", "highlight an objective"),
    ("enter / s", "set the highlighted objective's rating, with a reason (the automatic one is kept)"),
    ("o", "record an observation"),
    ("h m j", "export the after-action report: HTML, Markdown, JSON (next to the log)"),
    ("esc", "back to the console"),
    ("Dialogs", ""),
    ("ctrl+s", "send, record or decide: the dialog's main button, from any field"),
    ("tab", "next field; esc cancels (asking first if you typed something)"),
    ("1-9", "in a list to pick from, and in the decision form: that entry"),
]


class HelpScreen(Dialog):
    """Keys, in one table whose descriptions wrap."""

    BINDINGS = [Binding("escape,question_mark,q", "cancel", "Close")]
    OK = None
    CANCEL = "Close"

    def scroller(self, **kwargs: str) -> VerticalScroll:
        # Nothing in it takes focus: the body itself does, so the arrows and page keys scroll it.
        return VerticalScroll(**kwargs)

    def body(self) -> ComposeResult:
        yield Label("Tabletop — keys (Esc closes)", classes="title")
        for key, text in HELP:
            if not text:
                yield Label(Text(key, style="bold underline"), classes="help-head")
            else:
                yield Horizontal(Label(key, classes="key"), Label(text, classes="what"), classes="help-row")
        yield Label(Text("Mouse: click rows, tabs, buttons and footer keys.", style="dim"), classes="help-head")

    def on_mount(self) -> None:
        self.query_one("#fields").focus()
