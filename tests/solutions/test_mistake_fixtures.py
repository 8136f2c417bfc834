"""The mistake fixtures (tests/fixtures/mistakes/) and example submissions do what they claim.

A fixture is appended to the reference source and both are exec'd into one namespace, so
its functions override the reference's. Each fixture must differ from the reference on
exactly the parts named in its `# parts:` line, and agree on every other part, over
ordinary inputs plus each part's own edge cases (logits near ±1000, norms above and below
max_norm). "Differ" means: an exception, another type/shape/dtype, a non-finite value where
the reference is finite, values off by more than 1e-9 (norm-relative), or a modified input.
"""
import ast
import copy
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).parents[2]
REFERENCE = ROOT / "solutions" / "rnn" / "rnn.py"
MISTAKES = ROOT / "tests" / "fixtures" / "mistakes"
SUBMISSIONS = ROOT / "examples" / "submissions"
PARTS = ["rnn_cell_forward", "rnn_forward", "rnn_output", "rnn_cell_backward", "rnn_backward",
         "sequence_cross_entropy", "clip_grad_norm", "clip_grad_value", "rnn_loss_and_grads",
         "gradient_norms_through_time"]
CONTRACT_IDS = ["missing-tanh", "relu-instead-of-tanh", "missing-bias", "transposed-recurrent-weight",
                "forward-ignores-previous-state", "missing-tanh-derivative", "bptt-no-accumulation",
                "bptt-no-carry", "loss-not-averaged-over-batch", "softmax-overflow", "clip-per-tensor",
                "clip-always-rescales", "clip-by-value-instead-of-norm", "mutates-input"]
TOL = 1e-9
FIXTURES = sorted(MISTAKES.glob("*.py"))

# whole-file example submissions and the parts on which each must differ from the reference
EXAMPLES = {
    "김민준": set(),
    "lee_seoyeon": {"rnn_cell_backward", "rnn_backward", "rnn_loss_and_grads"},
    "park_jiho": {"sequence_cross_entropy", "rnn_loss_and_grads"},
    "choi_yuna": {"clip_grad_norm", "rnn_loss_and_grads", "gradient_norms_through_time"},
    "jung_hyunwoo": {"rnn_backward", "rnn_loss_and_grads"},
}


def load_source(source, name):
    namespace = {"__name__": name}
    exec(compile(source, name, "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def reference():
    return load_source(REFERENCE.read_text(encoding="utf-8"), "rnn_reference")


def parts_line(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    m = re.fullmatch(r"# parts: (.+)", first)
    assert m, f"{path.name}: first line must be '# parts: ...', got {first!r}"
    return {p.strip() for p in m.group(1).split(",")}


# ---------------------------------------------------------------- probes

def probes(ref):
    """part -> list of argument tuples (ordinary inputs and each part's edge cases).

    N, T, D, H, O = 3, 5, 2, 4, 6 are all different, W_hh is not symmetric, h0 and the
    biases are nonzero, T >= 3: the shapes where mistakes cannot hide."""
    rng = np.random.default_rng(2024)
    N, T, D, H, O = 3, 5, 2, 4, 6
    W_xh = rng.normal(size=(D, H)) / np.sqrt(D)
    W_hh = rng.normal(size=(H, H)) / np.sqrt(H)
    b_h = rng.normal(size=H) * 0.5
    W_hy = rng.normal(size=(H, O))
    b_y = rng.normal(size=O) * 0.5
    x = rng.normal(size=(N, T, D))
    h0 = rng.normal(size=(N, H)) * 0.5
    targets = rng.integers(0, O, size=(N, T)).astype(np.int64)
    h = ref["rnn_forward"](x, h0, W_xh, W_hh, b_h)
    dh = rng.normal(size=(N, T, H))
    y = rng.normal(size=(N, T, O)) * 2
    y_huge = rng.normal(size=(N, T, O)) * 1000.0
    grads = {"W_xh": rng.normal(size=(D, H)), "W_hh": rng.normal(size=(H, H)) * 0.2,
             "b_h": rng.normal(size=H) * 3}
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    params = {"W_xh": W_xh, "W_hh": W_hh, "b_h": b_h, "W_hy": W_hy, "b_y": b_y}
    return {
        "rnn_cell_forward": [(x[:, 0], h0, W_xh, W_hh, b_h)],
        "rnn_forward": [(x, h0, W_xh, W_hh, b_h)],
        "rnn_output": [(h, W_hy, b_y)],
        "rnn_cell_backward": [(dh[:, 2], x[:, 2], h[:, 1], h[:, 2], W_xh, W_hh)],
        "rnn_backward": [(dh, x, h0, h, W_xh, W_hh)],
        "sequence_cross_entropy": [(y, targets), (y_huge, targets)],
        "clip_grad_norm": [(grads, 0.3 * total), (grads, 3.0 * total)],
        "clip_grad_value": [(grads, 0.5)],
        "rnn_loss_and_grads": [(params, x, h0, targets)],
        "gradient_norms_through_time": [(x[0], h0[0], W_xh, W_hh, b_h)],
    }


def as_value(v):
    """Normalise a returned value: tuple/list/dict recursively, arrays and scalars as ndarrays."""
    if isinstance(v, (tuple, list)):
        return tuple(as_value(e) for e in v)
    if isinstance(v, dict):
        return {k: as_value(e) for k, e in v.items()}
    return np.asarray(v)


def disagreement(want, got):
    """None if got is the same answer as want, else a short reason."""
    if isinstance(want, tuple) or isinstance(got, tuple):
        if not (isinstance(want, tuple) and isinstance(got, tuple) and len(want) == len(got)):
            return "structure"
        return next((r for w, g in zip(want, got) if (r := disagreement(w, g))), None)
    if isinstance(want, dict) or isinstance(got, dict):
        if not (isinstance(want, dict) and isinstance(got, dict) and want.keys() == got.keys()):
            return "keys"
        return next((r for k in want if (r := disagreement(want[k], got[k]))), None)
    if want.shape != got.shape:
        return f"shape {got.shape} != {want.shape}"
    if want.dtype != got.dtype and not (want.ndim == 0 and got.dtype.kind == "f"):
        return f"dtype {got.dtype} != {want.dtype}"
    if got.dtype.kind not in "fiu":
        return f"dtype {got.dtype}"
    w, g = want.astype(np.float64), got.astype(np.float64)
    if not np.array_equal(np.isfinite(w), np.isfinite(g)):
        return "non-finite values"
    w, g = w[np.isfinite(w)], g[np.isfinite(g)]
    den = max(np.linalg.norm(w), np.linalg.norm(g), np.finfo(float).tiny)
    err = np.linalg.norm(w - g) / den
    return f"values (error {err:.1e})" if err > TOL else None


def same_inputs(before, after):
    return disagreement(as_value(before), as_value(after)) is None and all(
        np.array_equal(np.asarray(b), np.asarray(a)) for b, a in zip(flatten(before), flatten(after)))


def flatten(v):
    if isinstance(v, (tuple, list)):
        return [x for e in v for x in flatten(e)]
    if isinstance(v, dict):
        return [x for k in v for x in flatten(v[k])]
    return [v]


def differing_parts(reference, candidate):
    """part -> reason, for every part where candidate's answer differs from the reference's."""
    found = {}
    for part, cases in probes(reference).items():
        for args in cases:
            want = as_value(reference[part](*copy.deepcopy(args)))
            mine = copy.deepcopy(args)
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    got = as_value(candidate[part](*mine))
            except Exception as exc:  # noqa: BLE001 - any failure is a difference
                found[part] = f"raised {type(exc).__name__}"
                break
            if not same_inputs(args, mine):
                found[part] = "modified its input"
                break
            reason = disagreement(want, got)
            if reason:
                found[part] = reason
                break
    return found


# ---------------------------------------------------------------- the fixtures

def test_every_contract_misconception_has_a_fixture():
    names = {p.stem.replace("_", "-") for p in FIXTURES}
    assert set(CONTRACT_IDS) <= names, sorted(set(CONTRACT_IDS) - names)
    assert (MISTAKES / "README.md").is_file()


def test_probe_harness_has_teeth(reference):
    """The reference agrees with itself, and a modified input alone counts as a difference."""
    assert differing_parts(reference, reference) == {}
    assert disagreement(as_value((1.0, np.zeros(3))), as_value((1.0, np.zeros(3, np.float32)))) is not None
    assert disagreement(as_value(np.ones(3)), as_value(np.ones(3) * (1 + 1e-6))) is not None
    assert disagreement(as_value(np.ones(3)), as_value(np.array([1.0, 1.0, np.nan]))) is not None
    assert not same_inputs(({"a": np.ones(2)},), ({"a": np.array([1.0, 0.5])},))


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture_holds_only_numpy_import_and_functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    first, *rest = tree.body
    assert ast.unparse(first) == "import numpy as np", f"{path.name}: first statement must import numpy as np"
    assert rest and all(isinstance(node, ast.FunctionDef) for node in rest), path.name
    assert {node.name for node in rest} <= set(PARTS), path.name
    assert parts_line(path) <= set(PARTS), f"{path.name}: unknown part in {parts_line(path)}"


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture_differs_on_exactly_its_parts(reference, path):
    source = REFERENCE.read_text(encoding="utf-8") + "\n\n" + path.read_text(encoding="utf-8")
    candidate = load_source(source, f"fixture_{path.stem}")
    found = differing_parts(reference, candidate)
    assert set(found) == parts_line(path), f"{path.name}: differs on {found}"


# ---------------------------------------------------------------- the example submissions

def test_example_submissions_are_all_there():
    assert {p.stem for p in SUBMISSIONS.glob("*.py")} == set(EXAMPLES)


@pytest.mark.parametrize("student", sorted(EXAMPLES))
def test_example_submission_differs_on_the_intended_parts(reference, student):
    path = SUBMISSIONS / f"{student}.py"
    candidate = load_source(path.read_text(encoding="utf-8"), f"submission_{student}")
    assert all(callable(candidate.get(p)) for p in PARTS), f"{student}: missing functions"
    found = differing_parts(reference, candidate)
    assert set(found) == EXAMPLES[student], f"{student}: differs on {found}"
