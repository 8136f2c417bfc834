"""One jinja2 environment for every templated report (HTML autoescaped: student output is untrusted)."""
from __future__ import annotations

from functools import cache

import jinja2


@cache
def environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.reports", "templates"),
                             autoescape=autoescape, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["num"] = lambda x: f"{x:g}"
    return env


def render(template: str, **context) -> str:
    return environment(template.endswith(".html.j2")).get_template(template).render(**context)
