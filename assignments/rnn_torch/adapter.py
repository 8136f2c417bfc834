"""How the grader calls a `rnn_torch` submission: plain arrays in, plain arrays out.

The grader and the sandboxed worker exchange only numpy arrays, numbers, strings, tuples and
dicts (nothing is pickled), while this assignment's parts are torch functions, modules and
training loops. So every call is one stateless operation, `call(module, part, args)`: build
the tensors and modules from the arrays, run the student's code (`module` is the submission,
or the reference when the grader computes a right answer the same way), differentiate what
must be differentiable, and return arrays, numbers and flags.

Trusted code that runs in the worker beside the student's: it imports torch and numpy only,
and holds no solution (students may read it). What it returns is validated by the grader.
Each operation's arguments, in order (arrays float32 or float64: the dtype of the tensors):

    rnn_cell       x_t, h_prev, W_xh, W_hh, b_h, dh_t        (dh_t: upstream gradient on h_t)
    ManualRNNCell  state, x, h or None, dh                   (state: nn.RNNCell's state dict)
    ManualRNN      state, x, h0 or None, batch_first, d_out, d_h_n
    train          model, head, seqs, steps, lr, max_norm    (model: nn.RNN(1, H)'s state dict,
                                                              head: nn.Linear(H, 1)'s)
    predict_next   model, head, seq, k
    gradient_norms model, x, h0                              (model: nn.RNN(D, H)'s state dict)

Every answer holds `changed`, the positions of the arguments whose tensor the student's code
modified (values, shape or dtype); a class built on torch's own recurrent layers is not run, its
answer is {"built_on_torch": True}. Gradients are those of sum(output * upstream) on every input
and parameter the graph reaches, keyed by name; an input it does not reach has no entry.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

BUILT_IN_KERNELS = ("rnn_tanh", "rnn_relu")  # what nn.RNN and nn.RNNCell run (also as *_cell, via torch._VF)
BUILT_IN_MODULES = (nn.RNNBase, nn.RNNCellBase)


def plain(value):
    """The student's value with every tensor replaced by a numpy array of its dtype (detached, copied)."""
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        if tensor.dtype not in (torch.float32, torch.float64) and tensor.is_floating_point():
            tensor = tensor.to(torch.float32)  # bfloat16 and float16 have no numpy form: shown as float32
        return np.array(tensor.numpy())
    if isinstance(value, (tuple, list)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def _tensor(array, grad: bool = False):
    """A tensor of its own (a copy): what the student does to it never reaches the caller's array."""
    return None if array is None else torch.tensor(np.asarray(array), requires_grad=grad)


class _Inputs:
    """The tensors handed to the student's code, by argument position, to tell afterwards which changed."""

    def __init__(self, **tensors):
        self.tensors = {name: t for name, t in tensors.items() if t is not None}
        self.before = {name: (t.detach().clone(), t.shape, t.dtype) for name, t in self.tensors.items()}

    def changed(self, positions: dict[str, int]) -> tuple[int, ...]:
        found = []
        for name, t in self.tensors.items():
            copy, shape, dtype = self.before[name]
            if t.shape != shape or t.dtype != dtype or not torch.equal(t.detach(), copy):
                found.append(positions[name])
        return tuple(sorted(found))


class _Watch(TorchFunctionMode):
    """Notes whether torch's own RNN kernels run (nn.RNN, nn.RNNCell, torch._VF, torch.rnn_tanh...)."""

    def __init__(self):
        super().__init__()
        self.built_in = False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "").startswith(BUILT_IN_KERNELS):
            self.built_in = True
        return func(*args, **(kwargs or {}))


def _built_on_torch(module_object) -> bool:
    """Whether the student's module is, or holds, one of torch's recurrent layers (checked before anything
    else: a wrapper would otherwise fail the strict state-dict load first, without saying why)."""
    if not isinstance(module_object, nn.Module):
        raise TypeError(f"{type(module_object).__name__} must be a subclass of torch.nn.Module")
    return any(isinstance(m, BUILT_IN_MODULES) for m in module_object.modules())


def _gradients(pairs, inputs: dict) -> dict:
    """{name: gradient of sum(output * upstream)} for each input the graph reaches; nothing when an
    output is not a tensor of its upstream's shape, or when no output depends on anything."""
    if not all(isinstance(out, torch.Tensor) and tuple(out.shape) == up.shape for out, up in pairs):
        return {}
    total = sum((out * torch.as_tensor(up, dtype=out.dtype)).sum() for out, up in pairs)
    names = [n for n, t in inputs.items() if isinstance(t, torch.Tensor) and t.requires_grad]
    if not total.requires_grad or not names:
        return {}
    found = torch.autograd.grad(total, [inputs[n] for n in names], allow_unused=True)
    return {n: plain(g) for n, g in zip(names, found) if g is not None}


def _loaded(module_object, state: dict, dtype):
    """The module in `dtype` with exactly the given parameters (a strict load: names and shapes must match)."""
    module_object.to(dtype)
    module_object.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in state.items()}, strict=True)
    return module_object


def _dtype(array: np.ndarray) -> torch.dtype:
    return torch.float64 if array.dtype == np.float64 else torch.float32


def _is_tensor(value) -> bool:
    return isinstance(value, torch.Tensor)


# --- the operations ----------------------------------------------------------------------------------

def _rnn_cell(module, x_t, h_prev, W_xh, W_hh, b_h, dh_t):
    names = ("x_t", "h_prev", "W_xh", "W_hh", "b_h")
    tensors = dict(zip(names, (_tensor(a, grad=True) for a in (x_t, h_prev, W_xh, W_hh, b_h))))
    inputs = _Inputs(**tensors)
    with torch.enable_grad():
        h_t = module.rnn_cell(*tensors.values())
        grads = _gradients([(h_t, dh_t)], tensors)
    return {"output": plain(h_t), "tensor": _is_tensor(h_t), "grads": grads,
            "changed": inputs.changed({n: i for i, n in enumerate(names)})}


def _run_module(layer, state: dict, x, h, h_name: str, upstream: tuple, own_layers_only: bool) -> dict:
    """Load `layer` with `state`, run it on x (and h unless None) and differentiate sum(output · upstream)
    over its outputs (one tensor, or a tuple): the answer of both classes."""
    if own_layers_only and _built_on_torch(layer):
        return {"built_on_torch": True}
    _loaded(layer, state, _dtype(x))
    tensors = {"x": _tensor(x, grad=True), h_name: _tensor(h, grad=True)}
    inputs = _Inputs(**tensors)
    with torch.enable_grad(), _Watch() as watch:
        value = layer(tensors["x"]) if h is None else layer(tensors["x"], tensors[h_name])
        outputs = tuple(value) if isinstance(value, (tuple, list)) else (value,)
        fits = len(outputs) == len(upstream)
        grads = _gradients(list(zip(outputs, upstream)), {**tensors, **dict(layer.named_parameters())}) if fits else {}
    return {"output": plain(value), "tensor": fits and all(map(_is_tensor, outputs)), "grads": grads,
            "built_on_torch": watch.built_in, "changed": inputs.changed({"x": 1, h_name: 2})}


def _cell(module, state, x, h, dh, own_layers_only=True):
    cell = module.ManualRNNCell(x.shape[1], state["weight_hh"].shape[0])
    return _run_module(cell, state, x, h, "h", (dh,), own_layers_only)


def _layer(module, state, x, h0, batch_first, d_out, d_h_n, own_layers_only=True):
    layer = module.ManualRNN(x.shape[2], state["weight_hh_l0"].shape[0], bool(batch_first))
    return _run_module(layer, state, x, h0, "h0", (d_out, d_h_n), own_layers_only)


def model_and_head(state: dict, head: dict | None, data: np.ndarray):
    """A fresh torch.nn.RNN (batch_first) and nn.Linear head holding the given weights, in the data's dtype."""
    H, D = state["weight_ih_l0"].shape
    model = _loaded(nn.RNN(D, H, batch_first=True), state, _dtype(data))
    return model, (_loaded(nn.Linear(H, 1), head, _dtype(data)) if head is not None else None)


def _floats(history) -> dict:
    """For each history, whether it holds Python floats only (not tensors, not arrays)."""
    return {key: isinstance(history, dict) and isinstance(history.get(key), list)
            and all(isinstance(v, float) for v in history[key]) for key in ("loss", "grad_norm")}


def _train(module, model, head, seqs, steps, lr, max_norm):
    rnn, linear = model_and_head(model, head, seqs)
    data = _tensor(seqs)
    inputs = _Inputs(seqs=data)
    with torch.enable_grad():
        history = module.train(rnn, linear, data, steps, lr, max_norm)
    return {"history": plain(history), "floats": _floats(history),
            "model": plain(dict(rnn.state_dict())), "head": plain(dict(linear.state_dict())),
            "changed": inputs.changed({"seqs": 2})}


def _predict_next(module, model, head, seq, k):
    rnn, linear = model_and_head(model, head, seq)
    data = _tensor(seq)
    inputs = _Inputs(seq=data)
    with torch.enable_grad():
        predictions = module.predict_next(rnn, linear, data, k)
    return {"predictions": plain(predictions), "tensor": _is_tensor(predictions),
            "requires_grad": _is_tensor(predictions) and predictions.requires_grad,
            "changed": inputs.changed({"seq": 2})}


def _gradient_norms(module, model, x, h0):
    rnn, _ = model_and_head(model, None, x)
    tensors = {"x": _tensor(x), "h0": _tensor(h0)}
    inputs = _Inputs(**tensors)
    with torch.enable_grad():
        g = module.gradient_norms(rnn, tensors["x"], tensors["h0"])
    return {"g": plain(g), "tensor": _is_tensor(g), "requires_grad": _is_tensor(g) and g.requires_grad,
            "changed": inputs.changed({"x": 1, "h0": 2})}


OPERATIONS = {"rnn_cell": _rnn_cell, "ManualRNNCell": _cell, "ManualRNN": _layer, "train": _train,
              "predict_next": _predict_next, "gradient_norms": _gradient_norms}


RULED = ("ManualRNNCell", "ManualRNN")  # parts that must not be built on torch's recurrent layers


def call(module, part: str, args: tuple, own_layers_only: bool = True):
    """Run `part` of `module` (the submission, or the reference) on plain arguments; return plain values.

    `own_layers_only=False` lets the classes be torch's own layers: the checks compare with those."""
    if part in RULED:
        return OPERATIONS[part](module, *args, own_layers_only=own_layers_only)
    return OPERATIONS[part](module, *args)

