"""Shared test settings.

With ``MINITORCH_RNN_REQUIRE_TORCH=1`` (CI sets it for its run with torch installed) a test that
would be skipped because torch is missing fails instead: no comparison with torch may be
skipped silently there.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

REQUIRE_TORCH = os.environ.get("MINITORCH_RNN_REQUIRE_TORCH") == "1"


def pytest_sessionstart(session: Any) -> None:
    if REQUIRE_TORCH:
        import torch  # noqa: F401  (fails the run at once if torch is not installed)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    outcome = yield
    report = outcome.get_result()
    reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if hasattr(report, "wasxfail"):  # an expected failure (the fuzzer's known classes): as it is
        return
    if REQUIRE_TORCH and report.skipped and re.search(r"(?<![\w])torch\b", str(reason)):
        report.outcome = "failed"
        report.longrepr = f"skipped for want of torch, with MINITORCH_RNN_REQUIRE_TORCH=1: {report.longrepr}"
