# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Printable escapes of raw scan bytes (plain logic, no ORM).

Raw scans hold control characters (GS 0x1D between GS1 fields, EOT as a
terminator ...); they are stored, logged and typed on command lines
escaped.
"""

__all__ = ['escape', 'unescape', 'GS_SYMBOL']

# U+241D SYMBOL FOR GROUP SEPARATOR, as printed in GS1 documents.
GS_SYMBOL = '\u241d'

_NAMED = {0x5c: '\\\\', 0x0d: '\\r', 0x0a: '\\n', 0x09: '\\t'}
_UNNAMED = {'\\': 0x5c, 'r': 0x0d, 'n': 0x0a, 't': 0x09, '0': 0x00}
_HEX = frozenset('0123456789abcdefABCDEF')


def escape(data):
    """Return the bytes `data` as printable ASCII str.

    Printable ASCII (0x20-0x7E) is kept, backslash becomes '\\\\', CR LF
    TAB become '\\r' '\\n' '\\t', any other byte '\\xNN' (lower-case hex).
    unescape(escape(data)) == data for all bytes.
    Raises TypeError if data is not bytes.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError('escape() needs bytes, not %s'
            % type(data).__name__)
    parts = []
    for byte in data:
        if byte in _NAMED:
            parts.append(_NAMED[byte])
        elif 0x20 <= byte <= 0x7e:
            parts.append(chr(byte))
        else:
            parts.append('\\x%02x' % byte)
    return ''.join(parts)


def unescape(text):
    """Return the bytes written as `text` (the inverse of escape).

    Accepts '\\xNN' (either case), '\\r', '\\n', '\\t', '\\\\', '\\0' and
    the symbol U+241D for GS 0x1D; other non-ASCII characters are UTF-8
    encoded.  Raises ValueError naming the 1-based position of a bad
    escape (unknown letter, short hex, trailing backslash) and TypeError
    if text is not str.
    """
    if not isinstance(text, str):
        raise TypeError('unescape() needs str, not %s'
            % type(text).__name__)
    result = bytearray()
    index = 0
    while index < len(text):
        char = text[index]
        if char == '\\':
            index = _unescape_one(text, index, result)
            continue
        if char == GS_SYMBOL:
            result.append(0x1d)
        else:
            result.extend(char.encode('utf-8'))
        index += 1
    return bytes(result)


def _unescape_one(text, index, result):
    "Append the escape starting at text[index] to result; return next."
    following = text[index + 1:index + 2]
    if following in _UNNAMED:
        result.append(_UNNAMED[following])
        return index + 2
    if following == 'x':
        digits = text[index + 2:index + 4]
        if len(digits) == 2 and set(digits) <= _HEX:
            result.append(int(digits, 16))
            return index + 4
        raise ValueError('bad escape %r at position %d: \\x needs two hex '
            'digits' % (text[index:index + 4], index + 1))
    if not following:
        raise ValueError('bad escape at position %d: trailing backslash'
            % (index + 1))
    raise ValueError('bad escape %r at position %d: use \\xNN, \\r, \\n, '
        '\\t, \\\\ or \\0' % (text[index:index + 2], index + 1))
