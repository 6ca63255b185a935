# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The QR payload of a pick slip and the comparison of a scanned slip with
the ledger.  Plain functions, no ORM.

Payload (ASCII, one line)::

    ZTSLIP1|<request number>|<hash>

``ZTSLIP1`` names the format (version 1); the request number is printable
ASCII without ``|``; the hash is the SHA-256 (64 lowercase hex digits) of
the request's last ``zt.ledger.entry`` when the slip was printed, or
:data:`chain.GENESIS` (64 zeros) when the request had none yet."""
import re
from collections import namedtuple

from .chain import GENESIS

__all__ = ['PREFIX', 'SlipCodeError', 'SlipCode', 'payload', 'parse',
    'compare', 'Comparison', 'MATCH', 'CHANGED', 'NOT_IN_LEDGER',
    'UNKNOWN_REQUEST', 'MALFORMED', 'NO_ENTRY']

PREFIX = 'ZTSLIP1'
NO_ENTRY = GENESIS
SEPARATOR = '|'
_NUMBER = re.compile(r'[\x21-\x7e]{1,64}')
_HASH = re.compile(r'[0-9a-f]{64}')

# Comparison result codes.
MATCH = 'match'
CHANGED = 'changed'
NOT_IN_LEDGER = 'not_in_ledger'
UNKNOWN_REQUEST = 'unknown_request'
MALFORMED = 'malformed'

SlipCode = namedtuple('SlipCode', ['number', 'hash'])
Comparison = namedtuple('Comparison', ['code', 'number', 'newer', 'reason'])
Comparison.__doc__ = """The result of :func:`compare`: ``code`` (one of
the result codes), ``number`` (str, None when MALFORMED), ``newer`` (list
of the indexes in the history of the entries recorded after the printed
one, oldest first; empty unless ``code`` is CHANGED) and ``reason`` (str,
why the text is MALFORMED, else '')."""


class SlipCodeError(ValueError):
    "A QR text that is not a pick slip payload; the message says why."


def _check_number(number):
    if (not isinstance(number, str) or SEPARATOR in number
            or not _NUMBER.fullmatch(number)):
        raise SlipCodeError('the request number %r is not 1 to 64 '
            'printable ASCII characters without "|"' % (number,))


def _check_hash(hash_):
    if not isinstance(hash_, str) or not _HASH.fullmatch(hash_):
        raise SlipCodeError('the hash %r is not 64 lowercase hexadecimal '
            'digits' % (hash_,))


def payload(number, hash_):
    """Return the QR text (str) of the slip of request ``number`` (str)
    printed when its last ledger entry had the hash ``hash_`` (64 hex
    digits; :data:`NO_ENTRY` when none).  Raises :class:`SlipCodeError`
    for a number or hash that the format cannot carry."""
    _check_number(number)
    _check_hash(hash_)
    return SEPARATOR.join([PREFIX, number, hash_])


def parse(text):
    """Return the :class:`SlipCode` (number, hash) of the QR ``text`` (str;
    surrounding white space, as a scanner's line end, is ignored).

    Raises :class:`SlipCodeError` saying what is wrong: not text, another
    format or version, a wrong number of fields, a bad number or hash."""
    if not isinstance(text, str):
        raise SlipCodeError('the QR text must be text, got %r' % (text,))
    text = text.strip()
    if not text:
        raise SlipCodeError('the QR text is empty')
    fields = text.split(SEPARATOR)
    if fields[0] != PREFIX:
        raise SlipCodeError('the QR text does not start with %s| '
            '(not a pick slip of this system, or another version): %r'
            % (PREFIX, text[:40]))
    if len(fields) != 3:
        raise SlipCodeError('the QR text has %d fields separated by "|", '
            'expected 3 (%s|number|hash)' % (len(fields), PREFIX))
    _, number, hash_ = fields
    _check_number(number)
    _check_hash(hash_)
    return SlipCode(number, hash_)


def compare(text, history):
    """Compare the scanned slip ``text`` (QR str) with the ledger.

    ``history``: callable(number) returning the hashes (list of str,
    oldest first) of the ledger entries of the request ``number``, or
    None when no request has that number.  Returns a
    :class:`Comparison` whose code is:

    - MALFORMED: ``text`` is no slip payload (``reason`` says why);
    - UNKNOWN_REQUEST: no request has the number;
    - MATCH: the printed hash is the last entry's (or :data:`NO_ENTRY`
      and there is none);
    - CHANGED: the printed hash is an older entry's (or NO_ENTRY):
      ``newer`` holds the indexes in ``history`` of the later entries;
    - NOT_IN_LEDGER: the printed hash is none of the request's entries
      (a slip of another database, or forged).
    Never raises for a bad ``text``."""
    try:
        code = parse(text)
    except SlipCodeError as error:
        return Comparison(MALFORMED, None, [], str(error))
    hashes = history(code.number)
    if hashes is None:
        return Comparison(UNKNOWN_REQUEST, code.number, [], '')
    hashes = list(hashes)
    if code.hash == NO_ENTRY:
        position = -1
    elif code.hash in hashes:
        position = hashes.index(code.hash)
    else:
        return Comparison(NOT_IN_LEDGER, code.number, [], '')
    newer = list(range(position + 1, len(hashes)))
    return Comparison(
        CHANGED if newer else MATCH, code.number, newer, '')
