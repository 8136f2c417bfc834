"""The `rnn_torch` assignment's hidden checks: agreement with the reference, called through the same
adapter as the student's code, on generated inputs (whole training runs included)."""
from grader.checks.common import matches_reference
from rnn_grader_assignments.rnn_torch.checks import COMPARE
from rnn_grader_assignments.rnn_torch.checks import strategies as S

STRATEGIES = {
    "rnn_cell": S.rnn_cell_case(),
    "ManualRNNCell": S.cell_case(),
    "ManualRNN": S.layer_case(),
    "train": S.train_case(),
    "predict_next": S.predict_case(),
    "gradient_norms": S.norms_case(),
}

HIDDEN = {part: (matches_reference(part, cases, COMPARE[part], weight=2),) for part, cases in STRATEGIES.items()}
