"""The Parquet contract: the columns and dtypes of the four tables built from documents, the panel's name,
reading a table written by an older version in today's column set, and the stable row order."""

from __future__ import annotations

import pyarrow as pa

_str = pa.string()
_date = pa.date32()
# One word that restoration or correction changed in a page's text: where (0-based line and column of the
# final text) and what it was and became.
_CHANGED_WORD = pa.struct([("line", pa.int32()), ("column", pa.int32()), ("before", _str), ("after", _str)])

SCHEMAS: dict[str, pa.Schema] = {
    "reports": pa.schema(
        [
            ("document_id", _str),
            ("source_path", _str),
            ("issuer", _str),
            ("province", _str),
            ("report_number", _str),
            ("report_code", _str),
            ("issue_date", _date),
            ("period_type", _str),
            ("period_start", _date),
            ("period_end", _date),
            ("signer", _str),
            ("pages", pa.int32()),
            ("ocr_confidence", pa.float64()),
            ("status", _str),
            ("pipeline_version", _str),
            ("settings", _str),
            ("processed_at", pa.timestamp("us", tz="UTC")),
        ]
    ),
    "kpis": pa.schema(
        [
            ("document_id", _str),
            ("source_path", _str),
            ("kpi", _str),
            ("value", pa.float64()),
            ("unit", _str),
            ("scope", _str),
            ("period_type", _str),
            ("period_start", _date),
            ("period_end", _date),
            ("page", pa.int32()),
            ("evidence", _str),
            ("confidence", pa.float64()),
            ("qualifier", _str),
            ("level", _str),
            ("box_x0", pa.int32()),
            ("box_y0", pa.int32()),
            ("box_x1", pa.int32()),
            ("box_y1", pa.int32()),
            ("box_page_width", pa.int32()),
            ("box_page_height", pa.int32()),
            ("source", _str),
            ("extracted_value", pa.float64()),
            ("reviewed", pa.bool_()),
        ]
    ),
    "pages": pa.schema(
        [
            ("document_id", _str),
            ("page", pa.int32()),
            ("text", _str),
            ("raw_text", _str),
            ("ocr_confidence", pa.float64()),
            ("source", _str),
            ("changed_words", pa.list_(_CHANGED_WORD)),
        ]
    ),
    "problems": pa.schema(
        [
            ("document_id", _str),
            ("source_path", _str),
            ("severity", _str),
            ("code", _str),
            ("message", _str),
            ("kpi", _str),
            ("page", pa.int32()),
        ]
    ),
}
TABLES = tuple(SCHEMAS)  # the tables built from documents (staged per document, then merged)
# Built from the merged tables at each commit, never staged: the analyst's one-value-per-cell view.
PANEL = "kpi_panel"
OUTPUT_FILES = (*TABLES, PANEL)


def conform(table: pa.Table, name: str) -> pa.Table:
    """A table read from disk in the current column set: columns added since it was written (e.g. the
    review columns of kpis) are filled with nulls, or their default where nulls would mislead."""
    schema = SCHEMAS[name]
    for field in schema:
        if field.name not in table.column_names:
            default = _COLUMN_DEFAULTS.get((name, field.name))
            column = pa.array([default] * table.num_rows, type=field.type)
            table = table.append_column(field.name, column)
    return table.select(schema.names).cast(schema)


# Rows written before the review columns existed were all extracted and not reviewed.
_COLUMN_DEFAULTS: dict[tuple[str, str], object] = {
    ("kpis", "source"): "extracted",
    ("kpis", "reviewed"): False,
}


def sort_table(name: str, table: pa.Table) -> pa.Table:
    """Rows in the stable order every written table has."""
    keys = {
        "reports": ["source_path", "document_id"],
        "kpis": ["source_path", "document_id", "page", "kpi"],
        "pages": ["document_id", "page"],
        "problems": ["source_path", "document_id", "page", "code"],
    }[name]
    if table.num_rows == 0:
        return table
    return table.sort_by([(k, "ascending") for k in keys])
