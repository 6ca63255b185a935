# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Inventory age as plain functions (no ORM import): FIFO layers, age
buckets, the warehouse share and the dead stock policy.  Conventions as in
kpi.py; ``doc/cockpit.rst`` gives the policies."""
from collections import OrderedDict

from .kpi_values import ZERO, _date, _decimal, _days

__all__ = ['AGE_BUCKETS', 'OLDEST_BUCKET', 'DEAD_STOCK_DAYS',
    'DEAD_STOCK_POLICY', 'UNKNOWN_ORIGIN_POLICY', 'age_days', 'age_bucket',
    'fifo_layers', 'has_unknown_origin', 'age_buckets', 'warehouse_share',
    'is_dead_stock']

# (key, first day, last day or None), ordered from the newest stock.
AGE_BUCKETS = (
    ('0-30', 0, 30),
    ('31-90', 31, 90),
    ('91-180', 91, 180),
    ('>180', 181, None),
    )
OLDEST_BUCKET = AGE_BUCKETS[-1][0]

DEAD_STOCK_DAYS = 180
DEAD_STOCK_POLICY = (
    "Dead stock: a product on hand with no movement for more than "
    "%(days)s days, or never moved and received more than %(days)s days "
    "ago. A movement is a done move that takes the product out of the "
    "company's stock (issue, customer shipment, consumption by production, "
    "inventory loss); receipts and transfers between the company's "
    "locations or warehouses are not movements.") % {
    'days': DEAD_STOCK_DAYS}
UNKNOWN_ORIGIN_POLICY = (
    "Stock on hand above the recorded receipts has an unknown receipt date: "
    "it is reported in the oldest bucket (>180 days) and flagged.")



# Inventory age ------------------------------------------------------------

def age_days(receipt_date, as_of):
    """Return the age in days (int) of stock received on ``receipt_date``.

    Both are local dates: age = ``as_of`` - ``receipt_date``.  Raises
    ValueError for a non-date or a receipt after ``as_of``.
    """
    receipt_date = _date(receipt_date, 'receipt_date')
    as_of = _date(as_of, 'as_of')
    if receipt_date > as_of:
        raise ValueError('receipt date %s is after %s' % (receipt_date, as_of))
    return (as_of - receipt_date).days


def age_bucket(days):
    """Return the key of ``AGE_BUCKETS`` for an age of ``days`` (int >= 0).

    Day 30 is in '0-30', day 31 in '31-90', day 90 in '31-90', day 91 in
    '91-180', day 181 in '>180'.  Raises ValueError for a negative age or a
    non-int.
    """
    days = _days(days, 'age', minimum=0)
    for key, first, last in AGE_BUCKETS:
        if first <= days and (last is None or days <= last):
            return key


def fifo_layers(receipts, on_hand):
    """Return the FIFO layers on hand: a list of (date, Decimal) newest first.

    ``receipts`` is an iterable of (date, quantity) of stock entering the
    company (receipt from a supplier, production output, inventory gain,
    customer return; internal transfers are NOT receipts), in the default
    unit; ``on_hand`` is the quantity on hand now.  FIFO consumes the
    oldest first, so what is on hand is the newest receipts: layers are
    taken from the newest receipt back until their sum is ``on_hand`` (the
    last one partially).  When ``on_hand`` exceeds the receipts, the
    remainder is a layer with date None (unknown origin, see
    ``UNKNOWN_ORIGIN_POLICY``).  ``on_hand`` <= 0 gives [].  Raises
    ValueError for a non-date, a non-number or a negative receipt.
    """
    remaining = _decimal(on_hand, 'on_hand')
    checked = []
    for row in receipts:
        try:
            date, quantity = row
        except (TypeError, ValueError) as exception:
            raise ValueError('a receipt must be (date, quantity), not %r'
                % (row,)) from exception
        date = _date(date, 'receipt date')
        quantity = _decimal(quantity, 'receipt quantity')
        if quantity < 0:
            raise ValueError('receipt quantity must not be negative, not %s'
                % quantity)
        checked.append((date, quantity))
    layers = []
    # sorted() is stable: receipts of the same day keep their given order
    for date, quantity in sorted(
            checked, key=lambda r: r[0], reverse=True):
        if remaining <= 0:
            break
        if not quantity:
            continue
        taken = min(quantity, remaining)
        layers.append((date, taken))
        remaining -= taken
    if remaining > 0:
        layers.append((None, remaining))
    return layers


def has_unknown_origin(layers):
    "Return True if ``layers`` (from ``fifo_layers``) hold a layer dated None."
    return any(date is None for date, _ in layers)


def _empty_buckets(with_value):
    return OrderedDict(
        (key, (ZERO, ZERO if with_value else None))
        for key, _, _ in AGE_BUCKETS)


def age_buckets(layers, as_of, unit_cost=None):
    """Return the stock per age bucket: OrderedDict key -> (quantity, value).

    ``layers`` is a list of (receipt date or None, quantity) as returned by
    ``fifo_layers``; ``as_of`` the local date of the report.  Every key of
    ``AGE_BUCKETS`` is present, in order.  Quantity is a Decimal in the
    default unit; value is quantity x ``unit_cost`` (company currency per
    default unit) or None when ``unit_cost`` is None.  A layer dated None
    goes to '>180'.  Raises ValueError for a layer received after ``as_of``
    or a non-number.
    """
    as_of = _date(as_of, 'as_of')
    if unit_cost is not None:
        unit_cost = _decimal(unit_cost, 'unit_cost')
    buckets = _empty_buckets(unit_cost is not None)
    for date, quantity in layers:
        quantity = _decimal(quantity, 'layer quantity')
        if date is None:
            key = OLDEST_BUCKET
        else:
            key = age_bucket(age_days(date, as_of))
        total, value = buckets[key]
        if unit_cost is not None:
            value += quantity * unit_cost
        buckets[key] = (total + quantity, value)
    return buckets


def warehouse_share(company_buckets, company_on_hand, warehouse_on_hand):
    """Return a warehouse's age profile: OrderedDict key -> (quantity, value).

    Policy for a warehouse filter: moves between the company's warehouses
    carry no layer identity, so the warehouse's on-hand quantity gets the
    company's age profile in proportion: each bucket x ``warehouse_on_hand``
    / ``company_on_hand`` (quantity and value; value stays None when it is
    None).  The quantities are adjusted in the largest bucket so that they
    sum to ``warehouse_on_hand`` exactly.  ``company_buckets`` is the result
    of ``age_buckets`` for the company.  A warehouse with nothing on hand
    gets zeros; when the company has nothing on hand (other warehouses
    negative) the warehouse's stock has an unknown origin and goes to
    '>180' with value None.  Case C11: the only layer is the 2024-01-10
    receipt, so warehouse B gets all of it, 244 days old on 2024-09-10.
    Raises ValueError for a non-number.
    """
    company_on_hand = _decimal(company_on_hand, 'company_on_hand')
    warehouse_on_hand = _decimal(warehouse_on_hand, 'warehouse_on_hand')
    with_value = any(v is not None for _, v in company_buckets.values())
    result = _empty_buckets(with_value)
    if warehouse_on_hand <= 0:
        return result
    if company_on_hand <= 0:
        result[OLDEST_BUCKET] = (warehouse_on_hand, None)
        return result
    def share(amount):
        # multiply first: 6 x 4 / 12 is exactly 2, 6 x (4 / 12) is not
        return amount * warehouse_on_hand / company_on_hand
    for key, (quantity, value) in company_buckets.items():
        result[key] = (share(quantity),
            share(value) if value is not None else None)
    difference = warehouse_on_hand - sum(q for q, _ in result.values())
    if difference:
        largest = max(result, key=lambda k: result[k][0])
        quantity, value = result[largest]
        result[largest] = (quantity + difference, value)
    return result


def is_dead_stock(last_movement, as_of, days=DEAD_STOCK_DAYS,
        received=None):
    """Return True if stock on hand is dead stock as of ``as_of``.

    ``DEAD_STOCK_POLICY`` states the rule.  ``last_movement`` is the local
    date of the last done move taking the product out of the company's
    stock (None if never); ``received`` the local date of the oldest
    receipt of the stock on hand, used when it never moved (None if
    unknown: stock of unknown origin counts as old, as in the age buckets).
    Dead when more than ``days`` (int > 0) days passed: 180 days is not
    dead, 181 is.  Call it only for products with stock on hand.  Raises
    ValueError for a non-date or a bad ``days``.
    """
    as_of = _date(as_of, 'as_of')
    days = _days(days, 'days')
    reference = last_movement
    if reference is None:
        reference = received
    if reference is None:
        return True
    reference = _date(reference, 'last_movement'
        if last_movement is not None else 'received')
    return (as_of - reference).days > days
