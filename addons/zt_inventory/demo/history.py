# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""90 days of demo history ending yesterday (the company's date), and items
received more than 180 days ago and untouched since.

:func:`plan` is plain logic (no Tryton import): a seeded, reproducible list
of :class:`Event` (supplier receipts, productions issued through issue
requests, transfers between WH and WH2, stock counts) whose stock never
goes negative.  :func:`load` plays it through Tryton's own workflows, one
transaction per day, with the stock dates in the past.  The ledger records
these actions when the demo makes them (its timestamps are the server's
time): history dates are the stock dates; the ledger shows when the demo
made them."""
import datetime as dt
import random
from collections import defaultdict, namedtuple
from decimal import Decimal

from . import history_play
from . import materials as M

DAYS = 90
SEED = 2026_0412
# Receipts older than 180 days, never moved since: (code, warehouse code,
# days before today, quantity).  RM-4001 is also received by data.py
# (DEAD_STOCK_DAYS ago).
OLD_RECEIPTS = [
    ('RM-4001', 'WH', 260, 12),
    ('RM-4001', 'WH', 230, 8),
    ('RM-1007', 'WH2', 210, 6),
    ('RM-2009', 'WH2', 240, 15),
    ]
# Public case C11 in the demo: received in WH long ago, moved to WH2 within
# the history; an internal transfer does not reset its age.  (code, days
# before today of the receipt, quantity, days before today of the transfer)
AGED_TRANSFER = ('RM-3009', 250, 30, 60)
OLDEST_DAYS = max(days for _, _, days, _ in OLD_RECEIPTS + [
        (None, None, AGED_TRANSFER[1], None)])
# A burst of moves of one product on BURST_DAYS (days before today): a
# receipt, two transfers to WH2 and one back each day.
BURST = 'RM-3005'
BURST_DAYS = (20, 19, 18)
# Stock counts of WH (days before today) with a small gain or loss.
COUNT_DAYS = (61, 31)
# Finished product -> (weekdays of its productions (day index %
# PRODUCTION_CYCLE), largest quantity); the supplier families and their
# receipt weekday.
# Productions and transfers every other week: each production is a request,
# its approval and its issue (about 6 s of the demo's build).
PRODUCTION_CYCLE = TRANSFER_CYCLE = 14
PRODUCTIONS = {'FG-1001': ((1,), 8), 'FG-2001': ((4,), 6)}
FAMILIES = {'RM-1': 0, 'RM-2': 2, 'RM-3': 5}
# Bought for stock, not used in the bills of materials: received every 4th
# week; the family RM-3 ones partly go to WH2.
TRANSFERRED = ['RM-3003', 'RM-3004', 'RM-3006', 'RM-3007', 'RM-3008']
# Days of stock a receipt covers, and the reorder level (days).
COVER_DAYS, REORDER_DAYS = 24, 9
# The order point's product is not replenished in the last days of the
# history: it ends below its minimal quantity (safety stock report).
ORDER_POINT_STOP_DAYS = 75

Event = namedtuple('Event', ['date', 'kind', 'data'])
Event.__doc__ = """One step of the history.

``kind`` and ``data``:

- ``'receipt'``: {'warehouse': code, 'lines': [(product code, quantity,
  unit price str in CNY)]}
- ``'production'``: {'product': finished code, 'quantity': int}
- ``'transfer'``: {'from': warehouse code, 'to': warehouse code,
  'lines': [(product code, quantity)]}
- ``'count'``: {'warehouse': code, 'lines': [(product code, difference)]}

Quantities are in the product's default unit; ``date`` is the effective
date (the company's date)."""

MATERIAL = M.MATERIAL
BOMS = {code: dict(inputs) for code, _, _, _, inputs in M.FINISHED}


def daily_use():
    """Return {material code: expected use per day (float)} of the
    productions of PRODUCTIONS (half the largest quantity on average)."""
    use = defaultdict(float)
    for product, (weekdays, largest) in PRODUCTIONS.items():
        rate = len(weekdays) * (1 + largest) / 2 / PRODUCTION_CYCLE
        for code, quantity in BOMS[product].items():
            use[code] += quantity * rate
    return use


def existing_receipts(today):
    """Return [(date, code, quantity)] of what data.py receives in WH on
    its own (12 and 5 days before ``today``), as data.receive_stock."""
    from .data import receipt_quantity
    half = len(M.MATERIALS) // 2
    return [(today - dt.timedelta(days=days), m.code, receipt_quantity(m))
        for days, batch in [(12, M.MATERIALS[:half]),
            (5, M.MATERIALS[half:])]
        for m in batch]


def price(material, rng):
    """The unit price (str, CNY) of a receipt of ``material``: its cost,
    within ±5 % for materials at average cost."""
    cost = Decimal(material.cost)
    if material.method == 'average':
        cost *= Decimal(1 + rng.uniform(-0.05, 0.05))
    return str(cost.quantize(Decimal('0.01')))


def rounded(quantity, material):
    "Round a quantity to receive up to a plausible pack size (int)."
    pack = 1 if Decimal(material.cost) >= 100 else (
        10 if Decimal(material.cost) >= 5 else 50)
    return max(pack, int(-(-quantity // pack) * pack))


class Stock:
    """Stock on hand by (code, warehouse code), never negative; the order
    point's product also counts the receipts of data.py."""

    def __init__(self):
        self.quantity = defaultdict(float)

    def __getitem__(self, key):
        return self.quantity[key]

    def add(self, code, warehouse, quantity):
        "Add ``quantity`` (negative to take); raise ValueError below zero."
        if self.quantity[code, warehouse] + quantity < -1e-9:
            raise ValueError("%s in %s would be negative" % (code, warehouse))
        self.quantity[code, warehouse] += quantity


def plan(today, seed=SEED):
    """Return the history (list of :class:`Event`, by date) ending the day
    before ``today`` (date, the company's date), reproducible for ``seed``.
    Stock in each warehouse stays positive at every step, counting only
    the history's own receipts (and data.py's for the order point's
    product), so the scenario's issues of today are covered."""
    rng = random.Random(seed)
    stock = Stock()
    events = []
    for code, warehouse, days, quantity in OLD_RECEIPTS:
        events.append(receipt(today - dt.timedelta(days=days), warehouse,
                [(code, quantity)], stock, rng))
    aged, days, aged_quantity, moved = AGED_TRANSFER
    events.append(receipt(today - dt.timedelta(days=days), 'WH',
            [(aged, aged_quantity)], stock, rng))
    inflows = defaultdict(float)
    for date, code, quantity in existing_receipts(today):
        if code == M.ORDER_POINT[0]:
            inflows[date, code] += quantity
    use = daily_use()
    for offset in range(DAYS, 0, -1):
        date = today - dt.timedelta(days=offset)
        index = DAYS - offset
        for code in {c for d, c in inflows if d == date}:
            stock.add(code, 'WH', inflows[date, code])
        if offset == moved:
            events.append(transfer(date, 'WH', 'WH2',
                    [(aged, aged_quantity)], stock))
        events.extend(receipts(date, index, offset, use, stock, rng))
        if offset in BURST_DAYS:
            events.extend(burst(date, stock, rng))
        if offset in COUNT_DAYS:
            events.append(count(date, stock, rng))
            continue
        events.extend(productions(date, index, stock, rng))
        if index % TRANSFER_CYCLE == 5 and index:
            lines = [(c, int(stock[c, 'WH'] * rng.uniform(0.2, 0.35)))
                for c in rng.sample(TRANSFERRED, 3)]
            lines = [(c, q) for c, q in lines if q > 0]
            if lines:
                events.append(transfer(date, 'WH', 'WH2', lines, stock))
        if index % 28 == 10:
            c = rng.choice(TRANSFERRED)
            if int(stock[c, 'WH2'] / 2) > 0:
                events.append(transfer(date, 'WH2', 'WH',
                        [(c, int(stock[c, 'WH2'] / 2))], stock))
    return sorted(events, key=lambda e: e.date)


def receipt(date, warehouse, lines, stock, rng):
    "A receipt Event of ``lines`` [(code, quantity)], added to ``stock``."
    for code, quantity in lines:
        stock.add(code, warehouse, quantity)
    return Event(date, 'receipt', {'warehouse': warehouse, 'lines': [
                (c, q, price(MATERIAL[c], rng)) for c, q in lines]})


def transfer(date, from_, to, lines, stock):
    "A transfer Event of ``lines`` [(code, quantity)], moved in ``stock``."
    for code, quantity in lines:
        stock.add(code, from_, -quantity)
        stock.add(code, to, quantity)
    return Event(date, 'transfer', {'from': from_, 'to': to,
            'lines': lines})


def receipts(date, index, offset, use, stock, rng):
    """The supplier receipts of ``date``: each family on its weekday, the
    materials under their reorder level (all on the first day), the other
    bought materials every 4th week."""
    events = []
    for prefix, weekday in FAMILIES.items():
        if index and index % 7 != weekday:
            continue
        lines = []
        for material in M.MATERIALS:
            code = material.code
            if (not code.startswith(prefix)
                    or code in {BURST, AGED_TRANSFER[0]}
                    or (code == M.ORDER_POINT[0]
                        and offset <= ORDER_POINT_STOP_DAYS)):
                continue
            if code in use:
                if stock[code, 'WH'] < use[code] * REORDER_DAYS:
                    lines.append((code, rounded(
                                use[code] * COVER_DAYS * rng.uniform(0.9, 1.2)
                                - stock[code, 'WH'], material)))
            elif index % 28 == weekday:
                lines.append((code, rounded(
                            receipt_size(material) * rng.uniform(0.3, 0.6),
                            material)))
        if lines:
            events.append(receipt(date, 'WH', lines, stock, rng))
    return events


def receipt_size(material):
    "A plausible receipt of a material bought for stock (float)."
    from .data import receipt_quantity
    return receipt_quantity(material)


def productions(date, index, stock, rng):
    """The productions of ``date`` (PRODUCTIONS' weekdays), each as large
    as the stock of its inputs in WH allows, taken from ``stock``."""
    events = []
    for product, (weekdays, largest) in sorted(PRODUCTIONS.items()):
        if index % PRODUCTION_CYCLE not in weekdays:
            continue
        quantity = min([rng.randint(1, largest)] + [
                int(stock[c, 'WH'] // q) for c, q in BOMS[product].items()])
        if quantity <= 0:
            continue
        for code, per_unit in BOMS[product].items():
            stock.add(code, 'WH', -per_unit * quantity)
        events.append(Event(date, 'production',
                {'product': product, 'quantity': quantity}))
    return events


def burst(date, stock, rng):
    """The burst of BURST on ``date``: received, sent to WH2 twice and
    partly back (7 moves into or out of a warehouse in one day)."""
    events = [receipt(date, 'WH', [(BURST, 200)], stock, rng)]
    for from_, to, quantity in [('WH', 'WH2', 60), ('WH', 'WH2', 40),
            ('WH2', 'WH', 30)]:
        events.append(transfer(date, from_, to, [(BURST, quantity)],
                stock))
    return events


def count(date, stock, rng):
    """A count of WH on ``date``: six counted materials without lots, at
    least one gain and one loss of 1 or 2 units, the others right."""
    codes = sorted(c for c in TRANSFERRED + ['RM-1004', 'RM-1006']
        if stock[c, 'WH'] >= 2)
    codes = rng.sample(codes, min(6, len(codes)))
    differences = [1, -1] + [rng.choice([-2, 0, 0, 2])
        for _ in codes[2:]]
    lines = list(zip(codes, differences))
    for code, difference in lines:
        stock.add(code, 'WH', difference)
    return Event(date, 'count', {'warehouse': 'WH', 'lines': lines})


def load(config_file, database, today=None):
    """Play :func:`plan` into ``database`` (demo data loaded by data.load)
    through Tryton's workflows as the demo users, one transaction per
    day; return the number of events (int).  ``today`` defaults to the
    company's date."""
    from zoneinfo import ZoneInfo

    from proteus import config as pconfig
    pconfig.set_trytond(database, config_file=config_file)
    from .data import TIMEZONE
    today = today or dt.datetime.now(ZoneInfo(TIMEZONE)).date()
    events = plan(today)
    days = defaultdict(list)
    for event in events:
        days[event.date].append(event)
    # The tables and records to lock, learnt from the first retries and
    # kept: a day is played once, not once per lock it needs.
    extras = {}
    for date in sorted(days):
        history_play.play_day(database, date, days[date], extras)
    return len(events)


def summary(config_file, database):
    """Load the history (:func:`load`) in a child process, as the tests do
    (proteus binds trytond's pool and context to the process that loaded
    data.py); return (days (int), events (int), seconds taken (float)) for
    the demo's progress line.  Raises CalledProcessError on a failure."""
    import subprocess
    import sys
    import time
    started = time.monotonic()
    result = subprocess.run([sys.executable, '-c',
            'import sys; from trytond.modules.zt_inventory.demo import '
            'history; print(history.load(sys.argv[1], sys.argv[2]))',
            config_file, database], check=True, capture_output=True,
        text=True)
    return DAYS, int(result.stdout.split()[-1]), time.monotonic() - started
