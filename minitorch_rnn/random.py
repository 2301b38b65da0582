"""One package-wide random generator, so `mt.manual_seed(0)` makes a whole run reproducible:
`randn`, `rand`, parameter initialisation and dropout all draw from it."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the package-wide generator (and return it)."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def generator() -> np.random.Generator:
    """The package-wide generator (look it up on every call: `manual_seed` replaces it)."""
    return _generator
