"""Notebook submissions: nbformat in, Python source out.

Policy (documented for students in the README): every code cell is kept, in order, so
helpers and constants defined anywhere work; IPython magics (`%...`, `%%...` cells) and
shell escapes (`!...`) are turned into comments, because they mean nothing to a grader.
Line numbers are kept in step with a map back to (cell, line) for error messages.
"""
from __future__ import annotations

from dataclasses import dataclass

import nbformat


class NotebookError(ValueError):
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


def _neutralise(line: str) -> str:
    stripped = line.lstrip()
    if stripped.startswith(("%", "!")):
        return line[: len(line) - len(stripped)] + "pass  # " + stripped
    return line


def notebook_to_source(text: str) -> NotebookSource:
    """Join the code cells of a notebook into one module's source."""
    try:
        nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    except Exception as exc:  # nbformat raises several unrelated types for corrupt input
        raise NotebookError(f"not a readable Jupyter notebook ({type(exc).__name__}: {exc})") from None
    major = nb.get("nbformat")
    if major != 4:
        raise NotebookError(f"notebook format version {major} is not supported; save it as nbformat 4 "
                            "(open and save it in a current Jupyter)")
    lines: list[str] = []
    line_map: list[tuple[int, int]] = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        body = cell.get("source", "")
        body = "".join(body) if isinstance(body, list) else str(body)
        cell_lines = body.split("\n")
        if cell_lines and cell_lines[0].lstrip().startswith("%%"):
            cell_lines = ["# " + line for line in cell_lines]
        for inner, line in enumerate(cell_lines, start=1):
            lines.append(_neutralise(line))
            line_map.append((number, inner))
    if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
        raise NotebookError("the notebook has no code cells with code in them")
    return NotebookSource("\n".join(lines) + "\n", tuple(line_map))
