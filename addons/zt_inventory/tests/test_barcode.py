# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Plain tests of the ORM-free barcode functions of the scan step."""
import unittest
from collections import Counter

from trytond.modules.zt_inventory.barcode import (
    GTINError, check_gtin, gtin_check_digit, parse_scans, split_scans)

EAN_13 = '4006381333931'


class GTINTestCase(unittest.TestCase):
    "GTIN validation, digit by digit (GS1 General Specifications 7.9.1)"

    def test_check_digit_known_codes(self):
        "The check digit of published codes"
        for code in [EAN_13, '10884521761599', '00693570007182',
                '04150050248092', '96385074', '036000291452']:
            with self.subTest(code=code):
                self.assertEqual(
                    gtin_check_digit(code[:-1]), int(code[-1]))

    def test_valid_codes(self):
        "GTIN-8, -12, -13 and -14 are accepted unchanged"
        for code in ['96385074', '036000291452', EAN_13, '10884521761599']:
            with self.subTest(code=code):
                self.assertEqual(check_gtin(code), code)

    def test_check_digit_zero(self):
        "A sum that is already a multiple of ten gives check digit 0"
        self.assertEqual(gtin_check_digit('000000000000'), 0)
        self.assertEqual(check_gtin('0000000000000'), '0000000000000')

    def assertReason(self, code, reason):
        with self.assertRaises(GTINError) as cm:
            check_gtin(code)
        self.assertEqual(cm.exception.reason, reason)
        self.assertEqual(cm.exception.code, code)

    def test_wrong_check_digit(self):
        "Every wrong check digit is refused"
        for digit in '0123456789':
            if digit == EAN_13[-1]:
                continue
            with self.subTest(digit=digit):
                self.assertReason(EAN_13[:-1] + digit, 'check_digit')
        self.assertReason('10884521761598', 'check_digit')

    def test_transposed_digits(self):
        "Two swapped neighbouring digits change the check digit"
        self.assertReason('4006383133931', 'check_digit')

    def test_wrong_length(self):
        "Lengths other than 8, 12, 13 and 14 are refused (right check digit)"
        for prefix in ['1', '400638', '40063813', '4006381333',
                '40063813339310', '4006381333931000']:
            code = prefix + str(gtin_check_digit(prefix))
            with self.subTest(code=code):
                self.assertReason(code, 'length')

    def test_non_digits(self):
        "Letters, spaces, signs and non-ASCII digits are refused"
        for code in ['400638133393A', ' 4006381333931', '4006381-33931',
                '', '٤٠٠٦٣٨١٣٣٣٩٣١', '４００６３８１３３３９３１']:
            with self.subTest(code=code):
                self.assertReason(code, 'digits')


class SplitScansTestCase(unittest.TestCase):
    "What a keyboard-wedge scanner types, cut into scans"

    def test_c10_crlf_is_one_scan(self):
        "C10: '4006381333931\\r\\n' is one scan, not two"
        self.assertEqual(split_scans(EAN_13 + '\r\n'), [EAN_13])
        self.assertEqual(parse_scans(EAN_13 + '\r\n'), Counter({EAN_13: 1}))

    def test_c10_each_terminator(self):
        "C10: CR, LF, CRLF and TAB each end exactly one scan"
        for terminator in ['\r', '\n', '\r\n', '\t']:
            with self.subTest(terminator=terminator):
                text = (EAN_13 + terminator) * 3
                self.assertEqual(split_scans(text), [EAN_13] * 3)
                self.assertEqual(parse_scans(text)[EAN_13], 3)

    def test_mixed_terminators_and_blanks(self):
        "Mixed terminators, empty scans and spaces are dropped"
        text = ' %s \r\n\r\n\t%s\rEMP-0001\n\n' % (EAN_13, '96385074')
        self.assertEqual(
            split_scans(text), [EAN_13, '96385074', 'EMP-0001'])

    def test_empty(self):
        "Nothing typed is no scan"
        for text in ['', None, '\r\n', '\t \n']:
            with self.subTest(text=text):
                self.assertEqual(split_scans(text), [])
                self.assertEqual(parse_scans(text), Counter())

    def test_keyed_quantity(self):
        "A keyed quantity counts that many units of the code"
        scans = parse_scans('12*%s\r\n%s\r\n3*96385074\t' % (EAN_13, EAN_13))
        self.assertEqual(scans, Counter({EAN_13: 13, '96385074': 3}))

    def test_keyed_quantity_zero(self):
        "A keyed quantity of zero is refused"
        with self.assertRaises(ValueError):
            parse_scans('0*%s\r\n' % EAN_13)

    def test_keyed_quantity_is_not_a_code(self):
        "A star without digits before it stays part of the code"
        self.assertEqual(
            parse_scans('*%s\n' % EAN_13), Counter({'*' + EAN_13: 1}))


if __name__ == '__main__':
    unittest.main()
