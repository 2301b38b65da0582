"""torch's CPU random generator, so the same seed gives the same numbers as PyTorch.

PyTorch's CPU generator (``CPUGeneratorImpl`` in ATen) is the Mersenne Twister, MT19937 -- the
published algorithm of Matsumoto and Nishimura (1998), seeded with the reference ``init_genrand``
from the low 32 bits of the seed. NumPy ships the same algorithm as ``np.random.MT19937``; given
the same 624-word state it yields the same 32-bit words, many at a time (``random_raw``). So
this file only has to:

1. seed the state exactly as torch does (`_seed_state`);
2. hand out the raw words as torch consumes them -- ``random()`` is one 32-bit word,
   ``random64()`` is two, the first one the *high* half (torch's ``make64BitsFrom32Bits``);
3. keep torch's one cached normal: its scalar Box-Muller makes two normals and keeps the second
   for the next call (``next_double_normal_sample``);
4. save and restore all of that as torch's 5056-byte state (`get_state`), so a state taken from
   ``torch.get_rng_state()`` loads here and the other way round.

How each distribution turns these words into numbers is in `_random_kernels.py`.

    import minitorch_rnn as torch
    torch.manual_seed(0)
    torch.rand(3)            # the numbers torch.rand(3) gives after torch.manual_seed(0)
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from typing import Any, Optional

import numpy as np

_N = 624  # words in the Mersenne Twister's state
_STATE_BYTES = 5056  # sizeof(CPUGeneratorImplState) in ATen
_DEFAULT_SEED = 67280421310721  # what a new torch.Generator() starts from (default_rng_seed_val)


def _seed_state(seed: int) -> np.ndarray:
    """The reference ``init_genrand`` on the low 32 bits of `seed` (ATen's ``at::mt19937``)."""
    key = np.empty(_N, dtype=np.uint32)
    x = seed & 0xFFFFFFFF
    key[0] = x
    for i in range(1, _N):  # 624 steps, once per seeding
        x = (1812433253 * (x ^ (x >> 30)) + i) & 0xFFFFFFFF
        key[i] = x
    return key


def _as_seed(seed: Any) -> int:
    """torch's reading of a seed: any int in [-2**63, 2**64); a negative one wraps to uint64."""
    seed = int(seed)
    if not -(2**63) <= seed < 2**64:
        raise ValueError("Overflow when unpacking long long")
    return seed & 0xFFFFFFFFFFFFFFFF


class Generator:
    """A random number generator with torch.Generator's API (CPU only).

    ``g = Generator().manual_seed(42)``, then pass ``generator=g`` to any sampling function to
    draw from it instead of from the default generator.
    """

    device = "cpu"

    def __init__(self, device: Any = "cpu") -> None:
        from .device import check_device

        check_device(device)
        self._bits = np.random.MT19937()
        self.manual_seed(_DEFAULT_SEED)

    # ---- seeding ------------------------------------------------------------------------------
    def manual_seed(self, seed: Any) -> Generator:
        """Restart the stream from `seed` (and forget the cached normal). Returns self."""
        self._seed = _as_seed(seed)
        # pos=624: the first draw twists the whole state first, as torch's does (left_ == 1)
        self._set_mt(_seed_state(self._seed), _N)
        self._fresh = True  # torch reports next_=0 until the first draw
        self._next_double_normal: Optional[float] = None
        self._next_float_normal: Optional[float] = None
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed (64 bits)."""
        s = secrets.randbits(64)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed this stream started from."""
        return self._seed

    def _set_mt(self, key: np.ndarray, pos: int) -> None:
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}

    # ---- raw words, as torch's CPUGeneratorImpl hands them out --------------------------------
    def random(self, n: int) -> np.ndarray:
        """`n` draws of torch's ``random()``: 32-bit words (as uint64)."""
        if n:
            self._fresh = False
        return self._bits.random_raw(n)

    def random64(self, n: int) -> np.ndarray:
        """`n` draws of torch's ``random64()``: two words each, the first one the high half."""
        words = self.random(2 * n)
        return (words[0::2] << np.uint64(32)) | words[1::2]

    # ---- the whole state, in torch's byte layout ----------------------------------------------
    def get_state(self) -> Any:
        """The state as a uint8 Tensor of 5056 bytes, laid out as torch's (see `_state_bytes`)."""
        from ._tensor import Tensor

        return Tensor(_state_bytes(self))

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from `get_state` (ours or torch's: the bytes are the same)."""
        raw = new_state._data if hasattr(new_state, "_data") else np.asarray(new_state)
        raw = np.ascontiguousarray(raw)
        if raw.dtype != np.uint8 or raw.size != _STATE_BYTES:
            raise RuntimeError(
                f"Expected either a THGeneratorState of size 5048 or a CPUGeneratorImplState "
                f"of size {_STATE_BYTES} but found the input RNG state size to be {raw.size}"
            )
        _load_state_bytes(self, raw.tobytes())
        return self

    def __repr__(self) -> str:
        return "<minitorch_rnn.Generator object>"  # (torch adds the address)


# ATen's CPUGeneratorImplState: {u64 the_initial_seed; i32 left; i32 seeded; u64 next;
# u64 state[624]; f64 normal_x, normal_y, normal_rho; i32 normal_is_valid; (pad 4)}
# then {f32 next_float_normal_sample; bool is_next_float_normal_sample_valid; (pad 3)}
_LAYOUT = np.dtype(
    {
        "names": [
            "seed",
            "left",
            "seeded",
            "next",
            "state",
            "normal_y",
            "normal_valid",
            "float_normal",
            "float_valid",
        ],  # fmt: skip
        "formats": ["<u8", "<i4", "<i4", "<u8", ("<u8", _N), "<f8", "<i4", "<f4", "u1"],
        "offsets": [0, 8, 12, 16, 24, 5024, 5040, 5048, 5052],
        "itemsize": _STATE_BYTES,
    }
)


def _state_bytes(g: Generator) -> np.ndarray:
    mt = g._bits.state["state"]
    pos = int(mt["pos"])
    rec = np.zeros((), dtype=_LAYOUT)
    rec["seed"] = g._seed
    # torch's counters: `left` words until the next twist, `next` the index of the next word
    rec["left"] = 1 if pos == _N else _N + 1 - pos
    rec["seeded"] = 1
    rec["next"] = 0 if g._fresh else pos
    rec["state"] = mt["key"]
    if g._next_double_normal is not None:
        rec["normal_y"], rec["normal_valid"] = g._next_double_normal, 1
    if g._next_float_normal is not None:
        rec["float_normal"], rec["float_valid"] = g._next_float_normal, 1
    return np.frombuffer(rec.tobytes(), dtype=np.uint8).copy()


def _load_state_bytes(g: Generator, raw: bytes) -> None:
    rec = np.frombuffer(raw, dtype=_LAYOUT)[0]
    left = int(rec["left"])
    g._seed = int(rec["seed"])
    g._set_mt(rec["state"].astype(np.uint32), _N if left == 1 else _N + 1 - left)
    g._fresh = left == 1 and int(rec["next"]) == 0
    g._next_double_normal = float(rec["normal_y"]) if rec["normal_valid"] else None
    g._next_float_normal = float(rec["float_normal"]) if rec["float_valid"] else None


# ---- the default generator and torch.random's functions ---------------------------------------
default_generator = Generator()
default_generator.seed()  # as torch: a fresh process starts from an unpredictable seed


def manual_seed(seed: Any) -> Generator:
    """Seed the default generator (randn, rand, parameter init, dropout, shuffling). Returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator unpredictably; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator started from."""
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    """The default generator's state (a uint8 Tensor, torch's layout)."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Restore the default generator from `get_rng_state`."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(
    devices: Any = None,
    enabled: bool = True,
    _caller: str = "fork_rng",
    _devices_kw: str = "devices",
    device_type: Any = None,
) -> Iterator[None]:
    """Inside the ``with`` block draw freely; afterwards the default generator is back where it
    was. (torch also forks CUDA generators; there are none here, so `devices` is ignored.)"""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def _generator(generator: Optional[Generator]) -> Generator:
    """The generator a sampling function draws from: the one passed, or the default one."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(
            f"generator must be a minitorch_rnn.Generator, not {type(generator).__name__}"
        )
    return generator


__all__ = [
    "Generator",
    "default_generator",
    "fork_rng",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]
