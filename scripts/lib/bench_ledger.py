# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""Benchmark part 2: a generated ledger, a plain COPY read, ``ztinv verify``.

The generated entries are valid chains built with the reference functions
of ``chain.py`` (``canonical_payload``, ``format_timestamp``,
``entry_hash``), model ``zt.bench`` (no such model exists, so the state
comparison of stock records with their last entries has nothing to compare
them with), payloads shaped like a done stock move (about 330 bytes, some
with non-ASCII text, one in a thousand with a backslash).  They are loaded
with ``COPY FROM`` (the append-only triggers refuse UPDATE and DELETE, not
INSERT), one process per chain, and the chain heads are set to the last
entries."""
import datetime as dt
import multiprocessing
import re
import statistics
import subprocess
import sys
import time
from decimal import Decimal

import psycopg
from psycopg import sql

from trytond.modules.zt_inventory import chain as ledger_chain

MODEL = 'zt.bench'
ENTRY_COLUMNS = ('id', 'chain', 'sequence', 'event', 'model', 'record',
    'payload', 'user', 'employee', 'device', 'timestamp', 'date',
    'previous_hash', 'hash', 'create_date', 'create_uid')
# The columns and order ztinv verify reads (ledger_verify.QUERY).
READ_QUERY = ('SELECT c.key, e.sequence, e.event, e.model, e.record, '
    'e.payload, e."user", e.employee, e.device, e.timestamp, '
    'e.previous_hash, e.hash FROM zt_ledger_entry AS e '
    'JOIN zt_ledger_chain AS c ON c.id = e.chain '
    'ORDER BY c.key, e.sequence, e.id')
START = dt.datetime(2026, 1, 5, 0, 0, 0)
FLUSH_BYTES = 1 << 20


def copy_text(value):
    """Return ``value`` (str, int or None) as a field of PostgreSQL's COPY
    text format (str): ``\\N`` for None, backslash, tab, line feed and
    carriage return escaped."""
    if value is None:
        return '\\N'
    return (str(value).replace('\\', '\\\\').replace('\t', '\\t')
        .replace('\n', '\\n').replace('\r', '\\r'))


def payload(sequence):
    """Return the payload (dict) of the generated entry ``sequence``: a done
    stock move issued to production."""
    reference = None
    if not sequence % 1000:
        reference = 'ISS\\%d' % sequence
    return {
        'product': 'RM-%05d' % (sequence % 5000),
        'product_id': 100 + sequence % 5000,
        'quantity': Decimal(sequence % 7 + 1),
        'unit': 'u' if sequence % 3 else '件',
        'unit_id': 1,
        'from_location': 'STO' if sequence % 2 else '原料库',
        'from_location_id': 3,
        'to_location': 'PROD',
        'to_location_id': 7,
        'lot': None,
        'lot_id': None,
        'origin': 'zt.issue.request.line,%d' % (sequence // 3 + 1),
        'shipment': None,
        'shipment_reference': reference,
        'unit_price': Decimal('12.3400'),
        'effective_date': (START + dt.timedelta(
                seconds=sequence)).date(),
        'state': 'done',
        }


def chain_lines(key, chain_id, count, first_id, user):
    """Yield (COPY text line of zt_ledger_entry in ENTRY_COLUMNS order, hash)
    for the ``count`` entries of the chain ``key`` (str) whose row id is
    ``chain_id``; row ids start at ``first_id``; ``user`` is the actor
    (res.user id)."""
    previous = ledger_chain.GENESIS
    for sequence in range(1, count + 1):
        event = 'zt.bench.%s' % ('created' if sequence % 2 else 'done')
        record = sequence // 2 + 1
        text = ledger_chain.canonical_payload(payload(sequence))
        when = START + dt.timedelta(seconds=sequence, microseconds=sequence)
        timestamp = ledger_chain.format_timestamp(when)
        hash_ = ledger_chain.entry_hash(key, sequence, event, MODEL, record,
            text, user, None, None, timestamp, previous)
        fields = (first_id + sequence - 1, chain_id, sequence, event,
            MODEL, record, text, user, None, None, timestamp,
            when.isoformat(' '), previous, hash_, when.isoformat(' '), user)
        yield '\t'.join(map(copy_text, fields)) + '\n', hash_
        previous = hash_


def load_chain(conninfo, key, chain_id, count, first_id, user):
    """Generate and COPY the chain ``key`` into zt_ledger_entry in its own
    connection; return the chain's head (sequence, hash)."""
    head = (0, ledger_chain.GENESIS)
    statement = sql.SQL('COPY zt_ledger_entry ({}) FROM STDIN').format(
        sql.SQL(', ').join(map(sql.Identifier, ENTRY_COLUMNS)))
    with psycopg.connect(conninfo) as connection, \
            connection.cursor().copy(statement) as copy:
        buffer, size = [], 0
        for sequence, (line, hash_) in enumerate(chain_lines(
                    key, chain_id, count, first_id, user), 1):
            buffer.append(line)
            size += len(line)
            head = (sequence, hash_)
            if size > FLUSH_BYTES:
                copy.write(''.join(buffer))
                buffer, size = [], 0
        copy.write(''.join(buffer))
    return key, head


def generate(conninfo, company, warehouses, entries, user, jobs):
    """Load ``entries`` generated entries split evenly over one chain per
    warehouse (list of stock.location ids) of ``company``, ``jobs`` chains
    at a time, set the chains' heads and VACUUM ANALYZE; return the
    seconds taken (float)."""
    started = time.monotonic()
    counts = [entries // len(warehouses)] * len(warehouses)
    counts[0] += entries - sum(counts)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        tasks, first = [], None
        for warehouse, count in zip(warehouses, counts):
            key = '%s:%s' % (company, warehouse)
            chain_id, = connection.execute(
                "SELECT nextval('zt_ledger_chain_id_seq')").fetchone()
            connection.execute('INSERT INTO zt_ledger_chain (id, company, '
                'warehouse, key, head_sequence, head_hash, create_date, '
                'create_uid) VALUES (%s, %s, %s, %s, 0, %s, '
                "now() AT TIME ZONE 'UTC', %s)",
                (chain_id, company, warehouse, key, ledger_chain.GENESIS,
                    user))
            # One call reserves the ids of the whole chain.
            last, = connection.execute(
                "SELECT setval('zt_ledger_entry_id_seq', "
                "nextval('zt_ledger_entry_id_seq') + %s)",
                (count,)).fetchone()
            first = last - count
            tasks.append((conninfo, key, chain_id, count, first, user))
        with multiprocessing.get_context('fork').Pool(jobs) as pool:
            heads = pool.starmap(load_chain, tasks)
        for key, (sequence, hash_) in heads:
            connection.execute('UPDATE zt_ledger_chain SET head_sequence = '
                '%s, head_hash = %s WHERE key = %s', (sequence, hash_, key))
        connection.execute('VACUUM ANALYZE zt_ledger_entry')
        connection.execute('VACUUM ANALYZE zt_ledger_chain')
    return time.monotonic() - started


def table_stats(conninfo):
    """Return (entries, average COPY row bytes of the verify columns,
    average payload bytes) of the ledger."""
    with psycopg.connect(conninfo) as connection:
        return connection.execute(
            "SELECT COUNT(*), AVG(octet_length(concat_ws(E'\\t', c.key, "
            'e.sequence, e.event, e.model, e.record, e.payload, e."user", '
            'e.employee, e.device, e.timestamp, e.previous_hash, e.hash)) '
            '+ 1)::float, AVG(octet_length(e.payload))::float '
            'FROM zt_ledger_entry AS e JOIN zt_ledger_chain AS c '
            'ON c.id = e.chain').fetchone()


def time_copy(conninfo, indexed=False):
    """Read every entry with ``COPY (READ_QUERY) TO STDOUT`` through psycopg
    into nothing, in one stream: the query as the planner likes it (a sort)
    or, if ``indexed``, with sorts and sequential scans off (the order of
    the (chain, sequence) index, as verify reads); return (seconds, bytes
    read)."""
    started, size = time.monotonic(), 0
    with psycopg.connect(conninfo) as connection:
        if indexed:
            for name in ('jit', 'enable_seqscan', 'enable_sort'):
                connection.execute('SET %s = off' % name)
        with connection.cursor().copy(
                'COPY (%s) TO STDOUT' % READ_QUERY) as copy:
            for block in copy:
                size += len(block)
    return time.monotonic() - started, size


def time_verify(ztinv, config, database):
    """Run ``ztinv verify -c config -d database`` as an operator does;
    return (seconds, exit code, its summary line)."""
    started = time.monotonic()
    process = subprocess.run([ztinv, 'verify', '-c', config, '-d', database],
        capture_output=True, text=True)
    elapsed = time.monotonic() - started
    lines = process.stdout.strip().splitlines()
    if process.returncode:
        sys.stderr.write(process.stdout[-4000:] + process.stderr[-4000:])
    return elapsed, process.returncode, lines[-1] if lines else ''


def run(conninfo, ztinv, config, database, repeat):
    """Time the COPY read and ``ztinv verify`` ``repeat`` times each,
    alternating; return a dict of medians and every measure.  Raises
    AssertionError if verify reports a problem."""
    copies, indexed, verifies, reported = [], [], [], []
    for _ in range(repeat):
        seconds, size = time_copy(conninfo)
        copies.append(seconds)
        indexed.append(time_copy(conninfo, indexed=True)[0])
        seconds, code, summary = time_verify(ztinv, config, database)
        assert code == 0 and ' 0 problem(s)' in summary, summary
        verifies.append(seconds)
        reported.append(float(re.search(r' in ([0-9.]+) s$',
                    summary).group(1)))
    return {
        'verify_reported_s': statistics.median(reported),
        'verify_reported_runs_s': reported,
        'copy_s': statistics.median(copies),
        'copy_indexed_s': statistics.median(indexed),
        'verify_s': statistics.median(verifies),
        'copy_runs_s': copies,
        'copy_indexed_runs_s': indexed,
        'verify_runs_s': verifies,
        'copy_bytes': size,
        'verify_summary': summary,
        }
