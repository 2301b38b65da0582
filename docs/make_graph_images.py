"""Regenerate the computation-graph pictures in docs/images/ (graphs.md, rnn_bptt.md, compile.md).

    python docs/make_graph_images.py

Writes an SVG and a PNG of each picture, drawn by graphviz-pure (installed with minitorch_rnn)
even where system Graphviz is installed: it writes the same bytes on every platform, so the
pictures change only when the graphs do.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import minitorch_rnn as torch
from minitorch_rnn import nn, viz

IMAGES = Path(__file__).resolve().parent / "images"
PNG_DPI = "72"  # small files; the SVGs are there for sharp zooming


def save(dot, name: str, program: str = "graphviz-pure") -> None:
    """`name`.svg and `name`.png in docs/images/."""
    viz.render(dot, IMAGES / f"{name}.svg", program=program)
    dot.graph_attr["dpi"] = PNG_DPI
    viz.render(dot, IMAGES / f"{name}.png", program=program)
    (IMAGES / f"{name}.gv").unlink()  # the DOT source: not needed in the repository
    print(f"wrote docs/images/{name}.svg and .png")


def expression() -> None:
    """A tanh neuron and a squared loss, with values and gradients."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, requires_grad=True)
    w = nn.Parameter(torch.randn(3, 1))
    b = nn.Parameter(torch.zeros(1))
    with torch.autograd.retain_values():
        with torch.autograd.scope("neuron"):
            y = (x @ w + b).tanh()
        loss = (y * y).sum()
    with torch.autograd.retain_grads():
        loss.backward()
    dot = viz.make_dot(loss, {"x": x, "w": w, "b": b}, show_values=True, show_grads=True)
    save(dot, "expression")


def seed_rnn() -> None:
    """The seed's nn.RNN(10, 20, 2) over 3 steps: the structure, then the gradients."""
    torch.manual_seed(0)
    rnn = nn.RNN(10, 20, 2)
    input = torch.randn(3, 3, 10)
    h0 = torch.randn(2, 3, 20)
    output, hn = rnn(input, h0)
    params = {"input": input, "h0": h0, **dict(rnn.named_parameters())}  # names for the data too
    save(viz.make_dot(output.sum(), params), "rnn_seed_3_steps")

    # The same, after a backward pass from the last step's output only: the gradient has to
    # travel back through every step, and gets smaller on the way (paler boxes).
    with torch.autograd.retain_values():
        output, hn = rnn(input, h0)
        loss = output[-1].sum()
    with torch.autograd.retain_grads():
        loss.backward()
    save(viz.make_dot(loss, params, show_grads=True), "rnn_seed_3_steps_grads")


def folded_rnn() -> None:
    """nn.RNN(4, 8, 2) over 100 steps: folded to the first and last 3 steps per layer."""
    torch.manual_seed(0)
    rnn = nn.RNN(4, 8, 2)
    output, hn = rnn(torch.randn(100, 2, 4))
    loss = output[-1].sum()
    with torch.autograd.retain_grads():
        loss.backward()
    dot = viz.make_dot(loss, dict(rnn.named_parameters()), show_grads=True, max_steps=6)
    save(dot, "rnn_100_steps_folded")


def lstm() -> None:
    """nn.LSTM(3, 4) over 3 steps, after a backward pass from the last step: each step one box,
    each gate a box inside it, and the cell state c running along the bottom."""
    torch.manual_seed(0)
    lstm = nn.LSTM(3, 4)
    with torch.autograd.retain_values():
        output, (hn, cn) = lstm(torch.randn(3, 2, 3))
        loss = output[-1].sum()
    with torch.autograd.retain_grads():
        loss.backward()
    # System Graphviz where installed: graphviz-pure (0.2.2) lays this graph's steps out of
    # order (t=1, t=2, t=0), which a learner would misread; dot keeps t=0, t=1, t=2.
    program = "dot" if shutil.which("dot") else "graphviz-pure"
    dot = viz.make_dot(loss, dict(lstm.named_parameters()), show_grads=True)
    save(dot, "lstm_3_steps", program)


class TinyNet(nn.Module):
    """nn.RNN(3, 4) over 3 steps and a Linear head: small enough for a picture of a program."""

    def __init__(self, bias: bool = True) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.rnn = nn.RNN(3, 4, bias=bias)
        self.head = nn.Linear(4, 1, bias=bias)

    def forward(self, x):
        output, _ = self.rnn(x)
        return self.head(output[-1])


def compiled() -> None:
    """compile.md: a compiled module as one node of its caller's graph, the same opened to the
    program it replays, and the program of a whole compiled training step."""
    from minitorch_rnn.nn import functional as F

    net = TinyNet()
    step_net = torch.compile(net)
    x, y = torch.randn(3, 2, 3), torch.randn(2, 1)
    step_net(x)  # records
    loss = F.mse_loss(step_net(x), y)  # replays: one CompiledFunction node
    names = {"x": x, "y": y, **dict(net.named_parameters())}
    save(viz.make_dot(loss, names, legend=False), "compiled_one_box")
    dot = viz.make_dot(loss, names, expand_compiled=True, legend=False)
    save(dot, "compiled_expanded")

    net = TinyNet(bias=False)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        return loss

    train_step = torch.compile(step)
    for _ in range(3):  # records twice (no .grad yet, then .grad), then replays
        train_step(x, y)
    save(viz.make_dot(train_step, legend=False), "compiled_train_step")


def step_through_page() -> None:
    """A screenshot of the step-through page (graphs.md, section 7) at step 28 of 36: needs
    Chromium and Playwright for Python (pip install playwright; apt-get install chromium)."""
    import shutil
    import tempfile

    from playwright.sync_api import sync_playwright

    torch.manual_seed(0)
    rnn = nn.RNN(10, 20, 2)
    input, h0 = torch.randn(5, 3, 10), torch.randn(2, 3, 20)
    output, hn = rnn(input, h0)
    names = {"input": input, "h0": h0, **dict(rnn.named_parameters())}
    with tempfile.TemporaryDirectory() as tmp:
        page_file = viz.step_through(output.sum(), names, program="graphviz-pure")
        path = page_file.save(Path(tmp) / "backward.html")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"), args=["--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1500, "height": 950})
            page.goto(Path(path).as_uri())
            for _ in range(28):
                page.click("#next")
            page.screenshot(path=str(IMAGES / "step_through.png"))
            browser.close()
    print("wrote docs/images/step_through.png")


if __name__ == "__main__":
    IMAGES.mkdir(exist_ok=True)
    expression()
    seed_rnn()
    folded_rnn()
    lstm()
    compiled()

    step_through_page()
