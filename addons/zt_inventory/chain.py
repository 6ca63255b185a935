# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The ledger's hash chain: canonical encoding, hashing, verification.

Plain functions, no ORM import.  What is hashed, in which order and with
which encoding (version ``zt-ledger-1``):

1. The payload (a dict) is encoded as canonical JSON: keys sorted, no
   spaces (separators ``,`` and ``:``), non-ASCII kept as UTF-8, Decimal as
   its exact string, dates and times in ISO 8601, None as ``null``.  Canonical
   JSON never holds a raw line feed (JSON escapes it).
2. The hash input is the UTF-8 encoding of these 12 fields joined by a line
   feed (``\\n``), in this order: the version ``zt-ledger-1``; the chain
   key; the sequence number (decimal); the event type; the model name; the
   record id (decimal); the canonical payload; the user id (decimal, empty if
   none); the employee id (idem); the device (empty if none); the server
   timestamp (UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``); the previous entry's hash
   (64 lowercase hex digits, 64 zeros for the first entry).  No field other
   than the payload may contain a line feed.
3. The entry's hash is the SHA-256 of that input, in lowercase hex.

Each entry stores the canonical payload text and the timestamp text that
were hashed, so that verifying never depends on how a database formats
values.
"""
import datetime as dt
import hashlib
import json
from collections import namedtuple
from decimal import Decimal

__all__ = ['VERSION', 'GENESIS', 'canonical_payload', 'format_timestamp',
    'hash_input', 'entry_hash', 'checked_hash', 'hash_prefix', 'joined_hash',
    'Entry', 'Problem', 'verify_chain']

VERSION = 'zt-ledger-1'
GENESIS = '0' * 64

# The fields of an entry, in hash order (after the version).
Entry = namedtuple('Entry', ['chain', 'sequence', 'event', 'model',
        'record', 'payload', 'user', 'employee', 'device', 'timestamp',
        'previous_hash', 'hash'])
Problem = namedtuple('Problem', ['chain', 'sequence', 'kind', 'detail'])


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    raise TypeError('%r is not JSON serialisable' % (value,))


def canonical_payload(payload):
    """Return the canonical JSON text (str) of ``payload`` (dict of str to
    JSON-able values, Decimal, date, datetime, time, timedelta).

    Raises ``TypeError`` for any other value and ``ValueError`` for a float
    that is not finite."""
    return json.dumps(payload, default=_default, sort_keys=True,
        separators=(',', ':'), ensure_ascii=False, allow_nan=False)


def format_timestamp(value):
    """Return ``value`` (naive datetime in UTC, or aware) as the canonical
    timestamp text ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def _text(value):
    if value is None:
        return ''
    text = str(value)
    if '\n' in text:
        raise ValueError('a line feed in %r' % text)
    return text


def hash_input(chain, sequence, event, model, record, payload, user,
        employee, device, timestamp, previous_hash):
    """Return the bytes that are hashed for an entry (see the module's
    documentation).  ``payload`` and ``timestamp`` are the canonical texts.
    Raises ``ValueError`` if a field other than the payload holds a line
    feed."""
    fields = [VERSION, _text(chain), _text(sequence), _text(event),
        _text(model), _text(record), payload, _text(user),
        _text(employee), _text(device), _text(timestamp),
        _text(previous_hash)]
    return '\n'.join(fields).encode('utf-8')


def entry_hash(*args, **kwargs):
    """Return the SHA-256 hex digest (str, 64 lowercase hex digits) of
    :func:`hash_input` of the same arguments."""
    return hashlib.sha256(hash_input(*args, **kwargs)).hexdigest()


def hash_prefix(chain):
    """Return the first bytes of the hash input of every entry of
    ``chain`` (the chain key): the version and the key, each followed by a
    line feed.  Raises ``ValueError`` if the key holds a line feed."""
    return ('%s\n%s\n' % (VERSION, _text(chain))).encode('utf-8')


def checked_hash(entry):
    """Return :func:`entry_hash` of the :class:`Entry` ``entry``, or, for an
    entry that cannot be hashed (a NULL payload, a line feed in another
    field: only a change behind the ORM's back leaves one), a text that
    says so and never equals a hash."""
    try:
        return entry_hash(*entry[:-1])
    except (TypeError, ValueError, AttributeError) as error:
        return 'unhashable (%s)' % error


def joined_hash(prefix, rest):
    """Return :func:`entry_hash` (str) of an entry from ``prefix``
    (:func:`hash_prefix` of its chain, bytes) and ``rest`` (bytes): its
    other 10 fields, from the sequence number to the previous hash, as the
    UTF-8 texts that :func:`hash_input` makes of them (None as empty),
    joined by line feeds.  The fast path of ``ztinv verify``: the caller
    ensures that no field but the payload holds a line feed."""
    return hashlib.sha256(prefix + rest).hexdigest()


def verify_chain(entries, chain=None, head=None):
    """Check one chain and return its problems (list of :class:`Problem`).

    ``entries``: iterable of :class:`Entry` of one chain in sequence order.
    ``head``: optional (sequence, hash) the chain must reach, from a signed
    anchor; a chain that stops before it was cut.

    Kinds: ``'chain'`` (entry of another chain), ``'sequence'`` (a gap, a
    duplicate or a reordering), ``'link'`` (previous hash is not the hash of
    the entry before), ``'hash'`` (the stored hash is not the hash of the
    content: the entry was edited), ``'anchor'`` (the chain does not reach
    or does not match the anchored head)."""
    problems = []
    expected_sequence, previous = 1, GENESIS
    hashes = {}
    for entry in entries:
        if chain is None:
            chain = entry.chain
        if entry.chain != chain:
            problems.append(Problem(chain, entry.sequence, 'chain',
                    'entry of chain %s' % entry.chain))
            continue
        if entry.sequence != expected_sequence:
            problems.append(Problem(chain, entry.sequence, 'sequence',
                    'expected sequence %s' % expected_sequence))
        if entry.previous_hash != previous:
            problems.append(Problem(chain, entry.sequence, 'link',
                    'previous hash %s, expected %s'
                    % (entry.previous_hash, previous)))
        computed = checked_hash(entry)
        if computed != entry.hash:
            problems.append(Problem(chain, entry.sequence, 'hash',
                    'stored %s, computed %s' % (entry.hash, computed)))
        hashes[entry.sequence] = entry.hash
        expected_sequence = entry.sequence + 1
        previous = entry.hash
    if head is not None:
        sequence, hash_ = head
        if sequence not in hashes:
            problems.append(Problem(chain, sequence, 'anchor',
                    'the chain ends at %s before the anchored head %s'
                    % (expected_sequence - 1, sequence)))
        elif hashes[sequence] != hash_:
            problems.append(Problem(chain, sequence, 'anchor',
                    'hash %s differs from the anchored %s'
                    % (hashes[sequence], hash_)))
    return problems
