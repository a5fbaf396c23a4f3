"""How a spreadsheet names its cells: column letters (A, B, ..., XFD).

Kept free of polars so the small child process that opens workbooks (flows/workbook_child.py)
can name a cell without loading it.
"""

from __future__ import annotations


def column_letter(index: int) -> str:
    """1-based column number -> spreadsheet letters (1 -> A, 27 -> AA, 16384 -> XFD)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
