# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Barcode labels: GS1-128 and EAN-13 as PNG, PDF and Zebra ZPL II.

The printed code always equals the stored code.  Nothing here computes a
check digit to put it in place of the given one: a code whose check digit
is wrong is refused with ValueError (python-barcode's EAN13 silently
replaces a wrong 13th digit, see python-barcode#49; we verify before we
call it and pass the 13 digits unchanged).

Zebra printers are served by zpl.py.

A label is a dict:
    {'kind': 'gs1-128', 'ais': [(ai, value), ...], 'lines': [str, ...]}
    {'kind': 'ean-13', 'code': '13 digits', 'lines': [str, ...]}
'lines' is optional; its texts may be Chinese.

Sources: GS1 General Specifications (Gen Spec): 4.15 (human
readable interpretation), 5.4 (GS1-128), 7.8.5 (predefined length AIs),
7.9.1 (check digit), 7.11 (character set 82), 7.12 (dates); Zebra ZPL II
Programming Guide (^BC, ^BE, ^BY, ^CI, ^FH).
"""
import datetime
import io
import re

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier

from trytond.modules.zt_inventory.pdf_font import (  # noqa: F401
    CJK_FONTS, _register_font, find_cjk_font)

__all__ = [
    'check_digit_ok', 'element_string', 'encoded', 'label_code',
    'human_readable', 'label_png', 'labels_pdf', 'find_cjk_font',
    'CJK_FONTS', 'MIN_X_MM',
    ]

GS = '\x1d'

# Gen Spec 7.8.5, Figure 7.8.5-2: element strings whose first two digits
# are these have a predefined length (AI digits included): no FNC1
# separator follows them.  03, 04, 18, 19 are reserved there.
PREDEFINED_LENGTH = {
    '00': 20, '01': 16, '02': 16, '03': 16, '04': 18,
    '11': 8, '12': 8, '13': 8, '14': 8, '15': 8, '16': 8, '17': 8,
    '18': 8, '19': 8, '20': 4,
    '31': 10, '32': 10, '33': 10, '34': 10, '35': 10, '36': 10,
    '41': 16,
    }

# AIs whose data is a GS1 key ending with a check digit (Gen Spec 7.9.1):
# SSCC, GTIN, GLN.
CHECK_DIGIT_AIS = {'00', '01', '02'} | {'41%d' % i for i in range(8)}
DATE_AIS = {'11', '12', '13', '15', '16', '17'}
# Batch/lot and serial number: X..20 of character set 82.
TEXT_AIS = {'10', '21'}

# Gen Spec 7.11, Figure 7.11-1: GS1 AI encodable character set 82.
CHARSET_82 = frozenset(
    '!"%&\'()*+,-./0123456789:;<=>?'
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz')

# Gen Spec 5.4.1: at most 48 data characters in one GS1-128 symbol
# (AIs, data and FNC1 separators; not the leading FNC1).
GS1_128_MAX = 48

# Smallest X dimension (narrowest bar, mm) we print.  Gen Spec 5.12.3's
# symbol specification tables ask 0.25 mm or more for most GS1-128 uses;
# small labels read by imagers go below that; under this floor we refuse
# rather than print a symbol that scans badly.
MIN_X_MM = 0.15



def check_digit_ok(digits):
    """Tell whether the last digit of `digits` is its GS1 check digit.

    digits: str of 8 to 18 decimal digits (GTIN-8/12/13/14, GLN, SSCC).
    Gen Spec 7.9.1: from the right, excluding the check digit, weights
    3, 1, 3, ...; the check digit brings the sum to a multiple of 10.
    Only verifies; never computes a digit to replace the given one.
    """
    if not digits.isascii() or not digits.isdigit() or len(digits) < 2:
        return False
    total = sum(int(d) * (3 if i % 2 == 0 else 1)
        for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == int(digits[-1])


def _check_date(ai, value):
    "Refuse a YYMMDD value that is no date (Gen Spec 7.12; DD 00 allowed)."
    if not re.fullmatch(r'\d{6}', value, re.ASCII):
        raise ValueError('AI (%s): date %r is not 6 digits YYMMDD'
            % (ai, value))
    year, month, day = (int(value[i:i + 2]) for i in (0, 2, 4))
    if not 1 <= month <= 12:
        raise ValueError('AI (%s): date %r has month %02d, not 01-12'
            % (ai, value, month))
    if day:
        try:
            datetime.date(2000 + year, month, day)
        except ValueError:
            raise ValueError('AI (%s): date %r has day %02d, not a day '
                'of that month' % (ai, value, day)) from None


def _check_text(ai, value):
    "Refuse a lot/serial that is empty, too long or outside charset 82."
    if not 1 <= len(value) <= 20:
        raise ValueError('AI (%s): %r has %d characters, allowed 1 to 20'
            % (ai, value, len(value)))
    for pos, char in enumerate(value):
        if char not in CHARSET_82:
            raise ValueError('AI (%s): character %r at position %d of %r '
                'is not in the GS1 character set 82 (Gen Spec 7.11)'
                % (ai, char, pos + 1, value))


def _check_ai(ai, value):
    """Validate one (ai, value) pair and return the biip AI definition.

    Raises ValueError naming the AI and the bad part.
    """
    if not isinstance(ai, str) or not isinstance(value, str):
        raise ValueError('AI and value must be str, got %r, %r'
            % (ai, value))
    try:
        definition = GS1ApplicationIdentifier.extract(ai)
    except ParseError:
        definition = None
    if definition is None or definition.ai != ai:
        raise ValueError('unknown GS1 Application Identifier %r' % ai)
    if ai in TEXT_AIS:
        _check_text(ai, value)
    if ai in DATE_AIS:
        _check_date(ai, value)
    if not re.fullmatch(definition.pattern.strip('^$'), ai + value):
        raise ValueError('AI (%s) %s: %r does not match the format %s'
            % (ai, definition.data_title, value, definition.format))
    if ai in CHECK_DIGIT_AIS and not check_digit_ok(value):
        raise ValueError('AI (%s) %s: %r has a wrong check digit (Gen Spec '
            '7.9.1); it is refused, never corrected'
            % (ai, definition.data_title, value))
    return definition


def _check_ais(ais):
    "Validate a list of (ai, value); return it as a list of str pairs."
    if not ais:
        raise ValueError('a GS1-128 label needs at least one AI')
    pairs, seen = [], set()
    for item in ais:
        if len(item) != 2:
            raise ValueError('AI entry %r is not an (ai, value) pair'
                % (item,))
        ai, value = item
        _check_ai(ai, value)
        if ai in seen:
            raise ValueError('AI (%s) appears twice' % ai)
        seen.add(ai)
        pairs.append((ai, value))
    return pairs


def element_string(ais):
    """Return the human readable element string "(01)...(17)...(10)...".

    ais: list of (ai, value) str pairs, in the order they are encoded.
    Gen Spec 4.15: each AI in parentheses, followed by its data.
    Raises ValueError on an unknown AI, a bad value or a wrong check digit.
    """
    return ''.join('(%s)%s' % p for p in _check_ais(ais))


def encoded(ais):
    """Return the GS1-128 data: AIs and values with FNC1 separators as GS.

    ais: list of (ai, value) str pairs.  A GS (0x1D), which the symbol
    carries as FNC1, follows each element string that is not of
    predefined length (Gen Spec 7.8.5) and is not the last one.  This is
    the 'code' a scanner sends (without the symbology identifier ]C1).
    Raises ValueError as element_string() and when the data exceeds the
    48 characters of Gen Spec 5.4.1.
    """
    pairs = _check_ais(ais)
    parts = []
    for i, (ai, value) in enumerate(pairs):
        parts.append(ai + value)
        if ai[:2] not in PREDEFINED_LENGTH and i < len(pairs) - 1:
            parts.append(GS)
    data = ''.join(parts)
    if len(data) > GS1_128_MAX:
        raise ValueError('GS1-128 data has %d characters, at most %d '
            '(Gen Spec 5.4.1)' % (len(data), GS1_128_MAX))
    return data


def _check_ean13(code):
    "Refuse an EAN-13 code that is not 13 digits with a right check digit."
    if not isinstance(code, str) or not re.fullmatch(r'[0-9]{13}', code):
        raise ValueError('EAN-13 code must be 13 digits, got %r' % (code,))
    if not check_digit_ok(code):
        raise ValueError('EAN-13 code %r has a wrong check digit (Gen Spec '
            '7.9.1); it is refused, never corrected' % code)
    return code


def _check_lines(label):
    lines = label.get('lines') or []
    if isinstance(lines, str) or not all(isinstance(t, str) for t in lines):
        raise ValueError("label 'lines' must be a list of str")
    for text in lines:
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise ValueError('label line %r has a control character'
                % text)
    return list(lines)


def label_code(label):
    """Return the stored code of a label, as a scanner reads it back.

    label: dict, see the module docstring.  EAN-13: the 13 digits;
    GS1-128: encoded(label['ais']) (GS between fields).
    Raises ValueError on a bad label.
    """
    kind = label.get('kind')
    if kind == 'ean-13':
        return _check_ean13(label.get('code'))
    elif kind == 'gs1-128':
        return encoded(label.get('ais') or [])
    raise ValueError("label kind must be 'gs1-128' or 'ean-13', got %r"
        % (kind,))


def human_readable(label):
    "Return the text printed under the bars (Gen Spec 4.15)."
    if label.get('kind') == 'gs1-128':
        return element_string(label['ais'])
    return label_code(label)


def _module_px(label, dpi):
    "Return the X dimension in whole pixels (EAN-13 0.33 mm, else 0.25)."
    x_mm = 0.33 if label['kind'] == 'ean-13' else 0.25
    return max(1, round(x_mm * dpi / 25.4))


def label_png(label, dpi=300):
    """Return the label's barcode as PNG bytes (bars only, no text).

    label: dict (module docstring); dpi: int pixels per inch.  The X
    dimension is a whole number of pixels near 0.33 mm (EAN-13) or 0.25 mm
    (GS1-128), bars 10 mm high, quiet zones of 10 modules.
    Uses python-barcode's ImageWriter (Pillow).  The code is verified
    first and python-barcode is given the 13 digits with no_checksum so
    that it cannot substitute its own check digit.
    Raises ValueError on a bad label or wrong check digit.
    """
    from barcode import EAN13, Gs1_128
    from barcode.writer import ImageWriter

    code = label_code(label)
    module_mm = _module_px(label, dpi) * 25.4 / dpi
    options = {
        'module_width': module_mm, 'module_height': 10.0,
        'quiet_zone': 10 * module_mm, 'write_text': False,
        'margin_top': 0, 'margin_bottom': 0,
        }
    writer = ImageWriter(format='PNG', mode='L', dpi=dpi)
    if label['kind'] == 'ean-13':
        symbol = EAN13(code, writer=writer, no_checksum=True)
        printed = symbol.get_fullcode()
    else:
        symbol = Gs1_128(code.replace(GS, Gs1_128.FNC1_CHAR), writer=writer)
        printed = symbol.get_fullcode().replace(Gs1_128.FNC1_CHAR, GS)
    if printed != code:
        raise ValueError('python-barcode would print %r instead of %r'
            % (printed, code))
    image = symbol.render(options)
    out = io.BytesIO()
    image.save(out, format='PNG', dpi=(dpi, dpi))
    return out.getvalue()


def _text_font(texts, cjk_font):
    """Return the reportlab font name able to draw every text.

    Helvetica (WinAnsi) when all texts encode in cp1252, otherwise the
    CJK TrueType font (embedded as a subset), after checking it has a
    glyph for each character.  Raises ValueError rather than draw boxes.
    """
    from reportlab.pdfbase import pdfmetrics

    def latin(text):
        try:
            text.encode('cp1252')
        except UnicodeEncodeError:
            return False
        return True

    if all(latin(t) for t in texts):
        return 'Helvetica'
    if not cjk_font:
        raise ValueError('a label line has non-Latin text but no CJK '
            'TrueType font was found (install fonts-wqy-zenhei)')
    name = _register_font(cjk_font)
    glyphs = pdfmetrics.getFont(name).face.charToGlyph
    for text in texts:
        for char in text:
            if ord(char) not in glyphs and char != ' ':
                raise ValueError('font %s has no glyph for %r in %r'
                    % (cjk_font, char, text))
    return name


def _fit_size(canvas, text, font, size, width):
    "Return a font size <= size (>= 4 pt) at which text fits width."
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > 4 and stringWidth(text, font, size) > width:
        size -= 0.5
    if stringWidth(text, font, size) > width:
        raise ValueError('text %r is too long for the label' % text)
    return size


def _draw_label(canvas, label, size, font, margin):
    "Draw one label on the current page of canvas (units: points)."
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader

    dpi = 300
    png = label_png(label, dpi=dpi)
    image = ImageReader(io.BytesIO(png))
    px_w, px_h = image.getSize()
    width, height = size[0] * mm, size[1] * mm
    room = width - 2 * margin
    # Never enlarge beyond the native X dimension; shrink to fit.
    draw_w = min(room, px_w * 72 / dpi)
    draw_h = min(12 * mm, px_h * 72 / dpi)
    x_mm = draw_w / px_w * _module_px(label, dpi) * 25.4 / 72
    if x_mm < MIN_X_MM:
        raise ValueError('the barcode is too wide for a %s mm label: its '
            'X dimension would be %.3f mm, below %s mm: use a wider label'
            % (size[0], x_mm, MIN_X_MM))
    top = height - margin
    canvas.drawImage(image, (width - draw_w) / 2, top - draw_h,
        width=draw_w, height=draw_h)
    y = top - draw_h
    texts = [human_readable(label)] + _check_lines(label)
    for text in texts:
        fsize = _fit_size(canvas, text, font, 8, room)
        y -= fsize * 1.25
        if y < margin:
            raise ValueError('label lines do not fit a %s x %s mm label'
                % size)
        canvas.setFont(font, fsize)
        canvas.drawCentredString(width / 2, y, text)


def labels_pdf(labels, size=(60, 40), cjk_font=None):
    """Return a PDF (bytes) with one label per page.

    labels: list of label dicts; size: (width_mm, height_mm) of a page.
    Each page holds the barcode (PNG from label_png at 300 dpi, embedded,
    scaled down to fit the width), its human readable text under it and
    the label's lines.  cjk_font: path of a TrueType font (TTC: subfont
    0) embedded for non-Latin lines; None looks for one with
    find_cjk_font(); '' means none.
    Raises ValueError on a bad label, a wrong check digit, non-Latin text
    without a font having its glyphs, or text that does not fit.
    """
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    if not labels:
        raise ValueError('no label to print')
    if cjk_font is None:
        cjk_font = find_cjk_font()
    texts = []
    for label in labels:
        texts.append(human_readable(label))
        texts.extend(_check_lines(label))
    font = _text_font(texts, cjk_font)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(size[0] * mm, size[1] * mm),
        invariant=1)
    canvas.setTitle('labels')
    for label in labels:
        _draw_label(canvas, label, size, font, 2 * mm)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
