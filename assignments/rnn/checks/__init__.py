"""The RNN assignment's public checks, one module per group of parts, and how answers are compared.

The grader reads three names from here: PUBLIC (part → its public property checks), COMPARE
(part → how an answer is compared with a right one, used by the stored examples here and by
the hidden reference checks) and PICTURES (part → the curve the HTML report draws).
"""
from __future__ import annotations

from . import backward, clipping, forward, gradients, loss
from .agreement import COMPARE
from .pictures import gradient_norms_picture

PUBLIC = {
    "rnn_cell_forward": forward.CELL_FORWARD,
    "rnn_forward": forward.FORWARD,
    "rnn_output": forward.OUTPUT,
    "rnn_cell_backward": backward.CELL_BACKWARD,
    "rnn_backward": backward.BPTT,
    "sequence_cross_entropy": loss.SEQUENCE_CROSS_ENTROPY,
    "clip_grad_norm": clipping.CLIP_GRAD_NORM,
    "clip_grad_value": clipping.CLIP_GRAD_VALUE,
    "rnn_loss_and_grads": gradients.RNN_LOSS_AND_GRADS,
    "gradient_norms_through_time": gradients.GRADIENT_NORMS_THROUGH_TIME,
}
PICTURES = {"gradient_norms_through_time": gradient_norms_picture}
__all__ = ["COMPARE", "PICTURES", "PUBLIC"]
