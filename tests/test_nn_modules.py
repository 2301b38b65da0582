"""nn.Module behaviour, Linear, Sequential, activations, Dropout, losses and reprs.

Numbers against stored torch data are in test_nn_reference.py. Here: the Module contract
(registration, names and order, modes, zero_grad, dtype conversion, state_dict errors in
torch's words), the formulas written independently in numpy, dropout statistics, and reprs
compared with literal strings and, when torch is installed, with torch's live reprs.
"""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

import minitorch_rnn as mt
from minitorch_rnn.autograd import gradcheck

nn = mt.nn
F = mt.nn.functional


def numpy_of(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def f64(*shape: int, seed: int = 0, scale: float = 1.0, grad: bool = True) -> mt.Tensor:
    data = np.random.default_rng(seed).standard_normal(shape) * scale
    return mt.tensor(data, requires_grad=grad)


def two_layer(lib: Any = mt) -> Any:
    """A small model with a Parameter of its own, two Linear children and a parameter-free
    child, built the same way with our library (`mt`) or with torch."""

    class TwoLayer(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = lib.nn.Parameter(lib.ones(3))
            self.first = lib.nn.Linear(4, 3)
            self.act = lib.nn.Tanh()
            self.second = lib.nn.Linear(3, 2, bias=False)

        def forward(self, x: Any) -> Any:
            return self.second(self.act(self.first(x)) * self.scale)

    return TwoLayer()


# --------------------------------------------------------------------------- Module


def test_parameters_and_children_register_on_assignment_in_torchs_order() -> None:
    model = two_layer()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "first.weight", "first.bias", "second.weight"]
    assert list(model.parameters())[1] is model.first.weight
    assert [name for name, _ in model.named_children()] == ["first", "act", "second"]
    assert [type(m).__name__ for m in model.modules()] == ["TwoLayer", "Linear", "Tanh", "Linear"]
    assert list(model.state_dict()) == names


def test_parameter_names_match_torch_for_the_same_model() -> None:
    torch = pytest.importorskip("torch")
    ours = two_layer()
    theirs = two_layer(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert p.shape == tuple(q.shape), name


def test_a_shared_parameter_is_listed_once() -> None:
    model = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    model[1].weight = model[0].weight
    assert len(list(model.parameters())) == 3


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'weights'"):
        _ = nn.Linear(2, 3).weights


def test_train_and_eval_reach_every_submodule() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.Tanh()))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


@pytest.mark.parametrize("set_to_none", [True, False])
def test_module_zero_grad(set_to_none: bool) -> None:
    model = nn.Linear(3, 2)
    model(mt.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=set_to_none)
    for p in model.parameters():
        if set_to_none:
            assert p.grad is None
        else:
            np.testing.assert_array_equal(numpy_of(p.grad), np.zeros(p.shape))


def test_double_converts_in_place_and_forward_runs_in_float64() -> None:
    model = two_layer()
    weight = model.first.weight
    model.double()
    assert model.first.weight is weight  # the same Parameter objects (optimizers keep working)
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model(mt.randn(5, 4, dtype=mt.float64)).dtype == np.float64
    model.float()
    assert all(p.dtype == np.float32 for p in model.parameters())


def test_missing_forward_is_torchs_error() -> None:
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)


def test_load_state_dict_copies_values_into_the_same_parameters() -> None:
    source, target = two_layer(), two_layer()
    weight = target.first.weight
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert target.first.weight is weight
    for (name, p), (_, q) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(numpy_of(p), numpy_of(q), err_msg=name)


def test_state_dict_is_detached() -> None:
    model = nn.Linear(2, 2)
    value = model.state_dict()["weight"]
    assert not value.requires_grad
    assert value.grad_fn is None


def test_load_state_dict_reports_missing_keys_in_torchs_words() -> None:
    state = nn.Linear(3, 2).state_dict()
    del state["bias"]
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "bias"'):
        nn.Linear(3, 2).load_state_dict(state)


def test_load_state_dict_reports_unexpected_keys_in_torchs_words() -> None:
    state = nn.Linear(3, 2).state_dict()
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "bias"'):
        nn.Linear(3, 2, bias=False).load_state_dict(state)


def test_load_state_dict_reports_size_mismatch_in_torchs_words() -> None:
    with pytest.raises(RuntimeError, match="size mismatch for weight: copying a param with shape"):
        nn.Linear(3, 2).load_state_dict(nn.Linear(2, 3).state_dict())


def test_load_state_dict_non_strict_returns_the_key_lists() -> None:
    model = nn.Linear(3, 2, bias=False)
    state = nn.Linear(3, 2).state_dict()
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == [] and result.unexpected_keys == ["bias"]


def test_load_state_dict_accepts_numpy_arrays() -> None:
    model = nn.Linear(3, 2)
    weight = np.arange(6, dtype=np.float32).reshape(2, 3)
    model.load_state_dict({"weight": weight, "bias": np.zeros(2, dtype=np.float32)})
    np.testing.assert_array_equal(numpy_of(model.weight), weight)


# --------------------------------------------------------------------------- Linear


@pytest.mark.parametrize("shape", [(4,), (5, 4), (2, 3, 4)], ids=["1d", "2d", "3d"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_is_x_times_w_transposed_plus_b(shape: tuple[int, ...], bias: bool) -> None:
    layer = nn.Linear(4, 3, bias=bias, dtype=mt.float64)
    x = f64(*shape)
    expected = x._data @ layer.weight._data.T + (layer.bias._data if bias else 0.0)
    out = layer(x)
    assert out.shape == shape[:-1] + (3,)
    np.testing.assert_allclose(numpy_of(out), expected, rtol=1e-12)


def test_linear_gradients_match_finite_differences() -> None:
    x, w, b = f64(3, 4, seed=1), f64(2, 4, seed=2), f64(2, seed=3)
    assert gradcheck(F.linear, [x, w, b])


def test_linear_without_bias_registers_none() -> None:
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_linear_initialisation_is_seeded_and_within_torchs_bound() -> None:
    mt.manual_seed(123)
    first = nn.Linear(50, 40)
    mt.manual_seed(123)
    second = nn.Linear(50, 40)
    np.testing.assert_array_equal(numpy_of(first.weight), numpy_of(second.weight))
    bound = 1 / math.sqrt(50)
    weight = numpy_of(first.weight)
    assert np.abs(weight).max() <= bound
    # U(-b, b) has standard deviation b / sqrt(3); 2,000 samples pin it to a few percent
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.1 * bound / math.sqrt(3)


def test_linear_parameter_dtype() -> None:
    assert nn.Linear(2, 3).weight.dtype == np.float32
    assert nn.Linear(2, 3, dtype=mt.float64).bias.dtype == np.float64


def test_linear_wrong_input_size_is_torchs_error() -> None:
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x5 and 3x4\)"):
        nn.Linear(3, 4)(mt.randn(2, 5))


def test_linear_refuses_mixed_dtypes_like_torch() -> None:
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: double != float"):
        nn.Linear(4, 2)(mt.randn(3, 4, dtype=mt.float64))


def test_linear_with_zero_inputs_is_allowed() -> None:
    layer = nn.Linear(0, 3)
    np.testing.assert_array_equal(numpy_of(layer.bias), np.zeros(3))
    np.testing.assert_array_equal(numpy_of(layer(mt.zeros(2, 0))), np.zeros((2, 3)))


# --------------------------------------------------------------------------- Sequential


def test_sequential_applies_modules_in_order() -> None:
    model = nn.Sequential(nn.Linear(4, 3, dtype=mt.float64), nn.Tanh(), nn.Linear(3, 2, dtype=mt.float64))
    x = f64(5, 4)
    h = np.tanh(x._data @ model[0].weight._data.T + model[0].bias._data)
    expected = h @ model[2].weight._data.T + model[2].bias._data
    np.testing.assert_allclose(numpy_of(model(x)), expected, rtol=1e-12)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_sequential_indexing_len_and_iteration() -> None:
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Sigmoid()]
    model = nn.Sequential(*layers)
    assert len(model) == 3
    assert list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    part = model[1:]
    assert isinstance(part, nn.Sequential)
    assert list(part._modules) == ["1", "2"]  # torch keeps the original keys
    with pytest.raises(IndexError, match="index 3 is out of range"):
        model[3]
    with pytest.raises(IndexError, match="index -4 is out of range"):
        model[-4]
    model.append(nn.Tanh())
    assert len(model) == 4 and isinstance(model[3], nn.Tanh)


def test_sequential_from_an_ordered_dict_uses_its_keys() -> None:
    model = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert [n for n, _ in model.named_parameters()] == ["hidden.weight", "hidden.bias"]
    assert model[0] is model.hidden


# --------------------------------------------------------------------------- activations


@pytest.mark.parametrize(
    ("module", "function", "reference"),
    [
        (nn.Tanh, F.tanh, np.tanh),
        (nn.ReLU, F.relu, lambda a: np.maximum(a, 0)),
        (nn.Sigmoid, F.sigmoid, lambda a: 1 / (1 + np.exp(-a))),
    ],
    ids=["tanh", "relu", "sigmoid"],
)
def test_activation_modules_and_functions(module: Any, function: Any, reference: Any) -> None:
    x = f64(3, 4, scale=3.0)
    np.testing.assert_allclose(numpy_of(module()(x)), reference(x._data), rtol=1e-12)
    np.testing.assert_allclose(numpy_of(function(x)), reference(x._data), rtol=1e-12)


# --------------------------------------------------------------------------- Dropout


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_statistics_in_train_mode(p: float) -> None:
    """About a fraction p becomes zero, the rest is scaled by 1/(1-p): the mean is preserved."""
    mt.manual_seed(0)
    n = 200_000
    x = mt.ones(n, dtype=mt.float64)
    y = numpy_of(nn.Dropout(p)(x))
    zeroed = np.mean(y == 0)
    # binomial standard deviation sqrt(p(1-p)/n) is about 1e-3: 5e-3 is five of them
    assert abs(zeroed - p) < 5e-3
    np.testing.assert_allclose(y[y != 0], 1 / (1 - p), rtol=1e-12)
    assert abs(y.mean() - 1.0) < 5e-3 / (1 - p)


def test_dropout_gradient_is_the_same_mask() -> None:
    mt.manual_seed(1)
    x = f64(1000)
    y = F.dropout(x, p=0.3)
    y.sum().backward()
    kept = numpy_of(y) != 0
    np.testing.assert_allclose(x.grad._data, np.where(kept, 1 / 0.7, 0.0), rtol=1e-12)


def test_dropout_is_the_identity_in_eval_mode() -> None:
    layer = nn.Dropout(0.5).eval()
    x = f64(100)
    assert layer(x) is x
    assert F.dropout(x, 0.5, training=False) is x


def test_dropout_is_reproducible_under_manual_seed() -> None:
    x = mt.ones(50)
    mt.manual_seed(7)
    first = numpy_of(F.dropout(x))
    mt.manual_seed(7)
    np.testing.assert_array_equal(numpy_of(F.dropout(x)), first)


def test_dropout_extremes() -> None:
    x = f64(20)
    np.testing.assert_array_equal(numpy_of(F.dropout(x, p=1.0)), np.zeros(20))
    np.testing.assert_array_equal(numpy_of(F.dropout(x, p=0.0)), x._data)


@pytest.mark.parametrize("p", [1.5, -0.1])
def test_dropout_probability_outside_0_1_is_torchs_error(p: float) -> None:
    message = f"dropout probability has to be between 0 and 1, but got {p}"
    with pytest.raises(ValueError, match=message):
        nn.Dropout(p)
    with pytest.raises(ValueError, match=message):
        F.dropout(mt.ones(3), p)


# --------------------------------------------------------------------------- losses


def numpy_cross_entropy(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-sample loss log sum_j exp(x_j) - x_target, computed stably in numpy."""
    m = logits.max(axis=-1, keepdims=True)
    lse = (m + np.log(np.exp(logits - m).sum(axis=-1, keepdims=True)))[..., 0]
    return lse - np.take_along_axis(logits, target[..., None], axis=-1)[..., 0]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_formula(reduction: str) -> None:
    x, y = f64(4, 3, seed=1), f64(4, 3, seed=2)
    squares = (x._data - y._data) ** 2
    expected = {"mean": squares.mean(), "sum": squares.sum(), "none": squares}[reduction]
    np.testing.assert_allclose(numpy_of(nn.MSELoss(reduction=reduction)(x, y)), expected, rtol=1e-12)
    assert gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), [x, y])


def test_mse_loss_warns_when_shapes_differ_like_torch() -> None:
    with pytest.warns(UserWarning, match="Using a target size .* that is different to the input size"):
        F.mse_loss(mt.zeros(3, 1), mt.zeros(3))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_formula_and_gradient(reduction: str) -> None:
    logits = f64(5, 4, seed=3)
    target = mt.tensor(np.array([0, 3, 1, 1, 2]))
    per_sample = numpy_cross_entropy(logits._data, target._data)
    expected = {"mean": per_sample.mean(), "sum": per_sample.sum(), "none": per_sample}[reduction]
    loss = nn.CrossEntropyLoss(reduction=reduction)(logits, target)
    np.testing.assert_allclose(numpy_of(loss), expected, rtol=1e-12)
    assert gradcheck(lambda a: F.cross_entropy(a, target, reduction=reduction), [logits])


def test_cross_entropy_gradient_is_softmax_minus_one_hot() -> None:
    logits = f64(3, 4, seed=4)
    target = np.array([2, 0, 3])
    F.cross_entropy(logits, mt.tensor(target)).backward()
    e = np.exp(logits._data - logits._data.max(axis=1, keepdims=True))
    softmax = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(logits.grad._data, (softmax - np.eye(4)[target]) / 3, rtol=1e-12)


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    logits = mt.tensor(np.array([[1000.0, 0.0, -1000.0], [-5000.0, 5000.0, 0.0]]), requires_grad=True)
    loss = F.cross_entropy(logits, mt.tensor(np.array([1, 1])), reduction="none")
    np.testing.assert_allclose(numpy_of(loss), [1000.0, 0.0])
    loss.sum().backward()
    assert np.all(np.isfinite(logits.grad._data))


def test_cross_entropy_on_one_unbatched_sample() -> None:
    logits = f64(5, seed=5)
    loss = F.cross_entropy(logits, mt.tensor(3))
    assert loss.shape == ()
    np.testing.assert_allclose(numpy_of(loss), numpy_cross_entropy(logits._data, np.array(3)), rtol=1e-12)


def test_cross_entropy_with_extra_dims_matches_torch() -> None:
    """(N, C, d) logits with (N, d) targets: the class dim is dim 1."""
    torch = pytest.importorskip("torch")
    logits = np.random.default_rng(6).standard_normal((2, 4, 3))
    target = np.array([[0, 3, 1], [2, 2, 0]])
    ours_in = mt.tensor(logits, requires_grad=True)
    ours = F.cross_entropy(ours_in, mt.tensor(target), reduction="none")
    theirs_in = torch.tensor(logits, requires_grad=True)
    theirs = torch.nn.functional.cross_entropy(theirs_in, torch.tensor(target), reduction="none")
    np.testing.assert_allclose(numpy_of(ours), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(ours_in.grad._data, theirs_in.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("logits_shape", "target", "error", "message"),
    [
        ((3, 4), [0, 1, 5], IndexError, "Target 5 is out of bounds."),
        ((3, 4), [0, -1, 1], IndexError, "Target -1 is out of bounds."),
        ((3, 4), [0, 1], ValueError, r"Expected input batch_size \(3\) to match target batch_size \(2\)."),
        ((3, 4), np.array([0.0, 1.0, 1.0]), RuntimeError, "expected target dtype to be Long or Byte, but got Double"),
        ((3, 4), np.array([0, 1, 1], dtype=np.int32), RuntimeError, "expected target dtype to be Long or Byte, but got Int"),
        ((3, 4), [[1], [2], [0]], RuntimeError, "0D or 1D target tensor expected, multi-target not supported"),
        ((2, 3, 4), [[1, 2, 0], [0, 0, 0]], RuntimeError, r"Expected target size \[2, 4\], got \[2, 3\]"),
    ],
    ids=["too_big", "negative", "batch", "float_target", "int32_target", "2d_target", "kdim_shape"],
)
def test_cross_entropy_errors_in_torchs_words(logits_shape: tuple[int, ...], target: Any, error: type, message: str) -> None:
    target = np.asarray(target)
    logits = mt.zeros(*logits_shape)
    with pytest.raises(error, match=message):
        F.cross_entropy(logits, mt.tensor(target))
    torch = pytest.importorskip("torch")  # the same call in torch says the same
    with pytest.raises(error, match=message):
        torch.nn.functional.cross_entropy(torch.zeros(*logits_shape), torch.from_numpy(target))


@pytest.mark.parametrize("loss", [F.mse_loss, F.cross_entropy])
def test_invalid_reduction_is_torchs_error(loss: Any) -> None:
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        loss(mt.zeros(3, 4), mt.zeros(3, 4) if loss is F.mse_loss else mt.tensor(np.array([0, 1, 2])), reduction="foo")


# --------------------------------------------------------------------------- softmax family


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_agree_and_normalise(dim: int) -> None:
    x = f64(3, 4, seed=8, scale=30.0)
    s, log_s = F.softmax(x, dim=dim), F.log_softmax(x, dim=dim)
    np.testing.assert_allclose(numpy_of(s).sum(axis=dim), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(numpy_of(log_s)), numpy_of(s), rtol=1e-10, atol=1e-300)
    assert gradcheck(lambda a: F.log_softmax(a, dim=dim), [f64(3, 4, seed=9)])
    assert gradcheck(lambda a: F.softmax(a, dim=dim), [f64(3, 4, seed=9)])


def test_softmax_dim_out_of_range_is_torchs_error() -> None:
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        F.log_softmax(mt.zeros(3, 4), dim=2)


# --------------------------------------------------------------------------- reprs

REPR_CASES = {
    "linear": ("Linear(10, 20)", "Linear(in_features=10, out_features=20, bias=True)"),
    "linear_nobias": ("Linear(3, 1, bias=False)", "Linear(in_features=3, out_features=1, bias=False)"),
    "tanh": ("Tanh()", "Tanh()"),
    "relu": ("ReLU()", "ReLU()"),
    "sigmoid": ("Sigmoid()", "Sigmoid()"),
    "dropout": ("Dropout()", "Dropout(p=0.5, inplace=False)"),
    "dropout_p": ("Dropout(p=0.25)", "Dropout(p=0.25, inplace=False)"),
    "mse": ("MSELoss()", "MSELoss()"),
    "mse_sum": ("MSELoss(reduction='sum')", "MSELoss()"),
    "cross_entropy": ("CrossEntropyLoss(reduction='none')", "CrossEntropyLoss()"),
    "empty_sequential": ("Sequential()", "Sequential()"),
    "sequential": (
        "Sequential(Linear(4, 8), ReLU(), Sequential(Dropout(0.1), Linear(8, 2, bias=False)))",
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=8, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Dropout(p=0.1, inplace=False)\n"
        "    (1): Linear(in_features=8, out_features=2, bias=False)\n"
        "  )\n"
        ")",
    ),
}


@pytest.mark.parametrize("case", list(REPR_CASES), ids=list(REPR_CASES))
def test_repr_is_torchs(case: str) -> None:
    source, expected = REPR_CASES[case]
    assert repr(eval(source, {}, vars(nn))) == expected


@pytest.mark.parametrize("case", list(REPR_CASES), ids=list(REPR_CASES))
def test_repr_matches_live_torch(case: str) -> None:
    torch = pytest.importorskip("torch")
    source, _ = REPR_CASES[case]
    assert repr(eval(source, {}, vars(nn))) == repr(eval(source, {}, vars(torch.nn)))


def test_custom_module_repr_matches_live_torch() -> None:
    torch = pytest.importorskip("torch")
    assert repr(two_layer()) == repr(two_layer(torch))


def test_no_warnings_from_normal_use() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.2), nn.Linear(4, 2))
        loss = F.cross_entropy(model(mt.randn(5, 3)), mt.randint(0, 2, (5,)))
        loss.backward()
