# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The pure workbook writer xlsx.py, read back with zipfile + ElementTree
(the .xlsx parts are plain XML: no spreadsheet library needed)."""
import datetime as dt
import io
import unittest
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal

from trytond.modules.zt_inventory import xlsx
from trytond.modules.zt_inventory.xlsx import Column

NS = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}


class Book:
    "An .xlsx read back: sheet names, cells, panes, autofilter."

    def __init__(self, data):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        shared = ET.fromstring(self.zip.read('xl/sharedStrings.xml'))
        self.strings = [''.join(t.text or '' for t in si.iter(
                    '{%s}t' % NS['m'])) for si in shared.findall('m:si', NS)]
        book = ET.fromstring(self.zip.read('xl/workbook.xml'))
        self.names = [s.get('name') for s in book.iter('{%s}sheet' % NS['m'])]

    def sheet(self, index):
        return ET.fromstring(
            self.zip.read('xl/worksheets/sheet%d.xml' % index))

    def cells(self, index):
        """Return {ref: (type, value)}: type 's' (value: the text), 'n'
        (value: float) or 'blank'."""
        result = {}
        for c in self.sheet(index).iter('{%s}c' % NS['m']):
            v = c.find('m:v', NS)
            kind = c.get('t', 'n')
            if v is None:
                result[c.get('r')] = ('blank', None)
            elif kind == 's':
                result[c.get('r')] = ('s', self.strings[int(v.text)])
            else:
                result[c.get('r')] = (kind, float(v.text))
        return result


COLUMNS = [
    Column("Product"),
    Column("Quantity", 'number', unit="Unit"),
    Column("Value", 'number', unit="CNY", num_format='#,##0.00'),
    Column("Moves", 'integer'),
    Column("Date", 'date'),
    ]


class XlsxTestCase(unittest.TestCase):
    "Test the workbook writer"

    def test_types_header_pane_filters(self):
        """Numbers stay numbers, units in headers, frozen bold header.

        2024-01-10 is Excel serial 45301 (days since 1899-12-30:
        2024-01-01 is 45292, plus 9)."""
        rows = [
            ["测试报告：重要通知！", 10, Decimal('123.45'), 3,
                dt.date(2024, 1, 10)],
            ["=SUM(A1)", 2.5, None, 0, None],
            ]
        data = xlsx.workbook(COLUMNS, rows,
            filters=[("Warehouse", "仓库 A"), ("Date", dt.date(2024, 9, 10))],
            title="Inventory: age")
        book = Book(data)
        self.assertEqual(book.names, ["Inventory  age", "Filters"])
        cells = book.cells(1)
        self.assertEqual(cells['A1'], ('s', "Product"))
        self.assertEqual(cells['B1'], ('s', "Quantity (Unit)"))
        self.assertEqual(cells['C1'], ('s', "Value (CNY)"))
        self.assertEqual(cells['D1'], ('s', "Moves"))
        self.assertEqual(cells['A2'], ('s', "测试报告：重要通知！"))
        self.assertEqual(cells['B2'], ('n', 10.0))
        self.assertEqual(cells['C2'], ('n', 123.45))
        self.assertEqual(cells['D2'], ('n', 3.0))
        self.assertEqual(cells['E2'], ('n', 45301.0))
        # a text that looks like a formula stays text
        self.assertEqual(cells['A3'], ('s', "=SUM(A1)"))
        self.assertEqual(cells['B3'], ('n', 2.5))
        self.assertEqual(cells['C3'], ('blank', None))
        sheet = book.sheet(1)
        pane = sheet.find('.//m:pane', NS)
        self.assertEqual(pane.get('ySplit'), '1')
        self.assertEqual(pane.get('state'), 'frozen')
        self.assertEqual(
            sheet.find('m:autoFilter', NS).get('ref'), 'A1:E3')
        styles = book.zip.read('xl/styles.xml').decode()
        self.assertIn('<b/>', styles)
        self.assertIn('formatCode="yyyy-mm-dd"', styles)
        filters = book.cells(2)
        self.assertEqual(filters['A1'], ('s', "Filter"))
        self.assertEqual(filters['A2'], ('s', "Warehouse"))
        self.assertEqual(filters['B2'], ('s', "仓库 A"))
        self.assertEqual(filters['B3'], ('s', "2024-09-10"))

    def test_cjk_width(self):
        "A CJK character is 2 wide: '测试ab' is 6 characters wide"
        self.assertEqual(xlsx.text_width("测试ab"), 6)
        self.assertEqual(xlsx.text_width("——"), 2)

    def test_wrong_width(self):
        "A row of the wrong width: ValueError naming the row"
        with self.assertRaises(ValueError) as cm:
            xlsx.workbook(COLUMNS, [["a", 1, 1, 1, None], ["b", 1]])
        self.assertIn("row 1 has 2 values, expected 5", str(cm.exception))

    def test_not_a_number(self):
        "A string (even '12') or a bool in a number column: ValueError"
        for value in ["12", True]:
            with self.subTest(value=value), \
                    self.assertRaises(ValueError) as cm:
                xlsx.workbook(COLUMNS, [["a", value, 1, 1, None]])
            self.assertIn("is not a number", str(cm.exception))
        with self.assertRaises(ValueError):
            xlsx.workbook(COLUMNS, [["a", 1, 1, 1.5, None]])
        with self.assertRaises(ValueError):
            xlsx.workbook(COLUMNS, [["a", 1, 1, 1, "2024-01-10"]])

    def test_boolean(self):
        """A boolean column writes logical cells (t="b", 1 or 0), not the
        text "1"/"0"; a non-boolean in it is refused."""
        columns = [Column("Product"), Column("Dead Stock", 'boolean')]
        book = Book(xlsx.workbook(columns, [["a", True], ["b", False]]))
        cells = book.cells(1)
        self.assertEqual(cells['B2'], ('b', 1.0))
        self.assertEqual(cells['B3'], ('b', 0.0))
        with self.assertRaises(ValueError) as cm:
            xlsx.workbook(columns, [["a", 1]])
        self.assertIn("is not a boolean", str(cm.exception))

    def test_unknown_type(self):
        "A column of an unknown type: ValueError"
        with self.assertRaises(ValueError):
            Column("X", 'money')

    def test_progress(self):
        "Progress every 2 rows of 5, then at the end: 2, 4, 5"
        calls = []
        xlsx.workbook([Column("N", 'integer')], [[i] for i in range(5)],
            progress=calls.append, every=2)
        self.assertEqual(calls, [2, 4, 5])

    def test_empty(self):
        "No rows: the header alone, autofilter on the header"
        book = Book(xlsx.workbook(COLUMNS, []))
        self.assertEqual(book.cells(1)['E1'], ('s', "Date"))
        self.assertEqual(
            book.sheet(1).find('m:autoFilter', NS).get('ref'), 'A1:E1')
