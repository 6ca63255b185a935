# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Windowed aggregates over the movement journal (done stock moves by
effective time), as SQL queries bounded by the window and served by the
indexes of stock.py, so that their cost follows the moves in the window,
not the history."""
import datetime as dt
from decimal import Decimal

from sql.aggregate import Count, Sum

from trytond.pool import Pool
from trytond.transaction import Transaction

from . import window


def _inside(location, warehouse):
    "SQL: ``location`` (table) is a storage location of ``warehouse``."
    return ((location.type == 'storage')
        & (location.left >= warehouse.left)
        & (location.right <= warehouse.right))


def _direction(move, from_, to, warehouse, direction):
    inside_from = _inside(from_, warehouse)
    inside_to = _inside(to, warehouse)
    move_in = inside_to & ~inside_from
    move_out = inside_from & ~inside_to
    return {'in': move_in, 'out': move_out, 'both': move_in | move_out}[
        direction]


def window_query(group, direction, start, end, warehouse, anchor=None,
        columns=None, group_by_product=False):
    """Return the SQL query of the done moves of ``warehouse``
    (stock.location) in the window ``start < effective time <= end`` (naive
    UTC datetimes) with ``direction`` ('in', 'out', 'both', relative to the
    warehouse's storage), of the same ``group`` as ``anchor``: 'product'
    (product id), 'location' (a location id, either side) or 'user' (the
    user who did them).  ``columns``: what to select (default count and sum
    of internal quantities); ``group_by_product``: one row per product
    (``anchor`` None: every product)."""
    pool = Pool()
    Move = pool.get('stock.move')
    Location = pool.get('stock.location')
    move = Move.__table__()
    from_ = Location.__table__()
    to = Location.__table__()
    wh = Location.__table__()
    where = ((move.state == 'done')
        & (move.zt_effective_time > start)
        & (move.zt_effective_time <= end)
        & _direction(move, from_, to, wh, direction))
    if anchor is not None:
        if group == 'product':
            where &= move.product == anchor
        elif group == 'location':
            where &= ((move.from_location == anchor)
                | (move.to_location == anchor))
        elif group == 'user':
            where &= move.zt_done_by == anchor
        else:
            raise ValueError("unknown window group %r" % group)
    if columns is None:
        columns = [Count(), Sum(move.internal_quantity)]
    query = move.join(from_, condition=move.from_location == from_.id
        ).join(to, condition=move.to_location == to.id
        ).join(wh, condition=wh.id == warehouse.id)
    if group_by_product:
        return query.select(move.product, *columns(move)
            if callable(columns) else columns,
            where=where, group_by=[move.product])
    return query.select(*(columns(move) if callable(columns) else columns),
        where=where)


def _naive(time):
    "Return ``time`` as Tryton stores it: naive UTC."
    if time.tzinfo is not None:
        time = time.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return time


def _bounds(end, seconds):
    """Return (start, end) of the window of ``seconds`` ending at ``end``
    (naive UTC or aware), naive UTC (window.window_bounds)."""
    if end.tzinfo is None:
        end = end.replace(tzinfo=dt.timezone.utc)
    start, end = window.window_bounds(end, dt.timedelta(seconds=seconds))
    return _naive(start), _naive(end)


def aggregate(key, warehouse, anchor, end):
    """Return the aggregate (Decimal) of the window ``key`` (see
    evaluate.window_key: aggregate, group, direction, seconds) ending at
    ``end`` (UTC datetime) for ``anchor`` in ``warehouse`` (None: 0)."""
    aggregate_, group, direction, seconds = key
    if warehouse is None or anchor is None:
        return Decimal(0)
    start, end = _bounds(end, seconds)
    cursor = Transaction().connection.cursor()
    cursor.execute(*window_query(
            group, direction, start, end, warehouse, anchor))
    count, total = cursor.fetchone()
    value = count if aggregate_ == 'count' else (total or 0)
    return Decimal(str(value))


def moves_in_window(key, warehouse, anchor, end):
    "Return the ids of the moves of the window (see aggregate)."
    _, group, direction, seconds = key
    if warehouse is None or anchor is None:
        return []
    start, end = _bounds(end, seconds)
    cursor = Transaction().connection.cursor()
    cursor.execute(*window_query(
            group, direction, start, end, warehouse, anchor,
            columns=lambda move: [move.id]))
    return sorted(r[0] for r in cursor)


def aggregate_by_product(key, warehouse, end):
    """Return {product id: Decimal} of the window ``key`` ending at ``end``
    for every product with a move in it (one query; products without a move
    in the window are missing: their aggregate is 0)."""
    aggregate_, group, direction, seconds = key
    start, end = _bounds(end, seconds)
    cursor = Transaction().connection.cursor()
    cursor.execute(*window_query(
            group, direction, start, end, warehouse, None,
            group_by_product=True))
    return {product: Decimal(str(count if aggregate_ == 'count'
                else (total or 0)))
        for product, count, total in cursor}

