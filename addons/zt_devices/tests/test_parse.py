# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Tests of parse.parse_scan, profile and the parse-scan command."
import contextlib
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

from trytond.modules.zt_devices.cli_parse import main
from trytond.modules.zt_devices.errors import (
    CODES, HINTS, ScanRefused, SignatureError)
from trytond.modules.zt_devices.parse import FIELDS, parse_scan, scan_to_json
from trytond.modules.zt_devices.profile import (
    PROFILES, profile_from_dict, profile_to_dict)

D = dt.date
GS = b'\x1d'
C8 = b'0110884521761599112107011021G0073JZ'
C9 = (b'0104150050248092' b'2110278464263749', b'1725123110NN1814')


class ParseTestCase(unittest.TestCase):

    def refused(self, raw, code, profile=PROFILES['default']):
        "Assert `raw` is refused with `code` and a clear message."
        with self.assertRaises(ScanRefused) as context:
            parse_scan(raw, profile)
        refusal = context.exception
        self.assertEqual(refusal.code, code, str(refusal))
        self.assertIn(refusal.code, CODES)
        self.assertTrue(refusal.hint)
        self.assertIn('part', refusal.params)
        self.assertIn(refusal.params['part'], str(refusal))
        return refusal

    def test_c8_with_gs(self):
        scan = parse_scan(C8 + GS + b'2023')
        self.assertEqual(scan['gtin'], '10884521761599')
        self.assertEqual(scan['production_date'], D(2021, 7, 1))
        self.assertEqual(scan['lot'], '21G0073JZ')
        self.assertEqual(scan['variant'], '23')
        self.assertEqual(scan['symbology'], 'gs1')
        self.assertEqual(set(scan), set(FIELDS))

    def test_c8_without_gs(self):
        refusal = self.refused(C8 + b'2023', 'gs_missing')
        self.assertIn('(10)', str(refusal))
        self.assertIn('character 25', str(refusal))
        self.assertIn('(20)23', str(refusal))
        self.assertIn('GS (FNC1)', refusal.hint)
        self.assertEqual(refusal.params['ai'], '10')

    def test_c8_lot_then_expiry(self):
        self.refused(b'1021072911172405310100693570007182', 'gs_missing')
        scan = parse_scan(b'1021072911' + GS + b'172405310100693570007182')
        self.assertEqual(scan['lot'], '21072911')
        self.assertEqual(scan['expiry'], D(2024, 5, 31))
        self.assertEqual(scan['gtin'], '00693570007182')

    def test_c9(self):
        expected = {'gtin': '04150050248092', 'serial': '10278464263749',
            'expiry': D(2025, 12, 31), 'lot': 'NN1814'}
        for raw, profile in [
                (C9[0] + GS + C9[1], 'default'),
                (b']d2' + C9[0] + GS + C9[1], 'default'),
                (C9[0] + b'|' + C9[1], 'pipe-gs'),
                (b']d2' + C9[0] + b'|' + C9[1], 'aim-pipe-gs')]:
            with self.subTest(raw=raw):
                scan = parse_scan(raw, PROFILES[profile])
                for key, value in expected.items():
                    self.assertEqual(scan[key], value)
                self.assertEqual(scan['code'],
                    (C9[0] + GS + C9[1]).decode())
        refusal = self.refused(C9[0] + C9[1], 'gs_missing')
        self.assertIn('(21)10278464263749', str(refusal))
        self.assertIn('(17)251231(10)NN1814', str(refusal))
        self.refused(b']d2' + C9[0] + C9[1], 'gs_missing')
        # '|' without the substitute profile is not CSET 82.
        self.refused(C9[0] + b'|' + C9[1], 'format')

    def test_c10_terminators(self):
        scan = parse_scan(b'4006381333931')
        self.assertEqual(scan['symbology'], 'ean-13')
        self.assertEqual(scan['gtin'], '04006381333931')
        for raw in [b'4006381333931\r\n', b'4006381333931\t',
                b'40063\n81333931']:
            refusal = self.refused(raw, 'framing')
            self.assertIn('terminator', refusal.hint)
        # With a custom terminator CR may be data of a 2-D code.
        scan = parse_scan(b']d1AB\rCD', PROFILES['eot'])
        self.assertEqual(scan['code'], 'AB\rCD')

    def test_symbology_identifier_never_in_code(self):
        for profile in PROFILES.values():
            raw = b']C1' + C8 + GS + b'2023'
            if profile.gs_substitute:
                raw = raw.replace(GS, profile.gs_substitute)
            scan = parse_scan(raw, profile)
            self.assertEqual(scan['symbology'], 'gs1-128')
            self.assertFalse(scan['code'].startswith(']'))
        scan = parse_scan(b']C1' + C8 + GS + b'2023',
            profile_from_dict({'symbology_ids': 'none'}))
        self.assertEqual(scan['code'], (C8 + GS + b'2023').decode())

    def test_symbology_refusals(self):
        refusal = self.refused(b'4006381333931', 'symbology',
            PROFILES['aim'])
        self.assertIn('AIM symbology identifier', refusal.hint)
        self.refused(b']E0400638133393A', 'symbology')
        self.refused(b']A0ABC', 'symbology')
        self.refused(b']C0', 'empty')
        scan = parse_scan(b']XXabc', profile_from_dict(
                {'symbology_ids': 'none'}))
        self.assertEqual((scan['symbology'], scan['code']),
            ('code128', ']XXabc'))

    def test_plain_and_ean(self):
        self.assertEqual(parse_scan(b'Hello-42')['symbology'], 'code128')
        self.assertEqual(parse_scan(b']C0010415')['code'], '010415')
        scan = parse_scan(b'04252614')
        self.assertEqual((scan['symbology'], scan['gtin']),
            ('upc-e', '00042100005264'))
        scan = parse_scan(b'96385074')
        self.assertEqual((scan['symbology'], scan['gtin']),
            ('ean-8', '00000096385074'))
        scan = parse_scan(b'036000291452')
        self.assertEqual((scan['symbology'], scan['gtin']),
            ('upc-a', '00036000291452'))

    def test_check_digits_never_rewritten(self):
        refusal = self.refused(b']C10104150050248093', 'check_digit')
        self.assertEqual(refusal.params['expected'], '2')
        self.assertIn('04150050248093', str(refusal))
        self.refused(b'4006381333932', 'check_digit')
        self.refused(b']C100376130321109103421', 'check_digit')
        self.refused(b']C14141234567890127', 'check_digit')
        scan = parse_scan(b']C10104150050248092')
        self.assertEqual(scan['gtin'], '04150050248092')
        self.assertEqual(scan['ais'], [['01', '04150050248092']])

    def test_dates(self):
        "Day 00 (GS1 7.12), 29 February, impossible dates."
        def date(raw):
            return parse_scan(b']C1' + raw)['expiry']
        self.assertEqual(date(b'17240200'), D(2024, 2, 29))
        self.assertEqual(date(b'17230200'), D(2023, 2, 28))
        self.assertEqual(date(b'17241200'), D(2024, 12, 31))
        self.assertEqual(date(b'17240229'), D(2024, 2, 29))
        self.refused(b']C117230229', 'date')
        self.refused(b']C117240230', 'date')
        self.refused(b']C117241301', 'date')
        self.refused(b']C117241300', 'date')
        self.refused(b']C117240001', 'date')
        # Day 00 only for AIs 11-17.
        refusal = self.refused(b']C17006240200', 'date')
        self.assertIn('day 00', str(refusal))
        self.assertEqual(parse_scan(b']C111000229')['production_date'],
            D(2000, 2, 29))

    def test_every_refusal_code(self):
        pipe = profile_from_dict({'prefix': '<', 'suffix': '>'})
        cases = [
            (b'', 'empty', PROFILES['default']),
            (b'<>', 'empty', pipe),
            (b'\xff\xfe', 'charset', PROFILES['default']),
            (b'AB\x00C', 'charset', PROFILES['default']),
            (b'ABC>', 'prefix', pipe),
            (b'<ABC', 'suffix', pipe),
            (b']C1ZZ12', 'unknown_ai', PROFILES['default']),
            (b']C10104150050248092' + b'10AB CD', 'format',
                PROFILES['default']),
            (b']C10104150050', 'length', PROFILES['default']),
            (b']C110A\x1d10B', 'duplicate_ai', PROFILES['default']),
            (b'02345680', 'ambiguous', PROFILES['default']),
            (b'EPC=30ZZ;TID=E280', 'rfid_format', PROFILES['default']),
            (b'EPC=3034;TID=E280,E281', 'rfid_shared_epc',
                PROFILES['default']),
            (b']C10104150050248093', 'check_digit', PROFILES['default']),
            (b']C117230229', 'date', PROFILES['default']),
            (C8 + b'2023', 'gs_missing', PROFILES['default']),
            (b'4006381333931\r', 'framing', PROFILES['default']),
            (b'Hello', 'symbology', PROFILES['aim']),
            ]
        for raw, code, profile in cases:
            with self.subTest(raw=raw):
                refusal = self.refused(raw, code, profile)
                if raw:
                    self.assertIn('character %s'
                        % refusal.params['position'], str(refusal))
        self.assertEqual(parse_scan(b'<ABC>', pipe)['code'], 'ABC')

    def test_codes_documented(self):
        import trytond.modules.zt_devices.errors as errors
        for code in CODES:
            self.assertIn('``%s``' % code, errors.__doc__)
            self.assertTrue(HINTS[code])
            self.assertRegex(code, r'^[a-z_]+$')
        self.assertEqual(SignatureError('bad').code, 'signature')
        self.assertEqual(SignatureError('signature', 'bad').message, 'bad')

    def test_quantities_and_count(self):
        scan = parse_scan(b']C10104150050248092' b'3103001250' b'37' b'12')
        self.assertEqual(scan['quantities'], {'3103': '1.250'})
        self.assertEqual(scan['count'], 12)

    def test_rfid(self):
        from trytond.modules.zt_devices.rfid import encode_sgtin96
        epc = encode_sgtin96('80614141123458', '6789')
        tid = 'E2801160200074CF085D0A2B'
        scan = parse_scan(('EPC=%s;TID=%s' % (epc.lower(), tid)).encode())
        self.assertEqual(scan['symbology'], 'rfid-epc')
        self.assertEqual((scan['gtin'], scan['serial']),
            ('80614141123458', '6789'))
        self.assertEqual((scan['epc'], scan['tid']), (epc.upper(), tid))
        other = 'E2801160200074CF085D0A2C'
        refusal = self.refused(('EPC=%s;TID=%s,%s' % (epc, tid, other)
                ).encode(), 'rfid_shared_epc')
        self.assertIn(other, refusal.params['tids'])
        self.refused(('EPC=%s' % epc).encode(), 'rfid_format')
        self.refused(b'EPC=30;TID=E280', 'rfid_format')
        scan = parse_scan(('EPC=E2001234;TID=%s' % tid).encode())
        self.assertIsNone(scan['gtin'])

    def test_scan_to_json(self):
        scan = scan_to_json(parse_scan(C8 + GS + b'2023'))
        self.assertEqual(scan['production_date'], '2021-07-01')
        json.dumps(scan)

    def test_types(self):
        with self.assertRaises(TypeError):
            parse_scan('0104150050248092')


class ProfileTestCase(unittest.TestCase):

    def test_round_trip(self):
        for profile in PROFILES.values():
            data = profile_to_dict(profile)
            json.dumps(data)
            self.assertEqual(profile_from_dict(data), profile)

    def test_bad_values(self):
        for values in [
                {'colour': 'red'}, {'terminator': ''},
                {'terminator': '\\q'}, {'gs_substitute': 'A'},
                {'gs_substitute': '\\x1d'}, {'symbology_ids': 'yes'},
                {'debounce': -1}, {'timeout': 0}, {'timeout': 'x'},
                {'prefix': 'a\\rb'}, {'name': ''}, 'default']:
            with self.subTest(values=values):
                with self.assertRaises(ValueError):
                    profile_from_dict(values)


class CommandTestCase(unittest.TestCase):

    def run_main(self, *argv):
        out = io.StringIO()
        with contextlib.redirect_stderr(io.StringIO()):
            status = main(list(argv), out)
        return status, out.getvalue()

    def test_parsed(self):
        status, out = self.run_main(
            '0110884521761599112107011021G0073JZ\\x1d2023')
        self.assertEqual(status, 0)
        scan = json.loads(out)
        self.assertEqual(scan['lot'], '21G0073JZ')
        self.assertEqual(scan['production_date'], '2021-07-01')

    def test_refused(self):
        status, out = self.run_main('--profile', 'pipe-gs',
            '010415005024809221102784642637491725123110NN1814')
        self.assertEqual(status, 1)
        lines = out.splitlines()
        self.assertTrue(lines[0].startswith('refused: '))
        self.assertTrue(lines[1].startswith('hint: '))
        self.assertIn('GS (FNC1)', lines[1])

    def test_bad_arguments(self):
        self.assertEqual(self.run_main('01\\x1')[0], 2)
        self.assertEqual(self.run_main('--profile', 'nope', 'X')[0], 2)
        self.assertEqual(self.run_main()[0], 2)

    def test_profile_json(self):
        with tempfile.NamedTemporaryFile('w', suffix='.json',
                delete=False) as file:
            json.dump({'gs_substitute': '~', 'prefix': '#'}, file)
        self.addCleanup(os.unlink, file.name)
        status, out = self.run_main('--profile-json', file.name,
            '#0104150050248092211027846426374~1725123110NN1814')
        self.assertEqual(status, 0, out)
        self.assertEqual(json.loads(out)['serial'], '1027846426374')

    def test_subprocess(self):
        command = [sys.executable, '-m',
            'trytond.modules.zt_devices.cli_parse']
        done = subprocess.run(command + [
                '0110884521761599112107011021G0073JZ\u241d2023'],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(json.loads(done.stdout)['variant'], '23')
        done = subprocess.run(command + [
                '0110884521761599112107011021G0073JZ2023'],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn('refused: ', done.stdout)
        self.assertIn('hint: ', done.stdout)
        done = subprocess.run(command + ['\\xZZ'],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 2)


class NonAsciiDigitsTestCase(unittest.TestCase):
    "GS1 numeric data is ASCII 0-9: other Unicode digits are refused"

    def test_non_ascii_digits(self):
        from trytond.modules.zt_devices.errors import ScanRefused
        from trytond.modules.zt_devices.parse import parse_scan
        for raw in ['01\uff110884521761599', '01\u06604150050248092',
                '0104150050248092' + '17\uff12\uff15' + '1231',
                '00\uff11' + '23456789012345675']:
            with self.subTest(raw=raw), self.assertRaises(
                    ScanRefused) as context:
                parse_scan(raw.encode('utf-8'))
            self.assertIn(context.exception.code, {'format', 'charset'})


if __name__ == '__main__':
    unittest.main()
