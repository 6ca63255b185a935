# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Strict GS1 element strings on top of biip (plain logic, no ORM).

biip (jodal/biip) knows the Application Identifiers and their formats
but is lenient where a warehouse must not be: a variable-length field
without GS swallows the following fields, check digit errors are only
noted, day 00 is accepted for every date AI.  Here:

- every value must match its AI's format exactly (GS1 General
  Specifications 3.2, 7.11); AIs come from biip's table;
- check digits of keys (GTIN, SSCC, GLN, GRAI, GSRN ...) are verified
  and never rewritten (7.9);
- dates YYMMDD: century per 7.12 (done by biip, see gs1_year), day 00
  means the last day of the month only for AIs 11-17 (3.4.x), impossible
  dates are refused;
- a variable-length field not terminated by GS in a message without any
  GS whose value could also be read as a shorter value followed by valid
  element strings is refused as 'gs_missing' (7.8.5: the FNC1 after a
  variable-length field is mandatory unless it is the last field; a
  scanner that drops FNC1 makes the reading ambiguous).  A message that
  holds a GS proves that the scanner transmits FNC1, so its last field
  is read to its end;
- the same AI twice with different values is refused (4.14).
"""
import datetime as dt
import re
from collections import namedtuple

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import (
    _GS1_APPLICATION_IDENTIFIERS, GS1ApplicationIdentifier)
from biip.gs1_element_strings import GS1ElementString

from .errors import ScanRefused
from .escape import escape

__all__ = ['GS', 'Element', 'parse_element_strings', 'starts_with_ai',
    'gs1_year', 'element_strings_hri']

GS = '\x1d'

Element = namedtuple('Element', ['ai', 'value', 'position', 'date',
        'decimal'])
Element.__doc__ = """One element string of a scan.

ai: str; value: str exactly as scanned; position: 1-based character of
the AI in the scan; date: datetime.date for date AIs else None;
decimal: decimal.Decimal for measures and amounts else None.
"""

AIS = _GS1_APPLICATION_IDENTIFIERS

# AI -> length of the leading key whose last digit is a GS1 check digit
# (GS1 General Specifications 7.9.1; 'csum' in the GS1 Syntax
# Dictionary).
CHECK_DIGITS = {
    '00': 18, '01': 14, '02': 14, '03': 14, '253': 13, '255': 13,
    '402': 17, '410': 13, '411': 13, '412': 13, '413': 13, '414': 13,
    '415': 13, '416': 13, '417': 13, '8003': 14, '8006': 14, '8017': 18,
    '8018': 18, '8026': 14,
    }
# Date AIs (YYMMDD first) and those where day 00 stands for the last day
# of the month (GS1 General Specifications 3.4.2-3.4.7).
DATE_AIS = frozenset(['11', '12', '13', '15', '16', '17', '4324', '4325',
        '4326', '7003', '7006', '7007', '7011', '8008'])
DAY_00_AIS = frozenset(['11', '12', '13', '15', '16', '17'])

_CSET82 = frozenset("!\"%&'()*+,-./0123456789:;<=>?"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset('0123456789')
MAX_VALUE = 90
_YYMMDD = re.compile(r'\d\d(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])')


def _fixed_length(ai):
    "Return the data length of a predefined-length AI (e.g. 'N2+N14')."
    match = re.fullmatch(r'N\d\+N(\d+)', ai.format)
    return int(match.group(1)) if match else None


FIXED_LENGTHS = {code: _fixed_length(ai) for code, ai in AIS.items()
    if not ai.separator_required}


def gs1_year(yy, today=None):
    """Return the four-digit year of the two-digit `yy` (int 0-99).

    GS1 General Specifications 7.12: the year lies from 49 years before
    to 50 years after the current year.  today: datetime.date (default
    UTC today).
    """
    today = today or dt.datetime.now(dt.timezone.utc).date()
    century = today.year - today.year % 100
    difference = yy - today.year % 100
    if 51 <= difference <= 99:
        century -= 100
    elif -99 <= difference <= -50:
        century += 100
    return century + yy


def starts_with_ai(text):
    """Return True if `text` begins with a complete element string.

    Only the syntax of the first element string is looked at (AI known,
    value of the right characters and length); used to tell GS1 data
    from plain Code 128 text when no symbology identifier was sent.
    """
    ai = _find_ai(text, 0)
    if ai is None:
        return False
    rest = text[len(ai.ai):].split(GS, 1)[0]
    if not ai.separator_required:
        return bool(re.fullmatch(ai.pattern, ai.ai
                + rest[:FIXED_LENGTHS[ai.ai]]))
    return bool(re.match(ai.pattern.removesuffix('$'), ai.ai + rest))


def element_strings_hri(elements):
    "Return the human readable form '(01)...(10)...' of `elements`."
    return ''.join('(%s)%s' % (e.ai, e.value) for e in elements)


def parse_element_strings(text, offset=0):
    """Return the list of Element of the GS1 element strings `text`.

    text: str of CSET 82 data with GS '\\x1d' after variable-length
    fields (symbology identifier already removed; one leading GS, as
    some scanners send for the first FNC1, is skipped).  offset: number
    of scan characters before text (for positions in messages).
    Raises ScanRefused (codes empty, unknown_ai, format, length,
    check_digit, date, gs_missing, duplicate_ai).
    """
    start = 1 if text.startswith(GS) else 0
    if not text[start:].strip(GS):
        raise _refused('empty', 'the GS1 data is empty', text, offset)
    # CSET 82, CSET 39 and numeric fields are all ASCII (GS1 General
    # Specifications 7.11): a full-width or Arabic-Indic digit, which
    # Python's \d would take, is refused here.
    for index, char in enumerate(text):
        if not char.isascii():
            raise _refused('format', 'the GS1 data has the non-ASCII '
                'character "%(part)s" at character %(position)s', char,
                offset, index)
    parser = _Parser(text, offset, has_gs=GS in text[start:])
    elements = []
    index = start
    for segment in text[start:].split(GS):
        last = index + len(segment) >= len(text.rstrip(GS))
        elements.extend(parser.segment(segment, index, last))
        parser.seen.update(e.ai for e in elements)
        index += len(segment) + 1
    _check_duplicates(elements, text, offset)
    return elements


class _Parser(object):
    "Parse the GS-delimited segments of one message."

    def __init__(self, text, offset, has_gs, explain=True):
        self.text = text
        self.offset = offset
        self.has_gs = has_gs
        # explain=False: only probing whether some text parses, without
        # looking for alternative readings (keeps probing linear).
        self.explain = explain
        # AIs of the segments parsed before the current one.
        self.seen = set()

    def segment(self, segment, index, last):
        "Return the Elements of `segment` found at text[index:]."
        elements = []
        pos = 0
        while pos < len(segment):
            where = index + pos
            ai = _find_ai(segment, pos)
            if ai is None:
                raise _refused('unknown_ai', 'no GS1 Application '
                    'Identifier at character %(position)s "%(part)s"',
                    segment[pos:], self.offset, where)
            start = pos + len(ai.ai)
            if ai.separator_required:
                value = segment[start:]
                element = self.variable(ai, value, where,
                    check=last and not self.has_gs,
                    seen=self.seen | {e.ai for e in elements})
                pos = len(segment)
            else:
                value = segment[start:start + FIXED_LENGTHS[ai.ai]]
                element = self.element(ai, value, where)
                pos = start + len(value)
            elements.append(element)
        return elements

    def variable(self, ai, value, where, check, seen=frozenset()):
        """Return the Element of a variable-length AI whose value runs to
        the GS or the end; refuse 'gs_missing' when the value also reads
        as a shorter value plus element strings and no GS proves it."""
        fits = _fits(ai, value)
        if self.explain and (check or not fits):
            split = self.alternative(ai, value, seen | {ai.ai})
            if split:
                head, tail = split
                raise _refused('gs_missing', 'the GS1 field (%(ai)s) '
                    '"%(part)s" at character %(position)s is not ended by '
                    'GS and could also be read as (%(ai)s)%(head)s '
                    'followed by %(alternative)s', value, self.offset,
                    where, ai=ai.ai, head=head,
                    alternative=element_strings_hri(tail))
        return self.element(ai, value, where)

    def alternative(self, ai, value, seen):
        """Return (head, tail elements) of the most telling split of
        `value` into a valid value of `ai` and valid element strings
        whose AIs are not in `seen` (a message repeats no AI, GS1 4.14),
        or None.  The split with the most tail elements outside the
        company-internal AIs 90-99 is the likeliest dropped GS."""
        probe = _Parser(value, 0, has_gs=True, explain=False)
        best, best_key = None, None
        # No GS1 value is longer than MAX_VALUE: longer heads cannot fit.
        for cut in range(1, min(len(value), MAX_VALUE + 1)):
            head = value[:cut]
            if not _fits(ai, head):
                continue
            try:
                self.element(ai, head, 0)
                tail = probe.segment(value[cut:], cut, last=True)
            except ScanRefused:
                continue
            ais = [e.ai for e in tail]
            if seen & set(ais) or len(set(ais)) < len(ais):
                continue
            key = (sum(not e.ai.startswith('9') for e in tail), len(tail))
            if best_key is None or key > best_key:
                best, best_key = (head, tail), key
        return best

    def element(self, ai, value, where):
        "Return the validated Element (ai, value) at text[where]."
        if not _fits(ai, value):
            raise _format_error(ai, value, self.offset, where)
        _check_digit(ai, value, self.offset, where)
        try:
            parsed = GS1ElementString.parse(ai.ai + value)
        except ParseError:
            raise _refused('date', 'the date or time of (%(ai)s) '
                '"%(part)s" at character %(position)s is impossible',
                value, self.offset, where, ai=ai.ai)
        date = parsed.date
        if ai.ai in DATE_AIS:
            _check_date(ai.ai, value, self.offset, where)
        return Element(ai.ai, value, self.offset + where + 1, date,
            parsed.decimal)


def _find_ai(text, pos):
    "Return biip's GS1ApplicationIdentifier at text[pos:] or None."
    try:
        return GS1ApplicationIdentifier.extract(text[pos:pos + 4])
    except ParseError:
        return None


def _fits(ai, value):
    "Tell if `value` matches the format of `ai` exactly (non-empty)."
    return bool(value) and re.fullmatch(
        ai.pattern, ai.ai + value, re.ASCII) is not None


def _format_error(ai, value, offset, where):
    "Return the 'format' or 'length' ScanRefused of a misfit value."
    if ai.ai in DATE_AIS and re.match(r'\d{6}', value) \
            and not _YYMMDD.match(value):
        return _refused('date', 'the date of (%(ai)s) "%(part)s" at '
            'character %(position)s is impossible', value, offset, where,
            ai=ai.ai)
    numeric = 'X' not in ai.format and 'Y' not in ai.format
    allowed = _DIGITS if numeric else _CSET82
    for index, char in enumerate(value):
        if char not in allowed:
            return _refused('format', 'the character "%(char)s" at '
                'character %(position)s is not allowed in (%(ai)s) '
                '"%(part)s" (GS1 format %(format)s)', value, offset,
                where + len(ai.ai) + index, ai=ai.ai, format=ai.format,
                char=escape(char.encode('utf-8')))
    return _refused('length', 'the value of (%(ai)s) "%(part)s" at '
        'character %(position)s has %(length)s characters, which does '
        'not fit GS1 format %(format)s', value, offset, where, ai=ai.ai,
        length=len(value), format=ai.format)


def _check_digit(ai, value, offset, where):
    "Refuse a key of `value` whose check digit is wrong; never fix it."
    length = CHECK_DIGITS.get(ai.ai)
    if not length:
        return
    key = value[:length]
    expected = gs1_standard_check_digit(key[:-1])
    if str(expected) != key[-1]:
        raise _refused('check_digit', 'the check digit of (%(ai)s) '
            '"%(part)s" at character %(position)s is %(found)s but '
            'should be %(expected)s', key, offset, where, ai=ai.ai,
            found=key[-1], expected=expected)


def _check_date(ai, value, offset, where):
    "Refuse day 00 where the AI has no such rule, bad second dates."
    dates = [value[:6]]
    if ai == '7007' and len(value) == 12:
        dates.append(value[6:])
    for date in dates:
        day_00 = date[4:6] == '00'
        if day_00 and ai not in DAY_00_AIS:
            raise _refused('date', 'the date of (%(ai)s) "%(part)s" at '
                'character %(position)s has day 00, which only AIs 11-17 '
                'allow', value, offset, where, ai=ai)
        try:
            dt.date(gs1_year(int(date[:2])), int(date[2:4]),
                1 if day_00 else int(date[4:6]))
        except ValueError:
            raise _refused('date', 'the date of (%(ai)s) "%(part)s" at '
                'character %(position)s is impossible', value, offset,
                where, ai=ai)


def _check_duplicates(elements, text, offset):
    "Refuse an AI given twice with different values (GS1 4.14)."
    seen = {}
    for element in elements:
        first = seen.setdefault(element.ai, element)
        if first.value != element.value:
            raise _refused('duplicate_ai', '(%(ai)s) appears twice with '
                'different values "%(first)s" and "%(part)s" (character '
                '%(position)s)', element.value, offset,
                element.position - offset - 1, ai=element.ai,
                first=first.value)


def _refused(code, template, part, offset, where=0, **params):
    """Return a ScanRefused; `template` uses %(name)s of params plus
    'part' (escaped) and 'position' (1-based scan character)."""
    params = {k: str(v) for k, v in params.items()}
    params['part'] = escape(part.encode('utf-8'))
    params['position'] = str(offset + where + 1)
    return ScanRefused(code, template % params, params=params)
