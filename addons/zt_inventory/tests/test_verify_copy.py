# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""``ztinv verify``'s fast read on PostgreSQL (COPY in pieces, worker
processes) reports what the reference read reports (rows() checked by
chain.verify_chain), on a real ledger tampered with raw SQL."""
import re
import unittest
from unittest.mock import patch

from trytond import backend
from trytond.modules.zt_inventory import chain, ledger_verify, verify_copy
from trytond.tests.test_tryton import DB_NAME, USER, with_transaction
from trytond.transaction import Transaction

from .tools import DBTestCase, World

PG = backend.name == 'postgresql'
TRICKY = {
    'note': 'back\\slash, tab\t, lf\n, cr\r, \b\f\v\x01, 北京, "quoted"',
    'empty': '',
    }


def world():
    "Issue one request so that the ledger holds a few chained entries."
    w = World.build()
    w.issue([w.approved_request([(w.mat_b, 3), (w.mat_c, 2)])])
    return w


def sql(*statements):
    "Run ``statements`` with the append-only triggers out of the way."
    cursor = Transaction().connection.cursor()
    if PG:
        cursor.execute('ALTER TABLE zt_ledger_entry DISABLE TRIGGER USER')
    else:
        cursor.execute('DROP TRIGGER IF EXISTS zt_ledger_entry_no_update')
        cursor.execute('DROP TRIGGER IF EXISTS zt_ledger_entry_no_delete')
    for statement in statements:
        cursor.execute(*statement if isinstance(statement, tuple)
            else (statement,))


def entries():
    "The entries of the first chain (list of chain.Entry), as stored."
    first = None
    result = []
    for entry in ledger_verify.rows(Transaction().connection):
        first = first or entry.chain
        if entry.chain == first:
            result.append(entry)
    return result


def chain_id(key):
    cursor = Transaction().connection.cursor()
    cursor.execute('SELECT id FROM zt_ledger_chain WHERE key = \'%s\''
        % key)
    return cursor.fetchone()[0]


def rehash(entry, **changes):
    """Rewrite ``entry`` with ``changes`` and its own hash recomputed: the
    entry holds, the link of the next one breaks."""
    edited = entry._replace(**changes)
    edited = edited._replace(hash=chain.entry_hash(*edited[:-1]))
    sets = ', '.join('"%s" = %s' % (f, _literal(getattr(edited, f)))
        for f in list(changes) + ['hash'])
    return ('UPDATE zt_ledger_entry SET %s WHERE chain = %s AND '
        'sequence = %s' % (sets, chain_id(entry.chain), entry.sequence))


def _literal(value):
    if value is None:
        return 'NULL'
    if isinstance(value, int):
        return str(value)
    return "'%s'" % value.replace("'", "''")


def append_tricky():
    """Append to the first chain a valid entry whose payload, device and
    event hold what COPY escapes, non-ASCII text and backslashes."""
    last = entries()[-1]
    payload = chain.canonical_payload(TRICKY)
    fields = (last.chain, last.sequence + 1, 'zt.test.e\tv\\ent',
        'zt.test', 1, payload, None, None, 'scanner\t\r\\N 北',
        '2026-11-29T02:00:01.000000Z', last.hash)
    hash_ = chain.entry_hash(*fields)
    id_ = "nextval('zt_ledger_entry_id_seq'), " if PG else ''
    sql('INSERT INTO zt_ledger_entry (%schain, sequence, event, model, '
        'record, payload, device, timestamp, date, previous_hash, hash) '
        "VALUES (%s%s, %s, %s, 'zt.test', 1, %s, %s, %s, "
        "'2026-11-29 02:00:01', %s, %s)" % (
            'id, ' if PG else '', id_, chain_id(last.chain),
            last.sequence + 1, _literal(fields[2]), _literal(payload),
            _literal(fields[8]), _literal(fields[9]), _literal(last.hash),
            _literal(hash_)),
        'UPDATE zt_ledger_chain SET head_sequence = %s, head_hash = %s '
        'WHERE id = %s' % (last.sequence + 1, _literal(hash_),
            chain_id(last.chain)))


def chains():
    "verify_copy.check's chains argument for the current transaction."
    return chains_of(Transaction().connection)


def chains_of(connection):
    "verify_copy.check's chains argument read on ``connection``."
    cursor = connection.cursor()
    cursor.execute(ledger_verify.CHAINS)
    ids = {}
    for key, id_, _, _ in cursor.fetchall():
        ids.setdefault(key, []).append(id_)
    return list(ids.items())


class VerifyCopyTestCase(DBTestCase):
    "Test the fast read of ztinv verify against the reference"

    def assert_same(self, rows=2, jobs=1):
        """Assert the fast read, in pieces of ``rows``, finds what the
        reference finds; return the problems as (sequence, kind)."""
        connection = Transaction().connection
        expected = list(ledger_verify.checked_rows(connection))
        if PG:
            with patch.object(verify_copy, 'PIECE_ROWS', rows):
                found = list(verify_copy.check(
                        connection, chains(), jobs=jobs))
            self.assertEqual(found, expected)
        return [(p.sequence, p.kind) for _, ps, _, _ in expected for p in ps]

    @with_transaction()
    def test_untouched(self):
        "An untouched ledger: nothing, in any piece size"
        world()
        for rows in (1, 2, 3, 1000):
            self.assertEqual(self.assert_same(rows), [])

    @with_transaction()
    def test_tricky_entry(self):
        "Escaped, non-ASCII, backslash fields hash as the reference does"
        world()
        append_tricky()
        self.assertEqual(self.assert_same(), [])
        _, _, problems = ledger_verify.verify(Transaction().connection)
        self.assertEqual(
            [p for p in problems if p.kind not in {'record', 'trigger'}], [])

    @with_transaction()
    def test_tampered(self):
        "Edited, rehashed, deleted entries: the reference's problems"
        world()
        first = entries()
        sql('UPDATE zt_ledger_entry SET payload = payload || \' \' '
            'WHERE chain = %s AND sequence = 2' % chain_id(first[0].chain),
            rehash(first[4], record=999),
            'DELETE FROM zt_ledger_entry WHERE chain = %s AND sequence = %s'
            % (chain_id(first[0].chain), first[-3].sequence))
        for rows in (1, 2, 3, 1000):
            problems = self.assert_same(rows)
        self.assertEqual(problems[:2], [(2, 'hash'), (6, 'link')])

    @with_transaction()
    def test_link_broken_at_split(self):
        "A broken link on the first entry of a piece is reported"
        world()
        first = entries()
        # Pieces of 2 from sequence 1: 1-2, 3-4, 5-6...
        sql(rehash(first[3], record=999))
        self.assertEqual(self.assert_same(rows=2), [(5, 'link')])
        self.assertEqual(self.assert_same(rows=4), [(5, 'link')])

    @unittest.skipUnless(PG, "the unique index of a PostgreSQL ledger")
    @with_transaction()
    def test_duplicate_sequence(self):
        "Two entries with one sequence (unique index dropped): id order"
        world()
        first = entries()
        key_id = chain_id(first[0].chain)
        sql('ALTER TABLE zt_ledger_entry DROP CONSTRAINT '
            'zt_ledger_entry_chain_sequence_unique',
            'INSERT INTO zt_ledger_entry (id, chain, sequence, event, '
            'model, record, payload, timestamp, date, previous_hash, hash) '
            "SELECT nextval('zt_ledger_entry_id_seq'), chain, sequence, "
            'event, model, record, payload, timestamp, date, '
            'previous_hash, hash FROM zt_ledger_entry WHERE chain = %s '
            'AND sequence IN (3, 4)' % key_id)
        problems = self.assert_same(rows=2)
        self.assertIn((3, 'sequence'), problems)
        self.assertIn((4, 'sequence'), problems)


@unittest.skipUnless(PG, "worker processes read a PostgreSQL database")
class VerifyParallelTestCase(DBTestCase):
    "Test ztinv verify's worker processes on a committed ledger"

    def test_parallel(self):
        "Workers in the caller's snapshot find what the reference finds"
        with Transaction().start(DB_NAME, USER) as transaction:
            world()
            first = entries()
            sql(rehash(first[3], record=999))
            transaction.commit()
        connection = backend.Database(DB_NAME).get_connection(readonly=True)
        try:
            expected = list(ledger_verify.checked_rows(connection))
            with patch.object(verify_copy, 'PIECE_ROWS', 2), \
                    patch.object(verify_copy, 'PARALLEL_MIN', 0):
                found = list(verify_copy.check(
                        connection, chains_of(connection), jobs=2))
        finally:
            connection.rollback()
            backend.Database(DB_NAME).put_connection(connection)
        self.assertEqual(found, expected)
        self.assertEqual(
            [(p.sequence, p.kind) for _, ps, _, _ in found for p in ps],
            [(5, 'link')])

    def test_worker_failure(self):
        "A worker that cannot open its connection fails verify, no hang"
        connection = backend.Database(DB_NAME).get_connection(readonly=True)
        try:
            with patch.object(verify_copy, 'PARALLEL_MIN', 0), \
                    patch.object(verify_copy, '_SNAPSHOT',
                        re.compile('^$')), \
                    self.assertRaisesRegex(RuntimeError, 'snapshot'):
                list(verify_copy.check(connection, [('9:9', [0])], jobs=2))
        finally:
            connection.rollback()
            backend.Database(DB_NAME).put_connection(connection)


if __name__ == '__main__':
    unittest.main()
