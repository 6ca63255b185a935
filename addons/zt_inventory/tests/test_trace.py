# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The chain of custody: ``ztinv trace`` and the ledger's custody fields
that the web client searches from a product or a lot."""
import json

from trytond import backend
from trytond.modules.zt_inventory import ledger_trace
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import DBTestCase, World, acting


class TraceTestCase(DBTestCase):
    "Test the chain of custody"

    def world(self):
        """Receive a lot of screws, issue 3 screws of the world's request;
        return the world with ``lot`` set."""
        pool = Pool()
        Lot = pool.get('stock.lot')
        Move = pool.get('stock.move')
        Template = pool.get('product.template')
        w = World.build()
        Template.write([w.mat_b.template], {'code': 'SCREW'})
        w.lot, = Lot.create([{'number': 'L-42', 'product': w.mat_b.id}])
        move, = Move.create([{
                    'product': w.mat_b.id, 'unit': w.unit.id, 'quantity': 5,
                    'lot': w.lot.id,
                    'from_location': w.supplier.id,
                    'to_location': w.storage.id,
                    'unit_price': w.mat_b.cost_price,
                    'currency': w.company.currency.id,
                    'effective_date': w.today,
                    }])
        with Transaction().set_context(_skip_warnings=True):
            Move.do([move])
        request = w.approved_request([(w.mat_b, 3)])
        w.issue([request])
        return w

    def trace(self, product='SCREW', lot=None):
        return ledger_trace.trace(Transaction().connection, product, lot)

    @with_transaction()
    def test_product_trace(self):
        "Every move of the product, in time order, with who and hashes"
        w = self.world()
        rows = self.trace()
        moves = {r['move'] for r in rows}
        Move = Pool().get('stock.move')
        self.assertEqual(moves, {m.id for m in Move.search(
                        [('product', '=', w.mat_b.id)])})
        self.assertEqual([r['time'] for r in rows],
            sorted(r['time'] for r in rows))
        self.assertTrue(all(r['intact'] for r in rows))
        done = [r for r in rows if r['event'] == 'stock.move.done'
            and r['to_location'] == w.production_location.code]
        self.assertEqual(sum(r['quantity'] for r in done), 3)
        issue, = {(r['user'], r['employee']) for r in done}
        self.assertEqual(issue[0], w.keeper.login)
        self.assertEqual(issue[1], w.keeper.employee.rec_name)
        self.assertTrue(all(r['document'] for r in done))
        Request = Pool().get('zt.issue.request')
        request, = Request.search([])
        self.assertEqual({r['request'] for r in done}, {request.number})
        self.assertIn('%s (production ' % request.number,
            ledger_trace.format_table(rows))
        self.assertTrue(all(len(r['hash']) == 64 for r in rows))
        json.dumps(rows)
        table = ledger_trace.format_table(rows)
        self.assertEqual(len(table.splitlines()), len(rows) + 1)

    @with_transaction()
    def test_lot_trace(self):
        "A lot's trace holds only that lot's moves"
        self.world()
        rows = self.trace(lot='L-42')
        self.assertEqual({r['lot'] for r in rows}, {'L-42'})
        self.assertEqual({r['event'] for r in rows},
            {'stock.move.created', 'stock.move.done'})

    @with_transaction()
    def test_unknown(self):
        "An unknown product or lot is named"
        self.world()
        with self.assertRaisesRegex(ledger_trace.TraceError, 'NOPE'):
            self.trace('NOPE')
        with self.assertRaisesRegex(ledger_trace.TraceError, 'L-0'):
            self.trace(lot='L-0')

    @with_transaction()
    def test_tampered_entry_shown(self):
        "An entry edited behind the ORM is shown as broken"
        self.world()
        cursor = Transaction().connection.cursor()
        if backend.name == 'postgresql':
            cursor.execute(
                'ALTER TABLE zt_ledger_entry DISABLE TRIGGER USER')
        else:
            cursor.execute('DROP TRIGGER zt_ledger_entry_no_update')
        rows = self.trace()
        cursor.execute("UPDATE zt_ledger_entry SET device = 'forged' "
            "WHERE hash = '%s'" % rows[-1]['hash'])
        rows = self.trace()
        self.assertEqual([r['intact'] for r in rows],
            [True] * (len(rows) - 1) + [False])
        self.assertIn('BROKEN', ledger_trace.format_table(rows))

    @with_transaction()
    def test_web_client_search(self):
        "The custody fields read and search the hashed payload"
        pool = Pool()
        Entry = pool.get('zt.ledger.entry')
        w = self.world()
        rows = self.trace()
        by_product = Entry.search([('product', '=', w.mat_b.id)])
        self.assertEqual(sorted(e.hash for e in by_product),
            sorted(r['hash'] for r in rows))
        by_template = Entry.search(
            [('product.template', 'in', [w.mat_b.template.id])])
        self.assertEqual(set(by_template), set(by_product))
        by_name = Entry.search([('product', 'ilike', '%screw%')])
        self.assertEqual(set(by_name), set(by_product))
        by_lot = Entry.search([('lot', '=', w.lot.id)])
        self.assertEqual({e.lot for e in by_lot}, {w.lot})
        self.assertEqual(sum(e.quantity for e in by_lot
                if e.event == 'stock.move.done'), 5)
        others = Entry.search([('product', '!=', w.mat_b.id)])
        self.assertFalse(set(others) & set(by_product))
        auditor = w.create_user('auditor', ['zt_inventory.group_auditor'])
        with acting(auditor):
            self.assertEqual(len(Entry.search(
                        [('product', '=', w.mat_b.id)])), len(rows))
