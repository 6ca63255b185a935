# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The pick slip without the ERP: layout (slip.py), fonts (pdf_font.py) and
the QR payload (slip_code.py).  Public case C13: Chinese text with
full-width punctuation comes back out of the PDF exactly as it went in.

PDFs are read back with pypdf (text, fonts) and their embedded barcode
images decoded with zxing-cpp, as zt_devices' label tests do."""
import io
import re
import tempfile
import unittest

import pypdf

from trytond.modules.zt_inventory import pdf_font, slip, slip_code

# C13's texts.
PRODUCT = '测试报告：重要通知！'
NOTE = '你好，世界！《细节》——破折号……'
RARE = '赖'
HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'


def content(**values):
    "A slip's content with C13's texts; ``values`` override keys."
    result = {
        'number': 'IR-2025-0007', 'state': 'approved', 'company': 'ZT Co',
        'warehouse': 'Warehouse', 'production': 'MO-1',
        'from_location': 'Storage', 'requester': 'Requester',
        'keeper': '', 'note': NOTE + '\n' + RARE, 'printed_by': 'Keeper',
        'printed_at': '2025-04-12 00:30:00', 'timezone': 'Asia/Shanghai',
        'qr': slip_code.payload('IR-2025-0007', HASH),
        'lines': [{'code': 'MAT-B', 'name': PRODUCT, 'lot': 'L1',
                'quantity': 3.0, 'unit': 'u'}],
        'approvals': [{'level': 'manager', 'decision': 'approved',
                'approver': 'Manager', 'date': '2025-04-12 08:00:00'}],
        }
    result.update(values)
    return result


def text_of(data):
    "The text pypdf extracts from every page of the PDF ``data``."
    reader = pypdf.PdfReader(io.BytesIO(data))
    return '\n'.join(p.extract_text() for p in reader.pages)


class SlipCodeTestCase(unittest.TestCase):
    "Test the QR payload of a pick slip"

    def test_round_trip(self):
        "payload and parse are inverse; a scanner's line end is ignored"
        text = slip_code.payload('IR-7', HASH)
        self.assertEqual(text, 'ZTSLIP1|IR-7|' + HASH)
        self.assertEqual(slip_code.parse(text + '\r\n'),
            slip_code.SlipCode('IR-7', HASH))

    def test_malformed(self):
        "Each kind of bad text is refused with a message naming the fault"
        for text, reason in [
                ('', 'empty'),
                ('hello', 'does not start with ZTSLIP1'),
                ('ZTSLIP2|IR-7|' + HASH, 'does not start with ZTSLIP1'),
                ('ZTSLIP1|IR-7', 'has 2 fields'),
                ('ZTSLIP1|IR-7|%s|x' % HASH, 'has 4 fields'),
                ('ZTSLIP1||' + HASH, 'request number'),
                ('ZTSLIP1|IR 7|' + HASH, 'request number'),
                ('ZTSLIP1|IR-7|' + HASH.upper(), 'not 64 lowercase'),
                ('ZTSLIP1|IR-7|' + HASH[:-1], 'not 64 lowercase'),
                ]:
            with self.subTest(text=text), \
                    self.assertRaisesRegex(slip_code.SlipCodeError, reason):
                slip_code.parse(text)
        with self.assertRaisesRegex(slip_code.SlipCodeError, 'text'):
            slip_code.parse(None)
        with self.assertRaisesRegex(slip_code.SlipCodeError, '"|"'):
            slip_code.payload('A|B', HASH)

    def test_compare(self):
        """Against a history of hashes h1, h2, h3 (oldest first): the last
        matches; h1 is 2 entries behind (indexes 1, 2); NO_ENTRY is behind
        all 3; a hash outside the history is not in the ledger; an unknown
        number and a bad text give their codes, never an exception."""
        h1, h2, h3 = ('%064x' % i for i in (1, 2, 3))
        history = {'IR-7': [h1, h2, h3], 'IR-8': []}.get

        def compare(number, hash_):
            return slip_code.compare(
                slip_code.payload(number, hash_), history)
        self.assertEqual(compare('IR-7', h3),
            (slip_code.MATCH, 'IR-7', [], ''))
        self.assertEqual(compare('IR-7', h1),
            (slip_code.CHANGED, 'IR-7', [1, 2], ''))
        self.assertEqual(compare('IR-7', slip_code.NO_ENTRY).newer,
            [0, 1, 2])
        self.assertEqual(compare('IR-8', slip_code.NO_ENTRY).code,
            slip_code.MATCH)
        self.assertEqual(compare('IR-7', HASH).code, slip_code.NOT_IN_LEDGER)
        self.assertEqual(compare('IR-9', h1).code, slip_code.UNKNOWN_REQUEST)
        bad = slip_code.compare('ZTSLIP1|IR-7', history)
        self.assertEqual(bad.code, slip_code.MALFORMED)
        self.assertIn('2 fields', bad.reason)


class FontTestCase(unittest.TestCase):
    "Test the CJK font lookup"

    def test_find(self):
        "fonts-wqy-zenhei is found first; a list pointing nowhere finds none"
        self.assertEqual(pdf_font.find_cjk_font(), pdf_font.CJK_FONTS[0])
        self.assertIsNone(pdf_font.find_cjk_font(['/nonexistent/x.ttf']))
        with self.assertRaisesRegex(pdf_font.FontMissingError,
                'no CJK TrueType font found.*/nonexistent/x.ttf'):
            pdf_font.require_cjk_font(['/nonexistent/x.ttf'])

    def test_unreadable(self):
        "A file that is no font is refused clearly"
        with tempfile.NamedTemporaryFile(suffix='.ttf') as bad:
            bad.write(b'not a font')
            bad.flush()
            with self.assertRaisesRegex(pdf_font.FontMissingError,
                    'cannot read the font'):
                pdf_font.register_font(bad.name, prefix='zt-test-')


class SlipLayoutTestCase(unittest.TestCase):
    "Test the pick slip PDF"

    def test_c13_text(self):
        """C13: the product name, the note and 赖 come back from the PDF
        exactly, full-width punctuation included, on A4 and 80 mm, in
        both languages"""
        for page in ['a4', '80mm']:
            for lang in ['en', 'zh_CN']:
                with self.subTest(page=page, lang=lang):
                    text = text_of(slip.slip_pdf(content(), page, lang))
                    for expected in [PRODUCT, NOTE, RARE, 'IR-2025-0007']:
                        self.assertIn(expected, text)

    def test_labels(self):
        "The fixed labels follow the language, from slip.py's own dict"
        english = text_of(slip.slip_pdf(content(), 'a4', 'en'))
        chinese = text_of(slip.slip_pdf(content(), 'a4', 'zh_CN'))
        self.assertIn('Pick Slip', english)
        self.assertIn('Approved', english)
        self.assertIn('领料单', chinese)
        self.assertIn('已批准', chinese)
        self.assertNotIn('Pick Slip', chinese)

    def test_font_embedded_subset(self):
        """Every font that draws text is the TrueType font embedded
        (FontFile2) as a subset: its name has a six capital letters and
        '+' prefix"""
        for page in ['a4', '80mm']:
            reader = pypdf.PdfReader(io.BytesIO(
                    slip.slip_pdf(content(), page, 'zh_CN')))
            fonts = [f.get_object() for p in reader.pages
                for f in p['/Resources']['/Font'].values()]
            embedded = [f for f in fonts if '/FontDescriptor' in f]
            self.assertTrue(embedded)
            for font in embedded:
                self.assertRegex(font['/BaseFont'], r'^/[A-Z]{6}\+')
                self.assertIn('/FontFile2',
                    font['/FontDescriptor'].get_object())

    def test_page_sizes(self):
        "A4 is 595 x 842 pt; 80 mm is 226.8 pt wide, as long as needed"
        a4 = pypdf.PdfReader(io.BytesIO(slip.slip_pdf(content(), 'a4')))
        box = a4.pages[0].mediabox
        self.assertEqual((round(box.width), round(box.height)), (595, 842))
        short = pypdf.PdfReader(io.BytesIO(slip.slip_pdf(content(), '80mm')))
        many = pypdf.PdfReader(io.BytesIO(slip.slip_pdf(content(
                        lines=content()['lines'] * 40), '80mm')))
        self.assertEqual(round(short.pages[0].mediabox.width), 227)
        self.assertEqual(len(many.pages), 1)
        self.assertGreater(many.pages[0].mediabox.height,
            short.pages[0].mediabox.height)
        # 40 lines do not fit one A4 page: a second page, none lost.
        long_ = slip.slip_pdf(content(lines=[dict(content()['lines'][0],
                            code='MAT-%02d' % i) for i in range(60)]), 'a4')
        self.assertGreater(len(pypdf.PdfReader(io.BytesIO(long_)).pages), 1)
        self.assertEqual(
            len(set(re.findall(r'MAT-\d\d', text_of(long_)))), 60)

    def test_codes(self):
        "The QR decodes to the payload, the Code 128 to the number"
        for page in ['a4', '80mm']:
            data = slip.slip_pdf(content(), page)
            self.assertEqual(sorted(slip.read_codes(data)), [
                    ('Code128', 'IR-2025-0007'),
                    ('QRCode', 'ZTSLIP1|IR-2025-0007|' + HASH)])
            self.assertEqual(slip.read_slip_qr(data),
                'ZTSLIP1|IR-2025-0007|' + HASH)

    def test_missing_font(self):
        "No font installed: a clear error and no PDF"
        with self.assertRaisesRegex(pdf_font.FontMissingError,
                'no CJK TrueType font found'):
            slip.slip_pdf(content(), 'a4', fonts=['/nonexistent/x.ttf'])

    def test_missing_glyph(self):
        "A character the font lacks is named, not drawn as a box"
        with self.assertRaisesRegex(pdf_font.FontMissingError,
                "no glyph for '\U0001f600'"):
            slip.slip_pdf(content(note='\U0001f600'), 'a4')

    def test_bad_input(self):
        "An unknown page format and a number Code 128 cannot carry"
        with self.assertRaisesRegex(ValueError, "unknown page format 'a5'"):
            slip.slip_pdf(content(), 'a5')
        with self.assertRaisesRegex(ValueError, 'printable ASCII'):
            slip.slip_pdf(content(number='领料1'), 'a4')
        with self.assertRaisesRegex(ValueError, 'not a readable PDF'):
            slip.read_codes(b'not a pdf')
        with self.assertRaisesRegex(ValueError, 'no pick slip QR code'):
            slip.read_slip_qr(_blank_pdf())

    def test_wrap_and_quantity(self):
        """wrap keeps every character; Chinese breaks anywhere, Latin at
        spaces; quantities lose trailing zeros"""
        font = pdf_font.register_font(pdf_font.find_cjk_font(),
            prefix='zt-slip-')
        lines = slip.wrap(NOTE * 3, font, 10, 100)
        self.assertGreater(len(lines), 1)
        self.assertEqual(''.join(lines), NOTE * 3)
        self.assertEqual(slip.wrap('aaa bbb ccc', font, 10, 25),
            ['aaa', 'bbb', 'ccc'])
        self.assertEqual(slip.wrap('', font, 10, 40), [''])
        self.assertEqual([slip.format_quantity(q) for q in
                [3.0, 2.5, 0.001, -0.0]], ['3', '2.5', '0.001', '0'])


def _blank_pdf():
    "A PDF with one empty page (no image)."
    writer = pypdf.PdfWriter()
    writer.add_blank_page(100, 100)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


if __name__ == '__main__':
    unittest.main()
