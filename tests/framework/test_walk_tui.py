"""The interview TUI driven by Textual's pilot at 80x24 and 120x40: what is on screen after each key."""

from __future__ import annotations

import asyncio

import pytest

from framework.notes import FollowUp, RubricItem
from framework.steptable import STEPS
from framework.walk_app import WalkApp
from framework.walk_session import WalkSession
from framework.walk_steps import WalkStep

SIZES = [(80, 24), (120, 40)]


class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _rubric(n: int) -> list[RubricItem]:
    return [
        RubricItem(
            skill=f"skill {n}.{i}",
            hint=f"hint {n}.{i}",
            mid=f"mid {n}.{i}",
            senior=f"senior {n}.{i}",
            staff=f"staff {n}.{i}",
            red_flag=f"red {n}.{i}",
        )
        for i in (1, 2)
    ]


def _steps(long_step: int = 6) -> list[WalkStep]:
    steps = []
    for info in STEPS:
        lines = 120 if info.number == long_step else 3
        numbers = "\n".join(f"- figure line {i}" for i in range(lines)) + "\n\nEND-OF-STEP-" + str(info.number)
        steps.append(
            WalkStep(
                number=info.number,
                title=info.title,
                budget_min=info.budget_min,
                prompt=info.prompt,
                talking_points=[f"point {info.number}"],
                questions=[],
                numbers_md=numbers,
                follow_ups=[FollowUp(question=f"why {info.number}?", answer=f"because {info.number}", deeper=[])],
                rubric=_rubric(info.number),
            )
        )
    return steps


def screen(app: WalkApp) -> list[str]:
    """The terminal's rows as a person sees them."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def shows(pilot, app: WalkApp, text: str, timeout: float = 5.0) -> str:
    """Wait until ``text`` is on screen (rendering is asynchronous); the screen, or a failure naming it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        rows = "\n".join(screen(app))
        if text in rows:
            return rows
        if loop.time() > deadline:
            raise AssertionError(f"{text!r} never appeared:\n{rows}")
        await pilot.pause(0.05)


async def footer_row(pilot, app: WalkApp, timeout: float = 5.0) -> str:
    """The bottom row once the footer has filled in (it does so after the first layout, later under load)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (footer := screen(app)[-1]).strip() and loop.time() < deadline:
        await pilot.pause(0.05)
    return footer


def _app(mode="read", clock=None, **kwargs) -> WalkApp:
    session = WalkSession(_steps(), mode, clock_fn=clock or FakeClock(), **kwargs)
    return WalkApp(session, "Toy interview")


def run(coro):
    return asyncio.run(coro)


@pytest.mark.parametrize("size", SIZES)
def test_prompt_and_timer_stay_on_screen_after_idling(size):
    clock = FakeClock()

    async def go():
        app = _app(clock=clock)
        async with app.run_test(size=size) as pilot:
            for _ in range(20):  # twenty seconds of the once-a-second timer
                clock.now += 1
                await pilot.pause(0.02)
                app._tick()
            rows = screen(app)
            assert "Step 1/9 00:20 of 04:00" in rows[0]
            assert len(rows[0].rstrip()) <= size[0]
            assert any("Clarify the problem" in r for r in rows[1:4])  # the prompt, under the status line
            assert len(rows) == size[1]

    run(go())


@pytest.mark.parametrize("size", SIZES)
def test_scrolling_reaches_the_end_of_the_longest_step(size):
    async def go():
        app = _app()
        async with app.run_test(size=size) as pilot:
            await pilot.press("6")
            await shows(pilot, app, "figure line 0")
            assert not any("END-OF-STEP-6" in r for r in screen(app))
            body = app.query_one("#body")
            await pilot.press("j", "j", "j")
            assert body.scroll_y == 3  # j scrolls one line
            await pilot.press("k")
            assert body.scroll_y == 2
            for _ in range(40):  # PgDn until the end of the step is on screen
                if any("END-OF-STEP-6" in r for r in screen(app)):
                    break
                await pilot.press("pagedown")
            rows = screen(app)
            assert any("END-OF-STEP-6" in r for r in rows)
            assert "Step 6/9" in rows[0]  # the status line did not scroll away
            await pilot.press("pageup", "pageup")
            assert not any("END-OF-STEP-6" in r for r in screen(app))

    run(go())


@pytest.mark.parametrize("size", SIZES)
def test_next_back_jump_and_the_end_screen_after_step_9(size):
    async def go():
        app = _app()
        async with app.run_test(size=size) as pilot:
            await pilot.press("n")
            assert "Step 2/9" in screen(app)[0]
            await pilot.press("b")
            assert "Step 1/9" in screen(app)[0]
            await pilot.press("right")
            assert "Step 2/9" in screen(app)[0]
            await pilot.press("left")
            await pilot.press("9")
            assert "Step 9/9" in screen(app)[0]
            await pilot.press("n")
            await pilot.pause(0.2)
            text = "\n".join(screen(app))
            assert "End of the interview" in text and "candidate's questions" in text and "opening" in text
            assert "next" not in screen(app)[-1]  # the end screen's footer offers only its own keys
            await pilot.press("n")  # not a key here: nothing stacks another end screen
            assert len(app.screen_stack) == 2
            await pilot.press("b")
            assert "Step 9/9" in screen(app)[0]
            await pilot.press("q")
        assert app.session.finished

    run(go())


@pytest.mark.parametrize("size", SIZES)
def test_unknown_and_out_of_mode_keys_say_so(size):
    async def go():
        app = _app()
        async with app.run_test(size=size) as pilot:
            await pilot.press("z")
            await pilot.pause(0.5)  # the toast slides in
            assert "'z': not a key here" in "\n".join(screen(app))
            await pilot.press("a")
            await pilot.pause(0.5)
            assert "only in --practice" in "\n".join(screen(app))
            assert "Step 1/9" in screen(app)[0]  # nothing moved
            await pilot.press("question_mark")
            await pilot.pause(0.2)
            assert "1-9 jump" in "\n".join(screen(app))  # ? lists every key of the mode

    run(go())


def test_footer_advertises_only_what_the_mode_does():
    async def go():
        for mode, shown, hidden in [
            ("read", ["next", "quit"], ["hint", "grade", "notes"]),
            ("practice", ["hint", "answer"], ["notes"]),
            ("interviewer", ["grade", "notes"], ["hint", "answer"]),
        ]:
            app = _app(mode)
            async with app.run_test(size=(120, 40)) as pilot:
                footer = await footer_row(pilot, app)
                assert all(word in footer for word in shown), (mode, footer)
                assert not any(f" {word}" in footer for word in hidden), (mode, footer)

    run(go())


def test_practice_stages_prompt_hints_answer_then_grade():
    graded = []

    async def go():
        session = WalkSession(_steps(), "practice", clock_fn=FakeClock())
        app = WalkApp(session, "Toy", on_grades=lambda step, grades: graded.append((step.number, grades)))
        async with app.run_test(size=(80, 24)) as pilot:
            text = await shows(pilot, app, "Think first")
            assert "Think first" in text and "point 1" not in text and "hint 1.1" not in text
            await pilot.press("h")
            text = await shows(pilot, app, "hint 1.1")
            assert "hint 1.2" not in text
            await pilot.press("h")
            await shows(pilot, app, "hint 1.2")
            await pilot.press("a")
            await shows(pilot, app, "point 1")
            await pilot.press("g")
            await pilot.pause(0.1)
            await pilot.press("2", "3", "enter")
            await pilot.pause()
        assert graded == [(1, {0: 2, 1: 3})]

    run(go())


def test_interviewer_follow_up_answers_hidden_until_opened_and_notes_kept():
    async def go():
        app = _app("interviewer")
        async with app.run_test(size=(120, 40)) as pilot:
            text = await shows(pilot, app, "senior 1.1")
            assert "senior 1.1" in text and "red 1.1" in text  # rubric by level
            assert "why 1?" in text and "because 1" not in text
            tree = app.query_one("#follow-ups")
            tree.root.children[0].expand()
            await shows(pilot, app, "because 1")
            await pilot.press("e")
            await pilot.pause(0.1)
            await pilot.press(*"strong on metrics")
            await pilot.press("escape")
            await pilot.pause(0.1)
            assert app.session.state[0].notes == "strong on metrics"
            await pilot.press("n")  # keys work again once the notes are closed
            assert "Step 2/9" in screen(app)[0]

    run(go())


def test_scoring_sheet_carries_scores_notes_and_every_follow_up_answer():
    from types import SimpleNamespace

    from framework.walk_sheet import scoring_sheet

    clock = FakeClock()
    session = WalkSession(_steps(), "interviewer", clock_fn=clock)
    session.grade(0, 3)
    session.current.notes = "asked | about latency\nthen scale"
    clock.now += 125
    session.next()
    case = SimpleNamespace(design=SimpleNamespace(title="Toy"))
    sheet = scoring_sheet(case, session, SimpleNamespace(seed=0, scale="small"))
    assert sheet.count("## Step ") == 9
    assert "| 1. Problem formulation | 02:05 | 04:00 | 3/6 |" in sheet
    assert "| skill 1.1 | 3 | mid 1.1 | senior 1.1 | staff 1.1 | red 1.1 |" in sheet
    assert "asked | about latency" in sheet  # notes kept as written (outside any table)
    assert sheet.count("because ") == 9  # every follow-up answer, for the interviewer's reference


def test_progress_history_orders_the_weakest_steps_first(tmp_path):
    from framework.progress import read_history, record_grades, weakest_first

    path = tmp_path / "p" / "progress.jsonl"
    record_grades("eta", 3, "Architecture", {"a": 3, "b": 3}, path)
    record_grades("eta", 6, "Models", {"a": 0, "b": 1}, path)
    record_grades("eta", 6, "Models", {"a": 1, "b": 1}, path)  # the latest attempt counts
    record_grades("fraud", 1, "Problem", {"a": 0}, path)
    path.open("a").write("not json\n")  # a damaged line is skipped, not fatal
    history = read_history("eta", path)
    assert len(history) == 3
    assert weakest_first(list(range(1, 10)), history) == [6, 1, 2, 4, 5, 7, 8, 9, 3]


def test_what_if_panel_recomputes_the_figures_live():
    from framework.registry import get_case
    from framework.whatif import what_if

    case = get_case("eta")
    users = case.design.problem.constraints.daily_active_users

    async def go():
        session = WalkSession(_steps(), "read", clock_fn=FakeClock())
        app = WalkApp(session, "Toy", what_if=lambda pairs: what_if(case, pairs))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("w")
            await pilot.pause(0.2)
            await pilot.press(*f"daily_active_users={users * 10}", "enter")
            await pilot.pause(0.2)
            text = "\n".join(screen(app))
            assert "capacity: peak QPS" in text and "(10x)" in text
            await pilot.press(*" bogus=1", "enter")
            await pilot.pause(0.2)
            assert "unknown constraint 'bogus'" in "\n".join(screen(app))
            await pilot.press("escape")
            await pilot.pause(0.1)
            assert "Step 1/9" in screen(app)[0]

    run(go())


def test_tables_fit_the_terminal_as_aligned_text_or_as_one_line_per_row():
    from framework.walk_text import tables_as_text

    md = "Intro\n\n| model | mae | note |\n|---|---|---|\n| a | 1.5 | short |\n| bb | 22 | a \\| pipe |\n\nAfter"
    wide = tables_as_text(md, width=80)
    assert "```text" in wide and "bb     22   a | pipe" in wide and wide.endswith("After")
    narrow = tables_as_text(md, width=12)
    assert "```" not in narrow and "- **bb**: mae 22 · note a | pipe" in narrow
