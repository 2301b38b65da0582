"""Every ```python block in README.md and docs/*.md runs, in order, one namespace per page.

Docs that do not run are worse than no docs: a learner copies them first. Where a page states
what a ``print`` shows, with ``# -> ...`` on the print's line or the line below (and any comment
lines right under that, for output over several lines), the printed text must be exactly that,
up to spacing -- so a number in the docs cannot go stale.
"""

from __future__ import annotations

import builtins
import io
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
STATED_OUTPUT = re.compile(r"#\s*->\s?(.*)$")


def python_blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


def _spaced(text: str) -> str:
    return " ".join(text.split())


def stated_outputs(code: str) -> dict[int, str]:
    """{line of a print: the output the page states for it}, from its ``# ->`` comments."""
    lines = code.split("\n")
    stated: dict[int, str] = {}
    i = 0
    while i < len(lines):
        found = STATED_OUTPUT.search(lines[i])
        if not found:
            i += 1
            continue
        inline = not lines[i].lstrip().startswith("#")
        text = [found.group(1)]
        i += 1
        while i < len(lines) and lines[i].lstrip().startswith("#"):
            if STATED_OUTPUT.search(lines[i]):
                break
            text.append(lines[i].lstrip()[1:])
            i += 1
        print_line = i - len(text) + (1 if inline else 0)  # 1-based: this line, or the one above
        stated[print_line] = _spaced(" ".join(text))
    return stated


def recording_print(block_name: str, printed: dict[int, str]) -> Any:
    """A `print` that also remembers what each line of the block printed (the last time)."""

    def print_(*args: Any, **kwargs: Any) -> None:
        builtins.print(*args, **kwargs)
        caller = sys._getframe(1)
        if caller.f_code.co_filename == block_name and "file" not in kwargs:
            text = io.StringIO()
            builtins.print(*args, **{**kwargs, "file": text})
            printed[caller.f_lineno] = text.getvalue()

    return print_


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks(page)
    if not blocks:
        pytest.skip("no python blocks on this page")
    monkeypatch.chdir(tmp_path)  # pictures a block saves land in a scratch folder
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for i, code in enumerate(blocks):
        name = f"{page.name}[block {i}]"
        printed: dict[int, str] = {}
        namespace["print"] = recording_print(name, printed)
        try:
            exec(compile(code, name, "exec"), namespace)
        except Exception as e:  # name the block, so the page is easy to fix
            raise AssertionError(f"{page.name}, python block {i} failed: {e!r}\n{code}") from e
        for line, text in stated_outputs(code).items():
            assert line in printed, f"{name}, line {line}: '# -> {text}' but nothing printed there"
            assert _spaced(printed[line]) == text, (
                f"{name}, line {line} printed {printed[line]!r}; the page says {text!r}"
            )


def test_readme_has_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<!-- example-command -->" in readme and "<!-- test-command -->" in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "test-command" in ci, ".ci/run must run the README's test command"


def test_docs_link_only_to_files_that_exist() -> None:
    link = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
    for page in PAGES:
        for target in link.findall(page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            path = (page.parent / target).resolve()
            assert path.exists(), f"{page.name} links to missing {target}"


def test_api_reference_is_current() -> None:
    """docs/api.md is generated from the docstrings; regenerate it when the API changes."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_api.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_stated_outputs_are_found_inline_below_and_over_several_lines() -> None:
    code = "print(1)  # -> 1\nprint('a b')\n# -> a b\nx = 2  # a plain comment\n# another\n"
    code += "print('[[1],\\n [2]]')  # -> [[1],\n#  [2]]\n# a note under it counts as output\n"
    assert stated_outputs(code) == {
        1: "1",
        2: "a b",
        6: "[[1], [2]] a note under it counts as output",
    }
