"""Public checks of `train` and `predict_next`.

No training loop is coded here (this module ships to students). What a right loop does shows
in what it leaves behind: one unclipped step moves the weights by exactly lr times the norm it
records; a clipped step moves them by at most lr · max_norm, and records the same norm as the
unclipped one (the norm before clipping); two steps equal one step and then another from the
weights it left (gradients must not pile up across steps); a batch given twice trains alike (the
loss is a mean); a small step goes downhill; and the counting sequence of the course notes is
learnt. `predict_next` must start from head(last output), and continuing from its first
prediction must equal predicting from the sequence with that prediction appended.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st

from grader.checks.answers import property_check
from grader.checks.compare import expect_array
from grader.checks.framework import Case, Mismatch, Probe, msg

from .. import adapter
from . import strategies as S
from .answers import HISTORIES, TRAJECTORY_TOL, WEIGHTS, dtype_of, expect_unchanged, returns, tolerance

NO_CLIPPING = 1e6
SMALL_LR = 1e-3
STEP_TOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 2e-3}  # a difference of weights, divided by lr


def _shifted(case: Case, key: str, by: float) -> Case:
    """`case` with its head's bias moved: the first loss and the first prediction move with it."""
    return {**case, key: {**case[key], "bias": case[key]["bias"] + np.asarray(by, case[key]["bias"].dtype)}}


TRAIN = returns("train", lambda case: (_shifted(case, "head", 1.0), {**case, "seqs": case["seqs"] + 1}))
PREDICT = returns("predict_next", lambda case: (_shifted(case, "head", 1.0),))


def _moved(run: dict) -> np.ndarray:
    """How far the run moved every parameter of model and head, flattened in order."""
    return np.concatenate([v.ravel() for part in WEIGHTS for v in run["moved"][part].values()])


def _step_size(case: Case, run: dict) -> float:
    return float(np.linalg.norm(_moved(run)))


def _after(case: Case, run: dict) -> Case:
    """`case` starting from the weights the run left (in the case's dtype)."""
    return {**case, **{part: {name: (start + run["moved"][part][name]).astype(start.dtype)
                              for name, start in case[part].items()} for part in WEIGHTS}}


def _same_run(got: dict, expected: dict, what: Any, dtype: np.dtype) -> None:
    tol = TRAJECTORY_TOL[dtype]
    for key in HISTORIES:
        expect_array(got[key], expected[key], msg("what.torch_history", what=what, key=key), tol)
    expect_array(_moved(got), _moved(expected), msg("what.torch_weights", what=what), tol)


# --- train ---------------------------------------------------------------------------------------------

def _step_is_the_norm(probe: Probe, case: Case, run: dict) -> None:
    size = _step_size(case, run) / case["lr"]
    recorded = float(run["grad_norm"][0])
    if not abs(size - recorded) <= STEP_TOL[dtype_of(case)] * max(size, recorded, 1e-3):
        raise Mismatch(msg("check.torch_step_not_norm", lr=case["lr"], size=f"{size:.8g}", norm=f"{recorded:.8g}"),
                       {"step_over_lr": size, "recorded_norm": recorded})


def _clipped_step(probe: Probe, case: Case, run: dict) -> None:
    size, bound = _step_size(case, run), case["lr"] * case["max_norm"]
    if not size <= bound * (1 + STEP_TOL[dtype_of(case)]):
        raise Mismatch(msg("check.torch_step_not_clipped", size=f"{size:.6g}", bound=f"{bound:.6g}",
                           lr=case["lr"], max_norm=case["max_norm"]), {"step": size, "bound": bound})


def _norm_before_clipping(probe: Probe, case: Case, run: dict) -> None:
    unclipped = TRAIN.answer(probe, {**case, "max_norm": NO_CLIPPING})
    for key in HISTORIES:
        expect_array(run[key], unclipped[key], msg("what.torch_clipped_run", key=key, max_norm=case["max_norm"]),
                     TRAJECTORY_TOL[dtype_of(case)])


def _continues(probe: Probe, case: Case, run: dict) -> None:
    first = TRAIN.answer(probe, {**case, "steps": 1})
    rest = TRAIN.answer(probe, {**_after(case, first), "steps": case["steps"] - 1})
    joined = {key: np.concatenate([first[key], rest[key]]) for key in HISTORIES}
    moved = {part: {name: first["moved"][part][name] + rest["moved"][part][name] for name in first["moved"][part]}
             for part in WEIGHTS}
    _same_run(run, {**joined, "moved": moved}, msg("what.torch_continued", steps=case["steps"]), dtype_of(case))


def _batch_twice(probe: Probe, case: Case, run: dict) -> None:
    twice = TRAIN.answer(probe, {**case, "seqs": np.concatenate([case["seqs"], case["seqs"]])})
    _same_run(twice, run, msg("what.torch_batch_twice"), dtype_of(case))


def _downhill(probe: Probe, case: Case, run: dict) -> None:
    before, after = run["loss"]
    if not after <= before:
        raise Mismatch(msg("check.torch_uphill", lr=case["lr"], before=f"{before:.8g}", after=f"{after:.8g}"),
                       {"loss": [before, after]})


COUNTING_THRESHOLD = 2e-3  # from about 0.08 before training; a right loop reaches 8e-4


def counting_case(H: int = 8, steps: int = 200) -> Case:
    """The course notes' example: learn to continue 1, 2, 3, 4, … (scaled by 1/10, from four starts)."""
    torch.manual_seed(2026)
    model, head = torch.nn.RNN(1, H, batch_first=True).double(), torch.nn.Linear(H, 1).double()
    seqs = (np.arange(4)[:, None] + np.arange(6)[None, :] + 1) / 10
    return {"model": adapter.plain(dict(model.state_dict())), "head": adapter.plain(dict(head.state_dict())),
            "seqs": seqs, "steps": steps, "lr": 0.2, "max_norm": 1.0}


def _learns(probe: Probe, case: Case, run: dict) -> None:
    last = float(run["loss"][-1])
    if not last < COUNTING_THRESHOLD:
        raise Mismatch(msg("check.torch_not_learnt", steps=case["steps"], loss=f"{last:.4g}",
                           threshold=f"{COUNTING_THRESHOLD:g}"), {"final_loss": last})


def _unchanged(part: str):
    def verify(probe: Probe, case: Case, _value: Any) -> None:
        expect_unchanged(probe(part, case), case, part)

    return verify


def _train_cases(**fixed) -> st.SearchStrategy:
    return S.train_case(**{k: st.just(v) if not isinstance(v, st.SearchStrategy) else v for k, v in fixed.items()})


TRAINING = (
    property_check(TRAIN, "step_is_lr_times_recorded_norm", 2, _train_cases(max_norm=NO_CLIPPING, steps=1),
                   _step_is_the_norm),
    property_check(TRAIN, "clipped_step_at_most_lr_times_max_norm", 2,
                   _train_cases(max_norm=st.sampled_from([1e-3, 1e-2]), steps=1), _clipped_step),
    property_check(TRAIN, "records_the_norm_before_clipping", 1,
                   _train_cases(max_norm=st.sampled_from([1e-3, 1e-2]), steps=1), _norm_before_clipping),
    property_check(TRAIN, "two_steps_are_one_and_one_more", 2, _train_cases(steps=st.integers(2, 4)), _continues),
    property_check(TRAIN, "batch_twice_trains_alike", 1, S.train_case(), _batch_twice),
    property_check(TRAIN, "small_step_goes_downhill", 1,
                   _train_cases(max_norm=NO_CLIPPING, steps=2).map(lambda c: {**c, "lr": SMALL_LR}), _downhill),
    property_check(TRAIN, "learns_the_counting_sequence", 1, st.just(counting_case()), _learns),
    property_check(TRAIN, "inputs_unchanged", 1, S.train_case(), _unchanged("train")),
)


# --- predict_next -------------------------------------------------------------------------------------

def _first(probe: Probe, case: Case, value: np.ndarray) -> None:
    model, head = adapter.model_and_head(case["model"], case["head"], case["seq"])
    with torch.no_grad():
        out, _ = model(torch.tensor(case["seq"]).reshape(1, -1, 1))
        right = head(out[:, -1]).reshape(1).numpy().astype(np.float64)
    expect_array(value[:1], right, msg("what.torch_first_prediction"), tolerance(dtype_of(case)))


def _fed_back(probe: Probe, case: Case, value: np.ndarray) -> None:
    longer = {**case, "seq": np.append(case["seq"], value[:1].astype(case["seq"].dtype)), "k": case["k"] - 1}
    rest = PREDICT.answer(probe, longer)
    expect_array(value[1:], rest, msg("what.torch_fed_back", first=f"{float(value[0]):.6g}"),
                 TRAJECTORY_TOL[dtype_of(case)])


def _prefix(probe: Probe, drawn: tuple[Case, int], value: np.ndarray) -> None:
    case, j = drawn
    expect_array(PREDICT.answer(probe, {**case, "k": j}), value[:j], msg("what.torch_fewer", k=j),
                 TRAJECTORY_TOL[dtype_of(case)])


PREDICTING = (
    property_check(PREDICT, "first_is_head_of_last_output", 2, S.predict_case(), _first),
    property_check(PREDICT, "feeds_each_prediction_back_with_the_state", 2, S.predict_case(min_k=2), _fed_back),
    property_check(PREDICT, "fewer_predictions_are_a_prefix", 1,
                   S.with_index(S.predict_case(min_k=2), lambda c: c["k"], low=1), _prefix),
    property_check(PREDICT, "inputs_unchanged", 1, S.predict_case(), _unchanged("predict_next")),
)
