"""The `gated` assignment's hidden checks: agreement with the reference on generated inputs, and on
inputs whose gates are saturated far beyond exp's range."""
from hypothesis import strategies as st

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
BIAS = {part: ("b", S.LSTM_GATES) if part.startswith("lstm") else ("b_x", S.GRU_GATES) for part in STRATEGIES}
"""Part → the bias that sets its gates, and the gates' order in it."""

BEYOND_EXP = 1000.0
"""Gate pre-activations of this size: np.exp overflows beyond 709, and torch's gates are still exact
(σ = 0 or 1, tanh = ±1), so the gates must be computed without overflowing (as the given sigmoid is)."""


def saturated(part: str) -> st.SearchStrategy:
    """`part`'s inputs with every gate's bias block at ±BEYOND_EXP, signs drawn."""
    key, gates = BIAS[part]
    signs = st.tuples(*[st.sampled_from([-1, 1])] * len(gates))
    return st.tuples(STRATEGIES[part], signs).map(
        lambda drawn: S.set_gates(drawn[0], key, gates, big=BEYOND_EXP, **dict(zip(gates, drawn[1]))))


HIDDEN = {part: (matches_reference(part, cases, COMPARE[part]),
                 matches_reference(part, saturated(part), COMPARE[part], weight=1, name="saturated_gates"))
          for part, cases in STRATEGIES.items()}
