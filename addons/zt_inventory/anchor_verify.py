# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The anchor part of ``ztinv verify``: check the signed heads.

Plain SQL through a DB-API connection, no ORM (like ledger_verify.py).
Each anchor, from the table ``zt_ledger_anchor`` and from an anchor file
(a copy kept out of the server's reach), must carry a valid signature of
the server key and name an entry that still exists with exactly the
anchored hash.  This catches what the chain alone cannot: a cut tail with
its head row moved back, and a chain rewritten with recomputed hashes.
"""
import re
from collections import namedtuple

from . import anchor_sign, append_only
from .chain import Problem

__all__ = ['Result', 'server_public_keys', 'read_table', 'check']

SECTION = 'zt_inventory'
ANCHORS = ('SELECT key, sequence, hash, timestamp, public_key, signature '
    'FROM zt_ledger_anchor ORDER BY id')
HASHES = ('SELECT c.key, e.sequence, e.hash FROM zt_ledger_entry AS e '
    'JOIN zt_ledger_chain AS c ON c.id = e.chain '
    'WHERE e.sequence IN (%s)')
LAST = ('SELECT c.key, MAX(e.sequence) FROM zt_ledger_entry AS e '
    'JOIN zt_ledger_chain AS c ON c.id = e.chain GROUP BY c.key')
# Sequence numbers per IN list: far below every backend's limits.
CHUNK = 500

# checked: number of anchors checked (table and file); keys: the trusted
# public keys (set of hex str), empty when signatures were not checked;
# note: why not (str, '' when checked); problems: list of chain.Problem.
Result = namedtuple('Result', ['checked', 'keys', 'note', 'problems'])


def server_public_keys():
    """Return (set of trusted public keys as hex str, note) from trytond's
    configuration: ``[zt_inventory] ledger_public_key`` (one key, or
    several separated by spaces or commas after a key change), else the
    key of ``ledger_key``.  Without either, or if they cannot be used, the
    set is empty and the note (str) says why."""
    from trytond import config
    text = config.get(SECTION, 'ledger_public_key')
    if text:
        try:
            keys = {anchor_sign.public_key_text(anchor_sign.load_public_key(
                        k)) for k in re.split(r'[\s,]+', text.strip())}
        except anchor_sign.AnchorKeyError as error:
            return set(), 'ledger_public_key is not valid: %s' % error
        return keys, ''
    path = config.get(SECTION, 'ledger_key')
    if not path:
        return set(), 'no ledger_public_key or ledger_key configured'
    try:
        key = anchor_sign.load_private_key(path)
    except anchor_sign.AnchorKeyError as error:
        return set(), 'cannot read ledger_key %s: %s' % (path, error)
    return {anchor_sign.public_key_text(key)}, ''


def read_table(connection):
    "Return the anchors (list of anchor_sign.Anchor) of the database."
    cursor = connection.cursor()
    cursor.execute(ANCHORS)
    return [anchor_sign.Anchor(key, int(sequence), hash_, timestamp,
            public_key, signature)
        for key, sequence, hash_, timestamp, public_key, signature
        in cursor.fetchall()]


def check(connection, anchor_file=None, public_keys=None):
    """Check the anchors of the database and of ``anchor_file`` (path or
    None); return a :class:`Result`.

    ``public_keys``: the trusted keys (iterable of hex str), by default
    :func:`server_public_keys`; when empty, signatures are not checked
    (noted, not a problem) but anchored hashes still are.  Problems, all of
    kind ``'anchor'`` (``'trigger'`` for a dropped append-only trigger of
    the anchor table): a forged or foreign signature, an entry missing at
    the anchored sequence or with another hash, an unreadable file or
    line."""
    note = ''
    if public_keys is None:
        public_keys, note = server_public_keys()
    public_keys = set(public_keys)
    if not public_keys and not note:
        note = 'no public key given'
    problems = check_triggers(connection)
    database = read_table(connection)
    anchors = [('database', a) for a in database]
    if anchor_file:
        try:
            lines, errors = anchor_sign.read_file(anchor_file)
        except OSError as error:
            lines, errors = [], ['cannot be read: %s'
                % (error.strerror or error)]
        anchors += [(anchor_file, a) for a in lines]
        problems += [Problem('*', 0, 'anchor', 'anchor file %s %s'
                % (anchor_file, e)) for e in errors]
        problems += check_deleted(database, lines, anchor_file)
    if public_keys:
        problems += [p for s, a in anchors
            for p in check_signature(a, s, public_keys)]
    problems += check_heads(connection, {
            (a.chain, a.sequence, a.hash) for _, a in anchors})
    return Result(len(anchors), public_keys, note, problems)


def check_deleted(database, lines, anchor_file):
    """Return the problems (list) of the anchors of the file (``lines``)
    that are not in the ``database`` although it holds a later anchor of
    the same chain, or none at all: their rows were deleted.  (The file's
    last anchor of a chain may lack its row: the run that wrote it may
    have been rolled back.)"""
    stored = set(database)
    latest = {}
    for anchor in database:
        latest[anchor.chain] = max(
            latest.get(anchor.chain, ''), anchor.timestamp)
    return [Problem(a.chain, a.sequence, 'anchor',
            'anchor of %s in %s is not in the database: its row was '
            'deleted' % (a.timestamp, anchor_file))
        for a in lines if a not in stored
        and (a.chain not in latest or latest[a.chain] > a.timestamp)]


def check_signature(anchor, source, public_keys):
    "Return the problems (list) of the signature of ``anchor``."
    if anchor.public_key not in public_keys:
        detail = 'signed by key %s, not a server key' % anchor.public_key
    elif not anchor_sign.verify(anchor.public_key, anchor):
        detail = 'the signature does not verify'
    else:
        return []
    return [Problem(anchor.chain, anchor.sequence, 'anchor',
            'anchor of %s (%s): %s' % (anchor.timestamp, source, detail))]


def check_heads(connection, heads):
    """Return the problems (list) of the anchored heads: set of (chain key,
    sequence, hash) whose entry must exist with that hash."""
    cursor = connection.cursor()
    sequences = sorted({s for _, s, _ in heads if isinstance(s, int)})
    stored = {}
    for i in range(0, len(sequences), CHUNK):
        cursor.execute(HASHES % ', '.join(
                '%d' % s for s in sequences[i:i + CHUNK]))
        stored.update(((k, int(s)), h) for k, s, h in cursor.fetchall())
    problems, last = [], None
    for key, sequence, hash_ in sorted(heads, key=str):
        found = stored.get((key, sequence))
        if found is None:
            if last is None:
                cursor.execute(LAST)
                last = {k: int(s) for k, s in cursor.fetchall()}
            if last.get(key, 0) < sequence:
                detail = 'the chain ends at %s before the anchored head %s' % (
                    last.get(key, 0), sequence)
            else:
                detail = 'the anchored head %s is missing' % sequence
            problems.append(Problem(key, sequence, 'anchor', detail))
        elif found != hash_:
            problems.append(Problem(key, sequence, 'anchor',
                    'hash %s differs from the anchored %s' % (found, hash_)))
    return problems


def check_triggers(connection):
    """Return a problem (list of chain.Problem) for each append-only
    trigger of zt_ledger_anchor that was dropped, disabled or replaced by a
    lookalike (see append_only.check): the rows may still verify, but the
    door to silent edits was opened."""
    from trytond import backend
    return [Problem('*', 0, 'trigger', 'trigger %s' % problem)
        for problem in append_only.check(
            connection.cursor(), backend.name, 'zt_ledger_anchor')]


def summary(result):
    "Return the anchor part of verify's summary line (str)."
    if result.keys:
        return '%d anchor(s) checked' % result.checked
    return '%d anchor(s) checked, signatures not checked (%s)' % (
        result.checked, result.note)
