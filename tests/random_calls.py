"""One table of random calls, run on either library: ``CALLS[name](M)`` with ``M`` being
``minitorch_rnn`` or ``torch`` returns a tensor. The reference script stores torch's results of
`SEQUENCES`; test_random.py replays them here (and live against torch, and in a fuzzer).

Sizes are chosen around torch's paths: below 16 numbers (scalar Box-Muller with its cached
normal), exactly 16, odd sizes above 16 (the last block redrawn), 32- vs 64-bit draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Call = Callable[[Any], Any]


def _nn(M: Any) -> Any:
    return M.nn


CALLS: dict[str, Call] = {
    # rand / uniform_
    "rand_5": lambda M: M.rand(5),
    "rand_3x7": lambda M: M.rand(3, 7),
    "rand_f64_33": lambda M: M.rand(33, dtype=M.float64),
    "uniform_30": lambda M: M.zeros(30).uniform_(-0.7, 0.2),
    "uniform_f64_9": lambda M: M.zeros(9, dtype=M.float64).uniform_(-3, 7.5),
    # randn / normal_
    "randn_1": lambda M: M.randn(1),
    "randn_5": lambda M: M.randn(5),
    "randn_15": lambda M: M.randn(3, 5),
    "randn_16": lambda M: M.randn(16),
    "randn_37": lambda M: M.randn(37),
    "randn_2x3x10": lambda M: M.randn(2, 3, 10),
    "randn_f64_5": lambda M: M.randn(5, dtype=M.float64),
    "randn_f64_37": lambda M: M.randn(37, dtype=M.float64),
    "normal__40": lambda M: M.zeros(40).normal_(2.5, 0.3),
    "normal__7": lambda M: M.zeros(7).normal_(-1.5, 3.3),
    "normal__f64_21": lambda M: M.zeros(21, dtype=M.float64).normal_(-1.5, 3.3),
    "normal_floats": lambda M: M.normal(0.5, 2.0, (20,)),
    "normal_tensors": lambda M: M.normal(M.ones(3, 1), M.full((4,), 2.0)),
    "normal_tensor_float": lambda M: M.normal(M.ones(5), 3.0),
    "randn_f16_40": lambda M: M.randn(40, dtype=M.float16),
    "rand_f16_20": lambda M: M.zeros(20, dtype=M.float16).uniform_(-2, 3),
    "randn_like": lambda M: M.randn_like(M.zeros(2, 9)),
    "rand_like": lambda M: M.rand_like(M.zeros(3)),
    # integers
    "randint_20": lambda M: M.randint(0, 10, (20,)),
    "randint_big": lambda M: M.randint(-5, 2**30, (7,)),
    "randint_huge": lambda M: M.randint(2**40, (4,)),
    "randint_like": lambda M: M.randint_like(M.zeros(3), 5),
    "randperm_1": lambda M: M.randperm(1),
    "randperm_20": lambda M: M.randperm(20),
    "random__f32": lambda M: M.zeros(5).random_(),
    "random__f64": lambda M: M.zeros(5, dtype=M.float64).random_(),
    "random__i64": lambda M: M.zeros(5, dtype=M.int64).random_(),
    "random__to": lambda M: M.zeros(5).random_(7),
    "random__from_to": lambda M: M.zeros(5, dtype=M.int64).random_(-3, 3),
    # bernoulli, exponential, cauchy, multinomial
    "bernoulli_tensor": lambda M: M.bernoulli(M.full((3, 4), 0.6)),
    "bernoulli_tensor_f64": lambda M: M.bernoulli(M.full((5,), 0.6, dtype=M.float64)),
    "exponential_": lambda M: M.zeros(20).exponential_(),
    "exponential__f64": lambda M: M.zeros(6, dtype=M.float64).exponential_(2.5),
    "cauchy_": lambda M: M.zeros(6).cauchy_(1.0, 2.0),
    "multinomial_replacement": lambda M: M.multinomial(M.tensor([0.1, 0.2, 0.3, 0.4]), 10, True),
    "multinomial_no_replacement": lambda M: M.multinomial(
        M.tensor([[0.1, 0.2, 0.3, 0.4], [1.0, 1.0, 1.0, 1.0]]), 3
    ),
    "multinomial_one": lambda M: M.multinomial(M.tensor([0.1, 0.2, 0.7]), 1),
    # nn: default initialisation and init functions
    "rnn_weight_hh_l1": lambda M: _nn(M).RNN(3, 4, 2).weight_hh_l1,
    "linear_weight": lambda M: _nn(M).Linear(7, 3).weight,
    "linear_bias": lambda M: _nn(M).Linear(7, 3).bias,
    "rnncell_weight_ih": lambda M: _nn(M).RNNCell(4, 6).weight_ih,
    "embedding_weight": lambda M: _nn(M).Embedding(9, 20, padding_idx=3).weight,
    "xavier_uniform_": lambda M: _nn(M).init.xavier_uniform_(M.zeros(5, 6)),
    "xavier_normal_": lambda M: _nn(M).init.xavier_normal_(M.zeros(5, 6)),
    "kaiming_uniform_": lambda M: _nn(M).init.kaiming_uniform_(M.zeros(5, 6)),
    "kaiming_normal_": lambda M: _nn(M).init.kaiming_normal_(M.zeros(3, 2)),
}

# Whose results depend on how torch's build draws bernoulli_(p) (see docs/differences.md):
# only compared live, after checking which path this torch takes.
BERNOULLI_P_CALLS: dict[str, Call] = {
    "bernoulli__p": lambda M: M.zeros(30).bernoulli_(0.3),
    "dropout": lambda M: _nn(M).functional.dropout(M.ones(4, 10), 0.3),
}

SEEDS = [0, 1, 42, 2**33 + 5, -7]

# (id, seed, names): each sequence starts from manual_seed(seed) and runs the calls in order,
# so what one call leaves behind (the stream's position, a cached normal) reaches the next.
SEQUENCES: list[tuple[str, int, list[str]]] = [
    (f"each_{name}", 0, [name, name]) for name in CALLS
] + [
    (f"all_seed{seed}", seed, list(CALLS)) for seed in SEEDS
] + [
    (f"all_reversed_seed{seed}", seed, list(reversed(CALLS))) for seed in SEEDS[:2]
]  # fmt: skip


def data_pipeline(M: Any, seed: int, use_generator: bool) -> list[Any]:
    """A tutorial's loading loop on either library: shuffled epochs (one with drop_last),
    random_split by fractions and by lengths, a sampler with replacement, then a draw to show
    where the stream was left. Returns the batches' indices and that draw."""
    data = M.utils.data
    M.manual_seed(seed)
    g = M.Generator().manual_seed(seed + 1) if use_generator else None
    ds = data.TensorDataset(M.arange(23), M.arange(23) * 2)
    out: list[Any] = []
    for epoch in range(3):
        loader = data.DataLoader(ds, batch_size=5, shuffle=True, generator=g, drop_last=epoch == 1)
        out += [xb for xb, _ in loader]
    out += [M.tensor(list(part)) for part in data.random_split(range(10), [0.3, 0.7])]
    out += [M.tensor(list(part)) for part in data.random_split(range(7), [2, 5], generator=g)]
    out.append(M.tensor(list(data.RandomSampler(range(9), replacement=True, num_samples=40))))
    out.append(M.rand(3))
    return out


def torch_bernoulli_is_scalar(torch: Any, mt: Any) -> bool:
    """Whether this torch draws ``bernoulli_(p)`` (so dropout) with its scalar kernel, 64 bits
    per number from its stream, as minitorch_rnn does (torch 2.13's builds) -- or hands it to MKL
    (torch <= 2.4 on Intel CPUs), which takes one 32-bit seed for a whole tensor."""
    torch.manual_seed(0)
    torch.empty(3).bernoulli_(0.5)
    after = torch.rand(1).item()
    mt.manual_seed(0)
    mt.rand(6)  # 3 numbers * 2 words
    return bool(after == mt.rand(1).item())
