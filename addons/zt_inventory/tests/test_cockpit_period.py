# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The cockpit's reports with closed stock periods.

The turnover's opening stock and the inventory age's stock on hand read a
closed period's cache (stock.period.cache) and the moves after it instead
of the whole history (cockpit.closed_period).  Closing periods must not
change a figure: each report is read in several contexts before and after
closing, and the rows must be the same; a change made to the cache by SQL
shows in the reports, which proves they read it."""
import datetime as dt

from trytond.exceptions import UserError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from ..cockpit import closed_period
from .tools import DBTestCase, World

REPORTS = [
    'zt.cockpit.turnover', 'zt.cockpit.turnover.category',
    'zt.cockpit.turnover.period', 'zt.cockpit.age',
    'zt.cockpit.age.category', 'zt.cockpit.safety']
JANUARY, FEBRUARY = dt.date(2025, 1, 31), dt.date(2025, 2, 28)


class CockpitPeriodTestCase(DBTestCase):
    "Cockpit reports on closed stock periods"

    def history(self, w):
        """Two warehouses (the world's, B), products P1 (cost 5) and P2
        (cost 3, category "Parts"), moves from January to March 2025:
        receipts, transfers from the world's warehouse to B, issues to
        customers and a cancelled receipt."""
        pool = Pool()
        Location = pool.get('stock.location')
        Category = pool.get('product.category')
        w.customer, = Location.search([('code', '=', 'CUS')])
        input_, output, storage_b = Location.create([
                {'name': "B Input", 'type': 'storage'},
                {'name': "B Output", 'type': 'storage'},
                {'name': "B Storage", 'type': 'storage'},
                ])
        w.warehouse_b, = Location.create([{
                    'name': "Warehouse B", 'code': 'WHB',
                    'type': 'warehouse',
                    'input_location': input_.id,
                    'output_location': output.id,
                    'storage_location': storage_b.id,
                    'production_location': w.production_location.id,
                    }])
        w.category, = Category.create([{'name': "Parts"}])
        p1 = w.create_product("P1", 5)
        p2 = w.create_product("P2", 3)
        template = p2.template
        template.categories = [w.category]
        template.save()
        a, b = w.storage, storage_b
        for product, quantity, from_, to, date in [
                (p1, 40, w.supplier, a, dt.date(2025, 1, 5)),
                (p2, 20, w.supplier, a, dt.date(2025, 1, 5)),
                (p1, 15, a, b, dt.date(2025, 1, 20)),
                (p1, 10, a, w.customer, dt.date(2025, 2, 3)),
                (p1, 8, w.supplier, b, dt.date(2025, 2, 3)),
                (p2, 5, a, w.customer, dt.date(2025, 2, 25)),
                (p1, 12, w.supplier, a, dt.date(2025, 3, 2)),
                (p1, 6, b, w.customer, dt.date(2025, 3, 10)),
                (p2, 5, a, b, dt.date(2025, 3, 10)),
                (p2, 4, w.supplier, b, dt.date(2025, 3, 20)),
                (p1, 3, a, w.customer, dt.date(2025, 3, 20)),
                ]:
            w.dated_move(product, quantity, from_, to, date)
        w.dated_move(p1, 100, w.supplier, a, dt.date(2025, 3, 2),
            'cancelled')
        self.order_point(w, p1, w.warehouse, 40)
        self.order_point(w, p2, w.warehouse_b, 10)
        return p1, p2

    def order_point(self, w, product, warehouse, minimal):
        "A purchase order point of ``product`` in ``warehouse``."
        OrderPoint = Pool().get('stock.order_point')
        template = product.template
        template.purchasable = True
        template.purchase_uom = w.unit
        template.save()
        OrderPoint.create([{
                    'company': w.company.id, 'product': product.id,
                    'location': warehouse.id, 'type': 'purchase',
                    'min_quantity': minimal,
                    'target_quantity': minimal * 2,
                    }])

    def contexts(self, w):
        "The cockpit contexts compared: ranges, as-of dates and scopes."
        for warehouse in [None, w.warehouse.id, w.warehouse_b.id]:
            for category in [None, w.category.id]:
                for from_date, to_date, as_of, period in [
                        (dt.date(2025, 3, 1), dt.date(2025, 3, 31),
                            dt.date(2025, 3, 31), 'week'),
                        (dt.date(2025, 2, 15), dt.date(2025, 3, 15),
                            dt.date(2025, 2, 28), 'month'),
                        (dt.date(2025, 1, 1), dt.date(2025, 2, 10),
                            dt.date(2025, 1, 31), 'day'),
                        ]:
                    yield {
                        'company': w.company.id, 'warehouse': warehouse,
                        'category': category, 'from_date': from_date,
                        'to_date': to_date, 'as_of': as_of,
                        'period': period,
                        }

    def snapshot(self, w):
        "Return every report's rows in every context (floats rounded)."
        pool = Pool()
        result = {}
        for context in self.contexts(w):
            with Transaction().set_context(**context):
                for name in REPORTS:
                    Model = pool.get(name)
                    names = [n for n, f in Model._fields.items()
                        if not hasattr(f, 'get') or n == 'id']
                    rows = Model.search_read([], fields_names=names,
                        order=[('id', 'ASC')])
                    key = (name, tuple(sorted(context.items(),
                                key=lambda i: i[0])))
                    result[key] = [{n: round(v, 6) if isinstance(v, float)
                            else v for n, v in r.items()} for r in rows]
        return result

    def close(self, w, date):
        "Create and close the stock period of the world's company on date."
        Period = Pool().get('stock.period')
        period, = Period.create([{'company': w.company.id, 'date': date}])
        Period.close([period])
        return period

    @with_transaction()
    def test_same_figures(self):
        """Closing January, then February, changes no row of the six
        reports in 18 contexts (week, month and day periods; as of the
        end of January, February and March; both warehouses and none;
        with and without a category)."""
        w = World.build()
        self.history(w)
        before = self.snapshot(w)
        self.assertTrue(any(before.values()))
        self.assertIsNone(closed_period(w.company.id, dt.date(2025, 3, 31)))

        january = self.close(w, JANUARY)
        self.assertEqual(
            closed_period(w.company.id, dt.date(2025, 2, 27)), january)
        self.assertDictEqual(self.snapshot(w), before)

        february = self.close(w, FEBRUARY)
        self.assertEqual(
            closed_period(w.company.id, dt.date(2025, 3, 31)), february)
        self.assertEqual(
            closed_period(w.company.id, dt.date(2025, 2, 27)), january)
        self.assertIsNone(closed_period(w.company.id, dt.date(2025, 1, 30)))
        self.assertDictEqual(self.snapshot(w), before)

    @with_transaction()
    def test_close_in_period_company(self):
        """A second company moves 500 units of P1 through the world's
        storage.  Closing the world's January from the second company's
        context (as root, as a script would) still caches the world's
        company only: no row changes.  A user who is not in the period's
        company is refused, and the period stays open."""
        pool = Pool()
        Period = pool.get('stock.period')
        User = pool.get('res.user')
        from trytond.modules.company.tests import create_company
        w = World.build()
        p1, _ = self.history(w)
        other = create_company(name="Other Company")
        with Transaction().set_context(company=other.id):
            w.dated_move(p1, 500, w.supplier, w.storage,
                dt.date(2025, 1, 10), company=other)
        before = self.snapshot(w)

        period, = Period.create([
                {'company': w.company.id, 'date': JANUARY}])
        with Transaction().set_user(0), \
                Transaction().set_context(company=other.id):
            Period.close([period])
        self.assertEqual(Period(period.id).state, 'closed')
        self.assertDictEqual(self.snapshot(w), before)

        february, = Period.create([
                {'company': w.company.id, 'date': FEBRUARY}])
        outsider, = User.create([{'login': 'outsider', 'name': "Outsider",
                    'companies': [('add', [other.id])],
                    'company': other.id}])
        with Transaction().set_user(outsider.id), \
                Transaction().set_context(company=other.id):
            with self.assertRaises(UserError) as cm:
                Period.close([Period(february.id)])
        self.assertIn(w.company.rec_name, str(cm.exception))
        self.assertEqual(Period(february.id).state, 'draft')

    @with_transaction()
    def test_age_read_products(self):
        """The age's read asks the SQL for the products of the rows read
        only (Age.read): each row read alone equals the row of the whole
        report's query, with and without a closed period, and with a
        warehouse filter."""
        pool = Pool()
        Age = pool.get('zt.cockpit.age')
        w = World.build()
        self.history(w)
        names = ['quantity', 'value', 'oldest_date', 'last_movement',
            'dead_stock', 'unknown_origin', 'bucket', 'product']
        cursor = Transaction().connection.cursor()
        for close in [False, True]:
            if close:
                self.close(w, JANUARY)
            for warehouse in [None, w.warehouse_b.id]:
                with Transaction().set_context(company=w.company.id,
                        warehouse=warehouse, as_of=dt.date(2025, 3, 31)):
                    query = Age.table_query()
                    cursor.execute(*query.select(query.id, *[
                                getattr(query, n) for n in names]))
                    rows = {r[0]: dict(zip(names, r[1:])) for r in cursor}
                    self.assertTrue(rows)
                    for id_, row in rows.items():
                        read, = Age.read([id_], names)
                        # SQLite's cursor gives dates as text
                        self.assertEqual(
                            {n: str(read[n]) for n in ['bucket', 'product',
                                    'oldest_date', 'last_movement']},
                            {n: str(row[n]) for n in ['bucket', 'product',
                                    'oldest_date', 'last_movement']})
                        self.assertAlmostEqual(read['quantity'],
                            row['quantity'])
                        self.assertEqual(bool(read['dead_stock']),
                            bool(row['dead_stock']))

    @with_transaction()
    def test_reports_read_the_cache(self):
        """With January closed, 7 more units of P1 written into the
        cache of the world's storage (by SQL: Tryton forbids it) show in
        the stock on hand as of March 31 (age and safety stock: 40 - 15 -
        10 + 12 - 3 = 24 in the world's warehouse, 31 with the change) and
        in March's average (the opening stock), not before the period."""
        pool = Pool()
        Cache = pool.get('stock.period.cache')
        Age = pool.get('zt.cockpit.age')
        Turnover = pool.get('zt.cockpit.turnover')
        Safety = pool.get('zt.cockpit.safety')
        w = World.build()
        p1, _ = self.history(w)
        january = self.close(w, JANUARY)
        context = {
            'company': w.company.id, 'warehouse': w.warehouse.id,
            'from_date': dt.date(2025, 3, 1),
            'to_date': dt.date(2025, 3, 31), 'as_of': dt.date(2025, 3, 31),
            'period': 'month',
            }

        def figures():
            with Transaction().set_context(**context):
                on_hand = sum(r.quantity for r in Age.search([
                            ('product', '=', p1.id)]))
                turnover, = Turnover.search([('product', '=', p1.id)])
                safety, = Safety.search([('product', '=', p1.id)])
                return on_hand, turnover.average_quantity, safety.quantity

        on_hand, average, safety = figures()
        self.assertAlmostEqual(on_hand, 24)
        self.assertAlmostEqual(safety, 24)

        cache = Cache.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*cache.update([cache.internal_quantity],
                [cache.internal_quantity + 7],
                where=(cache.period == january.id)
                & (cache.product == p1.id)
                & (cache.location == w.storage.id)))
        self.assertEqual(cursor.rowcount, 1)
        changed_on_hand, changed_average, changed_safety = figures()
        self.assertAlmostEqual(changed_on_hand, 31)
        self.assertAlmostEqual(changed_safety, 31)
        self.assertAlmostEqual(changed_average, average + 7)

        # a report starting before the period does not use it
        context['from_date'] = dt.date(2025, 1, 31)
        context['as_of'] = dt.date(2025, 1, 30)
        self.assertIsNone(closed_period(w.company.id, dt.date(2025, 1, 30)))
        with Transaction().set_context(**context):
            rows = Age.search([('product', '=', p1.id)])
            self.assertAlmostEqual(sum(r.quantity for r in rows), 25)

