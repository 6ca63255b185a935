# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Scanner profiles: how a device frames and decorates its scans.

Plain logic, no ORM.  A Profile is used by framing.Framer (terminator,
timeout), framing.Debouncer (debounce) and parse.parse_scan (GS
substitute, prefix, suffix, symbology identifiers).
"""
from collections import namedtuple

from .escape import escape, unescape

__all__ = ['Profile', 'PROFILES', 'SYMBOLOGY_IDS', 'profile_from_dict',
    'profile_to_dict']

Profile = namedtuple('Profile', ['name', 'terminator', 'gs_substitute',
        'prefix', 'suffix', 'symbology_ids', 'debounce', 'timeout'])
Profile.__doc__ = """A scanner profile.

name: str.
terminator: 'any' (CR, LF, CRLF and TAB each end one scan) or non-empty
    bytes ending a scan (e.g. b'\\x04').
gs_substitute: non-empty bytes the scanner sends instead of GS 0x1D
    (e.g. b'|'), or None.
prefix, suffix: bytes the scanner adds around each scan (b'' for none);
    required and stripped by parse_scan.
symbology_ids: 'required' | 'optional' | 'none' (AIM identifiers such
    as ']C1', ISO/IEC 15424).
debounce: seconds (float >= 0); the same code from the same device
    within it is one scan.
timeout: seconds (float > 0); inter-character timeout after which a
    partial scan is discarded.
"""

SYMBOLOGY_IDS = ('required', 'optional', 'none')

_DEFAULT = Profile(name='default', terminator='any', gs_substitute=None,
    prefix=b'', suffix=b'', symbology_ids='optional', debounce=0.3,
    timeout=0.2)

PROFILES = {
    'default': _DEFAULT,
    # Keyboard wedges that cannot type GS send '|' instead ('|' is not
    # in GS1 CSET 82, so it cannot be data of an element string).
    'pipe-gs': _DEFAULT._replace(name='pipe-gs', gs_substitute=b'|'),
    # Serial scanners ending each scan with EOT and sending AIM ids.
    'eot': _DEFAULT._replace(name='eot', terminator=b'\x04',
        symbology_ids='required'),
    # Keyboard wedges configured to send AIM ids (recommended).
    'aim': _DEFAULT._replace(name='aim', symbology_ids='required'),
    # Scanners that send AIM ids and '|' for GS.
    'aim-pipe-gs': _DEFAULT._replace(name='aim-pipe-gs',
        gs_substitute=b'|', symbology_ids='required'),
    }

_FIELDS = frozenset(Profile._fields)


def profile_from_dict(values):
    """Return the Profile described by the JSON-able dict `values`.

    Keys are Profile's fields; missing keys take the 'default' profile's
    value.  Byte fields are escaped str (escape.escape), terminator may
    also be 'any', gs_substitute may be None.  Raises ValueError for an
    unknown key or a bad value (bad escape, empty terminator, negative
    time, alphanumeric GS substitute ...).
    """
    if not isinstance(values, dict):
        raise ValueError('a profile must be a dict, not %s'
            % type(values).__name__)
    unknown = set(values) - _FIELDS
    if unknown:
        raise ValueError('unknown profile keys: %s'
            % ', '.join(sorted(map(str, unknown))))
    name = values.get('name', _DEFAULT.name)
    if not isinstance(name, str) or not name:
        raise ValueError('profile name must be a non-empty str')
    profile = Profile(
        name=name,
        terminator=_terminator(values.get('terminator', 'any')),
        gs_substitute=_gs_substitute(values.get('gs_substitute')),
        prefix=_bytes('prefix', values.get('prefix', '')),
        suffix=_bytes('suffix', values.get('suffix', '')),
        symbology_ids=_symbology_ids(
            values.get('symbology_ids', _DEFAULT.symbology_ids)),
        debounce=_seconds('debounce',
            values.get('debounce', _DEFAULT.debounce), zero=True),
        timeout=_seconds('timeout',
            values.get('timeout', _DEFAULT.timeout), zero=False),
        )
    _check_consistent(profile)
    return profile


def profile_to_dict(profile):
    "Return the JSON-able dict of `profile` (inverse of profile_from_dict)."
    def text(value):
        return escape(value) if isinstance(value, bytes) else value
    return {
        'name': profile.name,
        'terminator': text(profile.terminator),
        'gs_substitute': text(profile.gs_substitute),
        'prefix': escape(profile.prefix),
        'suffix': escape(profile.suffix),
        'symbology_ids': profile.symbology_ids,
        'debounce': profile.debounce,
        'timeout': profile.timeout,
        }


def _bytes(field, value):
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise ValueError('profile %s must be an escaped str' % field)
    try:
        return unescape(value)
    except ValueError as exception:
        raise ValueError('profile %s: %s' % (field, exception))


def _terminator(value):
    if value == 'any':
        return 'any'
    terminator = _bytes('terminator', value)
    if not terminator:
        raise ValueError("profile terminator must be 'any' or non-empty")
    return terminator


# GS1 character set 82 (GS1 General Specifications 7.11, figure 7.11-1).
CSET82 = frozenset('!"%&\'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    '_abcdefghijklmnopqrstuvwxyz')


def _gs_substitute(value):
    if value is None or value == '':
        return None
    substitute = _bytes('gs_substitute', value)
    # A character that GS1 data may hold (character set 82, GS1 General
    # Specifications 7.11, figure 7.11-1) would be read as a separator
    # inside a lot or serial; GS itself and the terminators are not
    # substitutes either.
    if any(chr(b) in CSET82 or b in b'\x1d\r\n\t' for b in substitute):
        raise ValueError('profile gs_substitute %r must not contain '
            'characters of GS1 data (letters, digits, !"%%&\'()*+,-./:;'
            '<=>?_), GS, CR, LF or TAB' % escape(substitute))
    return substitute


def _symbology_ids(value):
    if value not in SYMBOLOGY_IDS:
        raise ValueError('profile symbology_ids must be one of %s, not %r'
            % (', '.join(SYMBOLOGY_IDS), value))
    return value


def _seconds(field, value, zero):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError('profile %s must be a number of seconds' % field)
    if value < 0 or (not zero and value == 0) or value != value:
        raise ValueError('profile %s must be %s 0, not %r'
            % (field, '>=' if zero else '>', value))
    return float(value)


def _check_consistent(profile):
    "Raise ValueError when the terminator would cut the decorations."
    if profile.terminator == 'any':
        ends = [b'\r', b'\n', b'\t']
    else:
        ends = [profile.terminator]
    for field in ('gs_substitute', 'prefix', 'suffix'):
        value = getattr(profile, field) or b''
        if any(end in value for end in ends):
            raise ValueError('profile %s %r contains the terminator'
                % (field, escape(value)))
