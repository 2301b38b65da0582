"""Write the list of PyTorch's public names that `minitorch_rnn` answers with placeholders.

Run it once, with torch installed, from the repository root::

    python tests/reference/make_torch_names.py

It writes ``minitorch_rnn/_torch_names.txt``: torch 2.13's public names in three sections,
``[torch]`` (``torch.__all__``), ``[torch.nn]`` and ``[torch.nn.functional]`` (neither has an
``__all__``: their public attributes, less the submodules and the helpers they import from
elsewhere, such as ``typing.Optional`` or ``math``). A name that minitorch_rnn defines is
simply found; any other name on the list becomes a placeholder (see
``minitorch_rnn/_placeholders.py``), so ``from minitorch_rnn.nn import Transformer`` works
and *using* it raises `minitorch_rnn.UnsupportedError` with one clear message.
"""

from __future__ import annotations

import pathlib
import types

import torch
import torch.nn
import torch.nn.functional

OUT = pathlib.Path(__file__).resolve().parents[2] / "minitorch_rnn" / "_torch_names.txt"

# nn.functional's own functions are defined in these modules; anything else is an import
# (typing.Optional, math, numpy, torch.overrides.handle_torch_function, ...).
FUNCTIONAL_HOMES = ("torch.nn.functional", "torch._C._nn", "torch._C", "torch")


def public_names(module: types.ModuleType) -> list[str]:
    """Public attributes that are not themselves modules (nn.init, nn.utils, ... are files)."""
    return [
        name
        for name in dir(module)
        if not name.startswith("_") and not isinstance(getattr(module, name), types.ModuleType)
    ]


def functional_names() -> list[str]:
    names = []
    for name in public_names(torch.nn.functional):
        obj = getattr(torch.nn.functional, name)
        if callable(obj) and getattr(obj, "__module__", None) in FUNCTIONAL_HOMES:
            if obj is not torch.Tensor:  # `F.Tensor` is an import of torch.Tensor
                names.append(name)
    return names


def main() -> None:
    sections = {
        "torch": sorted(torch.__all__),
        "torch.nn": public_names(torch.nn),
        "torch.nn.functional": functional_names(),
    }
    lines = [
        f"# torch {torch.__version__.split('+')[0]}'s public names, written by "
        "tests/reference/make_torch_names.py (do not edit by hand)."
    ]
    for section, names in sections.items():
        lines += ["", f"[{section}]", *sorted(set(names))]
    OUT.write_text("\n".join(lines) + "\n")
    counts = ", ".join(f"{section} {len(names)}" for section, names in sections.items())
    print(f"wrote {OUT.name}: {counts}")


if __name__ == "__main__":
    main()
