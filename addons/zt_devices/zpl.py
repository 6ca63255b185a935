# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Barcode labels for Zebra printers in ZPL II (labels.py has the label
dicts, their checks and the PDF).

As for the PDF, the printed code always equals the stored code: ^BE takes
12 digits and prints its own check digit, so it is compared with ours and a
code whose check digit the printer would change is refused.

Source: Zebra ZPL II Programming Guide (^XA, ^CI, ^PW, ^LL, ^BY, ^BC, ^BE,
^FH, ^FD, ^A@); GS1 General Specifications 5.4 (GS1-128).
"""
from .labels import GS, MIN_X_MM, _check_lines, element_string, label_code

__all__ = ['zpl_escape', 'zpl_code128', 'label_zpl']


def zpl_escape(text):
    """Return text for a ^FD field preceded by ^FH_ (hexadecimal escapes).

    ZPL II ^FH: with '_' as indicator, '_' followed by two hex digits is
    the byte of that value.  '^' and '~' (format and control command
    prefixes), '_' itself and DEL are written as _5E, _7E, _5F, _7F.
    Other characters stay as they are (UTF-8 with ^CI28).
    """
    return ''.join('_%02X' % ord(c) if c in '^~_\x7f' else c
        for c in text)


def zpl_code128(data):
    """Return the ^BC (mode N) field data for GS1-128 data.

    data: encoded() string, GS marking the FNC1 separators.  ZPL II
    Programming Guide, ^BC, Table "Code 128 Invocation Characters": '>;'
    starts subset C, '>8' is FNC1 (the first one after the start makes
    the symbol GS1-128), '>5' switches to subset C, '>6' to subset B, '>0'
    is '>' in subset B.  Subset C takes digit pairs; an odd digit before
    a letter or FNC1 goes to subset B (a printer ignores an unpaired
    digit in subset C).  Returns (field data, number of symbol
    characters including start and check characters).
    """
    out, count, subset, i = ['>;>8'], 2, 'C', 0
    while i < len(data):
        run = len(data[i:]) - len(data[i:].lstrip('0123456789'))
        char = data[i]
        if char == GS:
            out.append('>8')
        elif subset == 'C' and run >= 2:
            out.append(data[i:i + 2])
            i += 1
        elif subset == 'B' and run >= 4 and run % 2 == 0:
            out.append('>5' + data[i:i + 2])
            count += 1
            subset = 'C'
            i += 1
        else:
            if subset == 'C':
                out.append('>6')
                count += 1
                subset = 'B'
            out.append('>0' if char == '>' else char)
        count += 1
        i += 1
    return ''.join(out), count + 1


def _printer_check_digit(first12):
    """Return the check digit a printer's ^BE computes from 12 digits.

    Only compared with the stored 13th digit, never printed in its place.
    """
    total = sum(int(d) * (3 if i % 2 else 1)
        for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def _dots(mm_value, dpi):
    return round(mm_value * dpi / 25.4)


def _zpl_text(x, y, height, width, text, cjk_font):
    """Return one ^FO ^A ^FB ^FH ^FD text field, centred in width dots.

    ^A0N,h,w: scalable font 0, character width narrowed so that the text
    fits about (font 0 is proportional: a character is at most about
    0.6 of w wide); ^A@N,h,w,font: a font stored in the printer (e.g.
    E:SIMSUN.TTF) for non-ASCII text.  ^FBw,1,0,C: one centred line.
    """
    char_w = min(height, int(width / (0.6 * max(1, len(text)))))
    if text.isascii():
        font = '^A0N,%d,%d' % (height, char_w)
    elif cjk_font:
        char_w = min(height, width // max(1, len(text)))
        font = '^A@N,%d,%d,%s' % (height, char_w, cjk_font)
    else:
        raise ValueError('label line %r has non-ASCII text: pass '
            'cjk_font, a font stored in the printer (e.g. E:SIMSUN.TTF)'
            % text)
    return '^FO%d,%d%s^FB%d,1,0,C^FH_^FD%s^FS' % (
        x, y, font, width, zpl_escape(text))


def _zpl_module(label, modules, dpi, room):
    """Return the ^BY module width in dots for a symbol of `modules`.

    The largest whole number of dots not above the label's nominal X
    dimension (0.33 mm EAN-13, 0.25 mm GS1-128) with which `modules` fit
    in `room` dots.  Raises ValueError when the X would be below
    MIN_X_MM: a wider label or a finer printer is needed.
    """
    nominal = 0.33 if label['kind'] == 'ean-13' else 0.25
    module = max(1, round(nominal * dpi / 25.4))
    while module > 1 and modules * module > room:
        module -= 1
    if modules * module > room or module * 25.4 / dpi < MIN_X_MM:
        raise ValueError('a %s of %d modules does not fit %d dots with '
            'an X dimension of %s mm or more at %d dpi: use a wider label'
            % (label['kind'], modules, room, MIN_X_MM, dpi))
    return module


def label_zpl(label, dpi=203, size=(60, 40), cjk_font=None):
    """Return the label as a ZPL II format (str, "^XA ... ^XZ").

    label: dict; dpi: printer resolution (203, 300 or 600); size:
    (width_mm, height_mm); cjk_font: printer font for non-ASCII lines.
    Commands (Zebra ZPL II Programming Guide): ^XA/^XZ start/end the
    format; ^CI28 field data in UTF-8; ^PW print width and ^LL label
    length in dots; ^BY module width in dots (see _zpl_module); ^FO
    field origin; ^BCN,h,N,N,N,N Code 128 without interpretation line,
    UCC check digit or mode, whose data starts with '>;>8' (subset C,
    FNC1: GS1-128), see zpl_code128(); ^BEN,h,Y,N EAN-13 with its
    interpretation line, given the first 12 digits (the printer adds the
    check digit; we make sure it equals the stored 13th); ^FH_ hex
    escapes in the next ^FD (zpl_escape); ^FD field data; ^FS end of
    field.  The GS1-128 human readable text (Gen Spec 4.15) is a text
    field under the bars.
    Raises ValueError on a bad label, a wrong check digit, non-ASCII text
    without cjk_font, or a barcode that does not fit the label.
    """
    code = label_code(label)
    lines = _check_lines(label)
    width = _dots(size[0], dpi)
    margin, bar_h, text_h = _dots(2, dpi), _dots(12, dpi), _dots(3, dpi)
    room = width - 2 * margin
    if label['kind'] == 'ean-13':
        if _printer_check_digit(code[:12]) != code[12]:
            raise ValueError('EAN-13 %r: the printer would print check '
                'digit %s' % (code, _printer_check_digit(code[:12])))
        # 95 modules and quiet zones of 11 and 7 modules (Gen Spec 5.2).
        module = _zpl_module(label, 113, dpi, room)
        symbol = '^FO%d,%d^BEN,%d,Y,N^FD%s^FS' % (
            (width - 95 * module) // 2, margin, bar_h, code[:12])
        texts, y = lines, margin + bar_h + text_h + margin
    else:
        field, symbols = zpl_code128(code)
        # Symbol characters of 11 modules, stop 13, quiet zones 10 + 10.
        module = _zpl_module(label, 11 * symbols + 33, dpi, room)
        symbol = '^FO%d,%d^BCN,%d,N,N,N,N^FD%s^FS' % (
            (width - (11 * symbols + 13) * module) // 2, margin, bar_h,
            field)
        texts = [element_string(label['ais'])] + lines
        y = margin + bar_h + margin // 2
    out = ['^XA', '^CI28', '^PW%d' % width, '^LL%d' % _dots(size[1], dpi),
        '^BY%d' % module, symbol]
    for text in texts:
        if y + text_h > _dots(size[1], dpi) - margin:
            raise ValueError('label lines do not fit a %s x %s mm label'
                % tuple(size))
        out.append(_zpl_text(margin, y, text_h, room, text, cjk_font))
        y += text_h + margin // 2
    out.append('^XZ')
    return '\n'.join(out) + '\n'
