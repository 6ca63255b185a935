# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Segregation of duties as data (zt.sod.rule): refusals on every path,
root included, recorded in the ledger; deactivated rules and emergency
overrides (the rules themselves and the report: test_sod_report.py).

The first class commits, as the dispatcher does, one transaction per call
(a refusal is recorded once its transaction has ended); the second rolls
each test back."""
import json
import sys
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

from trytond.modules.company.tests import create_employee
from trytond.modules.zt_inventory import ledger_verify
from trytond.modules.zt_inventory.exceptions import (
    ActorError, SegregationOfDutiesError)
from trytond.pool import Pool
from trytond.tests.test_tryton import CONTEXT, DB_NAME, USER, with_transaction
from trytond.transaction import Transaction, TransactionError

from .tools import DBTestCase, World, acting, run_wizard, savepoint

# The names of the shipped rules (sod.xml).
REQUESTER_MANAGER = "Requester may not approve (department manager)"
ONE_APPROVER = ("One approver per request (department manager and finance "
    "director)")
MANAGER_ISSUE = "Approver may not issue (department manager)"
COUNT_CONFIRM = "Counter may not confirm the count"
PURCHASE_RECEIVE = "Purchaser may not receive the purchase"


@contextmanager
def internal(user, company=None):
    """Act as ``user`` (res.user, or the id 0 for root) in internal code:
    the user's preferences are the context (root: ``company``, no
    employee), access is not checked."""
    User = Pool().get('res.user')
    transaction = Transaction()
    with transaction.set_user(int(user)):
        preferences = User.get_preferences(context_only=True)
        if not int(user):
            preferences = {'company': company.id, 'employee': None}
        with transaction.set_context(preferences, _check_access=False):
            yield


@contextmanager
def root(employee):
    "Act as root (user 0) with ``employee`` (company.employee) as context."
    with Transaction().set_user(0), Transaction().set_context(
            employee=employee.id, company=employee.company.id,
            _check_access=False):
        yield


def add_buyer(world):
    """Add a purchaser who is also a keeper ('buyer'), a supplier and make
    the class B material purchasable."""
    pool = Pool()
    Party = pool.get('party.party')
    Template = pool.get('product.template')
    employee = create_employee(world.company, name="Buyer")
    world.buyer_employee = employee
    world.buyer = world.create_user('buyer', [
            'zt_inventory.group_purchaser',
            'zt_inventory.group_warehouse_keeper',
            'purchase.group_purchase', 'stock.group_stock'], employee)
    world.supplier_party, = Party.create([{
                'name': "Supplier", 'addresses': [('create', [{}])]}])
    Template.write([world.mat_b.template], {
            'purchasable': True, 'purchase_uom': world.unit.id})


def confirmed_purchase(world, user):
    """A purchase of 5 class B materials confirmed by ``user`` (res.user or
    0), processed: its incoming moves wait for a shipment."""
    pool = Pool()
    Purchase = pool.get('purchase.purchase')
    party = world.supplier_party
    purchase, = Purchase.create([{
                'company': world.company.id,
                'party': party.id,
                'invoice_address': party.addresses[0].id,
                'invoice_method': 'manual',
                'warehouse': world.warehouse.id,
                'currency': world.company.currency.id,
                'lines': [('create', [{
                                'product': world.mat_b.id,
                                'quantity': 5,
                                'unit': world.unit.id,
                                'unit_price': Decimal('10'),
                                }])],
                }])
    with internal(user, world.company):
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
    Purchase.process([purchase])
    return Purchase(purchase.id)


def shipment_of(world, purchase):
    "A draft supplier shipment of the incoming moves of ``purchase``."
    ShipmentIn = Pool().get('stock.shipment.in')
    shipment, = ShipmentIn.create([{
                'company': world.company.id,
                'supplier': purchase.party.id,
                'warehouse': world.warehouse.id,
                'warehouse_input': world.warehouse.input_location.id,
                'warehouse_storage': world.warehouse.storage_location.id,
                'incoming_moves': [('add', [m.id for m in purchase.moves])],
                }])
    return shipment


def counted_inventory(world, user):
    "A draft count of the storage location written by ``user``."
    Inventory = Pool().get('stock.inventory')
    with internal(user):
        inventory, = Inventory.create([{
                    'location': world.storage.id,
                    'company': world.company.id,
                    'date': world.today,
                    'empty_quantity': 'keep',
                    }])
        Inventory.complete_lines([inventory])
        line, = [x for x in inventory.lines if x.product == world.mat_a]
        line.quantity = 19
        line.save()
    return Inventory(inventory.id)


class SoDRefusalTestCase(DBTestCase):
    "Test that segregation-of-duties refusals are recorded, root included"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with Transaction().start(DB_NAME, USER, context=CONTEXT) as t:
            w = World.build()
            add_buyer(w)
            # lead: every group of the chain, its own supervisor
            w.lead_employee.supervisor = w.lead_employee
            w.lead_employee.save()
            cls.own = w.submit(
                w.create_request([(w.mat_b, 1)], user=w.lead), w.lead).id
            # class A: manager, then finance director
            w.requester_employee.supervisor = w.boss_employee
            w.requester_employee.save()
            big = w.submit(w.create_request([(w.mat_a, 1)]))
            cls.big = w.decide(big, w.boss).id
            w.requester_employee.supervisor = w.lead_employee
            w.requester_employee.save()
            cls.by_lead = w.decide(
                w.submit(w.create_request([(w.mat_c, 1)])), w.lead).id
            cls.shipment = shipment_of(
                w, confirmed_purchase(w, w.buyer)).id
            cls.inventory = counted_inventory(w, w.keeper).id
            cls.users = {n: getattr(w, n).id for n in [
                    'lead', 'boss', 'buyer', 'keeper', 'keeper2']}
            cls.employees = {n: getattr(w, n + '_employee').id for n in [
                    'lead', 'boss']}
            t.commit()

    def call(self, login, func):
        """Run ``func()`` as ``login`` (a user of the world, or
        'root:<name>' for root acting with that world employee) in its own
        transaction, committed, retried like the dispatcher does; return
        what it raised (rolled back), or None."""
        extras = {}
        while True:
            with Transaction().start(
                    DB_NAME, USER, context=CONTEXT, **extras) as t:
                pool = Pool()
                User = pool.get('res.user')
                Employee = pool.get('company.employee')
                try:
                    if login.startswith('root:'):
                        manager = root(Employee(
                                self.employees[login.split(':')[1]]))
                    else:
                        manager = acting(User(self.users[login]))
                    with manager:
                        func()
                except TransactionError as error:
                    t.rollback()
                    error.fix(extras)
                    continue
                except Exception as error:
                    t.rollback()
                    return error
                t.commit()
                return None

    def entries(self, event, model_record):
        "The (login, payload) of the ledger entries ``event`` of a record."
        with Transaction().start(DB_NAME, USER, context=CONTEXT):
            Entry = Pool().get('zt.ledger.entry')
            return [(e.user.login, json.loads(e.payload)) for e in
                Entry.search([('event', '=', event),
                        ('record', '=', model_record)])]

    def read(self, model, id_, name):
        with Transaction().start(DB_NAME, USER, context=CONTEXT):
            return getattr(Pool().get(model)(id_), name)

    def assertRefused(self, error, rule, *names):
        "``error`` is a SoD refusal naming ``rule`` and each of ``names``."
        self.assertIsInstance(error, SegregationOfDutiesError)
        self.assertIn(rule, error.message)
        for name in names:
            self.assertIn(name, error.message)

    def decide(self, request):
        def func():
            Request = Pool().get('zt.issue.request')
            run_wizard('zt.issue.request.decide', [Request(request)],
                'approve', {'start': {'comment': "ok"}})
        return func

    def test_requester_approves_own(self):
        "The requester approving their own request: refused and recorded"
        number = self.read('zt.issue.request', self.own, 'number')
        error = self.call('lead', self.decide(self.own))
        self.assertRefused(error, REQUESTER_MANAGER, number, 'Lead')
        (login, payload), = self.entries(
            'zt.issue.request.refused', self.own)
        self.assertEqual(login, 'lead')
        self.assertEqual(payload['error'], 'SegregationOfDutiesError')
        self.assertIn(REQUESTER_MANAGER, payload['message'])
        self.assertEqual(self.read('zt.issue.request', self.own, 'state'),
            'waiting')
        self.assertEqual(
            self.read('zt.issue.request', self.own, 'approvals'), ())

    def test_root_approves_own(self):
        "Root acting for the requester: refused and recorded as root"
        error = self.call('root:lead', self.decide(self.own))
        self.assertRefused(error, REQUESTER_MANAGER, 'Lead')
        self.assertIn('root', [login for login, _ in self.entries(
                    'zt.issue.request.refused', self.own)])
        self.assertEqual(
            self.read('zt.issue.request', self.own, 'approvals'), ())

    def test_same_user_both_levels(self):
        "The manager-level approver approving the finance level: refused"
        for login in ['boss', 'root:boss']:
            with self.subTest(login=login):
                error = self.call(login, self.decide(self.big))
                self.assertRefused(error, ONE_APPROVER, 'Boss')
        self.assertEqual(
            sorted(login for login, p in self.entries(
                    'zt.issue.request.refused', self.big)),
            ['boss', 'root'])
        self.assertEqual(len(self.read(
                    'zt.issue.request', self.big, 'approvals')), 1)
        self.assertEqual(self.read('zt.issue.request', self.big, 'state'),
            'waiting')

    def test_approver_issues(self):
        "The approver issuing (keeper group too), or root for them: refused"
        def issue():
            Request = Pool().get('zt.issue.request')
            Request.do([Request(self.by_lead)])
        for login in ['lead', 'root:lead']:
            with self.subTest(login=login):
                error = self.call(login, issue)
                self.assertRefused(error, MANAGER_ISSUE, 'Lead')
        self.assertEqual(
            sorted(login for login, p in self.entries(
                    'zt.issue.request.refused', self.by_lead)),
            ['lead', 'root'])
        self.assertEqual(
            self.read('zt.issue.request', self.by_lead, 'state'), 'approved')

    def test_counter_confirms_own_count(self):
        "The keeper who counted confirming the count: refused and recorded"
        def confirm():
            Inventory = Pool().get('stock.inventory')
            Inventory.confirm([Inventory(self.inventory)])
        error = self.call('keeper', confirm)
        self.assertRefused(error, COUNT_CONFIRM, 'Keeper')
        (login, payload), = self.entries(
            'stock.inventory.refused', self.inventory)
        self.assertEqual((login, payload['error']),
            ('keeper', 'SegregationOfDutiesError'))
        self.assertEqual(
            self.read('stock.inventory', self.inventory, 'state'), 'draft')

    def test_purchaser_receives_own_purchase(self):
        "The purchaser receiving their own purchase: refused and recorded"
        def receive():
            ShipmentIn = Pool().get('stock.shipment.in')
            ShipmentIn.receive([ShipmentIn(self.shipment)])
        error = self.call('buyer', receive)
        self.assertRefused(error, PURCHASE_RECEIVE, 'Buyer')
        (login, payload), = self.entries(
            'stock.shipment.in.refused', self.shipment)
        self.assertEqual((login, payload['error']),
            ('buyer', 'SegregationOfDutiesError'))
        self.assertEqual(
            self.read('stock.shipment.in', self.shipment, 'state'), 'draft')


class SoDTestCase(DBTestCase):
    "Test segregation-of-duties rules and emergency overrides"

    def rule(self, name):
        Rule = Pool().get('zt.sod.rule')
        rule, = Rule.search([('name', '=', name)])
        return rule

    @with_transaction()
    def test_deactivated_rule_allows(self):
        "A deactivated rule no longer refuses; the others still do"
        pool = Pool()
        Rule = pool.get('zt.sod.rule')
        w = World.build()
        w.lead_employee.supervisor = w.lead_employee
        w.lead_employee.save()
        request = w.submit(w.create_request([(w.mat_b, 1)], w.lead), w.lead)
        with self.assertRaises(SegregationOfDutiesError), savepoint():
            w.decide(request, w.lead)
        Rule.write([self.rule(REQUESTER_MANAGER)], {'active': False})
        request = w.decide(request, w.lead)
        self.assertEqual(request.state, 'approved')
        # the lead approved: still not the keeper
        with self.assertRaises(SegregationOfDutiesError):
            w.issue([request], w.lead)

    @with_transaction()
    def test_root_without_employee(self):
        "Root without an employee is known by its user id (a purchase)"
        pool = Pool()
        ShipmentIn = pool.get('stock.shipment.in')
        w = World.build()
        add_buyer(w)
        purchase = confirmed_purchase(w, 0)
        self.assertEqual(purchase.confirmed_by_user.id, 0)
        shipment = shipment_of(w, purchase)
        with internal(0, w.company), savepoint(), \
                self.assertRaises(SegregationOfDutiesError):
            ShipmentIn.receive([shipment])
        with internal(w.keeper):
            ShipmentIn.receive([shipment])
        self.assertIn(ShipmentIn(shipment.id).state, {'received', 'done'})

    @with_transaction()
    def test_other_person_may_act(self):
        "Another keeper confirms the count; another receives the purchase"
        pool = Pool()
        Inventory = pool.get('stock.inventory')
        ShipmentIn = pool.get('stock.shipment.in')
        w = World.build()
        add_buyer(w)
        inventory = counted_inventory(w, w.keeper)
        with internal(w.keeper2):
            Inventory.confirm([inventory])
        self.assertEqual(inventory.state, 'done')
        shipment = shipment_of(w, confirmed_purchase(w, w.buyer))
        with internal(w.keeper):
            ShipmentIn.receive([shipment])
            ShipmentIn.do([shipment])
        self.assertEqual(ShipmentIn(shipment.id).state, 'done')

    @with_transaction()
    def test_batch_refused_whole(self):
        "A batch confirm with one conflicting count: nothing confirmed"
        Inventory = Pool().get('stock.inventory')
        w = World.build()
        mine = counted_inventory(w, w.keeper)
        other = counted_inventory(w, w.keeper2)
        with internal(w.keeper), savepoint(), \
                self.assertRaises(SegregationOfDutiesError):
            Inventory.confirm([other, mine])
        self.assertEqual([i.state for i in Inventory.browse([other, mine])],
            ['draft', 'draft'])

    @with_transaction()
    def test_override_without_emergency_model(self):
        "An overridable rule refuses while no emergency access model exists"
        pool = Pool()
        Rule = pool.get('zt.sod.rule')
        w = World.build()
        inventory = counted_inventory(w, w.keeper)
        get = Pool.get

        def no_emergency(self, name, type='model'):
            # As if zt.emergency.access did not exist, for sod.py only (the
            # emergency grants of res.user still use it).
            caller = sys._getframe(1).f_globals['__name__']
            if name == 'zt.emergency.access' and caller.endswith('.sod'):
                raise KeyError(name)
            return get(self, name, type=type)
        self.assertTrue(self.rule(COUNT_CONFIRM).emergency_override)
        with mock.patch.object(Pool, 'get', no_emergency):
            self.assertEqual(Rule.emergency_accesses(w.keeper.id), [])
            with internal(w.keeper), savepoint(), \
                    self.assertRaises(SegregationOfDutiesError):
                pool.get('stock.inventory').confirm([inventory])
        self.assertEqual(inventory.state, 'draft')

    @with_transaction()
    def test_emergency_override(self):
        """With an active emergency access the overridable rule lets the
        keeper confirm, recorded in the ledger; a rule without override
        still refuses"""
        pool = Pool()
        Entry = pool.get('zt.ledger.entry')
        Inventory = pool.get('stock.inventory')
        Rule = pool.get('zt.sod.rule')
        w = World.build()
        inventory = counted_inventory(w, w.keeper)
        rule = self.rule(COUNT_CONFIRM)
        with mock.patch.object(Rule, 'emergency_accesses',
                return_value=[42]):
            with internal(w.keeper):
                Inventory.confirm([inventory])
            w.lead_employee.supervisor = w.lead_employee
            w.lead_employee.save()
            request = w.submit(
                w.create_request([(w.mat_b, 1)], w.lead), w.lead)
            with self.assertRaises(SegregationOfDutiesError):
                w.decide(request, w.lead)
        self.assertEqual(inventory.state, 'done')
        entry, = Entry.search([('event', '=', 'stock.inventory.sod_override')])
        payload = json.loads(entry.payload)
        self.assertEqual((entry.record, entry.user), (inventory.id, w.keeper))
        self.assertEqual((payload['rule_id'], payload['emergency_accesses']),
            (rule.id, [42]))
        self.assertEqual(payload['rule'], COUNT_CONFIRM)
        _, _, problems = ledger_verify.verify(Transaction().connection)
        self.assertEqual(problems, [])

    @with_transaction()
    def test_no_employee_refused_first(self):
        "A user without employee is refused as before (no person to trace)"
        w = World.build()
        request = w.submit(w.create_request([(w.mat_b, 1)]))
        with self.assertRaises(ActorError):
            w.decide(request, w.nobody)
