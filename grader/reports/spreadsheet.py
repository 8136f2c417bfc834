"""Text cells of the CSV files meant for spreadsheets (`gradebook.csv`, the LMS exports), written
so a spreadsheet shows them as text and never runs them as a formula.

Excel, LibreOffice and Google Sheets evaluate a cell that starts with `=`, `+`, `-`, `@`, tab or
carriage return, quoted or not, and a student id is a file name the student chose
(`=HYPERLINK(...)`). Following OWASP's advice on CSV injection, such a text cell gets a leading
`'`, which spreadsheets read as "this is text" and do not show. Only text cells: a number
(a score, even a negative one) is written as the number it is. The JSON reports and the SQLite
gradebook keep every id exactly as it is.
"""
from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """`value` as a spreadsheet shows it: a leading `'` when it would start a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
