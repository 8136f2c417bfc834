"""The `gated` assignment's public checks (properties only: no forward or backward pass is coded
here, since this folder ships to students), its rule for comparing an answer with a right one,
and the report's picture."""
from .agreement import COMPARE
from .backward import BPTT, CELL_BACKWARD, GRU_BACKWARD
from .gru import CELL_FORWARD as GRU_FORWARD
from .lstm import CELL_FORWARD, FORWARD
from .picture import PICTURES

PUBLIC = {
    "lstm_cell_forward": CELL_FORWARD,
    "lstm_cell_backward": CELL_BACKWARD,
    "lstm_forward": FORWARD,
    "lstm_backward": BPTT,
    "gru_cell_forward": GRU_FORWARD,
    "gru_cell_backward": GRU_BACKWARD,
}

__all__ = ["COMPARE", "PICTURES", "PUBLIC"]
