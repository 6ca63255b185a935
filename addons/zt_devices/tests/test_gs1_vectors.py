# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Public test vectors (biip, python-stdnum, GS1 Syntax Engine) through
parse_scan, and GS1 7.12 century rules against biip."""
import datetime as dt
import unittest

from biip.gs1_element_strings import GS1ElementString

from trytond.modules.zt_devices.errors import ScanRefused
from trytond.modules.zt_devices.gs1 import gs1_year
from trytond.modules.zt_devices.parse import parse_scan
from trytond.modules.zt_devices.profile import PROFILES

from . import gs1_vectors


class VectorsTestCase(unittest.TestCase):
    "Every copied vector parses to its values or is refused."

    def check(self, vectors):
        self.assertTrue(vectors)
        for raw, profile, expected in vectors:
            with self.subTest(raw=raw, profile=profile):
                self.check_one(raw, PROFILES[profile], expected)

    def check_one(self, raw, profile, expected):
        if isinstance(expected, str):
            with self.assertRaises(ScanRefused) as context:
                parse_scan(raw, profile)
            self.assertEqual(context.exception.code, expected,
                str(context.exception))
            self.assertTrue(str(context.exception))
            self.assertTrue(context.exception.hint)
            return
        result = parse_scan(raw, profile)
        for key, value in expected.items():
            self.assertEqual(result[key], value, key)
        self.assertFalse(result['code'].startswith(']'))

    def test_biip_messages(self):
        self.check(gs1_vectors.BIIP_MESSAGES)

    def test_biip_elements(self):
        self.check(gs1_vectors.BIIP_ELEMENTS)

    def test_stdnum_gs1_128(self):
        self.check(gs1_vectors.STDNUM_GS1_128)

    def test_stdnum_ean(self):
        self.check(gs1_vectors.STDNUM_EAN)

    def test_syntax_engine(self):
        self.check(gs1_vectors.SYNTAX_ENGINE)


class CenturyTestCase(unittest.TestCase):
    "GS1 General Specifications 7.12: biip's century is the standard's."

    def test_gs1_year_table(self):
        "Fixed 'today' cases of the 7.12 table."
        today = dt.date(2025, 6, 1)
        self.assertEqual(gs1_year(25, today), 2025)
        self.assertEqual(gs1_year(75, today), 2075)  # +50: this century
        self.assertEqual(gs1_year(76, today), 1976)  # +51: previous
        self.assertEqual(gs1_year(99, today), 1999)
        self.assertEqual(gs1_year(0, today), 2000)
        today = dt.date(2080, 1, 1)
        self.assertEqual(gs1_year(29, today), 2129)  # -51: next
        self.assertEqual(gs1_year(30, today), 2130)  # -50: next
        self.assertEqual(gs1_year(31, today), 2031)  # -49: this century
        today = dt.date(2099, 12, 31)
        self.assertEqual(gs1_year(0, today), 2100)

    def test_biip_agrees_for_every_year(self):
        "biip's date of (17)YY0101 is gs1_year(YY) for all 100 YY."
        for yy in range(100):
            with self.subTest(yy=yy):
                element = GS1ElementString.parse('17%02d0101' % yy)
                self.assertEqual(element.date.year, gs1_year(yy))


if __name__ == '__main__':
    unittest.main()
