# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Check ledger chains from rows of PostgreSQL's ``COPY ... TO STDOUT``
(text format), fast, with the checks and problem reports of
:func:`chain.verify_chain` (kinds ``sequence``, ``link``, ``hash``).

Plain functions, no ORM import.  A row holds the :data:`ROW_COLUMNS` of one
entry of a known chain, tab separated, ending with a line feed; the user,
the employee and the device are empty when NULL (hash_input hashes None as
empty).  In COPY text a backslash starts an escape (``\\\\``, ``\\t``,
``\\n``, ``\\r``... and ``\\N`` for NULL), so a row without one holds its
fields as they are: its hash input is the chain's :func:`chain.hash_prefix`
then the row up to the stored hash with tabs turned into line feeds
(:func:`chain.joined_hash`).  Rows with a backslash are unescaped and
hashed by :func:`chain.entry_hash` itself.

A chain may be read in pieces (ranges of sequence numbers, e.g. by several
processes): :func:`scan` checks one piece but the sequence and link of its
first entry, which depend on the piece before; :func:`stitch` joins the
pieces of one chain in order and makes those checks.
"""
import re
from collections import namedtuple

from . import chain as ledger_chain

__all__ = ['ROW_COLUMNS', 'unescape', 'entry', 'Piece', 'scan', 'stitch']

ROW_COLUMNS = ('sequence', 'event', 'model', 'record', 'payload', 'user',
    'employee', 'device', 'timestamp', 'previous_hash', 'hash')
GENESIS = ledger_chain.GENESIS.encode('ascii')
# COPY text escapes (PostgreSQL's "File Formats"): any other escaped
# character stands for itself.
ESCAPES = {b'b': b'\b', b'f': b'\f', b'n': b'\n', b'r': b'\r',
    b't': b'\t', b'v': b'\v'}
_ESCAPE = re.compile(rb'\\([0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)', re.DOTALL)

# count: entries; first: (sequence, previous hash) of the first entry;
# last: (sequence, hash) of the last one (hashes as UTF-8 bytes; None when
# empty); problems: list of chain.Problem, the first entry's sequence and
# link unchecked; ties: two entries with one sequence number were seen.
Piece = namedtuple('Piece', ['count', 'first', 'last', 'problems', 'ties'])


def _unescape(match):
    code = match.group(1)
    if code in ESCAPES:
        return ESCAPES[code]
    if code[:1] == b'x' and len(code) > 1:
        return bytes([int(code[1:], 16)])
    if code[:1].isdigit():
        return bytes([int(code, 8) & 0xff])
    return code


def unescape(field):
    """Return the value (bytes, None for NULL) of ``field`` (bytes): one
    field of a COPY text row, without its tab."""
    if field == b'\\N':
        return None
    if b'\\' not in field:
        return field
    return _ESCAPE.sub(_unescape, field)


def entry(key, row, encoding='utf-8'):
    """Return the :class:`chain.Entry` of ``row`` (bytes, see the module's
    documentation, in ``encoding``) of the chain ``key`` (str), typed as
    ``ztinv verify`` always did: sequence, record, user and employee as
    int, an empty user, employee or device as None.  Raises ``ValueError``
    for a row without the 11 columns."""
    fields = [unescape(f) for f in row.rstrip(b'\n').split(b'\t')]
    if len(fields) != len(ROW_COLUMNS):
        raise ValueError('%d columns in a ledger row' % len(fields))
    (sequence, event, model, record, payload, user, employee, device,
        timestamp, previous_hash, hash_) = [
        f.decode(encoding) if f is not None else None for f in fields]
    return ledger_chain.Entry(key, int(sequence), event, model, int(record),
        payload, _int(user), _int(employee), device or None, timestamp,
        previous_hash, hash_)


def _int(value):
    return int(value) if value not in (None, '') else None


def _slow(key, row, encoding):
    "Return (sequence, previous hash, stored hash, computed hash) of row."
    e = entry(key, row, encoding)
    computed = ledger_chain.checked_hash(e)
    return (e.sequence, e.previous_hash.encode('utf-8'),
        e.hash.encode('utf-8'), computed.encode('utf-8'))


def _text(value):
    return value.decode('utf-8', 'replace')


def scan(rows, key, encoding='utf-8'):
    """Check ``rows`` (iterable of bytes, see the module's documentation),
    the entries of one piece of the chain ``key`` (str) in sequence order;
    return a :class:`Piece`.

    Every check of :func:`chain.verify_chain` is made but the sequence and
    the link of the first entry.  ``encoding``: the connection's (Python
    name); rows in another encoding than UTF-8 all take the slow path.
    Raises what :func:`chain.entry_hash` raises for a row it cannot hash
    (a NULL payload, a line feed in another field)."""
    prefix = ledger_chain.hash_prefix(key)
    joined_hash = ledger_chain.joined_hash
    fast = encoding.replace('_', '-').lower() in {'utf-8', 'utf8'}
    problems = []
    append = problems.append
    Problem = ledger_chain.Problem
    count, first, ties = 0, None, False
    expected = previous = None
    for row in rows:
        if fast and b'\\' not in row:
            body, _, stored = row.rpartition(b'\t')
            stored = stored[:-1]
            sequence = int(body[:body.index(b'\t')])
            # The previous hash is the last field, 64 bytes if untouched.
            link = body[-64:]
            if body[-65:-64] != b'\t':
                link = body[body.rfind(b'\t') + 1:]
            computed = joined_hash(prefix, body.replace(b'\t', b'\n')
                ).encode('ascii')
        else:
            sequence, link, stored, computed = _slow(key, row, encoding)
        if expected is None:
            first = (sequence, link)
        else:
            if sequence != expected:
                ties = ties or sequence == expected - 1
                append(Problem(key, sequence, 'sequence',
                        'expected sequence %s' % expected))
            if link != previous:
                append(Problem(key, sequence, 'link',
                        'previous hash %s, expected %s'
                        % (_text(link), _text(previous))))
        if computed != stored:
            append(Problem(key, sequence, 'hash', 'stored %s, computed %s'
                    % (_text(stored), _text(computed))))
        count += 1
        expected, previous = sequence + 1, stored
    last = (expected - 1, previous) if count else None
    return Piece(count, first, last, problems, ties)


def stitch(key, pieces):
    """Join ``pieces`` (iterable of :class:`Piece`) of the chain ``key`` in
    their order, checking the sequence and link of each piece's first entry
    against the entry before (the first of the chain: sequence 1 and the
    genesis hash); return (problems (list of chain.Problem) in the order of
    :func:`chain.verify_chain`, number of entries, (sequence, hash str) of
    the last entry or None)."""
    Problem = ledger_chain.Problem
    problems, count, last = [], 0, None
    for piece in pieces:
        if not piece.count:
            continue
        expected, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
        sequence, link = piece.first
        if sequence != expected:
            problems.append(Problem(key, sequence, 'sequence',
                    'expected sequence %s' % expected))
        if link != previous:
            problems.append(Problem(key, sequence, 'link',
                    'previous hash %s, expected %s'
                    % (_text(link), _text(previous))))
        problems.extend(piece.problems)
        count += piece.count
        last = piece.last
    if last is not None:
        last = (last[0], last[1].decode('utf-8', 'replace'))
    return problems, count, last
