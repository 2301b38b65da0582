"""The step-through page in a real browser: headless Chromium (Debian's ``chromium``) driven by
Playwright for Python, with every request but the page's own file refused.

No browser here? The tests skip, saying so -- except in CI (``CI`` set), where a missing browser
fails them: .ci/run installs it. Screenshots go to ``$STEP_THROUGH_SHOTS`` (else a temp dir).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn import nn, viz
from minitorch_rnn.autograd.function import Function

BROWSERS = ("chromium", "chromium-browser")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} -- CI must run the browser tests (.ci/run installs them)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = next((p for p in map(shutil.which, BROWSERS) if p), None)
    if executable is None:
        _missing("no Chromium on this machine (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install playwright)")
    with sync_playwright() as p:
        # Debian's build, not one Playwright downloads; no sandbox: CI runs as root
        chrome = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chrome
        chrome.close()


def open_offline(browser: Any, path: str) -> tuple[Any, list[str]]:
    """Open `path` with the network blocked; the list collects refused requests and errors."""
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1500, "height": 950})

    def only_files(route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            problems.append(f"refused {route.request.url}")
            route.abort()

    context.route("**/*", only_files)
    page = context.new_page()
    page.on("pageerror", lambda e: problems.append(f"error {e}"))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(Path(path).as_uri())
    return page, problems


def shot(page: Any, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("STEP_THROUGH_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


def current(page: Any) -> list[str]:
    """The titles of the highlighted node(s) of the graph."""
    return page.eval_on_selector_all(
        "#graph .current > title", "els => els.map(e => e.textContent)"
    )


def norm(a: np.ndarray) -> float:
    return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))


def test_click_through_the_seed_rnn(browser: Any, tmp_path: Path) -> None:
    mt.manual_seed(0)
    rnn = nn.RNN(10, 20, 2)
    output, _ = rnn(mt.randn(5, 3, 10), mt.randn(2, 3, 20))
    page_file = viz.step_through(output.sum(), dict(rnn.named_parameters()))
    steps = page_file.recording.steps
    n = len(steps)
    page, problems = open_offline(browser, page_file.save(tmp_path / "rnn.html"))
    counter = page.locator('[data-role="counter"]')
    assert counter.inner_text() == f"0 / {n}" and current(page) == []
    assert page.locator('[data-param="weight_hh_l0"]').inner_text() == "0"

    chips = []  # weight_hh_l0's terms, as they appear
    for k in range(1, n + 1):
        page.click("#next")
        assert counter.inner_text() == f"{k} / {n}"
        assert current(page) == [steps[k - 1].highlight]
        assert steps[k - 1].title in page.locator("#card h3").inner_text()
        row = page.locator("#leaves tr", has=page.locator('[data-param="weight_hh_l0"]'))
        new = row.locator(".chip.new").all_inner_texts()
        chips += new
        if k == 4:  # layer 1, t=4's Addmm: the card lists its three sends
            assert page.locator("#card tr").count() == 1 + 3
            shot(page, tmp_path, "step_through_rnn_step4.png")
    assert chips == ["t=4", "t=3", "t=2", "t=1", "t=0"]  # one term per time step
    assert page.locator("#next").is_disabled()

    # at N / N every row shows ‖param.grad‖, the number Python prints
    for name, p in rnn.named_parameters():
        cell = page.locator(f'[data-param="{name}"]')
        assert float(cell.get_attribute("data-value")) == pytest.approx(norm(p.grad._data))
        assert float(cell.inner_text()) == pytest.approx(norm(p.grad._data), rel=1e-5)
    assert page.locator("#leaves td .equal").count() == 8  # every row ticked as equal
    shot(page, tmp_path, "step_through_rnn_end.png")

    # Back and the arrow keys
    page.click("#back")
    assert counter.inner_text() == f"{n - 1} / {n}"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert counter.inner_text() == f"{n - 3} / {n}"
    page.keyboard.press("ArrowRight")
    assert counter.inner_text() == f"{n - 2} / {n}" and current(page) == [steps[n - 3].highlight]
    page.keyboard.press("Home")
    assert counter.inner_text() == f"0 / {n}" and page.locator("#back").is_disabled()
    assert problems == []


def test_a_folded_sequence_and_a_node_without_a_derivative(browser: Any, tmp_path: Path) -> None:
    class Double(Function):
        """2x (no derivative line: the page says so)."""

        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad

    mt.manual_seed(0)
    rnn = nn.RNN(4, 8, 1)
    output, _ = rnn(mt.randn(40, 2, 4))
    loss = Double.apply(output[-1]).sum()
    page_file = viz.step_through(loss, dict(rnn.named_parameters()))
    steps = page_file.recording.steps
    page, problems = open_offline(browser, page_file.save(tmp_path / "folded.html"))
    assert "one step" in page.locator(".intro").inner_text()  # the page says how it folds
    seen_fold = seen_missing = False
    for k in range(1, len(steps) + 1):
        page.keyboard.press("ArrowRight")
        assert current(page) == [steps[k - 1].highlight]
        card = page.locator("#card").inner_text()
        if steps[k - 1].nodes > 1:
            seen_fold = True
            assert current(page) == ["cluster_fold0"] and "68 backward nodes" in card
            shot(page, tmp_path, "step_through_fold.png")
        if steps[k - 1].op == "Double":
            seen_missing = True
            assert "Double: no Derivative: line in its docstring" in card
    assert seen_fold and seen_missing
    w = page.locator('[data-param="weight_hh_l0"]')
    assert float(w.get_attribute("data-value")) == pytest.approx(norm(rnn.weight_hh_l0.grad._data))
    assert problems == []
