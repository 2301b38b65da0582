"""Printing tensors exactly as torch does (a port of the essentials of `torch/_tensor_str.py`).

One formatter looks at every value first to choose a mode -- integers (``1.``), fixed
(``1.3091``) or scientific (``1.0671e-01``) -- and a column width; then rows are wrapped so a
line stays within 80 characters. Large tensors show their first and last 3 entries per dim.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

PRECISION, LINEWIDTH, THRESHOLD, EDGEITEMS = 4, 80, 1000, 3


class _Formatter:
    def __init__(self, a: np.ndarray) -> None:
        self.floating = a.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        values = a.reshape(-1)
        if not self.floating:
            self.width = max([len(str(v)) for v in values.tolist()] + [1])
            return
        finite = values[np.isfinite(values) & (values != 0)].astype(np.float64)
        if finite.size == 0:
            return
        big, small = np.abs(finite).max(), np.abs(finite).min()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = (
            big / small > 1000.0 or big > 1.0e8 or (not self.int_mode and small < 1.0e-4)
        )
        if self.sci_mode:
            self.width = max(len(f"{v:.{PRECISION}e}") for v in finite)
        elif self.int_mode:
            self.width = max(len(f"{v:.0f}") + 1 for v in finite)
        else:
            self.width = max(len(f"{v:.{PRECISION}f}") for v in finite)

    def format(self, value: Any) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return (self.width - len(text)) * " " + text


def _summarized(a: np.ndarray) -> np.ndarray:
    """Only the entries that will be shown (first and last EDGEITEMS along every dim)."""
    for d in range(a.ndim):
        if a.shape[d] > 2 * EDGEITEMS:
            head = np.take(a, range(EDGEITEMS), axis=d)
            tail = np.take(a, range(a.shape[d] - EDGEITEMS, a.shape[d]), axis=d)
            a = np.concatenate([head, tail], axis=d)
    return a


def _vector(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        items = [fmt.format(v) for v in a[:EDGEITEMS].tolist()] + [" ..."]
        items += [fmt.format(v) for v in a[-EDGEITEMS:].tolist()]
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    rows = range(a.shape[0])
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        rows = [*range(EDGEITEMS), -1, *range(a.shape[0] - EDGEITEMS, a.shape[0])]  # type: ignore[assignment]
    parts = ["..." if i == -1 else _nested(a[i], indent + 1, summarize, fmt) for i in rows]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def array_str(a: np.ndarray, indent: int) -> str:
    """The bracketed body of a tensor's repr, `indent` characters in (after ``tensor(``)."""
    if a.size == 0:
        return "[]"
    summarize = a.size > THRESHOLD
    fmt = _Formatter(_summarized(a) if summarize else a)
    return _nested(a, indent, summarize, fmt)


def add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``dtype=...``, ``grad_fn=...``; one that would pass 80 characters goes below."""
    line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line + len(suffix) + 2 > LINEWIDTH:
            text += ",\n" + " " * indent + suffix
            line = indent + len(suffix)
        else:
            text += ", " + suffix
            line += len(suffix) + 2
    return text + ")"
