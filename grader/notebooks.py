"""Notebook submissions: nbformat 4 JSON in, Python source out.

Policy (documented for students in the README): every code cell is kept, in order, so
helpers and constants defined anywhere work; IPython magics (`%...`, `x = %...`), shell
escapes (`!...`, `x = !...`) and help lines (`np.dot?`) are turned into `pass` statements
with the original text as a comment, because they mean nothing to a grader.  A cell magic
(`%%bash`, `%%writefile`, ...) comments out its whole cell, except the few that run their
body as ordinary Python in the notebook's namespace (`%%time`, `%%capture`, `%%prun`),
whose body is kept.  The cell that checks the notebook from inside it (it imports
`grader.notebook_check`) is commented out whole too: the graded code never runs the grader.
Every generated line maps back to (cell, line) for error messages.

The sandbox runs the module cell by cell, as Jupyter does: leftover demo code that fails
(a variable from a deleted cell, say) must not cost the functions of the other cells. So
each code cell keeps its place in the module (first and last line) and the names it binds
at top level, and `NotebookSource.failures` says what a failed cell means for grading.

The file is read as plain JSON and checked here, leniently: a notebook that Jupyter opens
(a missing cell id or metadata, say) is graded, whatever nbformat's schema says about it.
Nothing in a notebook is executed here; cells are only parsed, to find the names they bind.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from grader import i18n
from grader.i18n import Msg, msg

MAX_CELLS = 5000  # code cells; each is one section the sandbox runs on its own


class NotebookError(i18n.LocalisedError):
    """The notebook cannot be read as an nbformat 4 notebook with code."""


@dataclass(frozen=True)
class Cell:
    """One code cell in the generated module: its number in the notebook (1-based, markdown
    cells counted), its first and last line in the module, and the names it binds at top level."""

    number: int
    first: int
    last: int
    binds: frozenset[str]


@dataclass(frozen=True)
class NotebookSource:
    source: str
    line_map: tuple[tuple[int, int], ...]  # for each source line (0-based index): (cell number, line in cell), 1-based
    cells: tuple[Cell, ...] = ()

    def where(self, line: int) -> str:
        """'cell 3, line 2' for a 1-based line of the generated source."""
        if 1 <= line <= len(self.line_map):
            cell, inner = self.line_map[line - 1]
            return f"cell {cell}, line {inner}"
        return f"line {line}"

    @property
    def sections(self) -> tuple[tuple[int, int], ...]:
        """The lines (first, last) of each code cell: what the sandbox runs one by one."""
        return tuple((cell.first, cell.last) for cell in self.cells)

    def cell_texts(self) -> list[str]:
        """The code of each cell as it is in the module (magics neutralised)."""
        lines = self.source.split("\n")
        return ["\n".join(lines[first - 1:last]) for first, last in self.sections]

    def failures(self, failed: Mapping[int, str], graded: Iterable[str]) -> tuple[dict[str, Msg], tuple[Msg, ...]]:
        """What failed cells (index in `cells` → what it raised) mean for grading.

        A graded function whose last definition is in a failed cell fails with that cell's
        error (the student's latest version of it did not run as written); any other failed
        cell is skipped, with a note: it defines nothing graded, so it is leftover demo code."""
        owner = {name: index for index, cell in enumerate(self.cells) for name in cell.binds & set(graded)}
        broken = {name: msg("notebook.cell_failed", function=name, cell=self.cells[index].number, error=failed[index])
                  for name, index in owner.items() if index in failed}
        taken = {owner[name] for name in broken}
        skipped = tuple(msg("notebook.cell_skipped", cell=self.cells[index].number, error=failed[index])
                        for index in sorted(failed) if index not in taken)
        return broken, skipped


# cell magics whose body IPython runs as Python in the user namespace (definitions survive)
PYTHON_CELL_MAGICS = frozenset({"time", "capture", "prun"})

_LINE_MAGIC = re.compile(r"""
    [%!]                                  # %magic, !shell
  | [A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!]   # x = %magic, files = !ls
  | \?                                    # ?name
  | [A-Za-z_][\w.]*\?{1,2}\s*$            # name? / name??
""", re.VERBOSE)


def is_ipython_line(line: str) -> bool:
    """Whether a line is IPython syntax (a magic, shell escape or help request) rather than Python."""
    stripped = line.lstrip()
    return bool(stripped) and not stripped.startswith("#") and _LINE_MAGIC.match(stripped) is not None


def _neutralise(line: str) -> str:
    if not is_ipython_line(line):
        return line
    stripped = line.lstrip()
    return line[: len(line) - len(stripped)] + "pass  # " + stripped


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # JSON may hold one (\\ud800); no Python file can


def _cell_source(cell: dict, number: int) -> str:
    body = cell.get("source", "")
    if isinstance(body, list) and all(isinstance(piece, str) for piece in body):
        body = "".join(body)
    if isinstance(body, str):
        return _LONE_SURROGATE.sub("\ufffd", body)
    raise NotebookError("notebook.no_source", cell=number)


_SELF_CHECK = re.compile(r"^\s*(from\s+grader\.notebook_check\s+import|import\s+grader\.notebook_check\b)", re.M)


def _cell_lines(body: str) -> tuple[list[str], bool]:
    """The cell's lines made Python-safe, and whether the cell holds real code."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if _SELF_CHECK.search(body):
        return ["# " + line for line in lines], False
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(maxsplit=1)
        if magic and magic[0] in PYTHON_CELL_MAGICS:
            lines[first] = "# " + lines[first]
        else:
            return ["# " + line for line in lines], False
    code = any(line.strip() and not line.lstrip().startswith("#") and not is_ipython_line(line) for line in lines)
    return [_neutralise(line) for line in lines], code


_TOP_LEVEL_DEF = re.compile(r"^(?:async[ \t]+)?(?:def|class)[ \t]+([^\W\d]\w*)", re.M)


def _target_names(target: ast.expr) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return {name for element in target.elts for name in _target_names(element)}
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return set()  # an attribute or item: binds no name of the module


def bound_names(code: str) -> frozenset[str]:
    """The names a cell binds at module level (def, class, assignment, import, also inside
    if/try/with blocks), found by parsing it; for a cell that does not parse, the names of its
    top-level def and class lines, so a syntax error is still charged to the function it was in."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset(_TOP_LEVEL_DEF.findall(code))
    names: set[str] = set()
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names |= _target_names(target)
        else:  # a block (if, for, while, try, with, match): the statements inside it
            todo.extend(child for child in ast.iter_child_nodes(node)
                        if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)))
    return frozenset(names)


MAX_NESTING = 64  # a notebook's JSON nests about six deep; far deeper is no notebook
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _nesting(text: str) -> int:
    """How deep the JSON's arrays and objects nest (strings skipped), without parsing it: the parser
    recurses once per level, and near the interpreter's recursion limit even a garbage collection
    that runs a finalizer can fail."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _load(text: str) -> dict:
    if _nesting(text) > MAX_NESTING:
        raise NotebookError("notebook.unparsable")
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError("notebook.broken_json", line=exc.lineno, column=exc.colno) from None
    except (RecursionError, MemoryError, ValueError):
        raise NotebookError("notebook.unparsable") from None
    if not isinstance(nb, dict) or "nbformat" not in nb:
        raise NotebookError("notebook.no_nbformat")
    major = nb["nbformat"]
    if isinstance(major, bool) or not isinstance(major, int):
        raise NotebookError("notebook.bad_nbformat", value=repr(major))
    if major != 4:
        raise NotebookError("notebook.old_version", version=major)
    if not isinstance(nb.get("cells"), list):
        raise NotebookError("notebook.no_cells")
    return nb


def notebook_to_source(text: str) -> NotebookSource:
    """Join the code cells of a notebook into one module's source (never running any of it)."""
    nb = _load(text)
    lines: list[str] = []
    line_map: list[tuple[int, int]] = []
    cells: list[Cell] = []
    has_code = False
    for number, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict):
            raise NotebookError("notebook.not_a_cell", cell=number)
        if cell.get("cell_type") != "code":
            continue
        if len(cells) == MAX_CELLS:
            raise NotebookError("notebook.too_many_cells", limit=MAX_CELLS)
        cell_lines, code = _cell_lines(_cell_source(cell, number))
        has_code = has_code or code
        cells.append(Cell(number, len(lines) + 1, len(lines) + len(cell_lines), bound_names("\n".join(cell_lines))))
        for inner, line in enumerate(cell_lines, start=1):
            lines.append(line)
            line_map.append((number, inner))
    if not has_code:
        raise NotebookError("notebook.no_code")
    return NotebookSource("\n".join(lines) + "\n", tuple(line_map), tuple(cells))
