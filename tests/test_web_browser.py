"""The student pages in a real browser: headless Chromium driven by Playwright, against a live server.

The browser is Debian's ``chromium`` (``.ci/run`` installs it; set CHROMIUM_PATH for another);
Playwright's own browser download is never used. Without either, every test here is skipped with
a reason that says what is missing. Screenshots go to ``tests/artifacts/`` (ignored by git); with
``UPDATE_SCREENSHOTS=1`` the four screenshots of the README go to ``docs/screenshots/`` as well.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from .conftest import app_config

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# The notebook's own numbers for the worked example (its a.1.j = .735 is a slip: sigmoid(1.15) = .7595).
NOTEBOOK_ANSWERS = {
    **{f"z.1.{j}": "1.15" for j in range(1, 5)},
    **{f"a.1.{j}": ".735" for j in range(1, 5)},
    **{f"z.2.{j}": "1.47" for j in range(1, 5)},
    **{f"a.2.{j}": ".813" for j in range(1, 5)},
    "z.3.1": "1.626",
    "a.3.1": ".836",
    "delta.3.1": ".016",
    "dw.3.1.1": ".000013008",
    "delta.2.1": ".004864",
}
NOTEBOOK_VERDICTS = {
    "z.1.1": "correct",
    "a.1.1": "incorrect",
    "z.2.1": "carried_forward",
    "a.2.1": "correct",
    "z.3.1": "correct",
    "a.3.1": "correct",
    "delta.3.1": "carried_forward",
    "dw.3.1.1": "carried_forward",
    "delta.2.1": "incorrect",
    "e.1": "missing",
    "w_new.1.1.0": "missing",
}


@pytest.fixture(scope="module")
def sync_playwright() -> Any:
    if not CHROMIUM.exists():
        pytest.skip(
            f"No Chromium at {CHROMIUM}: the browser tests need Debian's chromium package "
            "(apt-get install chromium; .ci/run installs it) or CHROMIUM_PATH"
        )
    module = pytest.importorskip(
        "playwright.sync_api",
        reason="Playwright's Python package is not installed (pip install -r requirements-dev.txt)",
    )
    return module.sync_playwright


@pytest.fixture(scope="module")
def browser(sync_playwright: Any) -> Iterator[Any]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on SQLite, served by a real HTTP server in a thread."""
    from service import create_app

    database = tmp_path_factory.mktemp("browser") / "grader.sqlite3"
    app = create_app(app_config(f"sqlite:///{database}"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["grader.database"].dispose()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Open pages in fresh contexts (cookies apart); ``javascript=False`` for a browser without script."""
    contexts = []

    def open_page(*, javascript: bool = True, viewport: dict[str, int] = DESKTOP) -> Any:
        context = browser.new_context(java_script_enabled=javascript, viewport=viewport)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def screenshot(
    page: Any, name: str, *, full_page: bool = True, clip: dict[str, float] | None = None, docs: bool = False
) -> Path:
    """Save under tests/artifacts/; with UPDATE_SCREENSHOTS=1 a ``docs`` one also goes to docs/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    options = {"full_page": full_page, "clip": clip} if clip else {"full_page": full_page}
    page.screenshot(path=str(path), **options)
    if docs and os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.png"), **options)
    assert path.stat().st_size > 0
    return path


def status_of(page: Any, key: str) -> str:
    return page.locator(f'.step[data-step="{key}"]').get_attribute("data-status")


def fill_and_grade(page: Any, student_id: str, answers: dict[str, str]) -> None:
    page.fill("#student_id", student_id)
    for key, value in answers.items():
        page.fill(f'input[name="{key}"]', value)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_the_worked_example_with_the_notebooks_numbers(new_page, base_url):
    page = new_page()
    page.goto(base_url + "/")
    page.click("text=Worked example: a 2-4-4-1 sigmoid network")
    assert page.url == f"{base_url}/exercises/worked-example"

    diagram = page.locator("svg.network")
    assert diagram.is_visible()
    assert page.locator("svg.network circle.unit").count() == 9
    assert page.locator("svg.network circle.input").count() == 2
    assert page.locator("svg.network circle.bias").count() == 1
    assert page.locator("svg.network line.edge").count() == 32
    assert page.locator("svg.network text.weight").count() == 32
    assert page.locator("svg.network text.activation").all_text_contents() == ["sigmoid"] * 3
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input:not([type=hidden])')].filter(i => i.labels.length === 0).length"
    )
    assert unlabelled == 0
    screenshot(page, "exercise-desktop", full_page=False, docs=True)

    fill_and_grade(page, "notebook", NOTEBOOK_ANSWERS)

    assert page.url == f"{base_url}/exercises/worked-example"
    for key, status in NOTEBOOK_VERDICTS.items():
        assert status_of(page, key) == status, key
    assert page.locator('.step[data-step="a.1.1"] .verdict').inner_text() == "✗ incorrect"
    assert page.locator('.step[data-step="z.2.1"] .verdict').inner_text() == "↪ carried forward"
    assert page.locator('.step[data-step="z.1.1"] .verdict').inner_text() == "✓ correct"
    assert "credit is carried forward" in page.locator('.step[data-step="z.2.1"] .feedback').inner_text()
    delta = page.locator('.step[data-step="delta.2.1"] .feedback')
    assert "Recognised mistake: summed all weights." in delta.inner_text()
    assert "a hidden delta uses only the weight from this unit" in delta.inner_text()
    assert page.input_value('input[name="a.1.1"]') == ".735"
    assert page.input_value("#student_id") == "notebook"
    summary = page.locator("#summary")
    assert summary.get_attribute("aria-live") == "polite"
    assert summary.locator(".score").inner_text() == "17%"
    assert summary.locator('[data-status="carried_forward"]').get_attribute("data-count") == "6"
    assert page.evaluate("document.activeElement.id") == "summary"
    screenshot(page, "worked-example-graded")
    bottom = page.locator('.step[data-step="a.2.4"]').bounding_box()
    bottom = bottom["y"] + bottom["height"] + page.evaluate("window.scrollY") + 16
    page.set_viewport_size({"width": DESKTOP["width"], "height": int(bottom)})  # the sticky bar at the bottom
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "graded-desktop", full_page=False, docs=True)
    page.set_viewport_size(DESKTOP)

    page.click('.step[data-step="delta.2.1"] a.rule-link')
    assert page.url.endswith("#rule-delta-2")
    assert "summing over the units k of layer 3" in page.locator("#rule-delta-2").inner_text()


def test_a_bad_value_is_invalid_and_the_rest_graded_without_javascript(new_page, base_url):
    page = new_page(javascript=False)
    page.goto(base_url + "/exercises/perceptron-forward")
    fill_and_grade(page, "no-js", {"z.1.1": "abc", "a.1.1": "0.354"})

    assert status_of(page, "z.1.1") == "invalid"
    assert page.locator('.step[data-step="z.1.1"] .verdict').inner_text() == "⚠ invalid"
    assert "could not read 'abc' as a number" in page.locator('.step[data-step="z.1.1"] .feedback').inner_text()
    assert status_of(page, "a.1.1") == "correct"
    assert page.input_value('input[name="z.1.1"]') == "abc"
    assert page.locator(".format-hint").count() == 0  # no script ran
    screenshot(page, "bad-value-no-javascript")


def test_script_adds_a_live_format_hint(new_page, base_url):
    page = new_page()
    page.goto(base_url + "/exercises/perceptron-forward")
    page.fill('input[name="z.1.1"]', "abc")
    hint = page.locator("#step-z-1-1-format")
    assert "Not a number yet" in hint.inner_text()
    assert "step-z-1-1-format" in page.get_attribute('input[name="z.1.1"]', "aria-describedby")
    page.fill('input[name="z.1.1"]', "-0.6")
    assert hint.inner_text() == ""


def test_the_keyboard_follows_the_computation(new_page, base_url):
    page = new_page()
    page.goto(base_url + "/exercises/perceptron-backprop")
    page.focus("#student_id")
    visited = []
    for _ in range(12):
        page.keyboard.press("Tab")
        visited.append(page.evaluate("document.activeElement.name"))
    assert visited == [
        "z.1.1", "a.1.1", "e.1", "delta.1.1",
        "dw.1.1.0", "dw.1.1.1", "dw.1.1.2", "dw.1.1.3",
        "w_new.1.1.0", "w_new.1.1.1", "w_new.1.1.2", "w_new.1.1.3",
    ]  # fmt: skip
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"


def test_a_phone_gets_one_column(new_page, base_url):
    page = new_page(viewport=PHONE)
    page.goto(base_url + "/exercises/worked-example")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    first = page.locator('.step[data-step="z.1.1"]').bounding_box()
    second = page.locator('.step[data-step="z.1.2"]').bounding_box()
    assert first["x"] == second["x"]
    assert second["y"] > first["y"] + first["height"] - 1
    assert page.locator(".diagram-scroll").bounding_box()["width"] <= PHONE["width"]
    assert page.locator("svg.network").bounding_box()["width"] > PHONE["width"]  # readable: scrolls sideways
    screenshot(page, "exercise-phone", full_page=False, docs=True)

    fill_and_grade(page, "phone", NOTEBOOK_ANSWERS)
    assert status_of(page, "delta.2.1") == "incorrect"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("text=Go to the first answer to fix: output 1,1")
    page.wait_for_function("window.scrollY > 0 && location.hash === '#row-step-a-1-1'")
    page.wait_for_timeout(600)  # let the smooth scroll settle
    screenshot(page, "graded-phone", full_page=False, docs=True)


def test_a_form_without_a_token_is_refused_and_keeps_the_answers(new_page, base_url):
    page = new_page()
    page.goto(base_url + "/exercises/perceptron-forward")
    page.evaluate("document.querySelector('input[name=csrf_token]').value = 'forged'")
    fill_and_grade(page, "ada", {"z.1.1": "-0.6"})
    assert "were not graded or stored" in page.locator(".notice").inner_text()
    assert status_of(page, "z.1.1") == "ungraded"
    assert page.input_value('input[name="z.1.1"]') == "-0.6"
    fill_and_grade(page, "ada", {})  # the refused page carries a good token: grading works now
    assert status_of(page, "z.1.1") == "correct"
