# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Plain barcode functions for the scan step (no ORM import).

A keyboard-wedge scanner types the code followed by a terminator.  The scan
step receives what was typed as one text; :func:`split_scans` cuts it into
scans and :func:`check_gtin` validates a GTIN-8/12/13/14 (EAN-13 included)
digit by digit.
"""
import re
from collections import Counter, namedtuple

__all__ = ['GTINError', 'gtin_check_digit', 'check_gtin', 'split_scans',
    'Scan', 'parse_scans']

# CR, LF, CRLF and TAB each end exactly one scan (public case C10).
_TERMINATORS = re.compile(r'\r\n|\r|\n|\t')
# An optional keyed quantity in front of a code, as on point-of-sale
# keyboards: "12*4006381333931" means twelve units of that code.
_KEYED_QUANTITY = re.compile(r'^(?P<quantity>\d{1,6})\*(?P<code>.+)$')

Scan = namedtuple('Scan', ['code', 'quantity'])


class GTINError(ValueError):
    "A code that is not a valid GTIN; ``reason`` says why."

    def __init__(self, code, reason):
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


def gtin_check_digit(digits):
    """Return the GS1 check digit (int) for ``digits`` (str of 7 to 17 digits,
    without the check digit).

    Source: GS1 General Specifications, section 7.9.1: from the right, weights
    3 and 1 alternate; the check digit brings the sum to a multiple of 10.
    """
    total = 0
    for position, digit in enumerate(reversed(digits)):
        total += int(digit) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def check_gtin(code):
    """Validate ``code`` as a GTIN-8, -12, -13 (EAN-13) or -14.

    Returns the code unchanged (str).  Raises :class:`GTINError` with
    ``reason`` one of ``'length'``, ``'digits'`` or ``'check_digit'``.
    """
    if not code.isdigit() or not code.isascii():
        raise GTINError(code, 'digits')
    if len(code) not in {8, 12, 13, 14}:
        raise GTINError(code, 'length')
    if gtin_check_digit(code[:-1]) != int(code[-1]):
        raise GTINError(code, 'check_digit')
    return code


def split_scans(text):
    """Split what a keyboard-wedge scanner typed into a list of scans (str).

    CR, LF, CRLF and TAB each end one scan; empty scans and surrounding
    spaces are dropped, so ``'4006381333931\\r\\n'`` is one scan.
    """
    return [s.strip() for s in _TERMINATORS.split(text or '') if s.strip()]


def parse_scans(text):
    """Return the scans in ``text`` as a :class:`collections.Counter` of
    code (str) to quantity (int, in scans, i.e. units of the code's unit).

    A scan may carry a keyed quantity, ``'12*4006381333931'``.  Raises
    ``ValueError`` for a keyed quantity of zero.
    """
    counter = Counter()
    for scan in split_scans(text):
        match = _KEYED_QUANTITY.match(scan)
        if match:
            quantity = int(match.group('quantity'))
            if not quantity:
                raise ValueError(scan)
            counter[match.group('code').strip()] += quantity
        else:
            counter[scan] += 1
    return counter
