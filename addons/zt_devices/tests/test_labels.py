# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Labels: the printed code is the stored code, read back by a decoder.

PDFs are generated, their embedded barcode images extracted with pypdf and
decoded with zxing-cpp.  For GS1-128, zxing-cpp reports the symbology
identifier ']C1' and content type GS1; in TextMode.Plain its text is the
data with GS (0x1D) for the FNC1 separators, which is what a scanner
sends and what encoded() returns; in TextMode.HRI it is the element
string "(01)...(10)...", compared with element_string().
"""
import io
import unittest

import pypdf
import zxingcpp
from barcode import EAN13
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from PIL import Image

from ..labels import (
    CJK_FONTS, PREDEFINED_LENGTH, element_string, encoded, find_cjk_font,
    label_code, label_png, labels_pdf)
from ..zpl import label_zpl, zpl_code128

GTIN = '09501101530003'   # GS1 example GTIN, right check digit 3
BAD_GTIN = '09501101530004'
EAN = '4006381333931'
BAD_EAN = '4006381333932'
CHINESE = '物料 测试：重要！'
AIS = [('01', GTIN), ('17', '260131'), ('10', 'AB-12')]
GS1_LABEL = {'kind': 'gs1-128', 'ais': AIS, 'lines': ['Part 7', CHINESE]}
EAN_LABEL = {'kind': 'ean-13', 'code': EAN, 'lines': [CHINESE]}


def decode(image, text_mode=zxingcpp.TextMode.Plain):
    "Return the single barcode zxing-cpp finds in a PIL image."
    found = zxingcpp.read_barcodes(image, text_mode=text_mode)
    assert len(found) == 1, found
    return found[0]


def pdf_pages(data):
    """Return [(images, lines of text)] per page of a PDF.

    pypdf may put a space before a centred line (its layout guess from
    the x offset): lines are stripped, nothing else is changed.
    """
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [([i.image for i in page.images],
            [t.strip() for t in page.extract_text().splitlines()])
        for page in reader.pages]


class ElementStringTestCase(unittest.TestCase):
    "element_string() and encoded() per GS1 General Specifications."

    def test_element_string(self):
        self.assertEqual(element_string(AIS),
            '(01)09501101530003(17)260131(10)AB-12')

    def test_encoded_separators(self):
        # GS after the variable lot that is not last; none after the
        # predefined length (01) and (17); none after the last field.
        ais = [('10', 'L1'), ('01', GTIN), ('21', 'S9'), ('17', '260100')]
        self.assertEqual(encoded(ais),
            '10L1\x1d01' + GTIN + '21S9\x1d17260100')
        self.assertEqual(encoded(AIS), '01' + GTIN + '1726013110AB-12')

    def test_predefined_table_agrees_with_biip(self):
        # Gen Spec 7.8.5 table versus biip's GS1 syntax dictionary data.
        for ai in ['00', '01', '02', '11', '17', '20', '3103', '3650',
                '410', '417', '10', '21', '240', '7003', '8020', '422']:
            definition = GS1ApplicationIdentifier.extract(ai)
            self.assertEqual(definition.ai, ai)
            self.assertEqual(ai[:2] in PREDEFINED_LENGTH,
                not definition.separator_required, ai)

    def test_wrong_gtin_refused(self):
        with self.assertRaisesRegex(ValueError,
                r'\(01\) GTIN.*wrong check digit.*never corrected'):
            element_string([('01', BAD_GTIN)])
        with self.assertRaisesRegex(ValueError, 'wrong check digit'):
            encoded([('00', '106141411234567896')])  # right one ends 7
        self.assertEqual(encoded([('00', '106141411234567897')]),
            '00106141411234567897')
        with self.assertRaisesRegex(ValueError, r'\(414\).*check digit'):
            encoded([('414', '5412345000014')])

    def test_gtin_format(self):
        with self.assertRaisesRegex(ValueError, r'N2\+N14'):
            encoded([('01', '0950110153000')])

    def test_dates(self):
        self.assertEqual(encoded([('17', '260200')]), '17260200')
        with self.assertRaisesRegex(ValueError, 'month 13'):
            encoded([('17', '261301')])
        with self.assertRaisesRegex(ValueError, 'day 30'):
            encoded([('15', '260230')])
        with self.assertRaisesRegex(ValueError, 'YYMMDD'):
            encoded([('11', '2602')])

    def test_lot_serial(self):
        self.assertEqual(encoded([('10', 'A' * 20)]), '10' + 'A' * 20)
        with self.assertRaisesRegex(ValueError, '21 characters'):
            encoded([('10', 'A' * 21)])
        with self.assertRaisesRegex(ValueError, 'has 0 characters'):
            encoded([('21', '')])
        for char in '^~ #@\\':
            with self.assertRaisesRegex(ValueError,
                    'position 2.*character set 82'):
                encoded([('10', 'A%sB' % char)])

    def test_bad_lists(self):
        with self.assertRaisesRegex(ValueError, 'unknown GS1'):
            encoded([('100', 'X')])
        with self.assertRaisesRegex(ValueError, 'unknown GS1'):
            encoded([('05', 'X')])
        with self.assertRaisesRegex(ValueError, 'twice'):
            encoded([('10', 'A'), ('10', 'B')])
        with self.assertRaisesRegex(ValueError, 'at least one'):
            encoded([])
        with self.assertRaisesRegex(ValueError, 'at most 48'):
            encoded([('01', GTIN), ('10', 'A' * 20), ('21', 'B' * 20)])

    def test_label_kind(self):
        with self.assertRaisesRegex(ValueError, 'kind'):
            label_code({'kind': 'qr', 'code': 'x'})
        with self.assertRaisesRegex(ValueError, '13 digits'):
            label_code({'kind': 'ean-13', 'code': EAN[:12]})


class PngTestCase(unittest.TestCase):
    "label_png() decodes back to the stored code."

    def test_gs1_128(self):
        ais = [('01', GTIN), ('10', 'A>1_z'), ('21', '123'),
            ('17', '260131')]
        image = Image.open(io.BytesIO(label_png(
            {'kind': 'gs1-128', 'ais': ais})))
        self.assertEqual(round(image.info['dpi'][0]), 300)
        found = decode(image)
        self.assertEqual(found.text, encoded(ais))
        self.assertEqual(found.symbology_identifier, ']C1')
        self.assertEqual(found.content_type, zxingcpp.ContentType.GS1)
        self.assertEqual(decode(image, zxingcpp.TextMode.HRI).text,
            element_string(ais))

    def test_ean13(self):
        found = decode(Image.open(io.BytesIO(label_png(EAN_LABEL, 203))))
        self.assertEqual(found.text, EAN)
        self.assertEqual(found.format, zxingcpp.BarcodeFormat.EAN13)

    def test_python_barcode_corrects_silently(self):
        # Why we verify first (python-barcode#49): given a wrong 13th
        # digit, its EAN13 prints another code without a word.
        self.assertEqual(str(EAN13(BAD_EAN)), EAN)

    def test_wrong_check_digit_refused(self):
        with self.assertRaisesRegex(ValueError, 'wrong check digit'):
            label_png({'kind': 'ean-13', 'code': BAD_EAN})
        with self.assertRaisesRegex(ValueError, 'wrong check digit'):
            label_png({'kind': 'gs1-128', 'ais': [('01', BAD_GTIN)]})


class PdfTestCase(unittest.TestCase):
    "labels_pdf(): images decode to the stored codes, text extracts."

    def test_round_trip(self):
        data = labels_pdf([GS1_LABEL, EAN_LABEL])
        (gs1_images, gs1_text), (ean_images, ean_text) = pdf_pages(data)
        self.assertEqual(len(gs1_images), 1)
        found = decode(gs1_images[0])
        self.assertEqual(found.text, label_code(GS1_LABEL))
        self.assertEqual(found.symbology_identifier, ']C1')
        self.assertEqual(
            decode(gs1_images[0], zxingcpp.TextMode.HRI).text,
            '(01)09501101530003(17)260131(10)AB-12')
        self.assertEqual(gs1_text, [
            '(01)09501101530003(17)260131(10)AB-12', 'Part 7', CHINESE])
        found = decode(ean_images[0])
        self.assertEqual(found.text, EAN)
        self.assertEqual(found.symbology_identifier, ']E0')
        self.assertEqual(ean_text, [EAN, CHINESE])

    def test_page_size_and_font_embedded(self):
        reader = pypdf.PdfReader(io.BytesIO(labels_pdf([EAN_LABEL],
            size=(50, 30))))
        box = reader.pages[0].mediabox
        self.assertAlmostEqual(float(box.width), 50 / 25.4 * 72, 2)
        self.assertAlmostEqual(float(box.height), 30 / 25.4 * 72, 2)
        fonts = reader.pages[0]['/Resources']['/Font']
        descriptors = [f.get_object()['/FontDescriptor'] for f
            in fonts.values() if '/FontDescriptor' in f.get_object()]
        self.assertTrue(any('/FontFile2' in d for d in descriptors))

    def test_cjk_font(self):
        path = find_cjk_font()
        self.assertEqual(path, CJK_FONTS[0])   # fonts-wqy-zenhei
        self.assertIsNone(find_cjk_font(['/nonexistent/font.ttf']))

    def test_no_cjk_font_refused(self):
        with self.assertRaisesRegex(ValueError, 'no CJK TrueType font'):
            labels_pdf([GS1_LABEL], cjk_font='')
        # Latin only needs no CJK font.
        latin = dict(EAN_LABEL, lines=['Caf\xe9 7'])
        _, text = pdf_pages(labels_pdf([latin], cjk_font=''))[0]
        self.assertEqual(text, [EAN, 'Caf\xe9 7'])

    def test_missing_glyph_refused(self):
        with self.assertRaisesRegex(ValueError, 'no glyph'):
            labels_pdf([dict(EAN_LABEL, lines=['box \U0001f600'])])

    def test_wrong_check_digit_refused(self):
        with self.assertRaisesRegex(ValueError, 'wrong check digit'):
            labels_pdf([EAN_LABEL, {'kind': 'ean-13', 'code': BAD_EAN}])
        with self.assertRaisesRegex(ValueError, 'wrong check digit'):
            labels_pdf([{'kind': 'gs1-128', 'ais': [('01', BAD_GTIN)]}])

    def test_too_wide_refused(self):
        ais = [('01', GTIN), ('10', 'ABCDEFGHIJKLMNOPQRST'), ('21', 'XY')]
        with self.assertRaisesRegex(ValueError, 'too wide for a 30 mm'):
            labels_pdf([{'kind': 'gs1-128', 'ais': ais}], size=(30, 40))
        with self.assertRaisesRegex(ValueError, 'no label'):
            labels_pdf([])


def read_zpl_code128(field):
    """Decode ^BC field data the way the ZPL guide's table reads it.

    Written independently of zpl_code128(): returns (gs1, data) where
    gs1 tells that FNC1 follows the start, data has GS for later FNC1.
    """
    codes = {'>0': '>', '><': '^', '>=': '~'}
    assert field.startswith('>;>8'), field
    subset, out, i = 'C', [], 4
    while i < len(field):
        pair = field[i:i + 2]
        if pair[0] == '>':
            if pair == '>8':
                out.append('\x1d')
            elif pair in ('>5', '>6'):
                subset = 'C' if pair == '>5' else 'B'
            else:
                assert subset == 'B' and pair in codes, pair
                out.append(codes[pair])
            i += 2
        elif subset == 'C':
            assert pair.isdigit() and len(pair) == 2, (field, i)
            out.append(pair)
            i += 2
        else:
            out.append(pair[0])
            i += 1
    return True, ''.join(out)


class ZplTestCase(unittest.TestCase):
    "label_zpl(): ZPL II text for Zebra printers."

    def test_gs1_128_known_label(self):
        # Hand-written from the ZPL II guide for this label at 300 dpi on
        # 60 x 40 mm: 709 x 472 dots, margins 24, bars 142 dots high.
        # Data 01095011015300031726013110 in subset C pairs after the
        # start C and FNC1 (>;>8), then >6 (code B) and "AB-12".  That is
        # 22 symbol characters: 11 x 22 + 13 + 20 quiet = 275 modules,
        # 825 dots at 3 dots (0.25 mm) is wider than 661: ^BY2 (0.169
        # mm), bars of 510 dots centred at x = (709 - 510) // 2 = 99.
        # ^ ~ _ in the line are written _5E _7E _5F after ^FH_.
        label = dict(GS1_LABEL, lines=['Part ^x~y_z'])
        self.assertEqual(label_zpl(label, dpi=300), '\n'.join([
            '^XA', '^CI28', '^PW709', '^LL472', '^BY2',
            '^FO99,24^BCN,142,N,N,N,N'
            '^FD>;>801095011015300031726013110>6AB-12^FS',
            '^FO24,178^A0N,35,29^FB661,1,0,C^FH_'
            '^FD(01)09501101530003(17)260131(10)AB-12^FS',
            '^FO24,225^A0N,35,35^FB661,1,0,C^FH_'
            '^FDPart _5Ex_7Ey_5Fz^FS',
            '^XZ', '']))

    def test_ean13_known_label(self):
        # 203 dpi: 480 x 320 dots; ^BE gets 12 digits, the printer adds
        # the 1 (equal to ours); X 0.33 mm ~ 3 dots, 95 modules = 285
        # dots centred at (480 - 285) // 2 = 97; bars 96 dots; text 3 mm = 24
        # dots in the printer font E:SIMSUN for the Chinese line.
        zpl = label_zpl(EAN_LABEL, cjk_font='E:SIMSUN.TTF')
        self.assertIn('^BY3\n^FO97,16^BEN,96,Y,N^FD400638133393^FS\n',
            zpl)
        self.assertIn('^A@N,24,24,E:SIMSUN.TTF^FB448,1,0,C^FH_^FD'
            + CHINESE + '^FS', zpl)
        self.assertTrue(zpl.startswith('^XA\n^CI28\n'))
        self.assertTrue(zpl.endswith('^XZ\n'))

    def test_field_data_reads_back(self):
        # Lots with '>' (an invocation character in ZPL) and '_', digit
        # runs of odd and even length between letters and separators.
        for ais in [AIS, [('10', '12345'), ('21', 'A>1234B_9')],
                [('21', '1>0'), ('01', GTIN), ('10', 'X123456')],
                [('3103', '001250'), ('10', '9'), ('17', '260131')]]:
            field, _ = zpl_code128(encoded(ais))
            self.assertEqual(read_zpl_code128(field),
                (True, encoded(ais)))
            zpl = label_zpl({'kind': 'gs1-128', 'ais': ais}, dpi=300,
                size=(100, 50))
            self.assertIn('^FD%s^FS' % field, zpl)

    def test_fnc1_between_variable_fields(self):
        ais = [('10', 'AB>1'), ('21', '7_x')]
        field, symbols = zpl_code128(encoded(ais))
        # Start C, FNC1, "10" pair, code B, A B > 1, FNC1, 2 1 7 _ x, check.
        self.assertEqual(field, '>;>810>6AB>01>8217_x')
        self.assertEqual(symbols, 15)

    def test_wrong_check_digit_refused(self):
        with self.assertRaisesRegex(ValueError, 'wrong check digit'):
            label_zpl({'kind': 'ean-13', 'code': BAD_EAN})
        with self.assertRaisesRegex(ValueError, 'wrong check digit'):
            label_zpl({'kind': 'gs1-128', 'ais': [('01', BAD_GTIN)]})

    def test_refusals(self):
        with self.assertRaisesRegex(ValueError, 'pass cjk_font'):
            label_zpl(EAN_LABEL)
        with self.assertRaisesRegex(ValueError, 'control character'):
            label_zpl(dict(EAN_LABEL, lines=['a\nb']))
        # 275 modules at 203 dpi: 2 dots (550) do not fit 448, 1 dot is
        # 0.125 mm, below MIN_X_MM.
        with self.assertRaisesRegex(ValueError, 'use a wider label'):
            label_zpl(GS1_LABEL, dpi=203)
        with self.assertRaisesRegex(ValueError, 'lines do not fit'):
            label_zpl(dict(EAN_LABEL, lines=['a'] * 9))
