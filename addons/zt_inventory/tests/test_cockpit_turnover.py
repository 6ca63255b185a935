# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Cockpit reports zt.cockpit.turnover(.category) and zt.cockpit.flow:
figures against kpi.py and Tryton's own turnover, time zone (C7),
drill-down and access."""
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.zt_inventory import kpi
from trytond.modules.zt_inventory.cockpit import period_bounds
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import DBTestCase, World, acting

D0 = dt.date(2024, 3, 1)


class CockpitTurnoverTestCase(DBTestCase):
    "Test the turnover and flow reports of the inventory cockpit"

    def move(self, w, product, quantity, from_, to, date, done=True):
        Move = Pool().get('stock.move')
        move, = Move.create([{
                    'product': product.id, 'unit': w.unit.id,
                    'quantity': quantity,
                    'from_location': from_.id, 'to_location': to.id,
                    'unit_price': product.cost_price,
                    'currency': w.company.currency.id,
                    'effective_date': date, 'planned_date': date,
                    }])
        if done:
            with Transaction().set_context(_skip_warnings=True):
                Move.do([move])
        return move

    def data(self, w):
        """Product "Valve" (cost 5) in the world's warehouse: receive 10 on
        D0, issue 4 to a customer on D0+3, receive 6 on D0+5, issue 7 on
        D0+8; a cancelled receipt of 100 and a draft one of 50 on D0+1."""
        Location = Pool().get('stock.location')
        w.customer, = Location.search([('code', '=', 'CUS')])
        p = w.valve = w.create_product("Valve", 5)
        day = D0.__add__
        self.move(w, p, 10, w.supplier, w.storage, D0)
        self.move(w, p, 4, w.storage, w.customer, day(dt.timedelta(3)))
        self.move(w, p, 6, w.supplier, w.storage, day(dt.timedelta(5)))
        self.move(w, p, 7, w.storage, w.customer, day(dt.timedelta(8)))
        cancelled = self.move(
            w, p, 100, w.supplier, w.storage, day(dt.timedelta(1)), False)
        Pool().get('stock.move').cancel([cancelled])
        self.move(w, p, 50, w.supplier, w.storage, day(dt.timedelta(1)),
            False)
        return p

    def context(self, w, **values):
        context = {
            'company': w.company.id, 'warehouse': w.warehouse.id,
            'from_date': D0, 'to_date': D0 + dt.timedelta(9),
            'period': 'month',
            }
        context.update(values)
        return Transaction().set_context(**context)

    @with_transaction()
    def test_turnover_product(self):
        """Turnover of Valve over D0..D0+9 (10 days, one month period).

        End-of-day quantities 10, 10, 10, 6, 6, 12, 12, 12, 5, 5: sum 88, no
        day with both input and output, so the average is 8.8 units, 44 at
        5 each.  Issued 4 + 7 = 11 units, COGS 55.  Turnover 55 / 44 =
        1.25; kpi.py gives the same from the daily triples.  Tryton's
        turnover is 1.1 per day / 8.8 = 0.125, times 10 days = 1.25.
        The cancelled and the draft receipts do not count."""
        pool = Pool()
        Turnover = pool.get('zt.cockpit.turnover')
        TrytonTurnover = pool.get('stock.reporting.inventory.turnover')
        w = World.build()
        p = self.data(w)
        with self.context(w):
            row, = Turnover.search([('product', '=', p.id)])
        ends = [10, 10, 10, 6, 6, 12, 12, 12, 5, 5]
        inputs = [10, 0, 0, 0, 0, 6, 0, 0, 0, 0]
        outputs = [0, 0, 0, 4, 0, 0, 0, 0, 7, 0]
        average = kpi.average_inventory(zip(ends, inputs, outputs))
        cogs = Decimal(11 * 5)
        expected = kpi.turnover(cogs, average * 5)
        self.assertEqual(row.period_start, D0)
        self.assertEqual(row.period_end, D0 + dt.timedelta(9))
        self.assertAlmostEqual(row.average_quantity, 8.8)
        self.assertAlmostEqual(float(average), 8.8)
        self.assertEqual(row.output_quantity, 11)
        self.assertEqual(row.cost_of_goods_issued, cogs)
        self.assertEqual(row.average_value, Decimal('44'))
        self.assertAlmostEqual(row.turnover, 1.25)
        self.assertAlmostEqual(row.turnover, float(expected))

        with Transaction().set_context(
                company=w.company.id, location=w.warehouse.id,
                from_date=D0, to_date=D0 + dt.timedelta(9),
                product_type='product.product'):
            tryton, = TrytonTurnover.search([('product', '=', p.id)])
        self.assertAlmostEqual(row.turnover, tryton.turnover * 10)
        self.assertAlmostEqual(row.average_quantity, tryton.average_quantity)

    @with_transaction()
    def test_turnover_weeks_and_category(self):
        """Weekly split and the category roll-up.

        D0 = 2024-03-01 is a Friday: weeks 03-01..03-03 (3 days, 10 each:
        average 10, no issue), 03-04..03-10 (6, 6, 12, 12, 12, 5, 5: 58/7,
        COGS 55) as period_bounds gives.  The category row of Valve alone
        has the same COGS and average value as the product row."""
        pool = Pool()
        Turnover = pool.get('zt.cockpit.turnover')
        TurnoverCategory = pool.get('zt.cockpit.turnover.category')
        Category = pool.get('product.category')
        w = World.build()
        p = self.data(w)
        category = Category(name="Valves")
        category.save()
        p.template.categories = [category]
        p.template.save()
        bounds = period_bounds(D0, D0 + dt.timedelta(9), 'week')
        self.assertEqual(bounds, [
                (D0, dt.date(2024, 3, 3)),
                (kpi.period_start(D0 + dt.timedelta(3), 'week'),
                    D0 + dt.timedelta(9))])
        with self.context(w, period='week', category=category.id):
            rows = Turnover.search([], order=[('period_start', 'ASC')])
            cats = TurnoverCategory.search(
                [], order=[('period_start', 'ASC')])
        self.assertEqual([r.product for r in rows], [p, p])
        first, second = rows
        self.assertAlmostEqual(first.average_quantity, 10)
        self.assertEqual(first.turnover, 0)
        self.assertEqual(first.cost_of_goods_issued, 0)
        self.assertAlmostEqual(second.average_quantity, 58 / 7)
        self.assertEqual(second.cost_of_goods_issued, Decimal(55))
        self.assertAlmostEqual(second.turnover, 55 / (58 / 7 * 5))
        self.assertEqual([c.category for c in cats], [category, category])
        self.assertEqual(cats[1].cost_of_goods_issued, Decimal(55))
        # the roll-up divides the rounded (4 digits) sums
        self.assertAlmostEqual(cats[1].turnover, float(
                cats[1].cost_of_goods_issued / cats[1].average_value))
        self.assertAlmostEqual(cats[1].turnover, second.turnover, places=5)

    @with_transaction()
    def test_turnover_period(self):
        """The trend line: one row per period of the whole scope.

        Valve as in data(): COGS 55, average value 44.  Pipe (cost 2):
        receive 20 on D0, issue 10 to a customer on D0+5: end-of-day
        quantities 20 x 5 days then 10 x 5 days, average 150 / 10 = 15
        units, 30 at 2 each; COGS 10 x 2 = 20.  The period row is the ratio
        of the sums, (55 + 20) / (44 + 30) = 75 / 74, not the sum of the
        products' turnovers 1.25 + 20 / 30 (what a chart over product or
        category rows would draw)."""
        pool = Pool()
        Period = pool.get('zt.cockpit.turnover.period')
        Turnover = pool.get('zt.cockpit.turnover')
        w = World.build()
        self.data(w)
        pipe = w.create_product("Pipe", 2)
        self.move(w, pipe, 20, w.supplier, w.storage, D0)
        self.move(w, pipe, 10, w.storage, w.customer,
            D0 + dt.timedelta(5))
        with self.context(w):
            row, = Period.search([])
            products = Turnover.search([])
            self.assertEqual(len(Turnover.search(
                        [('product', '=', pipe.id)])), 1)
        self.assertEqual(row.period_start, D0)
        self.assertEqual(row.cost_of_goods_issued, Decimal(75))
        self.assertEqual(row.average_value, Decimal(74))
        self.assertAlmostEqual(row.turnover, 75 / 74)
        self.assertAlmostEqual(
            sum(p.turnover for p in products), 1.25 + 20 / 30)
        self.assertNotAlmostEqual(
            row.turnover, sum(p.turnover for p in products))
        self.assertEqual(row.currency, w.company.currency)

    @with_transaction()
    def test_bad_filters(self):
        """The context comes from the client: an unknown period, a start
        after the end, a non-date, a date the calendar cannot compute
        around, a range of more than 3660 days, a consumption window out of
        1..3660, a warehouse that is no warehouse and an id that is no id
        are refused with a message saying what to change, by every
        report."""
        pool = Pool()
        w = World.build()
        bad = [
            ({'period': 'year'}, 'unknown'),
            ({'from_date': D0 + dt.timedelta(1), 'to_date': D0}, 'swap'),
            ({'to_date': '2024-03-01'}, 'must be a date'),
            ({'from_date': dt.date(1, 1, 1)}, 'outside the dates'),
            ({'from_date': D0 - dt.timedelta(3661)}, 'shorten'),
            ({'as_of': dt.date(9999, 12, 31)}, 'outside the dates'),
            ({'consumption_days': 0}, 'from 1 to 3660'),
            ({'consumption_days': 10 ** 9}, 'from 1 to 3660'),
            ({'consumption_days': '30'}, 'from 1 to 3660'),
            ({'warehouse': -1}, 'must be a warehouse'),
            ({'warehouse': w.storage.id}, 'must be a warehouse'),
            ({'company': '1 OR 1=1'}, 'must be the id'),
            ]
        for name in ['zt.cockpit.turnover', 'zt.cockpit.turnover.category',
                'zt.cockpit.turnover.period', 'zt.cockpit.flow',
                'zt.cockpit.age', 'zt.cockpit.safety']:
            Model = pool.get(name)
            for values, text in bad:
                with self.subTest(model=name, values=values), \
                        self.context(w, **values), \
                        self.assertRaises(UserError) as cm:
                    Model.search([])
                self.assertIn(text, cm.exception.message)

    @with_transaction()
    def test_flow(self):
        """Flow of the world's warehouse over D0..D0+9 by month: inbound
        10 + 6 = 16 units (80 at cost 5), outbound 4 + 7 = 11 (55), 4 moves;
        the cancelled (100) and draft (50) receipts never count.  By week:
        03-01..03-03 inbound 10, 1 move; 03-04..03-10 inbound 6, outbound
        11, 3 moves."""
        pool = Pool()
        Flow = pool.get('zt.cockpit.flow')
        w = World.build()
        self.data(w)
        with self.context(w):
            row, = Flow.search([])
        self.assertEqual(row.warehouse, w.warehouse)
        self.assertEqual((row.input_quantity, row.output_quantity), (16, 11))
        self.assertEqual((row.input_value, row.output_value),
            (Decimal(80), Decimal(55)))
        self.assertEqual(row.moves, 4)
        with self.context(w, period='week'):
            rows = Flow.search([], order=[('period_start', 'ASC')])
        self.assertEqual(
            [(r.period_start, r.input_quantity, r.output_quantity, r.moves)
                for r in rows],
            [(D0, 10, 0, 1), (dt.date(2024, 3, 4), 6, 11, 3)])

    @with_transaction()
    def test_flow_time_zone(self):
        """C7: company in Asia/Shanghai, a receipt at 2025-04-11 16:30 UTC
        is on the local day 2025-04-12: the flow up to 2025-04-12 includes
        it, up to 2025-04-11 does not."""
        pool = Pool()
        Flow = pool.get('zt.cockpit.flow')
        w = World.build()
        w.company.timezone = 'Asia/Shanghai'
        w.company.save()
        day = kpi.local_date(dt.datetime(2025, 4, 11, 16, 30),
            w.company.timezone)
        self.assertEqual(day, dt.date(2025, 4, 12))
        p = w.create_product("Gauge", 3)
        self.move(w, p, 2, w.supplier, w.storage, day)
        for to_date, expected in [
                (dt.date(2025, 4, 12), [2]), (dt.date(2025, 4, 11), [])]:
            with self.context(w, from_date=dt.date(2025, 4, 1),
                    to_date=to_date, period='day'):
                rows = Flow.search([])
            self.assertEqual([r.input_quantity for r in rows], expected)

    @with_transaction()
    def test_drill_down(self):
        """A turnover row opens its 4 done moves (not the cancelled or
        draft ones); a category row opens its product rows."""
        pool = Pool()
        Turnover = pool.get('zt.cockpit.turnover')
        Move = pool.get('stock.move')
        OpenMoves = pool.get('zt.cockpit.open_moves', type='wizard')
        w = World.build()
        p = self.data(w)
        with self.context(w):
            row, = Turnover.search([('product', '=', p.id)])
            with Transaction().set_context(active_model=row.__name__,
                    active_id=row.id, active_ids=[row.id]):
                session_id, start, _ = OpenMoves.create()
                result = OpenMoves.execute(session_id, {}, start)
            (action, _), = result['actions']
        domain = PYSONDecoder().decode(action['pyson_domain'])
        moves = Move.search(domain)
        self.assertEqual(sorted(m.quantity for m in moves), [4, 6, 7, 10])
        self.assertTrue(all(m.state == 'done' for m in moves))

    @with_transaction()
    def test_flow_drill_down(self):
        """A flow row opens exactly the moves it counts: Valve's 4 done
        moves cross the warehouse's boundary; a move from the warehouse's
        input to its storage (inside the warehouse) is neither counted nor
        opened."""
        pool = Pool()
        Flow = pool.get('zt.cockpit.flow')
        Move = pool.get('stock.move')
        w = World.build()
        p = self.data(w)
        inside, = Move.create([{
                    'product': p.id, 'unit': w.unit.id, 'quantity': 3,
                    'from_location': w.warehouse.input_location.id,
                    'to_location': w.storage.id,
                    'effective_date': D0 + dt.timedelta(2),
                    }])
        with Transaction().set_context(_skip_warnings=True):
            Move.do([inside])
        with self.context(w):
            rows = [r for r in Flow.search([]) if r.moves]
            moves = Move.search(['OR'] + [r.moves_domain() for r in rows])
        self.assertEqual(sum(r.moves for r in rows), 4)
        self.assertEqual(sorted(m.quantity for m in moves
                if m.product == p), [4, 6, 7, 10])
        self.assertEqual(len(moves), sum(r.moves for r in rows))

    @with_transaction()
    def test_access(self):
        """An auditor reads the reports; nobody writes; a warehouse keeper
        (no manager or auditor group) gets AccessError on the turnover
        reports (cost figures).  The keeper's read of flows is granted by
        dashboard.xml (warehouse cockpit), not here."""
        pool = Pool()
        Turnover = pool.get('zt.cockpit.turnover')
        TurnoverCategory = pool.get('zt.cockpit.turnover.category')
        Flow = pool.get('zt.cockpit.flow')
        ModelAccess = pool.get('ir.model.access')
        w = World.build()
        self.data(w)
        auditor = w.create_user('auditor2', ['zt_inventory.group_auditor'])
        with self.context(w):
            with acting(auditor, warehouse=w.warehouse.id, from_date=D0,
                    to_date=D0 + dt.timedelta(9)):
                self.assertEqual(len(Flow.search([])), 1)
                rows = Turnover.search([])
                self.assertTrue(rows)
                for name in ['write', 'create', 'delete']:
                    self.assertFalse(ModelAccess.check(
                            Turnover.__name__, name, raise_exception=False))
            with acting(w.keeper, from_date=D0):
                for Model in [Turnover, TurnoverCategory]:
                    with self.assertRaises(AccessError):
                        Model.search([])
