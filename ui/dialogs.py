"""Modal dialogs: confirm, decide, compose a message, ad hoc inject, observation, role picker, hot wash, help."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
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
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from simulator.commands import InjectAdHoc, Observe, SendMessage
from simulator.schema import Scenario
from simulator.session import Session
from simulator.visibility import FACILITATOR
from ui.text import clean, countdown, literal, one_line

OPTION_FITS = 60
"""Characters of an option a radio button shows on a narrow dialog; longer ones are listed in full too."""
CHANNELS = ("email", "phone", "radio", "news", "social", "sitrep", "briefing")
PRIORITIES = ("low", "normal", "high", "flash")


class Dialog(ModalScreen):
    """A centred box with a title; escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def buttons(self, ok: str = "Send") -> Horizontal:
        return Horizontal(
            Button(ok, variant="primary", id="ok"), Button("Cancel", id="cancel"), classes="dialog-buttons"
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        elif event.button.id == "ok":
            event.stop()
            self.accept()

    def accept(self) -> None:
        """Called by the primary button."""
        self.dismiss(True)

    def on_input_changed(self, event: Input.Changed) -> None:
        # Pasted escape sequences would be drawn raw (scrambling the screen) and stored: keep only what shows.
        cleaned = clean(event.value)
        if cleaned != event.value:
            event.input.value = cleaned
            event.input.cursor_position = len(cleaned)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        area = event.text_area
        cleaned = clean(area.text)
        if cleaned != area.text:
            area.load_text(cleaned)
            area.move_cursor(area.document.end)

    def value(self, selector: str) -> str:
        """The cleaned, trimmed text of an Input or TextArea."""
        widget = self.query_one(selector)
        text = widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]
        return clean(text).strip()


class ConfirmDialog(Dialog):
    """Yes or no."""

    BINDINGS = [Binding("y", "yes", "Yes"), Binding("n", "cancel", "No"), Binding("escape", "cancel", "No")]

    def __init__(self, question: str, detail: str = "", ok: str = "Yes", name: str | None = None) -> None:
        super().__init__(name=name)
        self.question = question
        self.detail = detail
        self.ok = ok

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Label(literal(self.question, "bold"))
            if self.detail:
                yield Label(literal(self.detail), classes="detail")
            yield self.buttons(self.ok)

    def action_yes(self) -> None:
        self.dismiss(True)

    def accept(self) -> None:
        self.dismiss(True)


class DecisionDialog(Dialog):
    """Choose an option, give a rationale, watch the deadline; confirm before sending."""

    def __init__(self, session: Session, role: str, decision: str) -> None:
        super().__init__()
        self.session = session
        self.role = role
        self.decision = decision
        self.inject, self.spec = session.scenario.decision(decision)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self.spec.prompt, "bold"), classes="title")
            yield Label("", id="countdown")
            # A radio button shows one line; when an option does not fit, the options are also listed in full.
            full = []
            with RadioSet(id="options"):
                for n, option in enumerate(self.spec.options, 1):
                    label = Text(f"{n}. ")
                    label.append_text(literal(one_line(option.label)))
                    if option.description:
                        label.append(f" — {one_line(option.description)}", style="dim")
                    full.append(label)
                    yield RadioButton(label, name=option.id)
            if any(len(label) > OPTION_FITS for label in full):
                yield Static(Text("\n").join(full), id="options-full", classes="question")
            need = {"required": " (required)", "none": " (not asked)"}.get(self.spec.rationale, " (optional)")
            yield Label(f"Rationale{need}")
            yield TextArea(id="rationale", soft_wrap=True, show_line_numbers=False)
            yield Label("", id="error", classes="error")
            yield self.buttons("Decide…")

    def on_mount(self) -> None:
        self.refresh_countdown()
        self.set_interval(0.5, self.refresh_countdown)
        self.query_one(RadioSet).focus()

    def refresh_countdown(self) -> None:
        record = self.session.exercise.decisions.get(self.decision)
        label = self.query_one("#countdown", Label)
        if record is None or record.deadline is None:
            label.update(Text("No deadline", style="dim"))
        elif record.status != "open":
            label.update(Text("This decision is closed.", style="bold red"))
        else:
            left = record.deadline - self.session.scenario_time()
            style = "bold red" if left < 120 else "bold yellow"
            label.update(Text(f"Deadline in {countdown(left)} (scenario time)", style=style))

    def accept(self) -> None:
        pressed = self.query_one(RadioSet).pressed_button
        error = self.query_one("#error", Label)
        if pressed is None:
            error.update("Choose an option first.")
            return
        rationale = self.value("#rationale")
        if self.spec.rationale == "required" and not rationale:
            error.update("This decision needs a rationale.")
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
    choices = [Selection(Text("Everyone"), "all")]
    for team in scenario.teams:
        choices.append(Selection(literal(f"Team: {team.name}"), team.id))
    for role in scenario.roles:
        if role.id != exclude:
            choices.append(Selection(literal(f"{role.name} ({role.id})"), role.id))
    return choices


class ComposeDialog(Dialog):
    """A role writes to other roles or teams."""

    def __init__(self, scenario: Scenario, role: str) -> None:
        super().__init__()
        self.scenario = scenario
        self.role = role

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(literal(f"Message from {self.scenario.role(self.role).name}", "bold"), classes="title")
            yield Label("To")
            yield SelectionList(*_recipients(self.scenario, self.role), id="to")
            yield Input(placeholder="Subject (optional)", id="subject")
            yield Label("Message")
            yield TextArea(id="text", soft_wrap=True, show_line_numbers=False)
            yield Label("", id="error", classes="error")
            yield self.buttons("Send")

    def on_mount(self) -> None:
        # The scrolling box could take focus itself; the recipients come first.
        self.query_one("#to").focus()

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


class InjectDialog(Dialog):
    """Exercise control sends an inject that is not in the scenario."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        # Scrolls: on a small terminal the fields and buttons are more than the screen holds.
        with VerticalScroll(classes="dialog"):
            yield Label("Ad hoc inject", classes="title")
            yield Label("Recipients")
            yield SelectionList(*_recipients(self.scenario), id="to")
            with Horizontal(classes="row"):
                yield Select([(c, c) for c in CHANNELS], value="email", allow_blank=False, id="channel")
                yield Select([(p, p) for p in PRIORITIES], value="normal", allow_blank=False, id="priority")
            yield Input(placeholder="From (default: Exercise control)", id="sender")
            yield Input(placeholder="Title (one line)", id="title")
            yield Label("Body")
            yield TextArea(id="body", soft_wrap=True, show_line_numbers=False)
            yield Label("", id="error", classes="error")
            yield self.buttons("Send inject")

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


class ObserveDialog(Dialog):
    """An evaluator's observation, tagged to an objective."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Evaluator observation", classes="title")
            objectives = [(literal(f"{o.id}: {one_line(o.text, 60)}"), o.id) for o in self.scenario.objectives]
            yield Label("Objective")
            yield Select(objectives, prompt="Objective (optional)", id="objective")
            yield Label("Kind")
            yield Select(
                [("note", "note"), ("strength", "strength"), ("improvement", "improvement")],
                value="note",
                allow_blank=False,
                id="kind",
            )
            yield Label("What you saw")
            yield TextArea(id="text", soft_wrap=True, show_line_numbers=False)
            yield Label("", id="error", classes="error")
            yield self.buttons("Record")

    def accept(self) -> None:
        text = self.value("#text")
        if not text:
            self.query_one("#error", Label).update("Write the observation first.")
            return
        objective = self.query_one("#objective", Select).value
        self.dismiss(
            Observe(
                text=text,
                objective=None if objective is Select.BLANK else str(objective),
                kind=self.query_one("#kind", Select).value,  # type: ignore[arg-type]
            )
        )


class RolePicker(Dialog):
    """Switch the room console to exercise control or a role."""

    def __init__(self, scenario: Scenario, current: str) -> None:
        super().__init__()
        self.scenario = scenario
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(Text("Exercise control (facilitator)", style="bold"), id=FACILITATOR)]
        for role in self.scenario.roles:
            team = self.scenario.team(role.team).name
            label = Text()
            label.append_text(literal(role.name, "bold"))
            label.append(f"  {one_line(team, 40)}", style="dim")
            options.append(Option(label, id=role.id))
        with Vertical(classes="dialog small"):
            yield Label("Switch console", classes="title")
            yield OptionList(*options, id="roles")

    def on_mount(self) -> None:
        roles = self.query_one(OptionList)
        roles.focus()
        ids = [FACILITATOR] + [r.id for r in self.scenario.roles]
        roles.highlighted = ids.index(self.current) if self.current in ids else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class HotwashDialog(Dialog):
    """The hot wash questions, answered by the room (as exercise control) or by one role from its console."""

    def __init__(self, scenario: Scenario, who: str = "", answers: dict[str, str] | None = None) -> None:
        super().__init__()
        self.scenario = scenario
        self.who = who
        self.answers = answers or {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Label(literal(f"Hot wash — {self.who}" if self.who else "Hot wash"), classes="title")
            with VerticalScroll():
                for question in self.scenario.hotwash:
                    yield Label(literal(question.text, "bold"), classes="question")
                    yield TextArea(
                        self.answers.get(question.id, ""),
                        id=f"q-{question.id}",
                        soft_wrap=True,
                        show_line_numbers=False,
                        classes="answer",
                    )
            yield self.buttons("Record and debrief" if not self.who else "Record answers")

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

    def action_cancel(self) -> None:
        if not self.unsaved():
            self.dismiss({})
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss({})

        self.app.push_screen(
            ConfirmDialog("Discard your hot wash answers?", "They have not been recorded.", ok="Discard"), confirmed
        )


HELP = [
    ("Everywhere", ""),
    ("r", "switch console: exercise control or a role"),
    ("?", "this help"),
    ("ctrl+p", "command palette"),
    ("ctrl+t", "light or dark theme"),
    ("ctrl+q", "quit (asks while the exercise runs; the log is kept)"),
    ("Exercise control", ""),
    ("space", "start, pause or resume the clock"),
    ("+ / -", "faster or slower (1× to 900×; the demo starts at 10×)"),
    ("n", "jump to the next inject"),
    ("i", "send an ad hoc inject"),
    ("o", "record an observation"),
    ("f", "filter the feed by role or team"),
    ("s", "hide or show STATE lines from the world's dynamics"),
    ("e", "end the exercise, hot wash, debrief"),
    ("Participant", ""),
    ("↑ ↓ enter", "read the inbox"),
    ("c", "filter the inbox by channel"),
    ("d", "decide on the open item"),
    ("m", "message other roles"),
    ("1 2 3", "inbox, situation, my actions"),
    ("w", "answer the hot wash (once the exercise has ended)"),
]


class HelpScreen(ModalScreen):
    """Keys, in one table."""

    BINDINGS = [Binding("escape,question_mark,q", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog tall"):
            yield Label("Tabletop — keys (Esc closes)", classes="title")
            for key, text in HELP:
                if not text:
                    yield Label(Text(key, style="bold underline"), classes="help-head")
                else:
                    line = Text(f"{key:>12}  ", style="bold")
                    line.append(text)
                    yield Label(line)
            yield Label(Text("Mouse: click rows, tabs, buttons and footer keys.", style="dim"))
            yield Label(Text("Press Esc to close.", style="bold"), classes="help-head")


class ChoiceDialog(Dialog):
    """Pick one of a few labelled choices."""

    def __init__(self, title: str, choices: list[tuple[Text, str]], current: str | None = None) -> None:
        super().__init__()
        self.heading = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Label(self.heading, classes="title")
            yield OptionList(*[Option(label, id=value) for label, value in self.choices], id="choices")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        choices.focus()
        ids = [value for _, value in self.choices]
        choices.highlighted = ids.index(self.current) if self.current in ids else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
