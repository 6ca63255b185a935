# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""World builders for the ORM tests of zt_inventory.

Every builder runs inside the caller's transaction (``@with_transaction()``)
as the test's admin user and returns plain records; :func:`acting` switches
to one of the world's users the way the RPC dispatcher does."""
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace

from trytond.modules.account.tests.test_module import (
    create_chart, get_fiscalyear)
from trytond.modules.account_invoice.tests.test_module import (
    set_invoice_sequences)
from trytond.modules.company.tests import create_company, create_employee
from trytond.pool import Pool
from trytond.tests.test_tryton import TestCase, activate_module, drop_db
from trytond.transaction import Transaction

from ..barcode import gtin_check_digit

__all__ = ['gtin', 'World', 'acting', 'savepoint', 'run_wizard',
    'DBTestCase']


def gtin(prefix):
    "Return the GTIN made of ``prefix`` (str of digits) and its check digit."
    return prefix + str(gtin_check_digit(prefix))


# The GTIN-13 of the Wikipedia example, a class B material.
GTIN_B = '4006381333931'
GTIN_A = gtin('690123456789')
GTIN_C = gtin('690123456780')


@contextmanager
def acting(user, **context):
    """Act as ``user`` (res.user) with access checks on, as over RPC: the
    user's preferences (company, companies, employee) are the context."""
    pool = Pool()
    User = pool.get('res.user')
    transaction = Transaction()
    with transaction.set_user(user.id):
        preferences = User.get_preferences(context_only=True)
        with transaction.set_context(
                preferences, _check_access=True, **context):
            yield


@contextmanager
def savepoint():
    """Roll back what the block wrote if it raises, like the dispatcher
    rolls back a refused call (one call is one transaction)."""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    cursor.execute('SAVEPOINT zt_call')
    try:
        yield
    except Exception:
        cursor.execute('ROLLBACK TO SAVEPOINT zt_call')
        transaction.cache.clear()
        raise
    else:
        cursor.execute('RELEASE SAVEPOINT zt_call')


def run_wizard(name, records, state, data=None):
    """Run the wizard ``name`` on ``records`` up to ``state`` with the form
    ``data`` (dict state -> field values), as the client does over RPC (the
    wizard checks its groups and access itself)."""
    pool = Pool()
    Wizard = pool.get(name, type='wizard')
    model = records[0].__name__
    ids = [r.id for r in records]
    with Transaction().set_context(
            active_model=model, active_id=ids[0], active_ids=ids,
            _check_access=False):
        session_id, start, _ = Wizard.create()
        Wizard.execute(session_id, {}, start)
        result = Wizard.execute(session_id, data or {}, state)
        Wizard.delete(session_id)
    return result


class DBTestCase(TestCase):
    "A test case on a fresh database with zt_inventory activated."

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('zt_inventory')

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()


class World(SimpleNamespace):
    """A company with a warehouse, materials with GTINs and cost prices in
    stock, a finished product with its bill of materials, a waiting
    production and one user (with an employee and a badge) per role."""

    @classmethod
    def build(cls, accounting=False, amount_limit=None):
        world = cls()
        world.company = create_company()
        world.use_company()
        world.today = dt.date.today()
        if accounting:
            world.add_accounting()
        world.configure(amount_limit)
        world.add_locations()
        world.add_products()
        world.add_people()
        world.receive({world.mat_a: 20, world.mat_b: 200, world.mat_c: 200})
        world.production = world.create_production(quantity=1)
        return world

    def use_company(self):
        "Make the company the test user's, for the rest of the transaction."
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
        User.write([User(transaction.user)], {
                'companies': [('add', [self.company.id])],
                'company': self.company.id,
                })
        # set_company() is a context manager; the world lives as long as
        # the test's transaction, whose context is reset at its end.
        transaction.context = dict(transaction.context,
            **User.get_preferences(context_only=True))

    def configure(self, amount_limit):
        Configuration = Pool().get('zt.inventory.configuration')
        config = Configuration(1)
        if amount_limit is not None:
            config.approval_amount_limit = Decimal(amount_limit)
        config.save()

    def add_accounting(self):
        "Chart of accounts, fiscal year with continental stock method."
        pool = Pool()
        Account = pool.get('account.account')
        Category = pool.get('product.category')
        FiscalYear = pool.get('account.fiscalyear')
        create_chart(self.company)
        fiscalyear = get_fiscalyear(self.company, today=self.today)
        # purchase brings account_invoice, which needs invoice sequences
        set_invoice_sequences(fiscalyear)
        fiscalyear.account_stock_method = 'continental'
        fiscalyear.save()
        FiscalYear.create_period([fiscalyear])

        def account(code):
            return Account.search([
                    ('company', '=', self.company.id),
                    ('code', '=', code),
                    ])[0]
        self.account_stock = account('1.3.1')
        self.account_stock_in = account('5.1.5')
        self.account_stock_out, = Account.copy([self.account_stock_in])
        self.account_category = Category(
            name="Materials", accounting=True,
            account_stock=self.account_stock,
            account_stock_in=self.account_stock_in,
            account_stock_out=self.account_stock_out)
        self.account_category.save()

    def add_locations(self):
        Location = Pool().get('stock.location')
        self.warehouse, = Location.search([('code', '=', 'WH')])
        self.storage, = Location.search([('code', '=', 'STO')])
        self.supplier, = Location.search([('code', '=', 'SUP')])
        self.production_location = self.warehouse.production_location

    def create_product(self, name, cost_price, code=None, abc_class=None,
            producible=False):
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', 'Unit')])
        template, = Template.create([{
                    'name': name,
                    'type': 'goods',
                    'default_uom': unit.id,
                    'abc_class': abc_class,
                    'producible': producible,
                    'cost_price_method': 'fixed',
                    'account_category': getattr(
                        self, 'account_category', None),
                    'products': [('create', [{
                                    'cost_price': Decimal(cost_price),
                                    'identifiers': [('create', [{
                                                    'type': 'ean',
                                                    'code': code,
                                                    }])] if code else [],
                                    }])],
                    }])
        product, = template.products
        return product

    def add_products(self):
        pool = Pool()
        BOM = pool.get('production.bom')
        self.unit = Pool().get('product.uom').search(
            [('name', '=', 'Unit')])[0]
        # class A, 2 per unit; class B, 10; class C, 100
        self.mat_a = self.create_product("Sensor", 2, GTIN_A, 'A')
        self.mat_b = self.create_product("Screw", 10, GTIN_B, 'B')
        self.mat_c = self.create_product("Housing", 100, GTIN_C, 'C')
        self.finished = self.create_product("Pump", 500, producible=True)
        self.bom, = BOM.create([{
                    'name': "Pump",
                    'inputs': [('create', [{
                                    'product': p.id, 'unit': self.unit.id,
                                    'quantity': q,
                                    } for p, q in [
                                    (self.mat_a, 10), (self.mat_b, 100),
                                    (self.mat_c, 100)]])],
                    'outputs': [('create', [{
                                    'product': self.finished.id,
                                    'unit': self.unit.id, 'quantity': 1,
                                    }])],
                    }])

    def create_user(self, login, groups, employee=None):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        group_ids = [ModelData.get_id(*g.split('.')) for g in groups]
        user, = User.create([{
                    'login': login,
                    'name': login,
                    'groups': [('add', group_ids)],
                    'companies': [('add', [self.company.id])],
                    'company': self.company.id,
                    'employees': [('add', [employee.id])] if employee else [],
                    'employee': employee.id if employee else None,
                    # keepers act only in their warehouses (record rules)
                    'warehouses': [('add', [self.warehouse.id])],
                    }])
        return user

    def add_people(self):
        "One user per role, each with an employee and a badge."
        stock = ['stock.group_stock', 'production.group_production']
        roles = {
            'requester': ['zt_inventory.group_production_staff'],
            'manager': ['zt_inventory.group_department_manager'],
            'director': ['zt_inventory.group_finance_director'],
            'keeper': ['zt_inventory.group_warehouse_keeper'],
            # holds both approver groups: still only one approval
            'boss': ['zt_inventory.group_department_manager',
                'zt_inventory.group_finance_director'],
            'keeper2': ['zt_inventory.group_warehouse_keeper'],
            # holds every group of the chain: may still act only once
            'lead': ['zt_inventory.group_production_staff',
                'zt_inventory.group_department_manager',
                'zt_inventory.group_finance_director',
                'zt_inventory.group_warehouse_keeper'],
            }
        for i, (role, groups) in enumerate(roles.items(), 1):
            employee = create_employee(self.company, name=role.title())
            employee.badge_code = 'EMP-%04d' % i
            employee.save()
            setattr(self, role + '_employee', employee)
            setattr(self, role, self.create_user(
                    role, groups + stock, employee))
        self.requester_employee.supervisor = self.manager_employee
        self.requester_employee.save()
        self.lead_employee.supervisor = self.manager_employee
        self.lead_employee.save()
        # a user without employee, in every group of the chain
        self.nobody = self.create_user(
            'nobody', [g for gs in roles.values() for g in gs] + stock)

    def receive(self, quantities):
        "Receive ``quantities`` (product -> units) into storage, done."
        Move = Pool().get('stock.move')
        moves = Move.create([{
                    'product': p.id, 'unit': self.unit.id, 'quantity': q,
                    'from_location': self.supplier.id,
                    'to_location': self.storage.id,
                    'unit_price': p.cost_price,
                    'currency': self.company.currency.id,
                    'effective_date': self.today,
                    } for p, q in quantities.items()])
        # A receipt without purchase: purchase warns of moves without origin.
        with Transaction().set_context(_skip_warnings=True):
            Move.do(moves)

    def dated_move(self, product, quantity, from_location, to_location,
            date, state='done', company=None):
        """Create a move of ``quantity`` units dated ``date`` for
        ``company`` (the world's by default), priced when it enters or
        leaves the company's storage, and bring it to ``state`` ('done',
        'cancelled' or 'draft'); return it."""
        Move = Pool().get('stock.move')
        company = company or self.company
        values = {
            'product': product.id, 'unit': self.unit.id,
            'quantity': quantity,
            'from_location': from_location.id,
            'to_location': to_location.id,
            'planned_date': date,
            'effective_date': date,
            'company': company.id,
            }
        if {from_location.type, to_location.type} != {'storage'}:
            values['unit_price'] = product.cost_price
            values['currency'] = company.currency.id
        move, = Move.create([values])
        with Transaction().set_context(_skip_warnings=True):
            if state == 'done':
                Move.do([move])
            elif state == 'cancelled':
                Move.cancel([move])
        return move

    def create_production(self, quantity=1):
        "A production of ``quantity`` pumps, waiting, with planned inputs."
        Production = Pool().get('production')
        production = Production(
            company=self.company, warehouse=self.warehouse,
            location=self.production_location, product=self.finished,
            bom=self.bom, unit=self.unit, quantity=quantity,
            planned_date=self.today, planned_start_date=self.today)
        production.explode_bom()
        production.save()
        Production.wait([production])
        return production

    def stock(self, product, location=None):
        "The quantity (float) of ``product`` in storage, today."
        Product = Pool().get('product.product')
        location = location or self.storage
        with Transaction().set_context(
                locations=[location.id], stock_date_end=self.today):
            return Product(product.id).quantity

    def create_request(self, lines, user=None, production=None, note=None):
        """Create as ``user`` (the requester by default) a draft request for
        ``lines`` (list of (product, quantity))."""
        Request = Pool().get('zt.issue.request')
        production = production or self.production
        with acting(user or self.requester):
            request, = Request.create([{
                        'company': self.company.id,
                        'production': production.id,
                        'from_location': self.storage.id,
                        'note': note,
                        'lines': [('create', [{
                                        'product': p.id, 'quantity': q,
                                        'unit': self.unit.id,
                                        } for p, q in lines])],
                        }])
        return Request(request.id)

    def submit(self, request, user=None):
        Request = Pool().get('zt.issue.request')
        with acting(user or self.requester):
            Request.wait([Request(request.id)])
        return Request(request.id)

    def decide(self, request, user, decision='approve', comment="ok"):
        "Approve or reject ``request`` as ``user`` with the wizard."
        Request = Pool().get('zt.issue.request')
        with acting(user):
            run_wizard('zt.issue.request.decide', [Request(request.id)],
                decision, {'start': {'comment': comment}})
        return Request(request.id)

    def approved_request(self, lines, finance=False):
        "A request for ``lines``, submitted and approved by every level."
        request = self.submit(self.create_request(lines))
        request = self.decide(request, self.manager)
        if finance:
            request = self.decide(request, self.director)
        assert request.state == 'approved', request.state
        return request

    def scans(self, requests, badge=None):
        "What the keeper scans for ``requests``: each unit, then the badge."
        codes = []
        for request in requests:
            for line in request.lines:
                code = line.product.identifiers[0].code
                codes.extend([code] * int(line.quantity))
        badges = {badge} if badge else {
            r.requested_by.badge_code for r in requests}
        return '\r\n'.join(codes + sorted(badges)) + '\r\n'

    def issue(self, requests, user=None, text=None):
        "Issue ``requests`` as ``user`` (the keeper) with the scan wizard."
        Request = Pool().get('zt.issue.request')
        requests = Request.browse([r.id for r in requests])
        if text is None:
            text = self.scans(requests)
        with acting(user or self.keeper), savepoint():
            run_wizard('zt.issue.request.issue', requests, 'issue',
                {'start': {'scans': text}})
        return Request.browse(requests)

    def done_moves(self, request=None):
        "The done stock moves issued by ``request`` (or by any request)."
        Move = Pool().get('stock.move')
        domain = [('state', '=', 'done'),
            ('origin', 'like', 'zt.issue.request.line,%')]
        if request:
            domain.append(('origin.request', '=', request.id,
                    'zt.issue.request.line'))
        return Move.search(domain)
