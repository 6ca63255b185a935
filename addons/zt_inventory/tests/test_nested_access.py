# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Actions nested in a document's lines are checked as direct calls
(nested_access.py): field access, model access and record rules, before
and after the call; refusals are recorded in the ledger.

The first class rolls each test back; the second commits, as the
dispatcher does, one transaction per call (a refusal is recorded once its
transaction has ended)."""
import json
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.zt_inventory import ledger_verify
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    CONTEXT, DB_NAME, USER, with_transaction)
from trytond.transaction import Transaction, TransactionError

from .tools import DBTestCase, World, acting, savepoint

PRICE = Decimal('10')
FORGED = Decimal('0.01')


def add_receipts(world):
    """Add to ``world`` a supplier, a second warehouse WH2 that no keeper
    keeps, and a draft supplier shipment of WH with one incoming move of 5
    screws at 10 (``world.shipment``, ``world.move``)."""
    pool = Pool()
    Location = pool.get('stock.location')
    Party = pool.get('party.party')
    world.supplier_party, = Party.create([{'name': "Supplier"}])
    *children, production = Location.create([{
                'name': "WH2 %s" % kind, 'code': 'WH2-%s' % kind[:3].upper(),
                'type': 'production' if kind == 'Production' else 'storage',
                } for kind in ['Input', 'Output', 'Storage', 'Production']])
    world.wh2, = Location.create([{
                'name': "Warehouse 2", 'code': 'WH2', 'type': 'warehouse',
                'input_location': children[0].id,
                'output_location': children[1].id,
                'storage_location': children[2].id,
                'production_location': production.id,
                }])
    Location.write(children, {'parent': world.wh2.id})
    world.shipment = create_shipment(world, world.warehouse)
    world.move, = world.shipment.incoming_moves


def move_values(world, warehouse, **values):
    """The values of an incoming move of 5 screws into ``warehouse`` (from
    the supplier at 10, unless ``values`` say otherwise)."""
    values = dict({
            'product': world.mat_b.id, 'unit': world.unit.id, 'quantity': 5,
            'from_location': world.supplier.id,
            'to_location': warehouse.input_location.id,
            'company': world.company.id,
            }, **values)
    if values['from_location'] == world.supplier.id:
        values['unit_price'] = PRICE
        values['currency'] = world.company.currency.id
    return values


def shipment_values(world, warehouse):
    "The values of a draft supplier shipment into ``warehouse``."
    return {
        'company': world.company.id, 'supplier': world.supplier_party.id,
        'warehouse': warehouse.id,
        'warehouse_input': warehouse.input_location.id,
        'warehouse_storage': warehouse.storage_location.id,
        }


def create_shipment(world, warehouse):
    "A draft supplier shipment into ``warehouse`` with one move (internal)."
    Shipment = Pool().get('stock.shipment.in')
    shipment, = Shipment.create([dict(shipment_values(world, warehouse),
                incoming_moves=[('create', [move_values(world, warehouse)])])])
    return shipment


class NestedAccessTestCase(DBTestCase):
    "Nested actions are checked as direct calls"

    @property
    def Move(self):
        return Pool().get('stock.move')

    @property
    def Shipment(self):
        return Pool().get('stock.shipment.in')

    def world(self):
        world = World.build()
        add_receipts(world)
        return world

    def nested(self, world, *actions, field='incoming_moves'):
        "Write ``actions`` on the world's shipment through ``field``."
        self.Shipment.write([world.shipment], {field: list(actions)})

    def assertRefused(self, user, func, *args, **kwargs):
        """Assert that ``func`` run as ``user`` raises an AccessError and
        persists nothing; return the error."""
        with self.assertRaises(AccessError) as cm, savepoint():
            with acting(user):
                func(*args, **kwargs)
        return cm.exception

    @with_transaction()
    def test_nested_write_price_refused(self):
        "A keeper writes no price through a shipment's moves"
        w = self.world()
        move = w.move.id
        for field in ['incoming_moves', 'moves']:
            error = self.assertRefused(w.keeper, self.nested, w,
                ('write', [move], {'unit_price': FORGED}), field=field)
            self.assertIn('Unit Price', error.message)
        self.assertEqual(self.Move(move).unit_price, PRICE)
        # as refused as a direct write
        self.assertRefused(
            w.keeper, self.Move.write, [w.move], {'unit_price': FORGED})

    @with_transaction()
    def test_nested_create_price_refused(self):
        "A keeper creates no shipment whose new move sets a price"
        w = self.world()
        before = self.Shipment.search([], count=True)
        moves = self.Move.search([], count=True)
        self.assertRefused(w.keeper, self.Shipment.create, [dict(
                    shipment_values(w, w.warehouse),
                    incoming_moves=[('create', [
                                move_values(w, w.warehouse)])])])
        self.assertRefused(w.keeper, self.nested, w,
            ('create', [move_values(w, w.warehouse)]))
        self.assertEqual(self.Shipment.search([], count=True), before)
        self.assertEqual(self.Move.search([], count=True), moves)

    @with_transaction()
    def test_nested_move_to_other_warehouse_refused(self):
        "A keeper moves no move into a warehouse not theirs"
        w = self.world()
        error = self.assertRefused(w.keeper, self.nested, w,
            ('write', [w.move.id], {'to_location': w.wh2.input_location.id}))
        self.assertIn(str(w.move.id), error.message)
        self.assertIn('record rule', error.message)
        self.assertEqual(
            self.Move(w.move.id).to_location, w.warehouse.input_location)

    @with_transaction()
    def test_nested_other_warehouse_records_refused(self):
        """A keeper writes, adds, deletes or creates no move of another
        warehouse through a shipment of theirs"""
        w = self.world()
        other, = create_shipment(w, w.wh2).incoming_moves
        loose, = self.Move.create([move_values(w, w.wh2)])
        for action in [('write', [other.id], {'quantity': 1}),
                ('add', [loose.id]), ('delete', [other.id]),
                ('create', [move_values(w, w.wh2,
                            from_location=w.wh2.storage_location.id)])]:
            with self.subTest(action=action[0]):
                error = self.assertRefused(w.keeper, self.nested, w, action)
                self.assertIn('record rule', error.message)
        self.assertEqual(self.Move(other.id).quantity, 5)
        self.assertIsNone(self.Move(loose.id).shipment)
        self.assertEqual(len(self.Shipment(w.shipment.id).moves), 1)

    @with_transaction()
    def test_nested_allowed(self):
        "A keeper still changes and adds draft moves of their warehouse"
        w = self.world()
        loose, = self.Move.create([move_values(w, w.warehouse)])
        with acting(w.keeper):
            self.nested(w, ('write', [w.move.id], {'quantity': 7}),
                ('add', [loose.id]))
        shipment = self.Shipment(w.shipment.id)
        self.assertEqual(
            sorted(m.quantity for m in shipment.incoming_moves), [5, 7])

    @with_transaction()
    def test_admin_nested_price(self):
        "The administrator writes a price through a shipment's moves"
        w = self.world()
        admin = Pool().get('res.user')(USER)
        with acting(admin):
            self.nested(w, ('write', [w.move.id], {'unit_price': FORGED}))
        self.assertEqual(self.Move(w.move.id).unit_price, FORGED)

    @with_transaction()
    def test_internal_not_checked(self):
        "Internal calls and root are not checked (as Tryton does)"
        w = self.world()
        to_wh2 = {'to_location': w.wh2.input_location.id}
        self.nested(w, ('write', [w.move.id], to_wh2))
        self.assertEqual(
            self.Move(w.move.id).to_location, w.wh2.input_location)
        with Transaction().set_user(0), \
                Transaction().set_context(_check_access=True):
            self.nested(w, ('write', [w.move.id], {'unit_price': FORGED}))
        self.assertEqual(self.Move(w.move.id).unit_price, FORGED)


class NestedRefusalTestCase(DBTestCase):
    "Nested refusals are recorded in the ledger"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with Transaction().start(DB_NAME, USER, context=CONTEXT) as t:
            w = World.build()
            add_receipts(w)
            cls.keeper = w.keeper.id
            cls.shipment = w.shipment.id
            cls.move = w.move.id
            cls.wh2_input = w.wh2.input_location.id
            t.commit()

    def call(self, func):
        """Run ``func()`` as the keeper in its own transaction, committed,
        retried like the dispatcher does."""
        extras = {}
        while True:
            with Transaction().start(
                    DB_NAME, USER, context=CONTEXT, **extras) as t:
                User = Pool().get('res.user')
                try:
                    with acting(User(self.keeper)):
                        func()
                except TransactionError as error:
                    t.rollback()
                    error.fix(extras)
                    continue
                t.commit()
                return

    def nested(self, values):
        "Write ``values`` on the shipment's move through incoming_moves."
        Shipment = Pool().get('stock.shipment.in')
        Shipment.write([Shipment(self.shipment)], {'incoming_moves': [
                    ('write', [self.move], values)]})

    def refusals(self):
        "The payloads of the keeper's refusals on stock moves."
        with Transaction().start(DB_NAME, USER, context=CONTEXT):
            Entry = Pool().get('zt.ledger.entry')
            return [json.loads(e.payload) for e in Entry.search([
                        ('event', '=', 'stock.move.refused'),
                        ('user', '=', self.keeper),
                        ], order=[('id', 'ASC')])]

    def test_recorded(self):
        "Nested refusals by field access and record rule are recorded"
        with self.assertRaises(AccessError) as price:
            self.call(lambda: self.nested({'unit_price': FORGED}))
        with self.assertRaises(AccessError) as rule:
            self.call(lambda: self.nested({'to_location': self.wh2_input}))
        self.assertEqual(
            [(p['error'], p['message']) for p in self.refusals()],
            [('AccessError', price.exception.message),
                ('AccessError', rule.exception.message)])
        with Transaction().start(DB_NAME, USER, context=CONTEXT) as t:
            move = Pool().get('stock.move')(self.move)
            self.assertEqual(
                (move.unit_price, move.to_location.id != self.wh2_input),
                (PRICE, True))
            _, _, problems = ledger_verify.verify(t.connection)
        self.assertEqual(problems, [])
