"""The tape's global switches: is it recording, which scope are new nodes tagged with, and
do nodes keep their values and gradients for drawing.

All of them are plain attributes of one `state` object, so `Function.apply` (the hot path of
every op) reads them with one attribute lookup each.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


class _State:
    enabled: bool = True  # is the tape recording? (`no_grad` turns it off)
    scope: tuple[str, ...] = ()  # tags put on every node created now (see `scope`)
    retain_values: bool = False  # nodes keep their output arrays (for drawing values)
    retain_grads: bool = False  # backward keeps every node's output gradient (for drawing)
    anomaly: bool = False  # nodes keep their forward traceback; backward checks for NaN
    engine: str = "fast"  # which backward pass runs: "fast" (engine.py) or "plain" (plain.py)
    recorder: Any = None  # mt.compile's Recorder while it records a call (compile/record.py)


state = _State()


def is_grad_enabled() -> bool:
    """True when new operations are recorded on the tape."""
    return state.enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Turn recording on or off: as a call, a context manager or a decorator (as torch)."""

    def __init__(self, mode: bool) -> None:
        self.prev = state.enabled
        self.mode = bool(mode)
        state.enabled = self.mode  # a plain call switches at once, as in torch

    def __enter__(self) -> None:
        state.enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        state.enabled = self.prev


class _GradMode(contextlib.ContextDecorator):
    """Base of `no_grad` / `enable_grad`: set the mode on entry, restore it on exit (re-entrant)."""

    mode: bool

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(state.enabled)
        state.enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        state.enabled = self._prev.pop()


class no_grad(_GradMode):
    """Results computed inside have no `grad_fn`: use it for optimizer steps and evaluation."""

    mode = False


class enable_grad(_GradMode):
    """Turn recording back on inside a `no_grad` block."""

    mode = True


class scope:
    """Tag every node created inside with `name` (scopes nest).

    `nn.RNN` wraps each layer and time step in one, e.g. ``("layer 0", "t=3")``, and
    `viz.make_dot` draws each scope as a cluster. Your own code can use them too::

        with mt.autograd.scope("attention"):
            y = (q @ k.T).tanh()

    (A small class rather than a generator: `nn.RNN` enters one at every time step.)
    """

    __slots__ = ("name", "prev")

    def __init__(self, name: str) -> None:
        self.name = str(name)

    def __enter__(self) -> None:
        self.prev = state.scope
        state.scope = self.prev + (self.name,)

    def __exit__(self, *exc: Any) -> None:
        state.scope = self.prev


@contextlib.contextmanager
def retain_values() -> Iterator[None]:
    """Nodes created inside keep their output array as `node.output_value` (for `show_values`)."""
    prev, state.retain_values = state.retain_values, True
    try:
        yield
    finally:
        state.retain_values = prev


@contextlib.contextmanager
def retain_grads() -> Iterator[None]:
    """A backward pass run inside keeps each node's output gradient as `node.grad_outputs`.

    Normal training never pays for this; `viz.make_dot(..., show_grads=True)` reads it.
    """
    prev, state.retain_grads = state.retain_grads, True
    try:
        yield
    finally:
        state.retain_grads = prev


class set_detect_anomaly(contextlib.ContextDecorator):
    """Anomaly detection on or off (a call, a context manager or a decorator, as torch's).

    While on, every node remembers the traceback of the forward code that recorded it, and a
    backward that produces NaN raises at once, naming the node and showing that traceback --
    the tool for "my RNN's loss turned NaN: where?". It slows recording down; use it to debug.
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = state.anomaly
        self.mode = bool(mode)
        state.anomaly = self.mode

    def __enter__(self) -> None:
        state.anomaly = self.mode

    def __exit__(self, *exc: Any) -> None:
        state.anomaly = self.prev


class detect_anomaly(set_detect_anomaly):
    """``with autograd.detect_anomaly():`` -- anomaly detection inside the block."""

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = state.anomaly
        self.mode = True


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on."""
    return state.anomaly


def set_engine(name: str) -> str:
    """Choose the backward pass: ``"plain"`` (autograd/plain.py, the one to read first) or
    ``"fast"`` (autograd/engine.py, the default). Both give the same gradients. Returns the
    previous choice, so ``prev = set_engine("plain"); ...; set_engine(prev)`` restores it."""
    if name not in ("plain", "fast"):
        raise ValueError(f"set_engine: expected 'plain' or 'fast', got {name!r}")
    prev, state.engine = state.engine, name
    return prev
