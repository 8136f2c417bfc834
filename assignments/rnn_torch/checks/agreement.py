"""How an answer is compared with a right one (the reference's, or a stored one), per part: the same
comparison the public checks make with torch's own layers, and whole training runs."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from grader.checks.compare import expect_array
from grader.checks.framework import msg

from .answers import (
    HISTORIES,
    TRAJECTORY_TOL,
    WEIGHTS,
    expect_gradients,
    expect_outputs,
    history,
    norms,
    predictions,
)


def _layer(part: str) -> Callable[[Any, Any], None]:
    def compare(got: dict, expected: dict) -> None:
        expect_outputs(got, expected, part)
        expect_gradients(got, expected, part)

    return compare


def _train(got: dict, expected: dict) -> None:
    run = history(got, len(expected["history"]["loss"]))
    tol = TRAJECTORY_TOL[np.asarray(next(iter(expected["model"].values()))).dtype]
    for key in HISTORIES:
        expect_array(run[key], np.array(expected["history"][key], np.float64),
                     msg("what.torch_history", what="train", key=key), tol)
    for part in WEIGHTS:
        for name, value in expected[part].items():
            expect_array(np.asarray(got[part][name], np.float64), np.asarray(value, np.float64),
                         msg("what.torch_trained", part=part, name=name), tol)


COMPARE: dict[str, Callable[[Any, Any], None]] = {
    **{part: _layer(part) for part in ("rnn_cell", "ManualRNNCell", "ManualRNN")},
    "train": _train,
    "predict_next": lambda got, expected: predictions(got, expected["predictions"]),
    "gradient_norms": lambda got, expected: norms(got, expected["g"]),
}
