# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""Benchmark part 1: issue moves (storage to production) with and without
the ledger, through the ORM of trytond in this process.

Each database gets the same world (a company, one product with stock in
the warehouse's storage location); then the same code creates and does
the moves, ``batch`` moves per transaction (``stock.move`` create, then
``Move.do``, then commit), as the admin user with its company."""
import cProfile
import datetime as dt
import io
import pstats
import statistics
import time
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction

ADMIN = 1


def build_world(database, warehouses=0):
    """Create the world in ``database`` and commit; return a dict with the
    ids of the company, the product, the storage and production locations
    and of ``warehouses`` extra warehouses (list)."""
    Pool(database).init()
    with Transaction().start(database, 0) as transaction:
        Location = Pool().get('stock.location')
        company = create_company()
        warehouse, = Location.search([('code', '=', 'WH')])
        world = {
            'company': company.id,
            'storage': warehouse.storage_location.id,
            'production': warehouse.production_location.id,
            'supplier': Location.search([('code', '=', 'SUP')])[0].id,
            'warehouses': [create_warehouse('Bench WH %d' % i)
                for i in range(1, warehouses + 1)],
            }
        transaction.commit()
    with Transaction().start(database, ADMIN) as transaction, \
            company_context():
        world['product'] = create_product()
        receive(world, 10 ** 7)
        transaction.commit()
    return world


def create_warehouse(name):
    "Return the id of a new warehouse ``name`` with its locations."
    Location = Pool().get('stock.location')
    storage, input_, output = Location.create([
            {'name': name + ' ' + n, 'type': 'storage'}
            for n in ('STO', 'IN', 'OUT')])
    production, = Location.create([
            {'name': name + ' PROD', 'type': 'production'}])
    warehouse, = Location.create([{
                'name': name, 'type': 'warehouse',
                'storage_location': storage.id,
                'input_location': input_.id,
                'output_location': output.id,
                'production_location': production.id,
                }])
    Location.write([storage, input_, output], {'parent': warehouse.id})
    return warehouse.id


def company_context():
    "The admin's preferences (its company) as the transaction's context."
    User = Pool().get('res.user')
    return Transaction().set_context(User.get_preferences(context_only=True))


def create_company(timezone=None):
    """Create the CNY currency and the company "Bench Co." (in
    ``timezone``, a time zone name or None) and make it the admin's
    current company; return the company (instance)."""
    pool = Pool()
    Currency = pool.get('currency.currency')
    Party = pool.get('party.party')
    Company = pool.get('company.company')
    User = pool.get('res.user')
    currency, = Currency.create([{
                'name': 'Yuan', 'symbol': '¥', 'code': 'CNY'}])
    party, = Party.create([{'name': "Bench Co."}])
    company, = Company.create([{'party': party.id,
                'currency': currency.id, 'timezone': timezone}])
    User.write([User(ADMIN)], {
            'companies': [('add', [company.id])],
            'company': company.id,
            })
    return company


def create_product():
    "Return the id of a new goods product in units, at a fixed cost."
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', 'Unit')])
    template, = Template.create([{
                'name': "Bench material", 'type': 'goods',
                'default_uom': unit.id, 'cost_price_method': 'fixed',
                'products': [('create', [{
                                'code': 'RM-BENCH',
                                'cost_price': Decimal('12.3400'),
                                }])],
                }])
    return template.products[0].id


def receive(world, quantity):
    "Receive ``quantity`` units of the product into the storage location."
    pool = Pool()
    Move = pool.get('stock.move')
    Company = pool.get('company.company')
    move, = Move.create([dict(move_values(world, quantity),
                from_location=world['supplier'],
                to_location=world['storage'],
                unit_price=Decimal('12.3400'),
                currency=Company(world['company']).currency.id)])
    # No purchase order: skip purchase's warning on moves without origin.
    with Transaction().set_context(_skip_warnings=True):
        Move.do([move])


def move_values(world, quantity=1):
    "Return the values (dict) of an issue move of ``quantity`` units."
    Product = Pool().get('product.product')
    product = Product(world['product'])
    return {
        'product': product.id,
        'unit': product.default_uom.id,
        'quantity': quantity,
        'from_location': world['storage'],
        'to_location': world['production'],
        'company': world['company'],
        'effective_date': dt.date.today(),
        }


def issue(database, world, count, batch):
    """Create and do ``count`` issue moves, ``batch`` per transaction, each
    committed; return the seconds taken (float)."""
    started = time.monotonic()
    for start in range(0, count, batch):
        with Transaction().start(database, ADMIN) as transaction, \
                company_context():
            Move = Pool().get('stock.move')
            moves = Move.create([move_values(world)
                    for _ in range(min(batch, count - start))])
            Move.do(moves)
            transaction.commit()
    return time.monotonic() - started


def run(databases, worlds, count, batch, repeat):
    """Time ``count`` issue moves in each database (dict label -> name),
    ``repeat`` times alternating, after a warm-up batch; return dict label
    -> {'seconds': median, 'runs': [seconds]}."""
    runs = {label: [] for label in databases}
    for label, database in databases.items():
        issue(database, worlds[label], batch, batch)
    for _ in range(repeat):
        for label, database in databases.items():
            runs[label].append(issue(database, worlds[label], count, batch))
    return {label: {'seconds': statistics.median(r), 'runs': r}
        for label, r in runs.items()}


def profile(database, world, count, batch, limit=25):
    """Profile ``count`` issue moves in ``database``; return the cProfile
    report (str) sorted by cumulative time, zt_inventory functions first."""
    profiler = cProfile.Profile()
    profiler.enable()
    issue(database, world, count, batch)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats('cumulative')
    stats.print_stats('zt_inventory', limit)
    stats.print_callees(r'zt_inventory.*\((append|_ledger_event|'
        r'_ledger_payload|record_changes|on_modification)\)')
    stats.print_stats(limit)
    return out.getvalue()
