# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""``ztinv verify``: recompute every ledger chain straight from the database.

It reads the rows with plain SQL through trytond's backend (no ORM, no
access rules, no cache), so that it sees what an attacker with database
access left, and checks them with :func:`chain.verify_chain` (SQLite) or
its fast equivalent on COPY text, :mod:`chain_copy`, in several processes
for a large ledger (PostgreSQL, :mod:`verify_copy`).  It also checks that
each chain's stored head is its last entry.
"""
import os
import sys
import time
from itertools import groupby

from . import anchor_verify, append_only, chain, ledger_state, verify_copy

COLUMNS = ('c.key', 'e.sequence', 'e.event', 'e.model', 'e.record',
    'e.payload', 'e."user"', 'e.employee', 'e.device', 'e.timestamp',
    'e.previous_hash', 'e.hash')
QUERY = ('SELECT %s FROM zt_ledger_entry AS e '
    'JOIN zt_ledger_chain AS c ON c.id = e.chain '
    'ORDER BY c.key, e.sequence, e.id' % ', '.join(COLUMNS))
CHAINS = ('SELECT key, id, head_sequence, head_hash FROM zt_ledger_chain '
    'ORDER BY key, id')


class DatabaseUnavailable(Exception):
    "The configuration cannot be read or the database cannot be opened."


def connect(config_file, database):
    """Return a DB-API connection to ``database`` with the settings of
    trytond's ``config_file`` (environment overrides included).  Raises
    :class:`DatabaseUnavailable` saying what is wrong."""
    from trytond import config as tconfig
    if not os.path.isfile(config_file):
        raise DatabaseUnavailable(
            'cannot read the configuration file %s' % config_file)
    try:
        tconfig.update_etc(config_file)
    except Exception as error:
        raise DatabaseUnavailable('cannot read the configuration file %s: '
            '%s' % (config_file, str(error).splitlines()[0])) from error
    from trytond import backend
    try:
        return backend.Database(database).connect().get_connection(
            readonly=True)
    except Exception as error:
        raise DatabaseUnavailable('cannot open database %s: %s'
            % (database, error)) from error


def rows(connection):
    """Yield the entries (chain.Entry) in chain and sequence order; on
    PostgreSQL through ``COPY ... TO STDOUT``, the fastest read."""
    cursor = connection.cursor()
    if hasattr(cursor, 'copy'):
        with cursor.copy('COPY (%s) TO STDOUT' % QUERY) as copy:
            for row in copy.rows():
                yield chain.Entry(*_typed(row))
    else:
        cursor.execute(QUERY)
        for row in cursor:
            yield chain.Entry(*_typed(row))


def _typed(row):
    key, sequence, event, model, record, payload, user, employee, device, \
        timestamp, previous_hash, hash_ = row
    return (key, int(sequence), event, model, int(record), payload,
        _int(user), _int(employee), device or None, timestamp,
        previous_hash, hash_)


def _int(value):
    return int(value) if value not in (None, '') else None


def check_triggers(connection):
    """Return a problem (list of chain.Problem) for each append-only
    trigger of zt_ledger_entry that was dropped, disabled or replaced by a
    lookalike (see append_only.check): the rows may still verify, but the
    door to silent edits was opened."""
    from trytond import backend
    cursor = connection.cursor()
    return [chain.Problem('*', 0, 'trigger', 'trigger %s' % problem)
        for table, append in [('zt_ledger_entry', True),
            ('zt_ledger_chain', False)]
        for problem in append_only.check(
            cursor, backend.name, table, append)]


def verify(connection, progress=None, jobs=1):
    """Verify every chain; return (number of chains, number of entries,
    list of chain.Problem).  ``progress``: callable(entries read) or
    None.  ``jobs``: processes that may share the reading and hashing
    (PostgreSQL, large ledger, see verify_copy.check)."""
    cursor = connection.cursor()
    cursor.execute(CHAINS)
    heads, ids = {}, {}
    for key, id_, sequence, hash_ in cursor.fetchall():
        heads[key] = (int(sequence or 0), hash_)
        ids.setdefault(key, []).append(id_)
    problems, counted, seen = check_triggers(connection), 0, set()
    if hasattr(cursor, 'copy'):
        checked = verify_copy.check(
            connection, list(ids.items()), progress, jobs)
    else:
        checked = checked_rows(connection, progress)
    for key, chain_problems, entries, last in checked:
        if not entries:
            continue
        seen.add(key)
        counted += entries
        problems.extend(chain_problems)
        if key in heads and heads[key] != last:
            problems.append(chain.Problem(key, last[0], 'head',
                    'stored head %s %s, last entry %s %s' % (
                        *heads[key], *last)))
    for key in heads:
        if key not in seen and heads[key][0]:
            problems.append(chain.Problem(key, heads[key][0], 'head',
                    'the chain has no entries left'))
    problems.extend(compare_records(connection))
    return len(heads), counted, problems


def checked_rows(connection, progress=None):
    """Yield (key, problems, number of entries, (sequence, hash) of the
    last entry) for each chain with entries, in key order: :func:`rows`
    checked by :func:`chain.verify_chain`, the reference (SQLite)."""
    counted = [0]

    def counting(entries):
        for entry in entries:
            counted[0] += 1
            if progress and not counted[0] % 100000:
                progress(counted[0])
            yield entry

    for key, entries in groupby(counting(rows(connection)),
            key=lambda e: e.chain):
        entries = list(entries)
        last = entries[-1]
        yield (key, chain.verify_chain(entries, chain=key), len(entries),
            (last.sequence, last.hash))


def placeholder():
    """Return the DB-API parameter marker (str) of trytond's backend: '?'
    for sqlite3, '%s' for psycopg."""
    from trytond import backend
    return '?' if backend.name == 'sqlite' else '%s'


def compare_records(connection):
    """Return the problems (list of chain.Problem of kind 'record') of
    stock records that differ from the last state their ledger entries
    record (see ledger_state)."""
    return ledger_state.compare(connection, placeholder=placeholder())


def main(config_file, database, out=sys.stdout, err=sys.stderr,
        anchor_file=None):
    """Run ``ztinv verify``; return the exit code: 0 when every chain
    holds, 1 otherwise (each problem is printed).  The signed anchors of
    the database and of ``anchor_file`` (path or None) are checked too."""
    started = time.monotonic()
    connection = connect(config_file, database)
    try:
        chains, entries, problems = verify(connection,
            progress=lambda n: print("verify: %d entries read" % n,
                file=err, flush=True), jobs=os.cpu_count() or 1)
        anchors = anchor_verify.check(connection, anchor_file)
        problems += anchors.problems
    finally:
        connection.close()
    for problem in problems:
        print("BROKEN chain %s entry %s: %s: %s" % problem, file=out)
    print("verify: %d chain(s), %d entries, %s, %d problem(s) in %.1f s" % (
            chains, entries, anchor_verify.summary(anchors), len(problems),
            time.monotonic() - started), file=out)
    return 1 if problems else 0
