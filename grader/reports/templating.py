"""One jinja2 environment per kind of output: HTML is autoescaped (student output is untrusted),
Markdown escapes through the `md`, `cell` and `fence` filters."""
from __future__ import annotations

import re
from functools import cache

import jinja2

from grader.reports.view import num

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def md_text(value: object) -> str:
    """Plain text inside Markdown: no HTML, no emphasis, links or code spans from the text itself."""
    s = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return " ".join(s.split("\n"))


def md_cell(value: object) -> str:
    """Text inside a Markdown table cell: one line, pipes escaped."""
    return md_text(value).replace("\r", " ")


def md_code(value: object) -> str:
    """An inline code span that the text cannot close early."""
    s = " ".join(str(value).split("\n"))
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{ticks}{pad}{s}{pad}{ticks}"


def md_fence(value: object, info: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run in the text."""
    s = str(value).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`{3,}", s)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{s}\n{fence}"


@cache
def environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.reports", "templates"),
                             autoescape=autoescape, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["num"] = num
    env.filters["md"] = md_text
    env.filters["cell"] = md_cell
    env.filters["code"] = md_code
    env.filters["fence"] = md_fence
    return env


def render(template: str, **context) -> str:
    return environment(template.endswith(".html.j2")).get_template(template).render(**context)
