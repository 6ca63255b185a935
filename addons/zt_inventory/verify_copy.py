# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The PostgreSQL read of ``ztinv verify``: every chain in pieces (ranges
of sequence numbers) read with ``COPY ... TO STDOUT`` and checked by
:mod:`chain_copy`, in this process or in worker processes.

Workers open their own connection and import the snapshot of the caller's
transaction (``pg_export_snapshot``), so that all of them see the very
ledger the caller sees, whatever is appended meanwhile.  Each piece is read
in (sequence) order through the ``(chain, sequence)`` index: the planner is
told not to sort nor scan the whole table (a sort of a long chain spills to
disk), and a piece where one sequence number shows twice (the unique index
was dropped) is read again ordered by id too, as the reference does.
"""
import math
import multiprocessing
import re
from contextlib import contextmanager

from psycopg import DatabaseError, pq

from . import chain_copy

# Entries a piece holds at most when sequence numbers are dense: progress
# is told at least that often, and workers share the work in slices this
# thin (about 0.1 s of work each).
PIECE_ROWS = 50000
MAX_PIECES = 512
# Below this many entries, workers cost more than they save.
PARALLEL_MIN = 150000
COPY = ('COPY (SELECT e.sequence, e.event, e.model, e.record, e.payload, '
    'COALESCE(e."user"::text, \'\'), COALESCE(e.employee::text, \'\'), '
    "COALESCE(e.device, ''), e.timestamp, e.previous_hash, e.hash "
    'FROM zt_ledger_entry AS e WHERE e.chain IN (%s)%s '
    'ORDER BY e.sequence%s) TO STDOUT')
BOUNDS = ('SELECT MIN(sequence), MAX(sequence) FROM zt_ledger_entry '
    'WHERE chain IN (%s)')
# Planner settings for the reads (off: no JIT, no seq scan, no sort).
PLANNER = ('jit', 'enable_seqscan', 'enable_sort')
_SNAPSHOT = re.compile(r'^[0-9A-Fa-f-]+$')
_worker = {}


def _ids(ids):
    return ', '.join(str(int(i)) for i in ids)


def plan(connection, chains, rows=None):
    """Return the pieces (list of (key, chain ids, low, high, size)) that
    cover ``chains`` (list of (key str, list of zt_ledger_chain ids), in
    key order), in order: sequence numbers from ``low`` included to
    ``high`` excluded, None for no bound, about ``size`` (int) entries
    each, at most ``rows`` (default :data:`PIECE_ROWS`) if the sequence
    numbers are dense, from the lowest and highest of each chain.  Every
    entry falls in one piece, whatever its sequence number."""
    rows = rows or PIECE_ROWS
    cursor = connection.cursor()
    pieces = []
    for key, ids in chains:
        cursor.execute(BOUNDS % _ids(ids))
        low, high = cursor.fetchone()
        count = 1 if low is None else min(
            MAX_PIECES, math.ceil((high - low + 1) / rows))
        width = 0 if low is None else math.ceil((high - low + 1) / count)
        bounds = [None] + [low + i * width for i in range(1, count)] + [None]
        pieces.extend((key, ids, bounds[i], bounds[i + 1], width)
            for i in range(count))
    return pieces


def copy_rows(connection, query):
    """Yield the rows (bytes, each ending with a line feed) of ``query``
    (str, ``COPY ... TO STDOUT`` in text format) on ``connection`` (psycopg
    3), inside its transaction.  Reads straight from libpq (psycopg.pq):
    much cheaper per row than ``Copy.read()``.  Raises
    ``psycopg.DatabaseError`` if the statement fails."""
    pgconn = connection.pgconn
    if (not connection.autocommit
            and pgconn.transaction_status == pq.TransactionStatus.IDLE):
        connection.execute('SELECT 1')  # psycopg begins the transaction
    pgconn.send_query(query.encode('utf-8'))
    result = pgconn.get_result()
    if result.status != pq.ExecStatus.COPY_OUT:
        _drain(pgconn)
        raise DatabaseError((result.error_message or b'').decode(
                'utf-8', 'replace'))
    finished = False
    try:
        get = pgconn.get_copy_data
        while True:
            nbytes, data = get(0)
            if nbytes < 0:
                break
            yield bytes(data)
        finished = True
    finally:
        if not finished:
            connection.cancel_safe()
            while get(0)[0] >= 0:
                pass
        result = pgconn.get_result()
        _drain(pgconn)
    if result.status != pq.ExecStatus.COMMAND_OK:
        raise DatabaseError((result.error_message or b'').decode(
                'utf-8', 'replace'))


def _drain(pgconn):
    while pgconn.get_result() is not None:
        pass


def scan_piece(connection, piece):
    """Read and check ``piece`` (see :func:`plan`); return a
    :class:`chain_copy.Piece`."""
    key, ids, low, high, _ = piece
    where = ''.join(
        ' AND e.sequence %s %d' % (op, bound)
        for op, bound in (('>=', low), ('<', high)) if bound is not None)
    encoding = connection.info.encoding
    result = chain_copy.scan(
        copy_rows(connection, COPY % (_ids(ids), where, '')), key, encoding)
    if result.ties:
        result = chain_copy.scan(copy_rows(
                connection, COPY % (_ids(ids), where, ', e.id')),
            key, encoding)
    return result


@contextmanager
def planned(connection):
    """Run the block with :data:`PLANNER` off in ``connection``'s
    transaction, then put back what they were."""
    cursor = connection.cursor()
    saved = _planner_off(cursor)
    try:
        yield
    finally:
        _set(cursor, saved)


def _planner_off(cursor):
    "Turn the known PLANNER settings off; return their (name, value)."
    cursor.execute('SELECT %s' % ', '.join(
            "current_setting('%s', true)" % name for name in PLANNER))
    saved = [(n, v) for n, v in zip(PLANNER, cursor.fetchone())
        if v is not None]
    _set(cursor, [(n, 'off') for n, _ in saved])
    return saved


def _set(cursor, settings):
    for name, value in settings:
        cursor.execute('SELECT set_config(%s, %s, true)', (name, value))


def check(connection, chains, progress=None, jobs=1):
    """Yield (key, problems, entries, last) for each of ``chains`` (list of
    (key, ids) in key order) as :func:`chain_copy.stitch` returns them.

    ``jobs``: processes to use; more than one only for a large ledger and a
    connection in a REPEATABLE READ (or SERIALIZABLE) transaction, whose
    snapshot the workers import.  ``progress``: callable(entries read),
    called at each multiple of 100000."""
    with planned(connection):
        pieces = plan(connection, chains)
    size = sum(p[-1] for p in pieces)
    if (jobs > 1 and pieces and size >= PARALLEL_MIN
            and _exportable(connection)):
        cursor = connection.cursor()
        cursor.execute('SELECT pg_export_snapshot()')
        snapshot, = cursor.fetchone()
        context = multiprocessing.get_context('fork')
        with context.Pool(min(jobs, len(pieces)), _start_worker,
                (connection.info.dbname, snapshot)) as pool:
            yield from _stitched(
                pieces, pool.imap(_worker_scan, pieces), progress)
    else:
        with planned(connection):
            yield from _stitched(pieces,
                (scan_piece(connection, p) for p in pieces), progress)


def _exportable(connection):
    return (not connection.autocommit
        and connection.isolation_level is not None
        and connection.isolation_level.name in {
            'REPEATABLE_READ', 'SERIALIZABLE'})


def _stitched(pieces, results, progress):
    "Yield stitch() of each chain from the pieces and their results."
    read, key, group = 0, None, []
    for (piece_key, *_), result in zip(pieces, results):
        if piece_key != key and group:
            yield (key, *chain_copy.stitch(key, group))
            group = []
        key = piece_key
        group.append(result)
        if progress:
            for n in range((read // 100000 + 1) * 100000,
                    read + result.count + 1, 100000):
                progress(n)
        read += result.count
    if group:
        yield (key, *chain_copy.stitch(key, group))


def _start_worker(database, snapshot):
    """Open the worker's connection on ``database`` in ``snapshot``; a
    failure is raised by the worker's first task (a pool whose initializer
    raises starts new workers for ever)."""
    from trytond import backend
    try:
        if not _SNAPSHOT.match(snapshot):
            raise ValueError('snapshot %r' % snapshot)
        connection = backend.Database(database).connect().get_connection(
            readonly=True)
        cursor = connection.cursor()
        cursor.execute("SET TRANSACTION SNAPSHOT '%s'" % snapshot)
        _planner_off(cursor)
        _worker['connection'] = connection
    except Exception as error:
        _worker['error'] = '%s: %s' % (error.__class__.__name__, error)


def _worker_scan(piece):
    if 'error' in _worker:
        raise RuntimeError('verify worker: %s' % _worker['error'])
    return scan_piece(_worker['connection'], piece)
