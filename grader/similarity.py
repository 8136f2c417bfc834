"""Pairs of submissions whose code is near-identical once comments, names and layout are gone.

An integrity aid, not a verdict: it lists pairs for a person to look at, with a score.

Normalisation works on the AST (`ast.parse`), so comments, blank lines, spacing, quotes and
parentheses vanish by construction. Then docstrings and other bare strings are dropped, every
name (variables, arguments, helper functions, import aliases) becomes `_`, string constants
become `''`, and the module's top-level statements are sorted, so renaming variables or
reordering functions changes nothing. Attribute names (`np.tanh`, `.T`, `.shape`), numbers,
operators and the assignment's function names stay: they are what the code does.

Score: difflib's ratio of the two normalised token sequences (1.0 = the same normalised code).
To stay fast for thousands of submissions, pairs are first found through shared token
10-grams that few submissions have (an inverted index), and only pairs whose 10-gram sets
overlap enough are compared token by token. Code that most of the class shares (the stubs'
signatures, `import numpy as np`) never makes a pair by itself.
"""
from __future__ import annotations

import ast
import difflib
import hashlib
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping

DEFAULT_THRESHOLD = 0.9
GRAM = 10
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class SimilarPair:
    """Two students whose normalised code is near-identical; `a` < `b`."""

    a: str
    b: str
    score: float
    identical: bool = False


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _strip_strings(body: list) -> list:
    kept = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                    and isinstance(s.value.value, str))]
    return kept or [ast.Pass()]


def _normalise_tree(tree: ast.AST, keep: frozenset[str]) -> None:
    """Rewrite in place (one pass over the nodes, no copies): fast enough for thousands of files."""
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, name, _strip_strings(value))
        if isinstance(node, ast.Name):
            if node.id not in keep:
                node.id = "_"
        elif isinstance(node, ast.arg):
            node.arg, node.annotation = "_", None
        elif isinstance(node, _DEFS):
            if node.name not in keep:
                node.name = "_"
            if not isinstance(node, ast.ClassDef):
                node.returns = None
        elif isinstance(node, ast.alias):
            node.asname = "_" if node.asname else None
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, (str, bytes)):
                node.value = ""
        elif isinstance(node, ast.JoinedStr):
            node.values = []
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            node.names = ["_"]
        elif isinstance(node, ast.AnnAssign):
            node.annotation = ast.Name("_", ast.Load())


def normalise(source: str, keep: Iterable[str] = ()) -> str | None:
    """The code as normalised text, or None when it is not valid Python."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    try:
        _normalise_tree(tree, frozenset(keep))
        statements = sorted(ast.unparse(statement) for statement in tree.body)
    except (RecursionError, ValueError, TypeError, AttributeError):
        return None
    return "\n".join(statements)


def tokens(normalised: str) -> list[str]:
    return _TOKEN.findall(normalised)


def _grams(seq: list[str]) -> set[int]:
    if len(seq) < GRAM:
        return {int.from_bytes(hashlib.blake2b(" ".join(seq).encode(), digest_size=8).digest(), "big")} if seq else set()
    return {int.from_bytes(hashlib.blake2b(" ".join(seq[i:i + GRAM]).encode(), digest_size=8).digest(), "big")
            for i in range(len(seq) - GRAM + 1)}


def similar_pairs(sources: Mapping[str, str], keep: Iterable[str] = (), threshold: float = DEFAULT_THRESHOLD,
                  candidate_overlap: float = 0.5, max_postings: int | None = None) -> list[SimilarPair]:
    """Pairs of `sources` (student → source) scoring at least `threshold`, best first.

    Deterministic: the same sources give the same pairs in the same order. Sources that do
    not parse are left out.
    """
    keep = frozenset(keep)
    normal = {s: n for s, n in ((s, normalise(src, keep)) for s, src in sorted(sources.items())) if n is not None}
    students = sorted(normal)
    seqs = {s: tokens(normal[s]) for s in students}
    grams = {s: _grams(seqs[s]) for s in students}
    if max_postings is None:
        max_postings = max(50, len(students) // 20)
    postings: dict[int, list[str]] = defaultdict(list)
    for s in students:
        for g in grams[s]:
            postings[g].append(s)
    candidates: set[tuple[str, str]] = set()
    for owners in postings.values():
        if 1 < len(owners) <= max_postings:
            candidates.update(itertools.combinations(owners, 2))
    # identical normalised code always pairs, however many share it
    by_text: dict[str, list[str]] = defaultdict(list)
    for s in students:
        by_text[normal[s]].append(s)
    identical = {pair for group in by_text.values() for pair in itertools.combinations(group, 2)}
    pairs = []
    for a, b in sorted(candidates | identical):
        if (a, b) in identical:
            pairs.append(SimilarPair(a, b, 1.0, True))
            continue
        union = len(grams[a] | grams[b])
        if not union or len(grams[a] & grams[b]) / union < candidate_overlap:
            continue
        matcher = difflib.SequenceMatcher(None, seqs[a], seqs[b], autojunk=False)
        if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
            continue
        score = round(matcher.ratio(), 4)
        if score >= threshold:
            pairs.append(SimilarPair(a, b, score, False))
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))


def to_csv(pairs: Iterable[SimilarPair]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("student_a", "student_b", "score", "identical"))
    for p in pairs:
        writer.writerow((p.a, p.b, p.score, "yes" if p.identical else "no"))
    return buffer.getvalue()
