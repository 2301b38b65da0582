"""The autograd tape: grad modes and scopes, the `Function` node, the backward engine, checks."""

from .contributions import Term, contributions
from .engine import run_backward
from .function import Function
from .functional import grad
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    retain_grads,
    retain_values,
    scope,
    set_detect_anomaly,
    set_engine,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck
from .variable import Variable

__all__ = [
    "Function",
    "Term",
    "contributions",
    "GradcheckError",
    "Variable",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "retain_grads",
    "retain_values",
    "run_backward",
    "scope",
    "set_detect_anomaly",
    "set_engine",
    "set_grad_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
]
