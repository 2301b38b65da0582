"""Tutorial-style PyTorch programs, written once against a module called `torch`.

Each function is a complete small program in the style of a well-known tutorial -- the official
PyTorch tutorials (char-RNN classification and generation, "Learning PyTorch with Examples"),
pytorch/examples (word language model, time-sequence prediction), d2l.ai's RNN from scratch,
micrograd's test against torch -- with synthetic data instead of downloads. It receives the
library as `torch` and returns the numbers it would print (losses step by step), so the very
same code runs with ``import torch`` and with ``import minitorch_rnn as torch``.

Only the starting weights are set by a helper (`weights.same_start`), so the two libraries
start from the same numbers whatever their random streams.
"""

from __future__ import annotations

import math
from typing import Any

from .weights import data, ints, same_start

LETTERS = "abcdefghijklmnopqrstuvwxyz"
NAMES = {  # category -> a few made-up names: the programs need words, not a download
    "Alpha": ["anna", "alina", "amara", "ada", "aria"],
    "Beta": ["boris", "bruno", "bogdan", "bart", "basil"],
    "Gamma": ["greta", "gwen", "gilda", "gina", "gala"],
}


def micrograd_sanity(torch: Any) -> list[float]:
    """micrograd's test_engine.py, the torch half, as written there."""
    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y

    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    return [ypt.data.item(), xpt.grad.item(), g.data.item(), a.grad.item(), b.grad.item()]


def polynomial_autograd(torch: Any) -> list[float]:
    """Learning PyTorch with Examples: tensors and autograd, the update written by hand."""
    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    a = torch.tensor(0.1, device=device, dtype=dtype, requires_grad=True)
    b = torch.tensor(-0.2, device=device, dtype=dtype, requires_grad=True)
    c = torch.tensor(0.05, device=device, dtype=dtype, requires_grad=True)
    d = torch.tensor(0.3, device=device, dtype=dtype, requires_grad=True)
    learning_rate = 1e-6
    losses = []
    for _ in range(60):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return losses


def polynomial_nn(torch: Any) -> list[float]:
    """Learning PyTorch with Examples: nn.Sequential, Flatten(0, 1), MSELoss(reduction='sum')."""
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    same_start(torch, model)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    losses = []
    for _ in range(60):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear_layer = model[0]
    losses += linear_layer.weight[:, 0].tolist() + [linear_layer.bias.item()]
    return losses


def legendre_custom_function(torch: Any) -> list[float]:
    """Learning PyTorch with Examples: a new autograd Function (LegendrePolynomial3)."""

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, input: Any) -> Any:
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    losses = []
    for _ in range(60):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for t in (a, b, c, d):
                t -= learning_rate * t.grad
                t.grad = None
    return losses


def _letter_to_index(letter: str) -> int:
    return LETTERS.find(letter)


def _line_to_tensor(torch: Any, line: str) -> Any:
    tensor = torch.zeros(len(line), 1, len(LETTERS))
    for li, letter in enumerate(line):
        tensor[li][0][_letter_to_index(letter)] = 1
    return tensor


def char_rnn_classification(torch: Any) -> list[float]:
    """NLP From Scratch: classifying names with a character-level RNN (the tutorial's own RNN
    module of two Linear layers, LogSoftmax, NLLLoss and the manual `p.data.add_` update)."""
    nn = torch.nn

    class RNN(nn.Module):
        def __init__(self, input_size: int, hidden_size: int, output_size: int) -> None:
            super(RNN, self).__init__()  # noqa: UP008 (as the tutorial writes it)
            self.hidden_size = hidden_size
            self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
            self.i2o = nn.Linear(input_size + hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, input: Any, hidden: Any) -> Any:
            combined = torch.cat((input, hidden), 1)
            hidden = self.i2h(combined)
            output = self.i2o(combined)
            output = self.softmax(output)
            return output, hidden

        def initHidden(self) -> Any:  # noqa: N802
            return torch.zeros(1, self.hidden_size)

    all_categories = list(NAMES)
    rnn = same_start(torch, RNN(len(LETTERS), 32, len(all_categories)))
    criterion = nn.NLLLoss()
    learning_rate = 0.005

    def train(category_tensor: Any, line_tensor: Any) -> tuple[Any, float]:
        hidden = rnn.initHidden()
        rnn.zero_grad()
        for i in range(line_tensor.size()[0]):
            output, hidden = rnn(line_tensor[i], hidden)
        loss = criterion(output, category_tensor)
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)
        return output, loss.item()

    losses = []
    examples = [(c, n) for c in all_categories for n in NAMES[c]]
    for step in range(45):
        category, line = examples[(step * 7) % len(examples)]
        category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
        output, loss = train(category_tensor, _line_to_tensor(torch, line))
        top_n, top_i = output.topk(1)
        losses += [loss, float(top_i[0].item())]
    return losses


def char_rnn_generation(torch: Any) -> list[float]:
    """NLP From Scratch: generating names (category + input + hidden, o2o, Dropout, the loss
    summed into ``torch.Tensor([0])`` over the steps), then sampling with topk."""
    nn = torch.nn
    n_letters = len(LETTERS) + 1  # plus EOS
    n_categories = len(NAMES)

    class RNN(nn.Module):
        def __init__(self, input_size: int, hidden_size: int, output_size: int) -> None:
            super().__init__()
            self.hidden_size = hidden_size
            self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
            self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
            self.o2o = nn.Linear(hidden_size + output_size, output_size)
            self.dropout = nn.Dropout(0.1)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, category: Any, input: Any, hidden: Any) -> Any:
            input_combined = torch.cat((category, input, hidden), 1)
            hidden = self.i2h(input_combined)
            output = self.i2o(input_combined)
            output_combined = torch.cat((hidden, output), 1)
            output = self.o2o(output_combined)
            output = self.dropout(output)
            output = self.softmax(output)
            return output, hidden

        def initHidden(self) -> Any:  # noqa: N802
            return torch.zeros(1, self.hidden_size)

    rnn = same_start(torch, RNN(n_letters, 24, n_letters))
    rnn.dropout.p = 0.0  # (masks are compared in tests/test_random.py; here both take one path)
    criterion = nn.NLLLoss()
    learning_rate = 0.0005
    all_categories = list(NAMES)

    def category_tensor(category: str) -> Any:
        tensor = torch.zeros(1, n_categories)
        tensor[0][all_categories.index(category)] = 1
        return tensor

    def input_tensor(line: str) -> Any:
        tensor = torch.zeros(len(line), 1, n_letters)
        for li in range(len(line)):
            tensor[li][0][LETTERS.find(line[li])] = 1
        return tensor

    def target_tensor(line: str) -> Any:
        letter_indexes = [LETTERS.find(line[li]) for li in range(1, len(line))]
        letter_indexes.append(n_letters - 1)  # EOS
        return torch.LongTensor(letter_indexes)

    def train(cat: Any, input_line_tensor: Any, target_line_tensor: Any) -> float:
        target_line_tensor.unsqueeze_(-1)
        hidden = rnn.initHidden()
        rnn.zero_grad()
        loss = torch.Tensor([0])  # you can also just simply use ``loss = 0``
        for i in range(input_line_tensor.size(0)):
            output, hidden = rnn(cat, input_line_tensor[i], hidden)
            step_loss = criterion(output, target_line_tensor[i])
            loss += step_loss
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-learning_rate)
        return loss.item() / input_line_tensor.size(0)

    losses = []
    examples = [(c, n) for c in all_categories for n in NAMES[c]]
    for step in range(30):
        category, line = examples[(step * 4) % len(examples)]
        losses.append(train(category_tensor(category), input_tensor(line), target_tensor(line)))

    rnn.eval()
    with torch.no_grad():  # sample: the most likely letter at each step
        cat = category_tensor("Beta")
        input = input_tensor("b")
        hidden = rnn.initHidden()
        for _ in range(6):
            output, hidden = rnn(cat, input[0], hidden)
            topv, topi = output.topk(1)
            topi = topi[0][0]
            losses.append(float(topi))
            if topi == n_letters - 1:
                break
            input = input_tensor(LETTERS[topi])
    return losses


def word_language_model(torch: Any) -> list[float]:
    """pytorch/examples word_language_model with RNN_TANH: Embedding, nn.RNN, a Linear decoder,
    log_softmax + NLLLoss, truncated BPTT with repackage_hidden, clip_grad_norm_ and the manual
    ``p.data.add_(p.grad, alpha=-lr)`` update; batchify / get_batch as written there."""
    nn = torch.nn
    F = torch.nn.functional

    class RNNModel(nn.Module):
        def __init__(self, rnn_type: str, ntoken: int, ninp: int, nhid: int, nlayers: int,
                     dropout: float = 0.5) -> None:
            super().__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            nonlinearity = {"RNN_TANH": "tanh", "RNN_RELU": "relu"}[rnn_type]
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            self.rnn_type = rnn_type
            self.nhid = nhid
            self.nlayers = nlayers

        def forward(self, input: Any, hidden: Any) -> Any:
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output)
            decoded = decoded.view(-1, self.ntoken)
            return F.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz: int) -> Any:
            weight = next(self.parameters())
            return weight.new_zeros(self.nlayers, bsz, self.nhid)

    def batchify(data: Any, bsz: int) -> Any:
        nbatch = data.size(0) // bsz
        data = data.narrow(0, 0, nbatch * bsz)
        data = data.view(bsz, -1).t().contiguous()
        return data

    bptt = 7

    def get_batch(source: Any, i: int) -> tuple[Any, Any]:
        seq_len = min(bptt, len(source) - 1 - i)
        data = source[i : i + seq_len]
        target = source[i + 1 : i + 1 + seq_len].view(-1)
        return data, target

    def repackage_hidden(h: Any) -> Any:
        if isinstance(h, torch.Tensor):
            return h.detach()
        return tuple(repackage_hidden(v) for v in h)

    ntokens = 20
    corpus = ints(torch, ntokens, (400,), seed=3)
    train_data = batchify(corpus, 4)
    model = same_start(torch, RNNModel("RNN_TANH", ntokens, 12, 16, 2, dropout=0.0))
    criterion = nn.NLLLoss()
    lr, clip = 2.0, 0.25
    losses = []
    model.train()
    hidden = model.init_hidden(4)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data_, targets = get_batch(train_data, i)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data_, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        losses.append(loss.item())
        if batch >= 12:
            break
    model.eval()
    with torch.no_grad():
        output, _ = model(train_data[:bptt], model.init_hidden(4))
        losses.append(math.exp(criterion(output, train_data[1 : bptt + 1].reshape(-1)).item()))
    return losses


def d2l_rnn_from_scratch(torch: Any) -> list[float]:
    """d2l.ai 'RNN from scratch': one-hot inputs, parameters as plain tensors, torch.mm, the
    state detached between batches, gradient clipping by the global norm, manual SGD."""
    F = torch.nn.functional
    vocab_size, num_hiddens, batch_size, num_steps = 12, 16, 3, 6
    device = torch.device("cpu")

    def get_params() -> list[Any]:
        num_inputs = num_outputs = vocab_size

        def normal(shape: tuple[int, ...], seed: int) -> Any:
            return data(torch, shape, seed) * 0.01

        W_xh = normal((num_inputs, num_hiddens), 1)
        W_hh = normal((num_hiddens, num_hiddens), 2)
        b_h = torch.zeros(num_hiddens, device=device)
        W_hq = normal((num_hiddens, num_outputs), 3)
        b_q = torch.zeros(num_outputs, device=device)
        params = [W_xh, W_hh, b_h, W_hq, b_q]
        for param in params:
            param.requires_grad_(True)
        return params

    def rnn(inputs: Any, state: Any, params: list[Any]) -> Any:
        W_xh, W_hh, b_h, W_hq, b_q = params
        (H,) = state
        outputs = []
        for X in inputs:
            H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
            Y = torch.mm(H, W_hq) + b_q
            outputs.append(Y)
        return torch.cat(outputs, dim=0), (H,)

    def grad_clipping(params: list[Any], theta: float) -> None:
        norm = torch.sqrt(sum(torch.sum(p.grad**2) for p in params))
        if norm > theta:
            for param in params:
                param.grad[:] *= theta / norm

    def sgd(params: list[Any], lr: float, batch_size: int) -> None:
        with torch.no_grad():
            for param in params:
                param -= lr * param.grad / batch_size
                param.grad.zero_()

    params = get_params()
    loss = torch.nn.CrossEntropyLoss()
    state = None
    perplexities = []
    for step in range(25):
        X = ints(torch, vocab_size, (batch_size, num_steps), seed=10 + step % 5)
        Y = (X + 1) % vocab_size  # learn "the next token is one more"
        if state is None:
            state = (torch.zeros((batch_size, num_hiddens), device=device),)
        else:
            for s in state:
                s.detach_()
        inputs = F.one_hot(X.T, vocab_size).type(torch.float32)
        y = Y.T.reshape(-1)
        y_hat, state = rnn(inputs, state, params)
        batch_loss = loss(y_hat, y.long()).mean()
        batch_loss.backward()
        grad_clipping(params, 1)
        sgd(params, lr=1.0 * batch_size, batch_size=batch_size)
        perplexities.append(math.exp(batch_loss.item()))
    return perplexities


def dataloader_training_loop(torch: Any) -> list[float]:
    """The Datasets & DataLoaders / Optimization tutorials' loop: TensorDataset, DataLoader with
    shuffle under manual_seed, `.to(device)`, model.train(), optimizer.zero_grad()."""
    from importlib import import_module

    data_utils = import_module(torch.__name__ + ".utils.data")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    X = data(torch, (48, 5), seed=4)
    y = (X.sum(dim=1) > 0).long()
    dataset = data_utils.TensorDataset(X, y)
    torch.manual_seed(0)
    loader = data_utils.DataLoader(dataset, batch_size=8, shuffle=True)
    model = torch.nn.Sequential(
        torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2)
    ).to(device)
    same_start(torch, model)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(3):
        model.train()
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            pred = model(xb)
            loss = loss_fn(pred, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        correct = (model(X).argmax(1) == y).type(torch.float).sum().item()
    return losses + [correct]


PROGRAMS = [
    micrograd_sanity,
    polynomial_autograd,
    polynomial_nn,
    legendre_custom_function,
    char_rnn_classification,
    char_rnn_generation,
    word_language_model,
    d2l_rnn_from_scratch,
    dataloader_training_loop,
]
