# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Parse one raw scan into what it identifies (plain logic, no ORM).

The raw scan is what framing.Framer cut out of the device's stream
(terminator removed).  Symbology identifiers follow ISO/IEC 15424 (AIM);
GS1 data follows the GS1 General Specifications (see gs1.py); EAN/UPC
check digits 7.9.1.
"""
import re

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.upc import Upc

from . import gs1
from .errors import ScanRefused
from .escape import escape
from .profile import PROFILES
from .rfid import decode_sgtin96

__all__ = ['parse_scan', 'scan_to_json', 'SYMBOLOGIES', 'FIELDS']

# AIM identifier -> (symbology, kind); kind: 'gs1', 'ean' or 'text'.
SYMBOLOGY_IDS = {
    ']C1': ('gs1-128', 'gs1'),
    ']d2': ('gs1-datamatrix', 'gs1'),
    ']Q3': ('gs1-qr', 'gs1'),
    # GS1 DataBar and GS1-128 composites (ISO/IEC 24724).
    ']e0': ('gs1', 'gs1'),
    ']E0': ('ean-13', 'ean'),
    ']E4': ('ean-8', 'ean'),
    ']C0': ('code128', 'text'),
    ']d1': ('datamatrix', 'text'),
    ']Q1': ('qr', 'text'),
    }
SYMBOLOGIES = ('gs1', 'gs1-128', 'gs1-datamatrix', 'gs1-qr', 'ean-13',
    'ean-8', 'upc-a', 'upc-e', 'code128', 'datamatrix', 'qr', 'rfid-epc')
FIELDS = ('symbology', 'code', 'gtin', 'lot', 'serial', 'expiry',
    'best_before', 'production_date', 'variant', 'count', 'ais',
    'quantities')
# AI -> result key (GS1 General Specifications 3.2).
_AI_FIELDS = {'01': 'gtin', '10': 'lot', '21': 'serial', '17': 'expiry',
    '15': 'best_before', '11': 'production_date', '20': 'variant'}
_AIM = re.compile(r'\][A-Za-z][0-9A-Za-z]')
# A GS1 composite after an EAN/UPC: '|]e0' then element strings.
_COMPOSITE = '|]e0'


def parse_scan(raw, profile=PROFILES['default']):
    """Return the dict of what the raw scan `raw` (bytes) identifies.

    profile: profile.Profile (prefix, suffix, GS substitute, symbology
    identifier policy, terminator).  Keys: FIELDS ('code' is the data
    without symbology identifier, prefix and suffix, GS as '\\x1d';
    'gtin' 14 digits; dates datetime.date; 'count' int; 'ais' list of
    [ai, value]; 'quantities' dict ai -> decimal str), plus 'epc' and
    'tid' for RFID (raw b'EPC=<hex>;TID=<hex>').
    Raises ScanRefused (see errors.py for the codes) and TypeError if raw
    is not bytes.
    """
    if not isinstance(raw, (bytes, bytearray)):
        raise TypeError('parse_scan() needs bytes, not %s'
            % type(raw).__name__)
    raw = bytes(raw)
    if raw.startswith(b'EPC='):
        return _parse_rfid(raw)
    text, offset = _data_text(raw, profile)
    identifier, text, offset = _identifier(text, offset, profile)
    if identifier:
        symbology, kind = SYMBOLOGY_IDS[identifier]
        if kind == 'gs1':
            return _gs1_result(symbology, text, offset)
        elif kind == 'ean':
            return _ean_result(identifier, text, offset)
        return _text_result(symbology, text, offset, profile)
    return _guess(text, offset, profile)


def scan_to_json(scan):
    "Return a copy of the parsed `scan` with dates as ISO str."
    result = {}
    for key, value in scan.items():
        if hasattr(value, 'isoformat'):
            value = value.isoformat()
        result[key] = value
    return result


def _result(symbology, code, **values):
    result = dict.fromkeys(FIELDS)
    result.update(symbology=symbology, code=code, ais=[], quantities={})
    result.update(values)
    return result


def _data_text(raw, profile):
    """Return (text, offset): the data of `raw` as str after removing
    the profile's prefix and suffix and mapping its GS substitute;
    offset is the number of scan characters before text."""
    if not raw:
        raise _refused('empty', 'the scan is empty', '', 0)
    if profile.prefix:
        if not raw.startswith(profile.prefix):
            raise _refused('prefix', 'the scan "%(part)s" does not start '
                'with the prefix "%(prefix)s" of profile %(profile)s at '
                'character %(position)s',
                raw[:32], 0, prefix=escape(profile.prefix),
                profile=profile.name)
        raw = raw[len(profile.prefix):]
    if profile.suffix:
        if not raw.endswith(profile.suffix):
            raise _refused('suffix', 'the scan ending "%(part)s" at '
                'character %(position)s does not end with the suffix '
                '"%(suffix)s" of profile %(profile)s',
                raw[-32:], max(len(raw) - 32, 0) + len(profile.prefix),
                suffix=escape(profile.suffix), profile=profile.name)
        raw = raw[:-len(profile.suffix)]
    if profile.gs_substitute:
        raw = raw.replace(profile.gs_substitute, b'\x1d')
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as exception:
        raise _refused('charset', 'the byte "%(part)s" at character '
            '%(position)s is not UTF-8 text',
            raw[exception.start:exception.end], exception.start
            + len(profile.prefix))
    offset = len(profile.prefix.decode('utf-8', 'replace'))
    _check_controls(text, offset, profile)
    if not text:
        raise _refused('empty', 'the scan has no data after character '
            '%(position)s besides its prefix and suffix', '', offset - 1)
    return text, offset


def _check_controls(text, offset, profile):
    "Refuse terminators left in the data, and NUL/DEL and the like."
    for index, char in enumerate(text):
        if char in '\r\n\t' and profile.terminator == 'any':
            raise _refused('framing', 'the scan holds the terminator '
                '"%(part)s" at character %(position)s: it should have '
                'ended the scan there', char, offset + index)
        if char in '\x00\x7f':
            raise _refused('charset', 'the scan holds the control '
                'character "%(part)s" at character %(position)s', char,
                offset + index)


def _identifier(text, offset, profile):
    """Return (identifier or None, data, offset) of `text`.

    A known AIM identifier is always removed; with symbology_ids 'none'
    other ']xy' starts are data, else they are refused as unknown.
    """
    head = text[:3]
    if head in SYMBOLOGY_IDS:
        data = text[3:]
        if not data:
            raise _refused('empty', 'the scan holds only the symbology '
                'identifier "%(part)s" at character %(position)s', head,
                offset)
        return head, data, offset + 3
    if profile.symbology_ids == 'none':
        return None, text, offset
    if _AIM.match(head):
        raise _refused('symbology', 'the symbology identifier "%(part)s" '
            'at character %(position)s is unknown or not supported',
            head, offset)
    if profile.symbology_ids == 'required':
        raise _refused('symbology', 'the scan "%(part)s" has no '
            'symbology identifier (such as ]C1) at character %(position)s '
            'and profile %(profile)s requires one', text[:32], offset,
            profile=profile.name)
    return None, text, offset


def _gs1_result(symbology, text, offset):
    "Return the result of GS1 element strings `text`."
    elements = gs1.parse_element_strings(text, offset)
    values = {}
    quantities = {}
    for element in elements:
        field = _AI_FIELDS.get(element.ai)
        if field:
            values[field] = element.date or element.value
        elif element.ai in ('30', '37') and 'count' not in values:
            values['count'] = int(element.value)
        if element.ai[:2] in ('31', '32', '33', '34', '35', '36'):
            quantities[element.ai] = str(element.decimal)
    return _result(symbology, text.removeprefix(gs1.GS),
        ais=[[e.ai, e.value] for e in elements], quantities=quantities,
        **values)


def _ean_result(identifier, text, offset):
    """Return the result of ']E0' (13 digits: EAN-13, or UPC-A with a
    leading 0) or ']E4' (8 digits: EAN-8) data, with an optional GS1
    composite '|]e0...' (ISO/IEC 24723)."""
    length = 13 if identifier == ']E0' else 8
    primary, composite = text, None
    if text[length:length + len(_COMPOSITE)] == _COMPOSITE:
        primary = text[:length]
        composite = text[length + len(_COMPOSITE):]
    if not primary.isdigit() or not primary.isascii():
        raise _refused('symbology', 'the symbology identifier %(id)s '
            '(EAN/UPC) at character %(position)s contradicts the data '
            '"%(part)s", which is not all digits', primary, offset - 3,
            id=identifier)
    if len(primary) != length:
        raise _refused('length', 'the %(id)s data "%(part)s" at '
            'character %(position)s has %(length)s digits instead of '
            '%(expected)s', primary,
            offset, id=identifier, length=len(primary), expected=length)
    _check_gtin(primary, offset)
    if length == 8:
        symbology = 'ean-8'
    else:
        symbology = 'upc-a' if primary.startswith('0') else 'ean-13'
    result = _result(symbology, text, gtin=primary.zfill(14),
        ais=[['01', primary.zfill(14)]])
    if composite is not None:
        extra = _gs1_result(symbology, composite,
            offset + length + len(_COMPOSITE))
        _merge_composite(result, extra, offset)
    return result


def _merge_composite(result, extra, offset):
    "Add the composite's element strings to an EAN/UPC result."
    if extra['gtin'] not in (None, result['gtin']):
        raise _refused('duplicate_ai', 'the composite GTIN "%(part)s" '
            'after character %(position)s differs from the bar code\'s '
            '%(gtin)s', extra['gtin'], offset, gtin=result['gtin'])
    for key, value in extra.items():
        if key not in ('symbology', 'code', 'gtin', 'ais', 'quantities'):
            result[key] = value
    result['ais'] += [a for a in extra['ais'] if a[0] != '01']
    result['quantities'] = extra['quantities']


def _text_result(symbology, text, offset, profile):
    "Return the result of plain (non-GS1) data."
    return _result(symbology, text)


def _guess(text, offset, profile):
    """Return the result of data without symbology identifier.

    8, 12 or 13 digits: EAN-8/UPC-E, UPC-A, EAN-13 (check digit must be
    right); 14 digits with a valid GTIN check digit: ambiguous (ITF-14
    or element strings); data starting with GS or with a complete
    element string: GS1 (refusals are kept: a failed GS1 reading is
    never taken as text); anything else: Code 128 text.
    """
    if text.isdigit() and text.isascii():
        if len(text) == 8:
            return _guess_8(text, offset)
        if len(text) in (12, 13):
            _check_gtin(text, offset)
            symbology = 'upc-a' if len(text) == 12 or text[0] == '0' \
                else 'ean-13'
            return _result(symbology, text, gtin=text.zfill(14),
                ais=[['01', text.zfill(14)]])
        if len(text) == 14 and _gtin_ok(text) \
                and gs1.starts_with_ai(text):
            raise _refused('ambiguous', 'the 14 digits "%(part)s" at '
                'character %(position)s read both as a GTIN-14 (ITF-14) '
                'and as GS1 element strings',
                text, offset)
    # A leading GS is the FNC1 that marks GS1 data (some scanners send it).
    if text.startswith(gs1.GS) or gs1.starts_with_ai(text):
        return _gs1_result('gs1', text, offset)
    return _result('code128', text)


def _guess_8(text, offset):
    "Return the result of 8 digits: EAN-8 or UPC-E."
    ean_8 = _gtin_ok(text)
    try:
        upc_e = Upc.parse(text) if text[0] in '01' else None
    except ParseError:
        upc_e = None
    if ean_8 and upc_e:
        raise _refused('ambiguous', 'the 8 digits "%(part)s" at '
            'character %(position)s read both as EAN-8 and as UPC-E', text,
            offset)
    if upc_e:
        gtin = upc_e.as_upc_a().zfill(14)
        return _result('upc-e', text, gtin=gtin, ais=[['01', gtin]])
    _check_gtin(text, offset)
    return _result('ean-8', text, gtin=text.zfill(14),
        ais=[['01', text.zfill(14)]])


def _gtin_ok(digits):
    return str(gs1_standard_check_digit(digits[:-1])) == digits[-1]


def _check_gtin(digits, offset):
    "Refuse EAN/UPC digits whose check digit is wrong; never fix it."
    if not _gtin_ok(digits):
        raise _refused('check_digit', 'the check digit of "%(part)s" '
            '(character %(position)s) is %(found)s but should be '
            '%(expected)s', digits, offset + len(digits) - 1,
            found=digits[-1],
            expected=gs1_standard_check_digit(digits[:-1]))


def _parse_rfid(raw):
    """Return the result of an RFID read b'EPC=<hex>;TID=<hex>'.

    SGTIN-96 EPCs (header 0x30, GS1 EPC Tag Data Standard 14.5.1) give
    'gtin' and 'serial'.  Several TIDs for one EPC are refused
    ('rfid_shared_epc': a cloned EPC).
    """
    try:
        text = raw.decode('ascii')
    except UnicodeDecodeError as exception:
        raise _refused('rfid_format', 'the RFID read holds the non-ASCII '
            'byte "%(part)s" at character %(position)s',
            raw[exception.start:exception.end], exception.start)
    fields = dict(_rfid_fields(text))
    epc, tids = fields.get('EPC', ''), fields.get('TID', '')
    tid_list = tids.split(',') if tids else []
    for name, value in [('EPC', epc)] + [('TID', t) for t in tid_list]:
        if not re.fullmatch(r'(?:[0-9A-Fa-f]{4})+', value):
            raise _refused('rfid_format', 'the RFID %(name)s "%(part)s" '
                'at character %(position)s is not hexadecimal 16-bit '
                'words', value, _find(text, name + '=', value), name=name)
    if not tid_list:
        raise _refused('rfid_format', 'the RFID read "%(part)s" has no '
            'TID after character %(position)s', text[:64], len(text) - 1)
    if len(set(t.upper() for t in tid_list)) > 1:
        raise _refused('rfid_shared_epc', 'the EPC "%(part)s" at '
            'character %(position)s was read with several TIDs %(tids)s',
            epc.upper(), _find(text, 'EPC=', epc),
            tids=', '.join(sorted(t.upper() for t in tid_list)))
    epc, tid = epc.upper(), tid_list[0].upper()
    gtin = serial = None
    if epc.startswith('30'):
        gtin, serial = _sgtin96(epc, _find(text, 'EPC=', epc))
    return _result('rfid-epc', epc, gtin=gtin, serial=serial, epc=epc,
        tid=tid, ais=[['01', gtin], ['21', serial]] if gtin else [])


def _find(text, label, value):
    "Return the 0-based index of `value` after `label` in text."
    start = text.find(label)
    start = start + len(label) if start >= 0 else 0
    index = text.find(value, start)
    return index if index >= 0 else start


def _rfid_fields(text):
    "Yield (name, value) of the 'EPC=..;TID=..' parts of `text`."
    index = 0
    for part in text.split(';'):
        name, sep, value = part.partition('=')
        if not sep or name not in ('EPC', 'TID'):
            raise _refused('rfid_format', 'the RFID read part "%(part)s" '
                'at character %(position)s is not EPC=<hex> or TID=<hex>',
                part, index)
        index += len(part) + 1
        yield name, value


def _sgtin96(epc, position):
    "Return (gtin14, serial) of an SGTIN-96 EPC or refuse it."
    try:
        return decode_sgtin96(epc)
    except ValueError as exception:
        raise _refused('rfid_format', 'the SGTIN-96 EPC "%(part)s" at '
            'character %(position)s does not decode: %(error)s', epc,
            position, error=exception)


def _refused(code, template, part, position, **params):
    """Return a ScanRefused; template uses %(name)s of params plus
    'part' (escaped) and 'position' (1-based scan character)."""
    if isinstance(part, str):
        part = part.encode('utf-8')
    params = {k: str(v) for k, v in params.items()}
    params['part'] = escape(part)
    params['position'] = str(position + 1)
    return ScanRefused(code, template % params, params=params)
