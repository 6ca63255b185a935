# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Excel workbooks of report rows, without the ORM (see doc/cockpit.rst,
"Excel export").

A workbook has the report's sheet (a bold, frozen header row with an
autofilter; numbers written as numbers, dates as Excel dates) and a sheet
"Filters" listing the filters the rows were selected with."""
import datetime as dt
import decimal
import io
import numbers
import re
import unicodedata
from dataclasses import dataclass

import xlsxwriter

__all__ = ['Column', 'TYPES', 'header', 'text_width', 'check_row',
    'sheet_name', 'workbook']

TYPES = {'text', 'number', 'integer', 'date', 'datetime', 'boolean'}
DEFAULT_FORMATS = {
    'number': '#,##0.00',
    'integer': '0',
    'date': 'yyyy-mm-dd',
    'datetime': 'yyyy-mm-dd hh:mm:ss',
    }
FILTERS_SHEET = "Filters"
# Excel's limits on a sheet name and a column width (in characters).
SHEET_NAME_MAX = 31
WIDTH_MIN, WIDTH_MAX = 8, 60


@dataclass(frozen=True)
class Column:
    """One column of a sheet.

    title: the header text; type: one of TYPES; unit: the unit or currency
    label shown in the header, e.g. "Unit" or "CNY" (None: no label);
    num_format: an Excel number format (None: the default of the type)."""
    title: str
    type: str = 'text'
    unit: str = None
    num_format: str = None

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError("column %r: unknown type %r (expected one of %s)"
                % (self.title, self.type, ', '.join(sorted(TYPES))))

    @property
    def format(self):
        "The Excel number format of the cells (str or None for text)."
        return self.num_format or DEFAULT_FORMATS.get(self.type)


def header(column):
    "Return the header text of ``column``: 'Title (unit)' or 'Title'."
    if column.unit:
        return '%s (%s)' % (column.title, column.unit)
    return column.title


def text_width(value):
    """Return the display width of ``value`` (str) in Excel characters:
    wide East Asian characters (CJK, full-width punctuation) count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in 'WF' else 1
        for c in value)


def _is_number(value):
    return (isinstance(value, (numbers.Real, decimal.Decimal))
        and not isinstance(value, bool))


def _check_cell(column, value, index):
    if value is None or column.type == 'text':
        return
    if column.type == 'number' and not _is_number(value):
        raise ValueError("row %d, column %r: %r is not a number"
            % (index, column.title, value))
    if column.type == 'integer' and not (
            isinstance(value, numbers.Integral)
            and not isinstance(value, bool)):
        raise ValueError("row %d, column %r: %r is not an integer"
            % (index, column.title, value))
    if column.type == 'boolean' and not isinstance(value, bool):
        raise ValueError("row %d, column %r: %r is not a boolean"
            % (index, column.title, value))
    if column.type == 'date' and not isinstance(value, dt.date):
        raise ValueError("row %d, column %r: %r is not a date"
            % (index, column.title, value))
    if column.type == 'datetime' and not isinstance(value, dt.datetime):
        raise ValueError("row %d, column %r: %r is not a date and time"
            % (index, column.title, value))


def check_row(columns, row, index=0):
    """Check ``row`` (sequence, one value per column) against ``columns``.

    None is a blank cell in any column.  Raises ValueError naming the row
    ``index`` (0-based, data rows) when the width differs or a value does
    not fit its column's type (a bool is not a number)."""
    if len(row) != len(columns):
        raise ValueError("row %d has %d values, expected %d"
            % (index, len(row), len(columns)))
    for column, value in zip(columns, row):
        _check_cell(column, value, index)


def sheet_name(name):
    "Return ``name`` (str) made valid as an Excel sheet name."
    name = re.sub(r'[\[\]:*?/\\]', ' ', name or '').strip("' ")
    return (name or "Report")[:SHEET_NAME_MAX]


def _text(value):
    if value is None:
        return ''
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=' ')
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ', '.join(_text(v) for v in value)
    return str(value)


class _Writer:
    "Writes the rows of one sheet and measures the column widths."

    def __init__(self, book, sheet, columns):
        self.sheet = sheet
        self.columns = columns
        self.formats = [book.add_format({'num_format': c.format})
            if c.format else None for c in columns]
        self.widths = [text_width(header(c)) + 2 for c in columns]

    def write(self, row_index, row):
        for col, (column, value) in enumerate(zip(self.columns, row)):
            self._write_cell(row_index, col, column, value)

    def _write_cell(self, row_index, col, column, value):
        fmt = self.formats[col]
        if value is None:
            self.sheet.write_blank(row_index, col, None, fmt)
            return
        if column.type in {'number', 'integer'}:
            self.sheet.write_number(row_index, col, float(value), fmt)
            width = len('{:,.2f}'.format(value))
        elif column.type == 'boolean':
            # a logical cell (TRUE/FALSE), which filters and formulas read
            self.sheet.write_boolean(row_index, col, value, fmt)
            width = 5
        elif column.type in {'date', 'datetime'}:
            self.sheet.write_datetime(row_index, col, value, fmt)
            width = len(column.format)
        else:
            value = _text(value)
            self.sheet.write_string(row_index, col, value)
            width = text_width(value)
        self.widths[col] = max(self.widths[col], width + 1)

    def finish(self, rows):
        for col, width in enumerate(self.widths):
            self.sheet.set_column(
                col, col, min(max(width, WIDTH_MIN), WIDTH_MAX))
        self.sheet.freeze_panes(1, 0)
        self.sheet.autofilter(0, 0, rows, max(len(self.columns) - 1, 0))


def _write_filters(book, bold, filters):
    sheet = book.add_worksheet(FILTERS_SHEET)
    sheet.write_string(0, 0, "Filter", bold)
    sheet.write_string(0, 1, "Value", bold)
    widths = [10, 10]
    for row, (name, value) in enumerate(filters, 1):
        name, value = _text(name), _text(value)
        sheet.write_string(row, 0, name)
        sheet.write_string(row, 1, value)
        widths = [max(widths[0], text_width(name) + 1),
            max(widths[1], text_width(value) + 1)]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(width, WIDTH_MAX))
    sheet.freeze_panes(1, 0)


def workbook(columns, rows, filters=(), title="Report", progress=None,
        every=500):
    """Return the bytes of an .xlsx workbook of ``rows``.

    columns: sequence of Column; rows: iterable of sequences, one value per
    column (numbers as int/float/Decimal, dates as datetime.date, datetimes
    naive, None for blank); filters: sequence of (name, value) for the
    sheet "Filters"; title: the name of the first sheet (made valid);
    progress: called with the number of rows written every ``every`` rows
    and at the end.  Raises ValueError on a row of the wrong width or a
    value of the wrong type (nothing is returned then)."""
    columns = list(columns)
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {
            'in_memory': True,
            'strings_to_numbers': False,
            'strings_to_formulas': False,
            'strings_to_urls': False,
            })
    try:
        bold = book.add_format({'bold': True})
        sheet = book.add_worksheet(sheet_name(title))
        for col, column in enumerate(columns):
            sheet.write_string(0, col, header(column), bold)
        writer = _Writer(book, sheet, columns)
        count = 0
        for count, row in enumerate(rows, 1):
            check_row(columns, row, count - 1)
            writer.write(count, row)
            if progress and every and count % every == 0:
                progress(count)
        writer.finish(count)
        _write_filters(book, bold, filters)
    finally:
        book.close()
    if progress:
        progress(count)
    return output.getvalue()
