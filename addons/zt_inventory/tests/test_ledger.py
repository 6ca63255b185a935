# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The ledger: entries per event, append-only at ORM and database level,
gapless chains that verify, serialised appends."""
import json
import os
from decimal import Decimal
import threading
import time
import unittest

from trytond import backend
from trytond.model.exceptions import AccessError
from trytond.modules.zt_inventory import chain as ledger_chain
from trytond.modules.zt_inventory.exceptions import LedgerAppendOnlyError
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction, without_check_access

from .tools import DBTestCase, World, acting, savepoint


def chain_entries(chain):
    "The entries of ``chain`` as chain.Entry, in sequence order."
    Entry = Pool().get('zt.ledger.entry')
    entries = Entry.search(
        [('chain', '=', chain.id)], order=[('sequence', 'ASC')])
    return [ledger_chain.Entry(chain.key, e.sequence, e.event, e.model,
            e.record, e.payload, e.user.id if e.user else None,
            e.employee.id if e.employee else None, e.device, e.timestamp,
            e.previous_hash, e.hash) for e in entries]


def events_of(record):
    "The events recorded for ``record``, oldest first."
    Entry = Pool().get('zt.ledger.entry')
    entries = Entry.search([
            ('model', '=', record.__name__),
            ('record', '=', record.id),
            ], order=[('chain', 'ASC'), ('sequence', 'ASC')])
    return [e.event for e in entries]


class LedgerTestCase(DBTestCase):
    "Test the ledger"

    def assertChainsVerify(self):
        Chain = Pool().get('zt.ledger.chain')
        chains = Chain.search([])
        self.assertTrue(chains)
        for chain in chains:
            entries = chain_entries(chain)
            self.assertEqual(ledger_chain.verify_chain(entries), [])
            self.assertEqual(
                [e.sequence for e in entries],
                list(range(1, len(entries) + 1)))
            self.assertEqual(
                (chain.head_sequence, chain.head_hash),
                (entries[-1].sequence, entries[-1].hash))

    @with_transaction()
    def test_issue_entries_verify(self):
        "Issuing a request records its events and moves; the chains verify"
        pool = Pool()
        Entry = pool.get('zt.ledger.entry')
        w = World.build()
        request = w.approved_request([(w.mat_b, 3)])
        request, = w.issue([request])
        self.assertEqual(events_of(request), [
                'zt.issue.request.submitted', 'zt.issue.request.approved',
                'zt.issue.request.scanned', 'zt.issue.request.issued'])
        move, = w.done_moves(request)
        self.assertEqual(events_of(move), ['stock.move.created',
                'stock.move.assigned', 'stock.move.done'])
        done, = Entry.search([
                ('model', '=', 'stock.move'), ('record', '=', move.id),
                ('event', '=', 'stock.move.done')])
        payload = json.loads(done.payload)
        self.assertEqual(
            (payload['quantity'], payload['unit'], payload['state'],
                payload['origin'], payload['from_location'],
                payload['to_location_id'], payload['changes']['state']),
            (3, move.unit.symbol, 'done', str(request.lines[0]), 'STO',
                w.production_location.id, ['assigned', 'done']))
        self.assertEqual(done.chain.key, '%s:%s' % (
                w.company.id, w.warehouse.id))
        self.assertEqual(
            (done.user, done.employee), (w.keeper, w.keeper_employee))
        approved, = Entry.search([
                ('event', '=', 'zt.issue.request.approved')])
        self.assertEqual(json.loads(approved.payload), {
                'number': request.number, 'action': 'approved',
                'details': {'level': 'manager', 'comment': 'ok'}})
        self.assertIn('production.waiting', events_of(w.production))
        self.assertChainsVerify()

    @with_transaction()
    def test_request_transitions(self):
        "Each transition of a request is one entry"
        pool = Pool()
        Request = pool.get('zt.issue.request')
        w = World.build()
        request = w.submit(w.create_request([(w.mat_b, 3)]))
        request = w.decide(request, w.manager, 'reject', "no")
        with acting(w.requester):
            Request.draft([request])
            Request.cancel([request])
        self.assertEqual(events_of(request), [
                'zt.issue.request.submitted', 'zt.issue.request.rejected',
                'zt.issue.request.draft', 'zt.issue.request.cancelled'])
        self.assertChainsVerify()

    @with_transaction()
    def test_inventory_done(self):
        "Confirming a count records the inventory and its moves"
        pool = Pool()
        Inventory = pool.get('stock.inventory')
        w = World.build()
        inventory = Inventory(location=w.storage, company=w.company,
            date=w.today, empty_quantity='keep')
        inventory.save()
        Inventory.complete_lines([inventory])
        line, = [x for x in inventory.lines if x.product == w.mat_a]
        line.quantity = 19
        line.save()
        # Segregation of duties: who counts does not confirm (sod.xml).
        with Transaction().set_user(w.keeper.id):
            Inventory.confirm([inventory])
        self.assertEqual(events_of(inventory), ['stock.inventory.done'])
        Entry = pool.get('zt.ledger.entry')
        entry, = Entry.search([('event', '=', 'stock.inventory.done')])
        self.assertEqual(
            json.loads(entry.payload)['state'], ['draft', 'done'])
        move, = [m for line in inventory.lines for m in line.moves]
        self.assertEqual(events_of(move), [
                'stock.move.created', 'stock.move.done'])
        self.assertChainsVerify()

    @with_transaction()
    def test_shipment_transitions(self):
        "Each transition of an internal shipment: one entry, old and new"
        pool = Pool()
        Location = pool.get('stock.location')
        Shipment = pool.get('stock.shipment.internal')
        w = World.build()
        shelf, = Location.create([{
                    'name': "Shelf", 'code': 'SHELF', 'type': 'storage',
                    'parent': w.storage.id}])
        shipment, = Shipment.create([{
                    'company': w.company.id,
                    'from_location': w.storage.id,
                    'to_location': shelf.id,
                    'moves': [('create', [{
                                    'product': w.mat_b.id,
                                    'unit': w.unit.id,
                                    'quantity': 2,
                                    'from_location': w.storage.id,
                                    'to_location': shelf.id,
                                    'company': w.company.id,
                                    }])],
                    }])
        Shipment.wait([shipment])
        Shipment.assign_try([shipment])
        self.assertEqual(shipment.state, 'assigned')
        with acting(w.manager):
            Shipment.approve([Shipment(shipment.id)])
        Shipment.do([shipment])
        self.assertEqual(events_of(shipment), [
                'stock.shipment.internal.waiting',
                'stock.shipment.internal.assigned',
                'stock.shipment.internal.done'])
        Entry = pool.get('zt.ledger.entry')
        entry, = Entry.search(
            [('event', '=', 'stock.shipment.internal.done')])
        payload = json.loads(entry.payload)
        self.assertEqual(payload['state'], ['assigned', 'done'])
        self.assertEqual(payload['moves'], [m.id for m in shipment.moves])
        self.assertEqual(payload['reference'], shipment.rec_name)
        self.assertEqual(entry.chain.warehouse, w.warehouse)
        self.assertChainsVerify()

    @with_transaction()
    def test_move_changed(self):
        "Changes of an assigned and a done move: old and new values"
        pool = Pool()
        Entry = pool.get('zt.ledger.entry')
        Move = pool.get('stock.move')
        w = World.build()
        move, = Move.create([{
                    'product': w.mat_b.id, 'unit': w.unit.id, 'quantity': 2,
                    'from_location': w.supplier.id,
                    'to_location': w.storage.id,
                    'unit_price': Decimal(10),
                    'currency': w.company.currency.id,
                    'company': w.company.id,
                    }])
        Move.write([move], {'quantity': 4})  # draft: not recorded
        # From a supplier without purchase: skip purchase's warning.
        with Transaction().set_context(_skip_warnings=True):
            Move.assign([move])
        Move.write([move], {'effective_date': w.today})
        self.assertEqual(events_of(move), ['stock.move.created',
                'stock.move.assigned', 'stock.move.changed'])
        changed, = Entry.search([('event', '=', 'stock.move.changed')])
        self.assertEqual(json.loads(changed.payload)['changes'], {
                'effective_date': [None, w.today.isoformat()]})
        with Transaction().set_context(_skip_warnings=True):
            Move.do([move])
        Move.write([move], {'unit_price': Decimal('7')})
        self.assertEqual(events_of(move)[-2:], [
                'stock.move.done', 'stock.move.changed'])
        self.assertEqual(
            list(json.loads(Entry.search([], limit=1, order=[
                            ('id', 'DESC')])[0].payload)['changes']),
            ['unit_price'])
        self.assertChainsVerify()

    @with_transaction()
    def test_move_cancelled(self):
        "Cancelling a move is recorded"
        Move = Pool().get('stock.move')
        w = World.build()
        move, = w.production.inputs[:1]
        Move.cancel([move])
        self.assertEqual(events_of(move)[-1], 'stock.move.cancelled')
        self.assertChainsVerify()

    @with_transaction()
    def test_rollback_leaves_no_entry(self):
        "A change rolled back leaves no entry and the head unchanged"
        pool = Pool()
        Chain = pool.get('zt.ledger.chain')
        Entry = pool.get('zt.ledger.entry')
        w = World.build()
        count = Entry.search_count([])
        heads = [(c.id, c.head_sequence, c.head_hash)
            for c in Chain.search([])]
        with self.assertRaises(RuntimeError):
            with savepoint():
                w.receive({w.mat_a: 1})
                self.assertGreater(Entry.search_count([]), count)
                raise RuntimeError("the call fails")
        self.assertEqual(Entry.search_count([]), count)
        self.assertEqual(
            [(c.id, c.head_sequence, c.head_hash)
                for c in Chain.search([])], heads)
        self.assertChainsVerify()

    @with_transaction()
    def test_append_only_for_root(self):
        "Root and internal code can neither write nor delete the ledger"
        pool = Pool()
        Chain = pool.get('zt.ledger.chain')
        Entry = pool.get('zt.ledger.entry')
        w = World.build()
        entry = Entry.search([], limit=1)[0]
        chain = entry.chain
        transaction = Transaction()
        with transaction.set_user(0), without_check_access():
            for call in [
                    lambda: Entry.write([entry], {'event': 'forged'}),
                    lambda: Entry.delete([entry]),
                    lambda: Entry.create([{}]),
                    lambda: Entry.copy([entry]),
                    lambda: Chain.write([chain], {'head_sequence': 1}),
                    lambda: Chain.delete([chain]),
                    ]:
                with self.subTest(call=call):
                    with self.assertRaises(LedgerAppendOnlyError):
                        with savepoint():
                            call()
        with acting(w.keeper):
            with self.assertRaises(AccessError):
                Entry.write([entry], {'event': 'forged'})
            with self.assertRaises(AccessError):
                Entry.delete([entry])
            self.assertTrue(Entry.search([]))
        self.assertChainsVerify()

    @with_transaction()
    def test_database_refuses_update_delete(self):
        "The database refuses a raw UPDATE, DELETE and TRUNCATE of entries"
        w = World.build()
        self.assertTrue(w)
        cursor = Transaction().connection.cursor()
        statements = [
            'UPDATE zt_ledger_entry SET event = \'forged\'',
            'DELETE FROM zt_ledger_entry',
            'DELETE FROM zt_ledger_entry WHERE id = (SELECT MAX(id) '
            'FROM zt_ledger_entry)',
            ]
        if backend.name == 'postgresql':
            statements.append('TRUNCATE zt_ledger_entry CASCADE')
        for statement in statements:
            with self.subTest(statement=statement):
                with self.assertRaises(backend.DatabaseIntegrityError):
                    with savepoint():
                        cursor.execute(statement)
        self.assertChainsVerify()


@unittest.skipIf(backend.name != 'postgresql',
    "needs PostgreSQL: SQLite has one writer per database, so appends "
    "cannot run at the same time")
class LedgerConcurrencyTestCase(DBTestCase):
    "8 transactions append to one chain at the same time"

    def test_parallel_appends(self):
        "8 threads appending to one chain give a gapless chain that verifies"
        self.parallel_appends(start=True)

    def test_parallel_new_chain(self):
        "8 threads starting the same new chain at once: one chain, gapless"
        self.parallel_appends(start=False)

    def parallel_appends(self, start):
        """Run 8 threads that append to the chain of a new company, which
        one entry starts first if ``start``."""
        with Transaction().start(DB_NAME, 0) as transaction:
            from trytond.modules.company.tests import create_company
            company = create_company()
            if start:
                Entry = Pool().get('zt.ledger.entry')
                Entry.append([{'company': company, 'event': 'test.start',
                            'record': company, 'payload': {}}])
            company_id = company.id
            transaction.commit()
        n = 8
        barrier = threading.Barrier(n)
        results = {}

        def run(i):
            retries = 0
            barrier.wait(timeout=30)
            while True:
                try:
                    with Transaction().start(DB_NAME, 0) as transaction:
                        pool = Pool()
                        Company = pool.get('company.company')
                        Entry = pool.get('zt.ledger.entry')
                        company = Company(company_id)
                        try:
                            Entry.append([{'company': company,
                                        'event': 'test.thread',
                                        'record': company,
                                        'payload': {'thread': i}}])
                            time.sleep(0.05)
                            transaction.commit()
                        except backend.DatabaseOperationalError:
                            transaction.rollback()
                            retries += 1
                            time.sleep(0.01 * retries)
                            continue
                    results[i] = retries
                    return
                except Exception as exception:
                    results[i] = exception
                    return

        threads = [threading.Thread(target=run, args=(i,))
            for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        if os.environ.get('ZT_VERBOSE'):
            print('retries per thread:', results)
        self.assertEqual(sorted(results), list(range(n)), results)
        self.assertTrue(
            all(isinstance(r, int) for r in results.values()), results)

        with Transaction().start(DB_NAME, 0):
            Chain = Pool().get('zt.ledger.chain')
            chain, = Chain.search([('key', '=', '%s:0' % company_id)])
            entries = chain_entries(chain)
            first = 1 if start else 0
            self.assertEqual(
                [e.sequence for e in entries], list(range(1, n + first + 1)))
            self.assertEqual(ledger_chain.verify_chain(entries), [])
            self.assertEqual(sorted(json.loads(e.payload)['thread']
                    for e in entries[first:]), list(range(n)))
            self.assertEqual(chain.head_sequence, n + first)
