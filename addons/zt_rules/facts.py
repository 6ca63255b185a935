# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The facts a rule's conditions test, per subject (see schema.py), read
from Tryton records.  A subject is what one evaluation is about."""
import datetime as dt
from collections import namedtuple
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction

from trytond.modules.zt_inventory.trace import utc_now

from . import window

Subject = namedtuple('Subject', ['record', 'key', 'facts', 'warehouse',
        'anchors', 'end'])
Subject.__doc__ = """One evaluation of a rule: ``record`` (the instance the
rule is about: request, move, count, product), ``key`` (str: what an open
alert of the rule for the same thing is keyed by), ``facts`` (dict, see
schema.SUBJECT_FIELDS), ``warehouse`` (stock.location or None),
``anchors`` (dict group -> id: the product, location and user of the
journal windows) and ``end`` (naive UTC datetime: where windows end)."""


def _dec(value):
    return Decimal(str(value or 0))


def _code(record):
    if not record:
        return None
    return getattr(record, 'code', None) or record.rec_name


def _categories(product):
    return [c.rec_name for c in product.categories_all] if product else []


def issue_request(request):
    "Return the Subject of an issue request (zt.issue.request)."
    Request = Pool().get('zt.issue.request')
    lines = list(request.lines)
    excess = len(Request.bom_excesses(request)) if (
        request.production and lines) else 0
    warehouse = request.production.warehouse if request.production else None
    facts = {
        'amount': request.get_value(None) if lines else Decimal(0),
        'quantity': sum((_dec(line.internal_quantity) for line in lines),
            Decimal(0)),
        'lines': Decimal(len(lines)),
        'excess_lines': Decimal(excess),
        'abc_class': [line.product.abc_class for line in lines
            if line.product and line.product.abc_class],
        'category': sorted({c for line in lines
                for c in _categories(line.product)}),
        'product': [_code(line.product) for line in lines if line.product],
        'warehouse': _code(warehouse),
        'location': _code(request.from_location),
        }
    return Subject(request, 'zt.issue.request,%s' % request.id, facts,
        warehouse, {}, utc_now())


def _storage(location, warehouse):
    return bool(location and warehouse and location.type == 'storage'
        and location.warehouse == warehouse)


def stock_move(move):
    """Return the Subject of a done stock move: its windows end at its
    effective time and are anchored on its product, its storage-side
    location and the user who did it."""
    warehouse = move.warehouse
    from_in = _storage(move.from_location, warehouse)
    to_in = _storage(move.to_location, warehouse)
    direction = window.direction(from_in, to_in) or ''
    price = move.unit_price if move.unit_price is not None else (
        move.product.cost_price if move.product else 0)
    quantity = _dec(move.internal_quantity)
    location = (move.to_location if direction == 'in'
        else move.from_location)
    facts = {
        'amount': (_dec(move.quantity) * _dec(price)),
        'quantity': quantity,
        'abc_class': move.product.abc_class,
        'category': _categories(move.product),
        'product': _code(move.product),
        'warehouse': _code(warehouse),
        'from_location': _code(move.from_location),
        'to_location': _code(move.to_location),
        'direction': direction,
        }
    end = move.zt_effective_time or utc_now()
    return Subject(move, None, facts, warehouse, {
            'product': move.product.id,
            'location': location.id if location else None,
            'user': move.zt_done_by.id if move.zt_done_by else None,
            }, end)


def inventory(count):
    "Return the Subject of a count (stock.inventory) that is done."
    # a line without quantity keeps the expected quantity (empty quantity
    # 'keep'): no difference
    lines = [line for line in count.lines if line.quantity is not None]
    difference, amount = Decimal(0), Decimal(0)
    for line in lines:
        delta = _dec(line.quantity) - _dec(line.expected_quantity)
        difference += abs(delta)
        amount += abs(delta) * _dec(line.product.cost_price)
    warehouse = count.location.warehouse
    return Subject(count, 'stock.inventory,%s' % count.id, {
            'lines': Decimal(len(lines)),
            'difference_quantity': difference,
            'difference_amount': amount,
            'warehouse': _code(warehouse),
            'location': _code(count.location),
            }, warehouse, {}, utc_now())


def products(company, warehouses=None, now=None):
    """Return the Subjects of every goods product of ``company`` in each
    warehouse (every warehouse when None): quantities in the product's
    default unit on hand and forecast (with the planned moves up to
    today), and the order point's minimal quantity as safety stock."""
    pool = Pool()
    Product = pool.get('product.product')
    Location = pool.get('stock.location')
    OrderPoint = pool.get('stock.order_point')
    Date = pool.get('ir.date')
    now = now or utc_now()
    if warehouses is None:
        warehouses = Location.search([('type', '=', 'warehouse')])
    goods = Product.search([
            ('type', '=', 'goods'),
            ('consumable', '=', False),
            ])
    if not goods or not warehouses:
        return []
    product_ids = [p.id for p in goods]
    warehouse_ids = [w.id for w in warehouses]
    today = Date.today()
    with Transaction().set_context(company=company.id,
            stock_date_end=today):
        on_hand = Product.products_by_location(warehouse_ids,
            with_childs=True, grouping_filter=(product_ids,))
    with Transaction().set_context(company=company.id, forecast=True,
            stock_date_end=dt.date.max):
        forecast = Product.products_by_location(warehouse_ids,
            with_childs=True, grouping_filter=(product_ids,))
    points = {(op.location.id, op.product.id): op
        for op in OrderPoint.search([
                ('company', '=', company.id),
                ('type', '=', 'purchase'),
                ('location', 'in', warehouse_ids),
                ])}
    subjects = []
    for warehouse in warehouses:
        for product in goods:
            quantity = _dec(on_hand.get((warehouse.id, product.id), 0))
            forecast_quantity = _dec(
                forecast.get((warehouse.id, product.id), 0))
            point = points.get((warehouse.id, product.id))
            safety = (_dec(point.min_quantity)
                if point and point.min_quantity is not None else None)
            facts = {
                'quantity': quantity,
                'forecast_quantity': forecast_quantity,
                'safety_stock': safety,
                'shortage': (safety - forecast_quantity
                    if safety is not None else None),
                'stock_value': quantity * _dec(product.cost_price),
                'abc_class': product.abc_class,
                'category': _categories(product),
                'product': _code(product),
                'warehouse': _code(warehouse),
                'classification': product.zt_classification or '',
                }
            subjects.append(Subject(product,
                    'product.product,%s@%s' % (product.id, warehouse.id),
                    facts, warehouse, {'product': product.id}, now))
    return subjects
