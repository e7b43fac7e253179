"""The interview in a terminal (Textual): status and prompt always visible, a scrolling body, modes, end screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Markdown, OptionList, Static, TextArea, Tree

from framework.errors import BadInput
from framework.walk_session import MAX_GRADE, WalkSession, clock
from framework.walk_steps import WalkStep
from framework.walk_text import tables_as_text
from framework.whatif import Figure

# The step list needs this many columns beside a readable body; narrower terminals jump with 1-9.
SIDEBAR_MIN_WIDTH = 100
FOLLOW_UP_ROOT = "Follow-up questions (Enter opens a branch; answers stay hidden until opened)"
KNOWN_KEYS = {"tab", "shift+tab", "escape", "up", "down", "pageup", "pagedown", "home", "end", "ctrl+c"}


class GradeScreen(ModalScreen[dict[int, int]]):
    """Score each rubric item of a step 0-3: up/down chooses the item, 0-3 scores it, Enter closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("0,1,2,3", "score", "score 0-3", key_display="0-3"),
        Binding("enter,escape", "done", "done"),
    ]
    DEFAULT_CSS = """
    GradeScreen { align: center middle; }
    GradeScreen > #sheet { width: 90%; height: auto; max-height: 90%; border: round $accent;
                           background: $surface; }
    GradeScreen OptionList { height: auto; max-height: 18; }
    """

    def __init__(self, step: WalkStep, grades: dict[int, int]):
        super().__init__()
        self.step, self.grades = step, dict(grades)

    def compose(self) -> ComposeResult:
        with Vertical(id="sheet"):
            yield Static(
                f"Step {self.step.number}: ↑/↓ choose an item, 0-3 score it (0 missing, 1 mid, 2 senior, "
                "3 staff-level green flag); Enter or Esc when done."
            )
            yield OptionList(*self._labels(), id="items")
        yield Footer()

    def _labels(self) -> list[str]:
        return [
            f"[{self.grades.get(i, '-')}/{MAX_GRADE}] {item.skill}  (3 = {item.staff})"
            for i, item in enumerate(self.step.rubric)
        ]

    def on_key(self, event: Any) -> None:
        if event.character in {"0", "1", "2", "3"}:
            event.stop()
            self._score(int(event.character))

    def action_score(self) -> None:  # the keys are handled in on_key; the binding shows them in the footer
        return None

    def _score(self, score: int) -> None:
        items = self.query_one(OptionList)
        chosen = items.highlighted or 0
        self.grades[chosen] = score
        items.clear_options()
        items.add_options(self._labels())
        items.highlighted = min(chosen + 1, len(self.step.rubric) - 1)

    def action_done(self) -> None:
        self.dismiss(self.grades)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on the list (the list takes Enter before the screen's binding) also closes the sheet."""
        event.stop()
        self.action_done()


class WhatIfScreen(ModalScreen[None]):
    """Change a constraint (``daily_active_users=1500000000``) and see every design-level figure recomputed."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "close")]
    DEFAULT_CSS = """
    WhatIfScreen { align: center middle; }
    WhatIfScreen > Vertical { width: 95%; height: 90%; border: round $accent; background: $surface; }
    WhatIfScreen DataTable { height: 1fr; }
    WhatIfScreen #whatif-error { color: $error; height: auto; }
    """

    def __init__(self, figures: Callable[[list[str]], list[Figure]]):
        super().__init__()
        self.figures = figures
        self.overrides: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("What if? Type constraint=value and Enter (several: separate by spaces); Esc closes.")
            yield Input(placeholder="daily_active_users=1500000000 latency_sla_ms=100", id="whatif-input")
            yield Static("", id="whatif-error")
            yield DataTable(id="whatif-table", cursor_type="none")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("as designed", "what if", "unit", "figure")  # numbers first: names are long
        self._fill(self.figures([]))
        self.query_one(Input).focus()

    def _fill(self, after: list[Figure]) -> None:
        from framework.report import fmt

        table = self.query_one(DataTable)
        table.clear()
        for was, now in zip(self.figures([]), after, strict=True):
            ratio = f" ({now.value / was.value:.3g}x)" if now.value != was.value and was.value else ""
            table.add_row(fmt(was.value), fmt(now.value) + ratio, was.unit, f"{was.group}: {was.name}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        error = self.query_one("#whatif-error", Static)
        try:
            after = self.figures(event.value.split())
        except BadInput as exc:
            error.update(str(exc))
            return
        error.update("")
        self._fill(after)

    def action_close(self) -> None:
        self.dismiss(None)


class EndScreen(Screen[None]):
    """After step 9: time per step against its budget (and grades in practice)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b,left", "previous", "back to the last step"),
        Binding("q", "app.quit_walk", "quit"),
    ]

    def __init__(self, session: WalkSession, on_back: Callable[[], None]):
        super().__init__()
        self.session, self.on_back = session, on_back

    def compose(self) -> ComposeResult:
        total = clock(self.session.total_elapsed())
        yield Static(f"End of the interview: {total} in all. Time per step against its budget:", id="end-title")
        table: DataTable[str] = DataTable(id="times", cursor_type="none")
        table.add_columns("part", "spent", "budget", "grades")
        grades = {s.number: st.grades for s, st in zip(self.session.steps, self.session.state, strict=True)}
        for part, spent, budget in self.session.time_rows():
            number = int(part.split(".")[0]) if part[0].isdigit() else 0
            g = grades.get(number) or {}
            shown = f"{sum(g.values())}/{MAX_GRADE * len(g)}" if g else ""
            table.add_row(part, spent, budget, shown)
        yield table
        yield Footer()

    def action_previous(self) -> None:
        self.session.back()
        self.app.pop_screen()
        self.on_back()


class WalkApp(App[None]):
    """The interview walk: status line, prompt, step list, scrolling body, footer of keys.

    Args:
        session: the walk's state (mode, steps, timers).
        title: the case's title.
        on_grades: called with ``(step, grades)`` when a step is graded (practice saves them).
    """

    CSS = """
    #top { dock: top; height: auto; }
    #status { height: 1; background: $primary; color: $text; text-wrap: nowrap; text-overflow: ellipsis; }
    #status.over { background: $error; }
    #prompt { height: auto; max-height: 6; padding: 0 1; border-bottom: solid $accent;
              overflow-y: auto; }
    #steps { width: 26; border-right: solid $accent; }
    #body { padding: 0 1; }
    #bottom { dock: bottom; height: auto; }
    #bottom > Footer { dock: none; }
    #hint { height: auto; display: none; background: $warning 30%; padding: 0 1; }
    #hint.shown { display: block; }
    #notes { height: 6; display: none; }
    #notes.open { display: block; }
    #follow-ups { height: auto; }
    """
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n,right,enter,space", "next", "next", key_display="n/→"),
        Binding("b,left", "previous", "back", key_display="b/←"),
        Binding("j", "scroll(1)", "scroll", show=False),
        Binding("k", "scroll(-1)", "scroll", show=False),
        Binding("h", "hint", "hint"),
        Binding("a", "answer", "answer"),
        Binding("g", "grade", "grade"),
        Binding("e", "notes", "notes"),
        Binding("w", "what_if", "what if"),
        Binding("question_mark", "help", "keys", key_display="?"),
        Binding("q", "quit_walk", "quit"),
        *(Binding(str(n), f"jump({n})", f"step {n}", show=False) for n in range(1, 10)),
    ]

    def __init__(
        self,
        session: WalkSession,
        title: str,
        on_grades: Callable[[WalkStep, dict[int, int]], None] | None = None,
        what_if: Callable[[list[str]], list[Figure]] | None = None,
    ):
        super().__init__()
        self.what_if = what_if
        self.session = session
        self.case_title = title
        self.on_grades = on_grades
        self._hint_timer: Timer | None = None
        self._laid_out_for = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="top"):
            yield Static(id="status")
            yield Static(id="prompt")
        with Horizontal():
            yield OptionList(*(f"{s.number}. {s.title}" for s in self.session.steps), id="steps")
            with VerticalScroll(id="body"):
                yield Markdown(id="text")
                yield Tree(
                    "Follow-up questions (Enter opens a branch; answers stay hidden until opened)", id="follow-ups"
                )
        with Vertical(id="bottom"):
            yield TextArea(id="notes")
            yield Static(id="hint")
            yield Footer()

    def on_mount(self) -> None:
        self.title = self.case_title
        self.query_one("#steps").can_focus = False
        self._show()
        self.set_interval(1.0, self._tick)
        self.query_one("#body").focus()

    def on_resize(self, event: Any) -> None:
        for steps in self.query("#steps"):  # absent while another screen is on top
            steps.display = event.size.width >= SIDEBAR_MIN_WIDTH
        if self.query("#text") and self._body_width() != self._laid_out_for:
            self._show()  # tables are laid out for the new width
        self._tick()

    # Drawing
    def _show(self) -> None:
        s = self.session
        step = s.step
        self.query_one("#prompt", Static).update(f"Step {step.number}/9: {step.title}. {step.prompt}")
        self._laid_out_for = self._body_width()
        self.query_one("#text", Markdown).update(tables_as_text(s.body_md(), self._laid_out_for))
        self._fill_follow_ups(step)
        steps = self.query_one("#steps", OptionList)
        steps.highlighted = s.index
        notes = self.query_one("#notes", TextArea)
        notes.text = s.current.notes
        self.query_one("#body", VerticalScroll).scroll_home(animate=False)
        self.refresh_bindings()
        self._tick()

    def _body_width(self) -> int:
        """Columns a text block has inside the body (the step list and the padding taken off)."""
        sidebar = 26 if self.size.width >= SIDEBAR_MIN_WIDTH else 0
        return max(20, self.size.width - sidebar - 8)

    def _fill_follow_ups(self, step: WalkStep) -> None:
        tree: Tree[str] = self.query_one("#follow-ups", Tree)
        shown = self.session.mode == "interviewer" or self.session.current.answer
        tree.display = bool(step.follow_ups) and shown and self.session.mode == "interviewer"
        tree.clear()
        tree.root.expand()

        def add(node: Any, follow_ups: list[Any]) -> None:
            for f in follow_ups:
                branch = node.add(f"Q: {f.question}", expand=False)
                branch.add_leaf(f"A: {f.answer}")
                add(branch, f.deeper)

        add(tree.root, step.follow_ups)

    def _tick(self) -> None:
        found = self.query("#status")
        if not found:  # the end or grading screen is on top, or the app is closing
            return
        status = found.first(Static)
        status.update(self.session.status(max(10, self.size.width)))
        status.set_class(self.session.over_budget(), "over")

    # Actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.screen is not self.screen_stack[0] and action not in {"quit_walk", "help"}:
            return False  # the end, grading and what-if screens have their own keys
        mode, st = self.session.mode, self.session.current
        if action in {"hint", "answer"}:
            return mode == "practice" and not st.answer
        if action == "grade":
            return bool(self.session.step.rubric) and (mode == "interviewer" or (mode == "practice" and st.answer))
        if action == "notes":
            return mode == "interviewer"
        if action == "what_if":
            return self.what_if is not None
        return True

    def say(self, text: str, seconds: float = 4.0) -> None:
        """A one-line message above the footer (key hints, confirmations), cleared after ``seconds``."""
        hint = self.query_one("#hint", Static)
        hint.update(text)
        hint.add_class("shown")
        if self._hint_timer is not None:
            self._hint_timer.stop()
        self._hint_timer = self.set_timer(seconds, lambda: hint.remove_class("shown"))

    def action_next(self) -> None:
        self.session.next()
        if self.session.finished:
            self.push_screen(EndScreen(self.session, self._show))
        else:
            self._show()

    def action_previous(self) -> None:
        self.session.back()
        self._show()

    def action_jump(self, number: int) -> None:
        if self.session.go_to_number(number):
            self._show()

    def action_scroll(self, lines: int) -> None:
        body = self.query_one("#body", VerticalScroll)
        body.scroll_relative(y=lines, animate=False)

    def action_hint(self) -> None:
        if self.session.hint() is None:
            self.say("No more hints: press a for the answer.")
        self._show()

    def action_answer(self) -> None:
        self.session.reveal()
        self._show()

    def action_grade(self) -> None:
        step = self.session.step

        def save(grades: dict[int, int] | None) -> None:
            if grades:
                for item, score in grades.items():
                    self.session.grade(item, score)
                if self.on_grades is not None:
                    self.on_grades(step, dict(self.session.current.grades))
                self.say(f"Step {step.number} graded {sum(grades.values())}/{MAX_GRADE * len(step.rubric)}.")

        self.push_screen(GradeScreen(step, self.session.current.grades), save)

    def action_notes(self) -> None:
        notes = self.query_one("#notes", TextArea)
        if notes.has_class("open") and notes.has_focus:
            self.session.current.notes = notes.text
            notes.remove_class("open")
            self.query_one("#body").focus()
        else:
            notes.add_class("open")
            notes.focus()

    def action_what_if(self) -> None:
        if self.what_if is not None:
            self.push_screen(WhatIfScreen(self.what_if))

    def action_help(self) -> None:
        modal = {"read": "", "practice": "h hint · a answer · g grade · ", "interviewer": "g score · e notes · "}
        what_if = "w what if · " if self.what_if is not None else ""
        self.say(
            "n/→ next · b/← back · 1-9 jump · j/k ↑/↓ PgUp/PgDn scroll · "
            + modal[self.session.mode]
            + what_if
            + "q quit",
            seconds=8.0,
        )

    def action_quit_walk(self) -> None:
        notes = self.query_one("#notes", TextArea)
        self.session.current.notes = notes.text if notes.has_class("open") else self.session.current.notes
        self.session.stop()
        self.exit()

    def on_key(self, event: Any) -> None:
        """A key nothing is bound to, or bound to something this mode does not offer, gets a visible hint."""
        if isinstance(self.focused, TextArea):
            if event.key == "escape":
                self.action_notes()
            return
        if event.key in KNOWN_KEYS or self.screen is not self.screen_stack[0]:
            return
        action = _KEY_ACTIONS.get(event.key)
        if action is not None and self.check_action(action, ()):
            return  # the binding runs it
        name = event.character if event.character and event.character.isprintable() else event.key
        if action in {"hint", "answer"}:
            reason = "only in --practice, before the answer is shown"
        elif action == "grade":
            reason = "grades the rubric: in --practice after the answer, or in --interviewer"
        elif action == "notes":
            reason = "notes are for --interviewer"
        else:
            reason = "not a key here"
        self.say(f"'{name}': {reason}; press ? for the keys")


# Key -> action name of every binding of the walk, to tell a disabled key from an unknown one.
_KEY_ACTIONS = {
    key.strip(): str(b.action).split("(")[0]
    for b in WalkApp.BINDINGS
    if isinstance(b, Binding)
    for key in b.key.split(",")
}
