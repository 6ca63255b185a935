# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""Benchmark part 5, the data: the world (company, two warehouses,
categories, products, order points) and the history of moves loaded
with ``COPY`` into stock_move (see bench_cockpit.py for the mix and
the measurements)."""
import datetime as dt
import random
import sys
import time
import zoneinfo
from decimal import Decimal

import psycopg

from trytond.pool import Pool
from trytond.transaction import Transaction

from bench_moves import (
    ADMIN, company_context, create_company, create_warehouse)
from bench_rules import COLUMNS, copy_moves

TIMEZONE = 'Asia/Shanghai'
HISTORY_DAYS = 730
CHUNK = 1000
SEED = 20260601
ORDER_POINT_SHARE = 0.2
PARENTS = 5
# Share of each kind of move in the history (the rest: to customers).
RECEIPT_SHARE = 0.40
TRANSFER_SHARE = 0.12
PRODUCTION_SHARE = 0.25
CANCELLED_SHARE = 0.02
# Receipts and outputs between the two warehouses.
FIRST_WAREHOUSE_SHARE = 0.6


def build_world(database, products, categories):
    """Create the company, the second warehouse, the categories, the
    products and their order points, and commit; return a dict of ids:
    company, currency, unit, timezone, warehouses (list), view (the
    location above them), storages, productions (lists, by warehouse),
    supplier, customer, parents and categories (lists), products (list),
    prices (dict product -> cost price str), order_points (int)."""
    Pool(database).init()
    with Transaction().start(database, 0) as transaction:
        world = create_world_company()
        transaction.commit()
    with Transaction().start(database, ADMIN) as transaction, \
            company_context():
        world.update(create_locations())
        world.update(create_categories(categories))
        transaction.commit()
    world['products'], world['prices'] = [], {}
    for start in range(0, products, CHUNK):
        with Transaction().start(database, ADMIN) as transaction, \
                company_context():
            created = create_products(world, range(
                    start, min(start + CHUNK, products)))
            transaction.commit()
        world['products'] += [p for p, _ in created]
        world['prices'].update(created)
    rng = random.Random(SEED)
    chosen = [p for p in world['products']
        if rng.random() < ORDER_POINT_SHARE]
    for start in range(0, len(chosen), CHUNK):
        with Transaction().start(database, ADMIN) as transaction, \
                company_context():
            create_order_points(world, chosen[start:start + CHUNK], rng)
            transaction.commit()
    world['order_points'] = len(chosen)
    return world


def create_world_company():
    """Create the currency, the company (time zone TIMEZONE) and make it
    the admin's; return a dict of ids: company, currency, unit, timezone,
    supplier, customer."""
    pool = Pool()
    Location = pool.get('stock.location')
    Uom = pool.get('product.uom')
    company = create_company(TIMEZONE)
    unit, = Uom.search([('name', '=', 'Unit')])
    return {
        'company': company.id,
        'currency': company.currency.id,
        'unit': unit.id,
        'timezone': TIMEZONE,
        'supplier': Location.search([('code', '=', 'SUP')])[0].id,
        'customer': Location.search([('code', '=', 'CUS')])[0].id,
        }


def create_locations():
    """Create the second warehouse and a view location above both; return
    a dict of ids: view, warehouses, storages, productions (lists)."""
    Location = Pool().get('stock.location')
    first, = Location.search([('code', '=', 'WH')])
    second = Location(create_warehouse('Bench WH 2'))
    view, = Location.create([{'name': "Bench Co. warehouses",
                'type': 'view'}])
    Location.write([first, second], {'parent': view.id})
    return {
        'view': view.id,
        'warehouses': [first.id, second.id],
        'storages': [first.storage_location.id, second.storage_location.id],
        'productions': [first.production_location.id,
            second.production_location.id],
        }


def create_categories(count):
    """Create PARENTS parent categories and ``count`` child categories
    spread over them; return a dict: parents, categories (lists of
    ids)."""
    Category = Pool().get('product.category')
    parents = Category.create([{'name': "Bench family %d" % i}
            for i in range(1, PARENTS + 1)])
    children = Category.create([{'name': "Bench category %02d" % i,
                'parent': parents[i % PARENTS].id}
            for i in range(1, count + 1)])
    return {'parents': [c.id for c in parents],
        'categories': [c.id for c in children]}


def cost_price(number):
    "Return the cost price (str, CNY, 4 digits) of product ``number``."
    return '%.4f' % (1 + (number * 37) % 99 * 0.5)


def create_products(world, numbers):
    """Create purchasable goods products RM-<number> in a category each;
    return [(product id, cost price str)]."""
    Template = Pool().get('product.template')
    categories = world['categories']
    templates = Template.create([{
                'name': "Bench material %05d" % n, 'type': 'goods',
                'default_uom': world['unit'], 'purchasable': True,
                'purchase_uom': world['unit'],
                'cost_price_method': 'fixed',
                'categories': [('add', [categories[n % len(categories)]])],
                'products': [('create', [{
                                'code': 'RM-%05d' % n,
                                'cost_price': Decimal(cost_price(n)),
                                }])],
                } for n in numbers])
    return [(t.products[0].id, cost_price(n))
        for t, n in zip(templates, numbers)]


def create_order_points(world, products, rng):
    "Create a purchase order point on a random warehouse per product."
    OrderPoint = Pool().get('stock.order_point')
    values = []
    for product in products:
        minimum = rng.randint(50, 600)
        values.append({
                'product': product,
                'type': 'purchase',
                'location': rng.choice(world['warehouses']),
                'min_quantity': minimum,
                'target_quantity': 2 * minimum,
                'company': world['company'],
                })
    OrderPoint.create(values)


def pick_warehouse(rng):
    "Return the index (0 or 1) of the warehouse of a receipt or output."
    return 0 if rng.random() < FIRST_WAREHOUSE_SHARE else 1


def move_kind(world, rng):
    """Return (from location, to location, priced, quantity, state) of a
    random move of the mix."""
    draw = rng.random()
    state = 'done'
    if draw < CANCELLED_SHARE:
        state = 'cancelled'
        draw = rng.random()
    w = pick_warehouse(rng)
    if draw < RECEIPT_SHARE:
        return (world['supplier'], world['storages'][w], True,
            rng.randint(5, 30), state)
    draw -= RECEIPT_SHARE
    if draw < TRANSFER_SHARE:
        return (world['storages'][w], world['storages'][1 - w], False,
            rng.randint(1, 10), state)
    draw -= TRANSFER_SHARE
    if draw < PRODUCTION_SHARE:
        return (world['storages'][w], world['productions'][w], False,
            rng.randint(1, 12), state)
    return (world['storages'][w], world['customer'], True,
        rng.randint(1, 12), state)


def stock_move_columns(conninfo):
    """Return the columns of bench_rules.COLUMNS that stock_move has (list
    of str: zt_rules adds the effective time and who did the move), and
    raise RuntimeError when stock_move has NOT NULL columns without default
    that the history does not fill."""
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(
            "SELECT column_name, is_nullable = 'NO' AND column_default "
            "IS NULL FROM information_schema.columns "
            "WHERE table_name = 'stock_move'").fetchall()
    missing = sorted(n for n, required in rows
        if required and n not in COLUMNS)
    if missing:
        raise RuntimeError('stock_move has NOT NULL columns the history '
            'does not fill: %s' % ', '.join(missing))
    present = {n for n, _ in rows}
    return [c for c in COLUMNS if c in present]


def history_lines(world, count, first_id, end, rng, columns=COLUMNS):
    """Yield the COPY text lines (``columns`` of bench_rules.COLUMNS) of
    ``count`` moves with ids from ``first_id``, in order of effective time
    (UTC), spread uniformly over the HISTORY_DAYS days before ``end``
    (naive UTC); effective dates are the local dates of the company's
    time zone.  Cancelled moves keep their planned date only."""
    indexes = [COLUMNS.index(c) for c in columns]
    zone = zoneinfo.ZoneInfo(world['timezone'])
    span = HISTORY_DAYS * 86400
    offsets = sorted(rng.randrange(span) for _ in range(count))
    products, prices = world['products'], world['prices']
    for i, offset in enumerate(offsets):
        when = end - dt.timedelta(seconds=span - offset)
        from_, to, priced, quantity, state = move_kind(world, rng)
        product = rng.choice(products)
        price = prices[product]
        stamp = when.isoformat(' ')
        day = when.replace(tzinfo=dt.timezone.utc).astimezone(
            zone).date().isoformat()
        done = state == 'done'
        fields = (first_id + i, world['company'], product,
            world['unit'], quantity, quantity, from_, to,
            world['currency'] if priced else '\\N',
            price if priced else '\\N', price, state,
            day if done else '\\N', day, stamp if done else '\\N',
            ADMIN if done else '\\N', ADMIN, stamp)
        yield '\t'.join(str(fields[i]) for i in indexes) + '\n'


def load_history(conninfo, world, count, seed):
    """COPY ``count`` generated moves into stock_move (ids reserved from
    its sequence), VACUUM ANALYZE it and ANALYZE the database; return
    the seconds taken (float).  Raises RuntimeError when stock_move has
    NOT NULL columns the history does not fill."""
    columns = stock_move_columns(conninfo)
    started = time.monotonic()
    rng = random.Random(seed)
    end = dt.datetime.now(dt.timezone.utc).replace(
        tzinfo=None, microsecond=0)
    copy_moves(conninfo, columns, count,
        lambda first_id: history_lines(world, count, first_id, end, rng,
            columns))
    with psycopg.connect(conninfo, autocommit=True) as connection:
        # the order points, categories and products were created by the
        # ORM just before: without statistics the planner expects a few
        # rows and loops over stock_move
        connection.execute('ANALYZE')
    return time.monotonic() - started


def close_periods(database, count):
    """Close Tryton's stock periods (stock.period) of the ``count`` last
    month ends before today, as a company closing its stock every month:
    the cockpit's reports read the cache of the latest one instead of the
    whole history (cockpit.closed_period).  Earlier month ends are not
    closed: no report of the run reads them.  Periods closed by an
    earlier call are reopened (the history grew under them).

    Each period's cache is what ``stock.period.close`` stores, computed by
    Tryton's ``products_by_location`` at the period's date (grouping by
    product, every location but warehouses and views); the rows are
    written by one SQL INSERT per 1,000 and the period set closed, as the
    history itself is loaded by COPY: the ORM's create of the ~30,000
    rows of a period, with its validation, took more than 15 minutes
    here.  Returns the seconds taken (float)."""
    started = time.monotonic()
    with Transaction().start(database, ADMIN) as transaction, \
            company_context():
        pool = Pool()
        Period = pool.get('stock.period')
        Cache = pool.get('stock.period.cache')
        Location = pool.get('stock.location')
        Product = pool.get('product.product')
        Date = pool.get('ir.date')
        company = Transaction().context['company']
        end = Date.today().replace(day=1) - dt.timedelta(days=1)
        dates = []
        for _ in range(count):
            dates.append(end)
            end = end.replace(day=1) - dt.timedelta(days=1)
        existing = Period.search([('company', '=', company)])
        Period.draft(existing)
        known = {p.date for p in existing}
        Period.create([{'company': company, 'date': d}
                for d in dates if d not in known])
        locations = [loc.id for loc in Location.search([
                    ('type', 'not in', ['warehouse', 'view']),
                    ], order=[])]
        period_table = Period.__table__()
        cache = Cache.__table__()
        cursor = transaction.connection.cursor()
        for period in Period.search([('company', '=', company)],
                order=[('date', 'ASC')]):
            with Transaction().set_context(stock_date_end=period.date,
                    stock_date_start=None, stock_assign=False,
                    forecast=False, stock_destinations=None):
                quantities = Product.products_by_location(
                    locations, grouping=('product',))
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            rows = [[period.id, location, product, quantity, ADMIN, now]
                for (location, product), quantity in quantities.items()
                if quantity]
            for i in range(0, len(rows), CHUNK):
                cursor.execute(*cache.insert([cache.period, cache.location,
                            cache.product, cache.internal_quantity,
                            cache.create_uid, cache.create_date],
                        rows[i:i + CHUNK]))
            cursor.execute(*period_table.update([period_table.state],
                    ['closed'], where=period_table.id == period.id))
            print('  period %s closed: %d cache rows'
                % (period.date, len(rows)), file=sys.stderr, flush=True)
        transaction.commit()
    return time.monotonic() - started


def history_stats(conninfo):
    """Return the figures of the loaded history (dict): moves by state,
    done moves by kind (receipt, transfer, production, customer), the
    first and last effective dates, and the size of stock_move (bytes,
    with its indexes)."""
    with psycopg.connect(conninfo) as connection:
        states = dict(connection.execute(
                'SELECT state, COUNT(*) FROM stock_move GROUP BY state'))
        kinds = dict(connection.execute(
                "SELECT f.type || '>' || t.type, COUNT(*) FROM stock_move m "
                'JOIN stock_location f ON f.id = m.from_location '
                'JOIN stock_location t ON t.id = m.to_location '
                "WHERE m.state = 'done' GROUP BY 1"))
        first, last, size = connection.execute(
            "SELECT MIN(effective_date), MAX(effective_date), "
            "pg_total_relation_size('stock_move') FROM stock_move"
            ).fetchone()
    return {'states': states, 'kinds': kinds, 'first_date': str(first),
        'last_date': str(last), 'stock_move_bytes': size}
