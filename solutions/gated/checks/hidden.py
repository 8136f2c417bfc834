"""The `gated` assignment's hidden checks: agreement with the reference on generated inputs."""
from grader.checks.common import matches_reference
from rnn_grader_assignments.gated.checks import COMPARE
from rnn_grader_assignments.gated.checks import strategies as S

STRATEGIES = {
    "lstm_cell_forward": S.lstm_cell_case(),
    "lstm_cell_backward": S.lstm_cell_backward_case(),
    "lstm_forward": S.lstm_sequence_case(),
    "lstm_backward": S.lstm_backward_case(),
    "gru_cell_forward": S.gru_cell_case(),
    "gru_cell_backward": S.gru_cell_backward_case(),
}

HIDDEN = {part: (matches_reference(part, cases, COMPARE[part]),) for part, cases in STRATEGIES.items()}
