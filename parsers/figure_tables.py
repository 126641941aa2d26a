"""Statistics tables flattened to text ("Mức 3 | 41208 | 39377"): each number cell with its row and column.

Portals and appendices print tables as lines of cells separated by "|". A number cell means what its row
label ("Cấp huyện", "Mức 3", "Toàn tỉnh") and its column header ("Tiếp nhận", "Trực tuyến", "%") say,
under the table's title line. Headers may take two rows, a spanning cell leaving the cells to its right
empty ("Toàn trình | | Một phần |" over "TTHC | % | TTHC | %"). This module only finds that structure in
the token stream; parsers/figures.py reads what the words say.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsers.document import Token

Span = tuple[int, int]  # token range [first, last)


@dataclass(frozen=True)
class TableCell:
    value_token: int
    row_label: Span | None  # the row's first cell when it holds words
    headers: tuple[Span, ...]  # the column's header cells, top first
    title: Span | None  # the line above the table
    row: Span  # the whole row, for someone else's name in it
    header_rows: Span  # every header line, for what the other columns count
    previous_headers: tuple[Span, ...]  # the header of the column to the left


def _rows(tokens: list[Token]) -> list[list[Span]]:
    """Lines as lists of cells (token ranges between "|"), in order; a line without "|" is one cell."""
    lines: list[list[Span]] = []
    cells: list[Span] = []
    start = 0
    for index, token in enumerate(tokens):
        if token.kind == "hard" and token.key in ("\n", "|"):
            cells.append((start, index))
            start = index + 1
            if token.key == "\n":
                lines.append(cells)
                cells = []
    cells.append((start, len(tokens)))
    lines.append(cells)
    return lines


def _has_words(tokens: list[Token], span: Span) -> bool:
    return any(tokens[i].kind == "word" for i in range(*span))


def _number_cell(tokens: list[Token], span: Span) -> int | None:
    """The value token of a cell that is one number (and maybe "%"), else None."""
    inside = [i for i in range(*span) if tokens[i].kind != "punct" or tokens[i].key == "%"]
    if len(inside) == 1 and tokens[inside[0]].value_ok:
        return inside[0]
    if len(inside) == 2 and tokens[inside[0]].value_ok and tokens[inside[1]].key == "%":
        return inside[0]
    return None


def _spread(row: list[Span], tokens: list[Token]) -> list[Span | None]:
    """Header cells with a spanning cell carried into the empty cells to its right."""
    spread: list[Span | None] = []
    last: Span | None = None
    for span in row:
        if _has_words(tokens, span) or any(t.key == "%" for t in tokens[span[0] : span[1]]):
            last = span
            spread.append(span)
        else:
            spread.append(last if last is not None and spread else None)
    return spread


def table_cells(tokens: list[Token]) -> list[TableCell]:
    """Number cells of every table: lines with "|", under header lines of words (or labelled inline)."""
    cells: list[TableCell] = []
    lines = _rows(tokens)
    index = 0
    while index < len(lines):
        if len(lines[index]) < 2:
            index += 1
            continue
        block_start = index
        while index < len(lines) and len(lines[index]) >= 2:
            index += 1
        block = lines[block_start:index]
        title_line = lines[block_start - 1] if block_start > 0 else None
        title = (
            title_line[0]
            if title_line and len(title_line) == 1 and _has_words(tokens, title_line[0])
            else None
        )
        header_rows = []
        for row in block:
            if any(_number_cell(tokens, span) is not None for span in row):
                break
            header_rows.append(_spread(row, tokens))
        for row in block[len(header_rows) :]:
            label = row[0] if _has_words(tokens, row[0]) and _number_cell(tokens, row[0]) is None else None
            for column, span in enumerate(row):
                value_token = _number_cell(tokens, span)
                if value_token is None:
                    continue
                if not header_rows:
                    # "Mức độ 3 | 398 | 22,4% | Mức độ 4 | 1.103 | 62,1%": the words cell before it labels it.
                    words = [cell for cell in row[:column] if _number_cell(tokens, cell) is None]
                    if not words or not _has_words(tokens, words[-1]):
                        continue
                    whole_row = (row[0][0], row[-1][1])
                    cells.append(TableCell(value_token, words[-1], (), title, whole_row, (0, 0), ()))
                    continue
                headers = tuple(
                    header[column]
                    for header in header_rows
                    if column < len(header) and header[column] is not None
                )
                if not headers:
                    continue
                previous = tuple(
                    header[column - 1]
                    for header in header_rows
                    if 0 < column <= len(header) and header[column - 1] is not None
                )
                whole_row = (row[0][0], row[-1][1])
                all_headers = (block[0][0][0], block[len(header_rows) - 1][-1][1])
                cell = TableCell(value_token, label, headers, title, whole_row, all_headers, previous)  # type: ignore[arg-type]
                cells.append(cell)
    return cells
