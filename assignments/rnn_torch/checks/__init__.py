"""The `rnn_torch` assignment's public checks (torch's own layers are the right answer where one
exists; the training loop, prediction and gradient norms are checked through properties, since this
folder ships to students) and its rule for comparing an answer with a right one."""
from .agreement import COMPARE
from .jacobian import GRADIENT_NORMS
from .layers import CELL, LAYER, RNN_CELL
from .training import PREDICTING, TRAINING

PUBLIC = {
    "rnn_cell": RNN_CELL,
    "ManualRNNCell": CELL,
    "ManualRNN": LAYER,
    "train": TRAINING,
    "predict_next": PREDICTING,
    "gradient_norms": GRADIENT_NORMS,
}

__all__ = ["COMPARE", "PUBLIC"]
