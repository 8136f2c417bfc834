"""Notebook submissions: nbformat 4 JSON in, Python source out.

Policy (documented for students in the README): every code cell is kept, in order, so
helpers and constants defined anywhere work; IPython magics (`%...`, `x = %...`), shell
escapes (`!...`, `x = !...`) and help lines (`np.dot?`) are turned into `pass` statements
with the original text as a comment, because they mean nothing to a grader.  A cell magic
(`%%bash`, `%%writefile`, ...) comments out its whole cell, except the few that run their
body as ordinary Python in the notebook's namespace (`%%time`, `%%capture`, `%%prun`),
whose body is kept.  Every generated line maps back to (cell, line) for error messages.

The file is read as plain JSON and checked here, leniently: a notebook that Jupyter opens
(a missing cell id or metadata, say) is graded, whatever nbformat's schema says about it.
Nothing in a notebook is executed or compiled here.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from grader import i18n


class NotebookError(i18n.LocalisedError):
    """The notebook cannot be read as an nbformat 4 notebook with code."""


@dataclass(frozen=True)
class NotebookSource:
    source: str
    line_map: tuple[tuple[int, int], ...]  # for each source line (0-based index): (cell number, line in cell), 1-based

    def where(self, line: int) -> str:
        """'cell 3, line 2' for a 1-based line of the generated source."""
        if 1 <= line <= len(self.line_map):
            cell, inner = self.line_map[line - 1]
            return f"cell {cell}, line {inner}"
        return f"line {line}"


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


def _cell_source(cell: dict, number: int) -> str:
    body = cell.get("source", "")
    if isinstance(body, list) and all(isinstance(piece, str) for piece in body):
        return "".join(body)
    if isinstance(body, str):
        return body
    raise NotebookError("notebook.no_source", cell=number)


def _cell_lines(body: str) -> tuple[list[str], bool]:
    """The cell's lines made Python-safe, and whether the cell holds real code."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(maxsplit=1)
        if magic and magic[0] in PYTHON_CELL_MAGICS:
            lines[first] = "# " + lines[first]
        else:
            return ["# " + line for line in lines], False
    code = any(line.strip() and not line.lstrip().startswith("#") and not is_ipython_line(line) for line in lines)
    return [_neutralise(line) for line in lines], code


def _load(text: str) -> dict:
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
    has_code = False
    for number, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict):
            raise NotebookError("notebook.not_a_cell", cell=number)
        if cell.get("cell_type") != "code":
            continue
        cell_lines, code = _cell_lines(_cell_source(cell, number))
        has_code = has_code or code
        for inner, line in enumerate(cell_lines, start=1):
            lines.append(line)
            line_map.append((number, inner))
    if not has_code:
        raise NotebookError("notebook.no_code")
    return NotebookSource("\n".join(lines) + "\n", tuple(line_map))
