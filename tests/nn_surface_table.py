"""The nn.functional cases of ``test_nn_surface.py``: one table, read three ways.

Each case is an `op_table.OpCase`: ``fn(lib, *xs)`` uses only API that torch and
minitorch_rnn share, so the same lambda runs with ``lib=torch`` and ``lib=minitorch_rnn``.
``reference/make_reference_nn_surface.py`` records torch's values and gradients into
``reference/nn_surface.npz``; the tests compare ours with those (no torch needed), check our
gradients against finite differences, and, with torch installed, compare live.

Class indices, class weights and other constants are written into the lambdas (they get no
gradient); every float *input* of a case gets one.
"""

from __future__ import annotations

from typing import Any

from op_table import OpCase

C = OpCase

TARGETS = [1, 0, 4, 2]  # class indices for a (4, 5) input
TARGETS_2D = [[0, 2, 4], [1, 1, 3], [4, 0, 0], [2, 3, 1]]  # for a (4, 5, 3) input
CLASS_WEIGHTS = [0.5, 2.0, 1.0, 0.25, 1.5]
EMBEDDING_IDS = [[1, 2, 0, 5], [4, 0, 4, 4]]


def F(lib: Any) -> Any:
    return lib.nn.functional


def const(lib: Any, values: Any, like: Any) -> Any:
    """A constant float tensor in `like`'s dtype (so float32 cases stay float32)."""
    return lib.tensor(values, dtype=like.dtype)


def ids(lib: Any, values: Any) -> Any:
    return lib.tensor(values)  # int64 in both libraries


def _softmax_cases() -> list[OpCase]:
    cases = []
    for name in ("log_softmax", "softmax"):
        for dim in (0, 1, -1):
            cases.append(
                C(
                    f"{name}_dim{dim}",
                    ((2, 3, 4),),
                    lambda lib, x, name=name, dim=dim: getattr(F(lib), name)(x, dim=dim),
                    float32=dim == -1,
                )
            )
        cases.append(  # logits in the hundreds: the max shift must be there
            C(f"{name}_huge", ((3, 5),), lambda lib, x, n=name: getattr(F(lib), n)(60 * x, 1))
        )
        cases.append(C(f"{name}_0d", ((),), lambda lib, x, n=name: getattr(F(lib), n)(x, 0)))
        cases.append(
            C(f"{name}_module", ((3, 5),), lambda lib, x, n=name: _module(lib, n)(dim=1)(x))
        )
    return cases


def _module(lib: Any, function_name: str) -> Any:
    return {"log_softmax": lib.nn.LogSoftmax, "softmax": lib.nn.Softmax}[function_name]


def _nll_cases() -> list[OpCase]:
    cases = []
    for reduction in ("mean", "sum", "none"):
        r = reduction
        cases += [
            C(
                f"nll_{r}",
                ((4, 5),),
                lambda lib, x, r=r: F(lib).nll_loss(x, ids(lib, TARGETS), reduction=r),
                float32=r == "mean",
            ),
            C(
                f"nll_weight_{r}",
                ((4, 5),),
                lambda lib, x, r=r: F(lib).nll_loss(
                    x, ids(lib, TARGETS), const(lib, CLASS_WEIGHTS, x), reduction=r
                ),
            ),
            C(
                f"nll_ignore_{r}",
                ((4, 5),),
                lambda lib, x, r=r: F(lib).nll_loss(
                    x, ids(lib, TARGETS), ignore_index=4, reduction=r
                ),
            ),
            C(
                f"nll_weight_ignore_3d_{r}",
                ((4, 5, 3),),
                lambda lib, x, r=r: F(lib).nll_loss(
                    x, ids(lib, TARGETS_2D), const(lib, CLASS_WEIGHTS, x), ignore_index=0,
                    reduction=r,
                ),
            ),
            C(
                f"nll_module_weight_{r}",
                ((4, 5),),
                lambda lib, x, r=r: lib.nn.NLLLoss(const(lib, CLASS_WEIGHTS, x), reduction=r)(
                    x, ids(lib, TARGETS)
                ),
            ),
        ]
    return cases


def _cross_entropy_cases() -> list[OpCase]:
    cases = []
    for r in ("mean", "sum", "none"):
        cases += [
            C(
                f"ce_weight_ignore_{r}",
                ((4, 5),),
                lambda lib, x, r=r: F(lib).cross_entropy(
                    x, ids(lib, TARGETS), const(lib, CLASS_WEIGHTS, x), ignore_index=2,
                    reduction=r,
                ),
                float32=r == "mean",
            ),
            C(
                f"ce_smoothing_{r}",
                ((4, 5),),
                lambda lib, x, r=r: F(lib).cross_entropy(
                    x, ids(lib, TARGETS), reduction=r, label_smoothing=0.2
                ),
            ),
            C(
                f"ce_smoothing_weight_ignore_3d_{r}",
                ((4, 5, 3),),
                lambda lib, x, r=r: lib.nn.CrossEntropyLoss(
                    const(lib, CLASS_WEIGHTS, x), ignore_index=1, reduction=r,
                    label_smoothing=0.3,
                )(x, ids(lib, TARGETS_2D)),
            ),
            # class probabilities as targets; they get a gradient too
            C(
                f"ce_probabilities_{r}",
                ((4, 5), (4, 5)),
                lambda lib, x, p, r=r: F(lib).cross_entropy(x, F(lib).softmax(p, 1), reduction=r),
            ),
            C(
                f"ce_probabilities_weight_smoothing_{r}",
                ((4, 5), (4, 5)),
                lambda lib, x, p, r=r: F(lib).cross_entropy(
                    x, F(lib).softmax(p, 1), const(lib, CLASS_WEIGHTS, x), reduction=r,
                    label_smoothing=0.1,
                ),
            ),
        ]
    cases.append(
        C(
            "ce_unbatched_smoothing",
            ((5,),),
            lambda lib, x: F(lib).cross_entropy(x, ids(lib, 3), label_smoothing=0.4),
        )
    )
    return cases


def _regression_cases() -> list[OpCase]:
    cases = []
    for r in ("mean", "sum", "none"):
        cases += [
            C(f"l1_{r}", ((3, 4), (3, 4)), lambda lib, x, y, r=r: F(lib).l1_loss(x, y, reduction=r),
              float32=r == "mean"),
            C(f"l1_module_{r}", ((3, 4), (3, 4)),
              lambda lib, x, y, r=r: lib.nn.L1Loss(reduction=r)(x, y)),
            C(f"smooth_l1_{r}", ((3, 4), (3, 4)),
              lambda lib, x, y, r=r: F(lib).smooth_l1_loss(x, y, reduction=r),
              float32=r == "mean"),
            C(f"smooth_l1_beta_half_{r}", ((3, 4), (3, 4)),
              lambda lib, x, y, r=r: lib.nn.SmoothL1Loss(reduction=r, beta=0.5)(x, y)),
            C(f"smooth_l1_beta0_{r}", ((3, 4), (3, 4)),
              lambda lib, x, y, r=r: F(lib).smooth_l1_loss(x, y, reduction=r, beta=0.0)),
            C(f"huber_delta2_{r}", ((3, 4), (3, 4)),
              lambda lib, x, y, r=r: lib.nn.HuberLoss(reduction=r, delta=2.0)(2 * x, y)),
            C(f"mse_module_{r}", ((3, 4), (3, 4)),
              lambda lib, x, y, r=r: lib.nn.MSELoss(reduction=r)(x, y)),
        ]
    return cases


def _binary_cases() -> list[OpCase]:
    cases = []
    for r in ("mean", "sum", "none"):
        cases += [
            # probabilities and targets both in (0, 1), both get gradients
            C(f"bce_{r}", ((3, 4), (3, 4)),
              lambda lib, x, y, r=r: F(lib).binary_cross_entropy(x.sigmoid(), y.sigmoid(),
                                                                  reduction=r),
              float32=r == "mean"),
            C(f"bce_weight_{r}", ((3, 4), (3, 4)),
              lambda lib, x, y, r=r: lib.nn.BCELoss(const(lib, [1.0, 0.5, 2.0, 0.0], x),
                                                    reduction=r)(x.sigmoid(), y.sigmoid())),
            C(f"bce_logits_{r}", ((3, 4), (3, 4)),
              lambda lib, x, y, r=r: F(lib).binary_cross_entropy_with_logits(
                  30 * x, y.sigmoid(), reduction=r),
              float32=r == "mean"),
            C(f"bce_logits_weights_{r}", ((3, 4), (3, 4)),
              lambda lib, x, y, r=r: lib.nn.BCEWithLogitsLoss(
                  const(lib, [[1.0], [0.5], [2.0]], x), reduction=r,
                  pos_weight=const(lib, [3.0, 1.0, 0.5, 2.0], x))(4 * x, y.sigmoid())),
        ]
    return cases


def _embedding_cases() -> list[OpCase]:
    return [
        C("embedding", ((6, 3),), lambda lib, w: F(lib).embedding(ids(lib, EMBEDDING_IDS), w),
          float32=True),
        # padding_idx and scale_grad_by_freq change the gradient on purpose (smooth=False:
        # a convention to match, not a derivative finite differences can check)
        C("embedding_padding", ((6, 3),),
          lambda lib, w: F(lib).embedding(ids(lib, EMBEDDING_IDS), w, padding_idx=0),
          smooth=False),
        C("embedding_padding_negative_freq", ((6, 3),),
          lambda lib, w: F(lib).embedding(ids(lib, EMBEDDING_IDS), w, padding_idx=-2,
                                          scale_grad_by_freq=True), smooth=False),
        C("embedding_1d_ids", ((6, 3),), lambda lib, w: F(lib).embedding(ids(lib, [5, 5, 1]), w)),
        C("embedding_then_linear", ((6, 3), (2, 3)),
          lambda lib, w, v: F(lib).linear(F(lib).embedding(ids(lib, EMBEDDING_IDS), w), v)),
    ]


def _shape_layer_cases() -> list[OpCase]:
    return [
        C("flatten_default", ((2, 3, 4),), lambda lib, x: lib.nn.Flatten()(x), float32=True),
        C("flatten_0_1", ((2, 3, 4),), lambda lib, x: lib.nn.Flatten(0, 1)(x)),
        C("flatten_negative", ((2, 3, 4, 1),), lambda lib, x: lib.nn.Flatten(-3, -2)(x)),
        C("flatten_transposed", ((2, 3, 4),), lambda lib, x: lib.nn.Flatten()(x.transpose(0, 2))),
        C("unflatten", ((2, 12),), lambda lib, x: lib.nn.Unflatten(1, (3, -1))(x)),
        C("identity", ((2, 3),), lambda lib, x: lib.nn.Identity(7, unused=True)(x * 2)),
    ]


CASES: list[OpCase] = (
    _softmax_cases()
    + _nll_cases()
    + _cross_entropy_cases()
    + _regression_cases()
    + _binary_cases()
    + _embedding_cases()
    + _shape_layer_cases()
)
CASES_BY_NAME = {case.name: case for case in CASES}
assert len(CASES_BY_NAME) == len(CASES), "case names must be unique"
FLOAT32_CASES = [case for case in CASES if case.float32]
SMOOTH_CASES = [case for case in CASES if case.smooth]
