"""What every example shares: an output folder, optional plotting, a clock.

Not an example itself (hence the underscore): open one of the others first. Each example does
``from _common import ...``; that works because Python puts a script's own folder on
``sys.path`` when you run ``python examples/<name>.py``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Optional

from threadpoolctl import threadpool_limits

PLOT_HINT = 'matplotlib is not installed: plots are skipped (pip install -e ".[plot]" to get them)'


def single_threaded_blas() -> None:
    """Use one BLAS thread for NumPy's matrix products, from here to the end of the script.

    Our matrices are tiny (512 x 64 at most). Splitting such a product over threads saves
    little, and on a busy 2-core machine waiting for the other thread can make it 30 times
    slower (measured: 2.5 ms instead of 0.09 ms per product; with two other busy processes,
    char_rnn's first 300 steps took 58-97 s on two threads, all 3000 took 18-65 s on one).
    `threadpoolctl` (installed with minitorch_rnn) sets the thread count of the BLAS NumPy has
    loaded, so call this after ``import numpy``; the examples call it when run as scripts.
    """
    threadpool_limits(limits=1, user_api="blas")


def output_folder(path: str) -> Path:
    """Create the folder the pictures go to (``out/<example>/`` by default; git ignores it)."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pyplot(quiet: bool = False) -> Optional[Any]:
    """`matplotlib.pyplot` drawing to files only, or None (saying so once) when not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no window: the examples save PNGs
        import matplotlib.pyplot as plt
    except ImportError:
        if not quiet:
            print(PLOT_HINT)
        return None
    return plt


def save_figure(plt: Any, fig: Any, path: Path) -> Path:
    """Save `fig` as a PNG, close it, and say where it went."""
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"saved {path}")
    return path


class Clock:
    """Seconds since the start, for the progress lines."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start


def default_out(example_file: str) -> str:
    """``out/<name of the example>``, relative to where you run it."""
    return os.path.join("out", Path(example_file).stem)
