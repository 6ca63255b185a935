# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""``ztinv verify`` against tampering done with raw SQL, as an attacker with
database access would: triggers disabled, rows edited, deleted, inserted,
reordered, the tail cut."""
from trytond import backend
from trytond.modules.zt_inventory import ledger_verify
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import DBTestCase, World


class VerifyTestCase(DBTestCase):
    "Test ztinv verify on a tampered ledger"

    def world(self):
        "Issue one request so that the ledger holds a few chained entries."
        w = World.build()
        request = w.approved_request([(w.mat_b, 3)])
        w.issue([request])
        return w

    def sql(self, *statements):
        "Run ``statements`` with the append-only triggers out of the way."
        cursor = Transaction().connection.cursor()
        if backend.name == 'postgresql':
            cursor.execute(
                'ALTER TABLE zt_ledger_entry DISABLE TRIGGER USER')
        else:
            cursor.execute('DROP TRIGGER zt_ledger_entry_no_update')
            cursor.execute('DROP TRIGGER zt_ledger_entry_no_delete')
        for statement in statements:
            cursor.execute(statement)

    def problems(self, triggers=False):
        """Return verify's problems as (sequence, kind); those about the
        triggers (that the tampering dropped) only if ``triggers``."""
        chains, entries, problems = ledger_verify.verify(
            Transaction().connection)
        self.assertGreater(entries, 5)
        return [(p.sequence, p.kind) for p in problems
            if triggers or p.kind != 'trigger']

    def middle(self):
        "The id and sequence of an entry in the middle of the first chain."
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT id, sequence FROM zt_ledger_entry '
            'WHERE chain = (SELECT MIN(chain) FROM zt_ledger_entry) '
            'ORDER BY sequence')
        rows = cursor.fetchall()
        return rows[len(rows) // 2]

    @with_transaction()
    def test_untouched(self):
        "An untouched ledger verifies"
        self.world()
        self.assertEqual(self.problems(), [])

    @with_transaction()
    def test_dropped_trigger(self):
        "Triggers dropped or disabled, nothing else touched: named"
        self.world()
        self.sql()
        problems = self.problems(triggers=True)
        self.assertEqual({k for _, k in problems}, {'trigger'})
        self.assertEqual(len(problems), 2)

    @with_transaction()
    def test_edited_payload(self):
        "An entry's payload edited behind the ORM: hash, named by sequence"
        self.world()
        id_, sequence = self.middle()
        self.sql("UPDATE zt_ledger_entry SET payload = payload || ' ' "
            "WHERE id = %s" % id_)
        self.assertEqual(self.problems(), [(sequence, 'hash')])

    @with_transaction()
    def test_null_payload(self):
        "A payload set to NULL behind the ORM: a hash problem, no crash"
        self.world()
        id_, sequence = self.middle()
        self.sql('UPDATE zt_ledger_entry SET payload = NULL '
            'WHERE id = %s' % id_)
        chains, entries, problems = ledger_verify.verify(
            Transaction().connection)
        problem, = [p for p in problems if p.kind == 'hash']
        self.assertEqual(problem.sequence, sequence)
        self.assertIn('unhashable', problem.detail)

    @with_transaction()
    def test_edited_actor(self):
        "Who acted changed behind the ORM: hash"
        self.world()
        id_, sequence = self.middle()
        self.sql('UPDATE zt_ledger_entry SET "user" = (SELECT MIN(u.id) '
            'FROM res_user AS u WHERE u.id <> COALESCE('
            'zt_ledger_entry."user", -1)) WHERE id = %s' % id_)
        self.assertEqual(self.problems(), [(sequence, 'hash')])

    @with_transaction()
    def test_deleted_entry(self):
        "A deleted entry: the next one names the gap and the broken link"
        self.world()
        id_, sequence = self.middle()
        self.sql('DELETE FROM zt_ledger_entry WHERE id = %s' % id_)
        self.assertEqual(self.problems(),
            [(sequence + 1, 'sequence'), (sequence + 1, 'link')])

    @with_transaction()
    def test_reordered_entries(self):
        "Two entries swapped (sequence numbers exchanged): caught"
        self.world()
        id_, sequence = self.middle()
        self.sql('UPDATE zt_ledger_entry SET sequence = -1 '
            'WHERE id = %s' % id_,
            'UPDATE zt_ledger_entry SET sequence = %s '
            'WHERE sequence = %s AND chain = (SELECT chain FROM '
            'zt_ledger_entry WHERE id = %s)' % (sequence, sequence + 1, id_),
            'UPDATE zt_ledger_entry SET sequence = %s WHERE id = %s'
            % (sequence + 1, id_))
        problems = self.problems()
        self.assertIn((sequence, 'hash'), problems)
        self.assertIn((sequence, 'link'), problems)

    @with_transaction()
    def test_inserted_entry(self):
        "A forged entry copied in with a free sequence number: caught"
        self.world()
        id_, sequence = self.middle()
        self.sql('INSERT INTO zt_ledger_entry (chain, sequence, event, '
            'model, record, payload, timestamp, date, previous_hash, hash) '
            'SELECT chain, 100000, event, model, record, payload, '
            'timestamp, date, previous_hash, hash FROM zt_ledger_entry '
            'WHERE id = %s' % id_)
        self.assertIn((100000, 'sequence'), self.problems())

    @with_transaction()
    def test_cut_tail(self):
        "The last entries deleted: the chain's head names the cut"
        self.world()
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT MAX(sequence) FROM zt_ledger_entry '
            'WHERE chain = (SELECT MIN(chain) FROM zt_ledger_entry)')
        last, = cursor.fetchone()
        self.sql('DELETE FROM zt_ledger_entry WHERE sequence >= %s '
            'AND chain = (SELECT MIN(chain) FROM zt_ledger_entry)'
            % (last - 1))
        problems = self.problems()
        self.assertEqual(problems[0], (last - 2, 'head'))
        # The records moved on from what the surviving entries say.
        self.assertEqual({k for _, k in problems[1:]}, {'record'})

    def records(self):
        "Return verify's problems about records, as (chain, detail)."
        chains, entries, problems = ledger_verify.verify(
            Transaction().connection)
        return [(p.chain, p.detail) for p in problems if p.kind == 'record']

    def issued_move(self, w):
        "The id of a done move issued by the world's request."
        move, = w.done_moves()
        return move.id

    @with_transaction()
    def test_records_untouched(self):
        "Untouched records agree with the ledger"
        w = self.world()
        self.assertTrue(w.done_moves())
        self.assertEqual(self.records(), [])

    @with_transaction()
    def test_done_move_quantity(self):
        "A done move's quantity changed with SQL: model, id, field, values"
        w = self.world()
        move = self.issued_move(w)
        self.sql('UPDATE stock_move SET quantity = 2 WHERE id = %s' % move)
        (key, detail), = self.records()
        self.assertEqual(detail,
            'stock.move %s: field quantity: ledger 3.0, current 2.0' % move)
        self.assertNotEqual(key, '-')

    @with_transaction()
    def test_done_move_location(self):
        "A done move sent elsewhere with SQL: named"
        w = self.world()
        move = self.issued_move(w)
        self.sql('UPDATE stock_move SET to_location = %s WHERE id = %s'
            % (w.supplier.id, move))
        (_, detail), = self.records()
        self.assertIn('stock.move %s: field to_location' % move, detail)

    @with_transaction()
    def test_deleted_move(self):
        "A done move deleted with SQL: named as deleted"
        w = self.world()
        move = self.issued_move(w)
        self.sql('DELETE FROM stock_move WHERE id = %s' % move)
        (_, detail), = self.records()
        self.assertEqual(detail, 'stock.move %s: deleted (the ledger last '
            'recorded it done)' % move)

    @with_transaction()
    def test_inserted_move(self):
        "A done move inserted with SQL has no ledger entry: named"
        w = self.world()
        move = self.issued_move(w)
        columns = ('product, quantity, internal_quantity, unit, '
            'from_location, to_location, company, state, effective_date, '
            'planned_date, currency, unit_price, cost_price, origin')
        self.sql('INSERT INTO stock_move (%s) SELECT %s FROM stock_move '
            'WHERE id = %s' % (columns, columns, move))
        (key, detail), = self.records()
        self.assertEqual(key, '-')
        self.assertRegex(detail,
            r'^stock.move \d+: state done but no ledger entry$')

    @with_transaction()
    def test_request_state(self):
        "A done request set back to approved with SQL: named"
        self.world()
        self.sql("UPDATE zt_issue_request SET state = 'approved'")
        (_, detail), = self.records()
        self.assertRegex(detail, r'^zt.issue.request \d+: field state: '
            r'ledger done, current approved$')

    @with_transaction()
    def test_production_state(self):
        "A production's state changed with SQL: named"
        w = self.world()
        self.sql("UPDATE production SET state = 'done' WHERE id = %s"
            % w.production.id)
        (_, detail), = self.records()
        self.assertEqual(detail, 'production %s: field state: ledger '
            'waiting, current done' % w.production.id)

    @with_transaction()
    def test_swapped_entry_ids(self):
        "Entry ids swapped to make an older state last: ids are not trusted"
        w = self.world()
        move = self.issued_move(w)
        cursor = Transaction().connection.cursor()
        cursor.execute("SELECT id, event FROM zt_ledger_entry "
            "WHERE model = 'stock.move' AND record = %s" % move)
        ids = {e: i for i, e in cursor.fetchall()}
        assigned, done = ids['stock.move.assigned'], ids['stock.move.done']
        spare = 999999999  # ids are positive (a PostgreSQL constraint)
        self.sql('UPDATE zt_ledger_entry SET id = %s WHERE id = %s'
            % (spare, done),
            'UPDATE zt_ledger_entry SET id = %s WHERE id = %s'
            % (done, assigned),
            'UPDATE zt_ledger_entry SET id = %s WHERE id = %s'
            % (assigned, spare),
            "UPDATE stock_move SET state = 'assigned' WHERE id = %s" % move)
        self.assertIn('stock.move %s: field state: ledger done, current '
            'assigned' % move, [d for _, d in self.records()])

    @with_transaction()
    def test_request_state_after_change(self):
        "A request's note changed, then its state forged: still named"
        pool = Pool()
        Request = pool.get('zt.issue.request')
        w = World.build()
        request = w.approved_request([(w.mat_b, 3)])
        Request.write([request], {'note': "urgent"})
        self.sql("UPDATE zt_issue_request SET state = 'cancelled'")
        self.assertEqual([d for _, d in self.records()],
            ['zt.issue.request %s: field state: ledger approved/waiting, '
                'current cancelled' % request.id])

    @with_transaction()
    def test_lookalike_trigger(self):
        "A trigger replaced by a no-op of the same name: named"
        self.world()
        cursor = Transaction().connection.cursor()
        if backend.name == 'postgresql':
            cursor.execute('CREATE OR REPLACE FUNCTION '
                'zt_ledger_entry_append_only() RETURNS trigger AS '
                '$$BEGIN RETURN NEW; END;$$ LANGUAGE plpgsql')
            expected = ['zt_ledger_entry_no_change',
                'zt_ledger_entry_no_truncate']
        else:
            cursor.execute('DROP TRIGGER zt_ledger_entry_no_update')
            cursor.execute('CREATE TRIGGER "zt_ledger_entry_no_update" '
                'BEFORE UPDATE ON "zt_ledger_entry" BEGIN SELECT 1; END')
            expected = ['zt_ledger_entry_no_update']
        chains, entries, problems = ledger_verify.verify(
            Transaction().connection)
        self.assertEqual([p.detail for p in problems], [
                'trigger %s is missing, disabled or changed' % n
                for n in expected])

    @with_transaction()
    def test_unexpected_trigger(self):
        "A trigger added on the ledger or its chains (to drop rows): named"
        self.world()
        cursor = Transaction().connection.cursor()
        if backend.name == 'postgresql':
            cursor.execute('CREATE FUNCTION zt_drop() RETURNS trigger AS '
                '$$BEGIN RETURN NULL; END;$$ LANGUAGE plpgsql')
            cursor.execute('CREATE TRIGGER zt_drop_refused BEFORE INSERT '
                'ON zt_ledger_entry FOR EACH ROW EXECUTE FUNCTION zt_drop()')
            cursor.execute('CREATE TRIGGER zt_keep_head BEFORE UPDATE '
                'ON zt_ledger_chain FOR EACH ROW EXECUTE FUNCTION zt_drop()')
        else:
            cursor.execute('CREATE TRIGGER zt_drop_refused BEFORE INSERT '
                'ON zt_ledger_entry BEGIN SELECT RAISE(IGNORE); END')
            cursor.execute('CREATE TRIGGER zt_keep_head BEFORE UPDATE '
                'ON zt_ledger_chain BEGIN SELECT RAISE(IGNORE); END')
        chains, entries, problems = ledger_verify.verify(
            Transaction().connection)
        self.assertEqual([p.detail for p in problems], [
                'trigger zt_drop_refused is unexpected',
                'trigger zt_keep_head is unexpected'])

    @with_transaction()
    def test_move_links(self):
        "A done move moved to another document or company with SQL: named"
        w = self.world()
        move = self.issued_move(w)
        self.sql('UPDATE stock_move SET production_input = NULL, '
            'internal_quantity = 0.5 WHERE id = %s' % move)
        details = sorted(d for _, d in self.records())
        self.assertEqual(len(details), 2, details)
        self.assertRegex(details[0], r'^stock.move %s: field '
            r'internal_quantity: ledger 3.0, current 0.5$' % move)
        self.assertRegex(details[1], r'^stock.move %s: field shipment: '
            r'ledger production,\d+, current none$' % move)
