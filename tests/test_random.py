"""Same seed, same numbers: minitorch_rnn's random streams against torch's, bit for bit.

The stored half replays `random_calls.SEQUENCES` and compares with torch 2.13's results in
``tests/reference/random.npz`` (written by ``tests/reference/make_reference_random.py``); the
live half (bottom) runs the same calls, a fuzzer over call sequences and dropout against the
installed torch, and is skipped without it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from random_calls import BERNOULLI_P_CALLS, CALLS, SEQUENCES, torch_bernoulli_is_scalar
from reference_data import REFERENCE_DIR

import minitorch_rnn as mt
from minitorch_rnn import nn

SEQUENCE_IDS = [s[0] for s in SEQUENCES]


@pytest.fixture(scope="module")
def ref() -> Any:
    with np.load(REFERENCE_DIR / "random.npz") as archive:
        return {k: archive[k] for k in archive.files}


def _np(t: Any) -> np.ndarray:
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def assert_same_bits(got: Any, expected: np.ndarray, what: str) -> None:
    got = _np(got)
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, torch {expected.shape}"
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype}, torch {expected.dtype}"
    differ = np.flatnonzero(got.ravel() != expected.ravel())
    assert differ.size == 0, (
        f"{what}: {differ.size} of {got.size} numbers differ from torch's, first at {differ[0]}: "
        f"{got.ravel()[differ[0]]!r} vs {expected.ravel()[differ[0]]!r}"
    )


# ---- stored reference ---------------------------------------------------------------------------
@pytest.mark.parametrize("seq_id, seed, names", SEQUENCES, ids=SEQUENCE_IDS)
def test_sequence_matches_stored_torch(ref: Any, seq_id: str, seed: int, names: list[str]) -> None:
    mt.manual_seed(seed)
    for i, name in enumerate(names):
        assert_same_bits(CALLS[name](mt), ref[f"{seq_id}/{i}"], f"{seq_id}, call {i} ({name})")


def test_state_bytes_are_torchs(ref: Any) -> None:
    mt.manual_seed(5)
    assert_same_bits(mt.get_rng_state(), ref["state/seeded_5"], "state after manual_seed(5)")
    mt.rand(700)
    assert_same_bits(mt.get_rng_state(), ref["state/after_700"], "state after 700 draws")
    mt.randn(3)
    assert_same_bits(mt.get_rng_state(), ref["state/cached_normal"], "state with a cached normal")


def test_a_state_saved_by_torch_loads_here(ref: Any) -> None:
    mt.manual_seed(123)  # somewhere else entirely
    mt.set_rng_state(mt.tensor(ref["state/cached_normal"]))
    assert_same_bits(mt.randn(4), ref["state/next_after_cached"], "randn(4) after torch's state")


def test_readme_session_is_torchs(ref: Any) -> None:
    """README's 'A taste': after manual_seed(0) the weights and inputs are torch's, bit for bit,
    and so the outputs and gradients agree to float32 rounding."""
    torch = mt
    torch.manual_seed(0)
    rnn = nn.RNN(10, 20, 2)
    input = torch.randn(5, 3, 10)
    h0 = torch.randn(2, 3, 20)
    for name, p in rnn.named_parameters():
        assert_same_bits(p, ref[f"session/param/{name}"], name)
    assert_same_bits(input, ref["session/input"], "input")
    assert_same_bits(h0, ref["session/h0"], "h0")
    output, hn = rnn(input, h0)
    output.sum().backward()
    np.testing.assert_allclose(output.detach().numpy(), ref["session/output"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hn.detach().numpy(), ref["session/hn"], rtol=1e-5, atol=1e-6)
    grad = rnn.weight_hh_l0.grad.numpy()
    np.testing.assert_allclose(grad, ref["session/grad/weight_hh_l0"], rtol=1e-5, atol=1e-5)


# ---- the generator's API ----------------------------------------------------------------------
def test_manual_seed_returns_the_default_generator_and_repeats_the_stream() -> None:
    g = mt.manual_seed(7)
    assert g is mt.random.default_generator and isinstance(g, mt.Generator)
    assert mt.initial_seed() == 7
    first = mt.randn(20).numpy()
    mt.manual_seed(7)
    assert np.array_equal(mt.randn(20).numpy(), first)


def test_seeds_wrap_as_torchs() -> None:
    """A negative seed is its two's complement; the stream uses the low 32 bits."""
    assert mt.manual_seed(-1).initial_seed() == 2**64 - 1
    a = mt.rand(3).numpy()
    mt.manual_seed(2**32 - 1)
    assert np.array_equal(mt.rand(3).numpy(), a)
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        mt.manual_seed(2**64)


def test_seed_is_unpredictable_and_recorded() -> None:
    s1, s2 = mt.seed(), mt.seed()
    assert s1 != s2 and mt.initial_seed() == s2 and 0 <= s2 < 2**64


def test_a_generator_is_its_own_stream() -> None:
    g = mt.Generator().manual_seed(3)
    assert g.initial_seed() == 3 and g.device == "cpu"
    mt.manual_seed(3)
    from_global = mt.randn(20).numpy()
    mt.manual_seed(99)
    before = mt.get_rng_state().numpy()
    assert np.array_equal(mt.randn(20, generator=g).numpy(), from_global)
    assert np.array_equal(mt.get_rng_state().numpy(), before), "the default generator moved"
    assert mt.Generator().initial_seed() == 67280421310721  # torch's default for a new one


def test_generator_state_round_trip_keeps_the_cached_normal() -> None:
    g = mt.Generator().manual_seed(11)
    mt.randn(3, generator=g)  # odd count: one normal stays cached
    state = g.get_state()
    assert state.dtype == np.uint8 and state.shape == (5056,)
    expected = mt.randn(5, generator=g).numpy()
    assert np.array_equal(mt.randn(5, generator=g.set_state(state)).numpy(), expected)
    with pytest.raises(RuntimeError, match="RNG state size"):
        g.set_state(mt.tensor(np.zeros(10, dtype=np.uint8)))


def test_fork_rng_restores_the_stream() -> None:
    mt.manual_seed(4)
    expected = mt.rand(5).numpy()
    mt.manual_seed(4)
    with mt.random.fork_rng():
        mt.rand(100)
        mt.randn(3)
    assert np.array_equal(mt.rand(5).numpy(), expected)


# ---- shapes, dtypes, errors as torch's ---------------------------------------------------------
def test_factories_take_torchs_arguments() -> None:
    assert mt.rand(2, 3).shape == (2, 3) and mt.rand((2, 3)).dtype == mt.float32
    assert mt.randn(size=(4,)).shape == (4,)
    assert mt.randn(2, dtype=mt.float64, requires_grad=True).requires_grad
    assert mt.randint(10, (3,)).dtype == mt.int64 and mt.randint(3, 10, size=(2, 2)).shape == (2, 2)
    assert sorted(mt.randperm(6).tolist()) == list(range(6))
    assert mt.rand(2, device="cpu").shape == (2,)
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.rand(2, device="cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.Generator(device="cuda")


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: mt.zeros(3).uniform_(1, 0), RuntimeError,
         "uniform_ expects to return a [from, to) range, but found from=1 > to=0"),
        (lambda: mt.randint(5, 5, (2,)), RuntimeError,
         "random_ expects 'from' to be less than 'to', but got from=5 >= to=5"),
        (lambda: mt.zeros(3).normal_(0, -1), RuntimeError, "normal expects std >= 0.0, but found std -1"),
        (lambda: mt.zeros(3).bernoulli_(1.5), RuntimeError,
         "bernoulli_ expects p to be in [0, 1], but got p=1.5"),
        (lambda: mt.zeros(3).exponential_(-1), RuntimeError,
         "exponential_ expects lambda > 0.0, but found lambda=-1"),
        (lambda: mt.randperm(-1), RuntimeError, "Trying to create tensor with negative dimension -1: [-1]"),
        (lambda: mt.multinomial(mt.tensor([0.0, 0.0]), 1), RuntimeError,
         "invalid multinomial distribution (sum of probabilities <= 0)"),
        (lambda: mt.multinomial(mt.tensor([1.0, 1.0]), 3), RuntimeError,
         "cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
        (lambda: mt.multinomial(mt.tensor([-1.0, 1.0]), 1), RuntimeError,
         "probability tensor contains either `inf`, `nan` or element < 0"),
        (lambda: mt.randn(2, dtype=mt.int64), NotImplementedError,
         "\"normal_kernel_cpu\" not implemented for 'Long'"),
        (lambda: mt.rand(2, dtype=mt.int64), NotImplementedError,
         "\"check_uniform_bounds\" not implemented for 'Long'"),
    ],
)  # fmt: skip
def test_errors_are_torchs(call: Any, error: type, message: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message


def test_an_inplace_fill_refuses_a_leaf_that_requires_grad_and_bumps_the_version() -> None:
    w = mt.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        w.uniform_()
    with mt.no_grad():
        version = w._version if hasattr(w, "_version") else w._vc[0]
        w.normal_()
        assert (w._version if hasattr(w, "_version") else w._vc[0]) == version + 1


def test_a_transposed_view_is_filled_in_memory_order() -> None:
    """torch fills a tensor in memory order; a transposed view gets the same numbers, moved."""
    mt.manual_seed(0)
    plain = mt.rand(3, 4).numpy()
    mt.manual_seed(0)
    t = mt.zeros(3, 4)
    t.T.uniform_()
    assert np.array_equal(t.numpy(), plain)


def test_normals_have_the_right_moments() -> None:
    """Not a parity test: the transforms are the right distributions (mean 0, std 1, ...)."""
    mt.manual_seed(0)
    for dtype in (mt.float32, mt.float64):
        x = mt.randn(100_000, dtype=dtype).numpy().astype(np.float64)
        assert abs(x.mean()) < 0.01 and abs(x.std() - 1) < 0.01
    u = mt.rand(100_000).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.005
    e = mt.zeros(100_000).exponential_(2.0).numpy()
    assert abs(e.mean() - 0.5) < 0.01
    counts = np.bincount(mt.multinomial(mt.tensor([1.0, 2.0, 7.0]), 30_000, True).numpy())
    assert np.allclose(counts / 30_000, [0.1, 0.2, 0.7], atol=0.01)


# ---- live against torch -------------------------------------------------------------------------
def _torch() -> Any:
    return pytest.importorskip("torch")


@pytest.mark.parametrize("name", list(CALLS))
def test_each_call_matches_live_torch(name: str) -> None:
    torch = _torch()
    for seed in (3, 2024):
        torch.manual_seed(seed)
        mt.manual_seed(seed)
        for rep in range(3):
            assert_same_bits(CALLS[name](mt), _np(CALLS[name](torch)), f"{name} seed {seed} #{rep}")


@pytest.mark.parametrize("name", list(BERNOULLI_P_CALLS))
def test_bernoulli_p_and_dropout_match_live_torch(name: str) -> None:
    torch = _torch()
    if not torch_bernoulli_is_scalar(torch, mt):
        pytest.skip("this torch draws bernoulli_(p) from MKL's generator (docs/differences.md)")
    for seed in (0, 8):
        torch.manual_seed(seed)
        mt.manual_seed(seed)
        call = BERNOULLI_P_CALLS[name]
        assert_same_bits(call(mt), _np(call(torch)), f"{name} seed {seed}")


def test_fuzz_call_sequences_against_live_torch() -> None:
    """Random sequences of random calls -- sizes, dtypes, arguments, and the default generator
    or a second one -- against live torch; at the end both generators' states agree too."""
    torch = _torch()
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    sizes = st.lists(st.integers(0, 40), min_size=0, max_size=3)
    dtypes = st.sampled_from(["float32", "float64", "float16"])
    fills = st.sampled_from(["uniform_", "normal_", "exponential_", "random_", "cauchy_"])
    if torch_bernoulli_is_scalar(torch, mt):
        fills = st.sampled_from(
            ["uniform_", "normal_", "exponential_", "random_", "cauchy_", "bernoulli_"]
        )
    on_own = st.booleans()  # draw from a second Generator instead of the default one
    step = st.one_of(
        st.tuples(fills, sizes, dtypes, st.floats(-3, 3), st.floats(0.1, 3), on_own),
        st.tuples(st.just("named"), st.sampled_from(list(CALLS))),
        st.tuples(st.just("randperm"), st.integers(0, 50), on_own),
        st.tuples(st.just("randint"), st.integers(1, 2**40), sizes, on_own),
    )

    def run(M: Any, s: tuple, g: Any) -> Any:
        if s[0] == "named":
            return CALLS[s[1]](M)
        gen = g if s[-1] else None
        if s[0] == "randperm":
            return M.randperm(s[1], generator=gen)
        if s[0] == "randint":
            return M.randint(s[1], tuple(s[2]), generator=gen)
        fill, size, dtype, a, b, _ = s
        t = M.zeros(tuple(size), dtype=getattr(M, dtype))
        if dtype == "float16" and fill in ("exponential_", "cauchy_", "bernoulli_"):
            t = t.float()
        args = {"uniform_": (min(a, b), max(a, b)), "normal_": (a, b), "exponential_": (b,),
                "random_": (), "cauchy_": (a, b), "bernoulli_": (b / 3,)}[fill]  # fmt: skip
        return getattr(t, fill)(*args, generator=gen)

    @hypothesis.settings(max_examples=50, deadline=None, derandomize=True)
    @hypothesis.given(
        seed=st.integers(-(2**63), 2**64 - 1),
        own_seed=st.integers(0, 2**64 - 1),
        steps=st.lists(step, max_size=6),
    )
    def check(seed: int, own_seed: int, steps: list) -> None:
        torch.manual_seed(seed)
        mt.manual_seed(seed)
        g_torch, g_mt = torch.Generator().manual_seed(own_seed), mt.Generator().manual_seed(own_seed)
        for i, s in enumerate(steps):
            assert_same_bits(run(mt, s, g_mt), _np(run(torch, s, g_torch)), f"step {i}: {s}")
        assert np.array_equal(mt.get_rng_state().numpy(), torch.get_rng_state().numpy())
        assert np.array_equal(g_mt.get_state().numpy(), g_torch.get_state().numpy())

    check()


def test_live_session_prints_torchs_numbers() -> None:
    """The README session's printed tensors are torch's, to the printed digits."""
    torch = _torch()
    torch.manual_seed(0)
    mt.manual_seed(0)
    rnn_t, rnn_m = torch.nn.RNN(10, 20, 2), nn.RNN(10, 20, 2)
    x_t, x_m = torch.randn(5, 3, 10), mt.randn(5, 3, 10)
    out_t, _ = rnn_t(x_t)
    out_m, _ = rnn_m(x_m)
    assert math.isclose(out_t.sum().item(), out_m.sum().item(), rel_tol=1e-5)
    assert str(mt.randn(2, 3)) == str(torch.randn(2, 3))


def test_random_md_prints_what_torch_prints() -> None:
    """docs/random.md says its rand, randn and DataLoader lines print the same under torch."""
    torch = _torch()
    page = (REFERENCE_DIR.parent.parent / "docs" / "random.md").read_text(encoding="utf-8")
    torch.manual_seed(0)
    assert f"# -> {torch.rand(3)}" in page
    torch.manual_seed(0)
    assert f"# -> {torch.randn(3)} {torch.randn(1)}" in page
    torch.manual_seed(0)
    assert f"# -> {torch.randn(4)}" in page
    torch.manual_seed(0)
    data = torch.utils.data
    loader = data.DataLoader(data.TensorDataset(torch.arange(10)), batch_size=4, shuffle=True)
    assert f"# -> {[batch.tolist() for (batch,) in loader]}" in page
