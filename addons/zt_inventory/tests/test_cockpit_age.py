# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""ORM tests of the cockpit's inventory age and safety stock reports.

Every expected figure is computed by hand (see each docstring) and checked
against the pure functions of :mod:`kpi`, the reference the SQL must
match."""
import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .. import kpi
from .tools import DBTestCase, World, acting

AS_OF = dt.date(2025, 6, 30)


def day(days_before, as_of=AS_OF):
    return as_of - dt.timedelta(days=days_before)


class CockpitAgeTestCase(DBTestCase):
    "Inventory age and safety stock reports"

    def locations(self, world):
        Location = Pool().get('stock.location')
        world.customer, = Location.search([('code', '=', 'CUS')])
        return world

    def move(self, world, product, quantity, from_location, to_location,
            date, state='done'):
        "Create a move of ``quantity`` on ``date`` and bring it to ``state``."
        return world.dated_move(product, quantity, from_location,
            to_location, date, state)

    def receive(self, world, product, quantity, date, state='done',
            to_location=None):
        return self.move(world, product, quantity, world.supplier,
            to_location or world.storage, date, state)

    def consume(self, world, product, quantity, date, from_location=None):
        return self.move(world, product, quantity,
            from_location or world.storage, world.customer, date)

    def age_rows(self, world, product, as_of, warehouse=None):
        "Return {bucket: (quantity, value, row)} of ``product``."
        Age = Pool().get('zt.cockpit.age')
        with Transaction().set_context(company=world.company.id,
                as_of=as_of, warehouse=warehouse.id if warehouse else None):
            rows = Age.search([('product', '=', product.id)])
            return {r.bucket: (Decimal(str(r.quantity)), r.value, r)
                for r in rows}

    @with_transaction()
    def test_bucket_edges(self):
        """Receipts aged 30, 31, 90, 91, 180 and 181 days of 1, 2, 4, 8,
        16 and 32 units (63), 3 issued 10 days ago: 60 on hand, FIFO
        keeps the newest 1+2+4+8+16 = 31 and 29 of the oldest 32.
        Buckets: 0-30 = 1, 31-90 = 2+4 = 6, 91-180 = 8+16 = 24,
        >180 = 29; value x 10 (cost price); not dead stock (moved 10
        days ago)."""
        world = self.locations(World.build())
        product = world.create_product("Aged", 10)
        receipts = [(day(30), 1), (day(31), 2), (day(90), 4), (day(91), 8),
            (day(180), 16), (day(181), 32)]
        for date, quantity in receipts:
            self.receive(world, product, quantity, date)
        self.consume(world, product, 3, day(10))

        rows = self.age_rows(world, product, AS_OF)

        expected = {'0-30': 1, '31-90': 6, '91-180': 24, '>180': 29}
        reference = kpi.age_buckets(
            kpi.fifo_layers(receipts, 60), AS_OF, 10)
        for key, quantity in expected.items():
            self.assertEqual(reference[key][0], quantity)
            self.assertEqual(rows[key][0], quantity)
            self.assertEqual(rows[key][1], reference[key][1])
            self.assertEqual(rows[key][1], Decimal(quantity * 10))
            self.assertFalse(rows[key][2].dead_stock)
            self.assertEqual(rows[key][2].last_movement, day(10))
        self.assertEqual(rows['>180'][2].oldest_date, day(181))
        # the receipts behind a row: the drill-down to stock moves
        self.assertEqual(
            sorted(m.effective_date for m in rows['31-90'][2].moves),
            [day(90), day(31)])

        # a category row sums its products' rows
        pool = Pool()
        Category = pool.get('product.category')
        AgeCategory = pool.get('zt.cockpit.age.category')
        category = Category(name="Aged goods")
        category.save()
        template = product.template
        template.categories = [category]
        template.save()
        with Transaction().set_context(company=world.company.id,
                as_of=AS_OF, category=category.id):
            rows = {r.bucket: r for r in AgeCategory.search([])}
            self.assertEqual({k: r.quantity for k, r in rows.items()},
                expected)
            self.assertEqual(rows['>180'].value, Decimal(290))
            self.assertEqual([p.product for p in rows['>180'].products],
                [product])

    @with_transaction()
    def test_cancelled_receipt(self):
        """5 received 40 days ago and 7 cancelled 5 days ago: only the 5
        count, in 31-90; nothing in 0-30."""
        world = self.locations(World.build())
        product = world.create_product("Cancelled", 4)
        self.receive(world, product, 5, day(40))
        self.receive(world, product, 7, day(5), state='cancelled')

        rows = self.age_rows(world, product, AS_OF)

        self.assertEqual(set(rows), {'31-90'})
        self.assertEqual(rows['31-90'][0], 5)
        self.assertEqual(rows['31-90'][1], Decimal(20))

    @with_transaction()
    def test_identical_receipts(self):
        """Two receipts of 100 on the same day at the same cost and one of
        500 two weeks earlier, none issued: 700 on hand, all in 0-30, each
        receipt its own layer (the tester's RM-1004: 600 before the layers
        were a UNION ALL); the row's receipts are the three moves."""
        world = self.locations(World.build())
        product = world.create_product("Twin", 2)
        first = self.receive(world, product, 500, day(14))
        twins = [self.receive(world, product, 100, day(2))
            for _ in range(2)]

        rows = self.age_rows(world, product, AS_OF)

        self.assertEqual(set(rows), {'0-30'})
        self.assertEqual(rows['0-30'][0], 700)
        self.assertEqual(rows['0-30'][1], Decimal(1400))
        with Transaction().set_context(company=world.company.id,
                as_of=AS_OF):
            self.assertEqual(
                sorted(m.id for m in rows['0-30'][2].moves),
                sorted(m.id for m in [first] + twins))

    @with_transaction()
    def test_receipts_on_hand_only(self):
        """The row's receipts are those whose layer is on hand: 10 received
        60 days ago and 10 received 50 days ago, 15 issued 20 days ago: 5
        on hand, all from the newer receipt (FIFO), so the 31-90 row lists
        that one only, not both receipts dated in the bucket."""
        world = self.locations(World.build())
        product = world.create_product("Layer", 3)
        self.receive(world, product, 10, day(60))
        newer = self.receive(world, product, 10, day(50))
        self.consume(world, product, 15, day(20))

        rows = self.age_rows(world, product, AS_OF)

        self.assertEqual(rows['31-90'][0], 5)
        with Transaction().set_context(company=world.company.id,
                as_of=AS_OF):
            self.assertEqual([m.id for m in rows['31-90'][2].moves],
                [newer.id])

    @with_transaction()
    def test_c7_local_date(self):
        """C7: company in Asia/Shanghai; a receipt at 2025-04-11 16:30 UTC
        is 2025-04-12 00:30 local: its effective date is 2025-04-12, so
        the age report as of 2025-04-12 shows it (10 units, 0 days old)
        and as of 2025-04-11 does not."""
        world = self.locations(World.build())
        world.company.timezone = 'Asia/Shanghai'
        world.company.save()
        product = world.create_product("Midnight", 1)
        date = kpi.local_date(dt.datetime(2025, 4, 11, 16, 30),
            world.company.timezone)
        self.assertEqual(date, dt.date(2025, 4, 12))
        self.receive(world, product, 10, date)

        rows = self.age_rows(world, product, dt.date(2025, 4, 12))
        self.assertEqual(rows['0-30'][0], 10)
        self.assertEqual(set(rows), {'0-30'})
        self.assertEqual(
            self.age_rows(world, product, dt.date(2025, 4, 11)), {})

    def add_warehouse(self, world):
        "Create warehouse B with its input, output and storage."
        Location = Pool().get('stock.location')
        input_, output, storage = Location.create([
                {'name': "B Input", 'type': 'storage'},
                {'name': "B Output", 'type': 'storage'},
                {'name': "B Storage", 'code': 'STO-B', 'type': 'storage'},
                ])
        warehouse, = Location.create([{
                    'name': "Warehouse B", 'code': 'WHB',
                    'type': 'warehouse',
                    'input_location': input_.id,
                    'output_location': output.id,
                    'storage_location': storage.id,
                    'production_location': world.production_location.id,
                    }])
        return warehouse, storage

    @with_transaction()
    def test_c11_transfer_keeps_age(self):
        """C11: 10 received into warehouse A on 2024-01-10, transferred to
        warehouse B on 2024-08-10.  As of 2024-09-10 the stock is
        21 (rest of January) + 29 + 31 + 30 + 31 + 30 + 31 + 31 (February
        to August, 2024 is a leap year) + 10 = 244 days old: bucket >180,
        with or without the filter on B (the transfer is not a receipt),
        nothing in A, and dead stock (no move out of the company's stock:
        the transfer is not a movement)."""
        world = self.locations(World.build())
        warehouse_b, storage_b = self.add_warehouse(world)
        product = world.create_product("Slow", 3)
        self.receive(world, product, 10, dt.date(2024, 1, 10))
        self.move(world, product, 10, world.storage, storage_b,
            dt.date(2024, 8, 10))
        as_of = dt.date(2024, 9, 10)
        self.assertEqual(kpi.age_days(dt.date(2024, 1, 10), as_of), 244)
        self.assertEqual(kpi.age_bucket(244), '>180')
        self.assertTrue(kpi.is_dead_stock(
                None, as_of, received=dt.date(2024, 1, 10)))

        for warehouse in [None, warehouse_b]:
            rows = self.age_rows(world, product, as_of, warehouse)
            self.assertEqual(set(rows), {'>180'})
            quantity, value, row = rows['>180']
            self.assertEqual(quantity, 10)
            self.assertEqual(value, Decimal(30))
            self.assertEqual(row.oldest_date, dt.date(2024, 1, 10))
            self.assertEqual((as_of - row.oldest_date).days, 244)
            self.assertTrue(row.dead_stock)
            self.assertIsNone(row.last_movement)
            self.assertEqual(row.dead_stock_policy, kpi.DEAD_STOCK_POLICY)
        self.assertEqual(
            self.age_rows(world, product, as_of, world.warehouse), {})

    def order_point(self, world, product, minimal):
        OrderPoint = Pool().get('stock.order_point')
        template = product.template
        template.purchasable = True
        template.purchase_uom = world.unit
        template.save()
        order_point, = OrderPoint.create([{
                    'company': world.company.id,
                    'product': product.id,
                    'location': world.warehouse.id,
                    'type': 'purchase',
                    'min_quantity': minimal,
                    'target_quantity': minimal * 2,
                    }])
        return order_point

    @with_transaction()
    def test_safety_stock_order(self):
        """Window 30 days as of AS_OF (consumption from day(29) on):
        S1: 100 in, 30 + 60 out in the window: 10 on hand, 90 / 30 = 3 a
        day, stock-out AS_OF + ceil(10 / 3) = +4, minimal 20, shortage 10.
        S2: 35 in, 30 out: 5 on hand, 1 a day, +5, minimal 50, shortage 45.
        S3: 10 in and out 40 days ago: 0 on hand, out now (+0), shortage 5.
        S4: 8 on hand, nothing consumed: no date, minimal 10, shortage 2.
        S5: 100 on hand, minimal 10: no alert.
        Urgency (kpi.urgency_key): S3, S1, S2, S4."""
        pool = Pool()
        Safety = pool.get('zt.cockpit.safety')
        world = self.locations(World.build())
        products = {n: world.create_product(n, 1)
            for n in ['S1', 'S2', 'S3', 'S4', 'S5']}
        moves = {
            'S1': (100, [(30, day(20)), (60, day(5))], 20),
            'S2': (35, [(30, day(29))], 50),
            'S3': (10, [(10, day(40))], 5),
            'S4': (8, [], 10),
            'S5': (100, [], 10),
            }
        for name, (received, issues, minimal) in moves.items():
            product = products[name]
            self.receive(world, product, received, day(60))
            for quantity, date in issues:
                self.consume(world, product, quantity, date)
            self.order_point(world, product, minimal)
        # outside the window (day 30 before): not consumption
        self.receive(world, products['S4'], 5, day(60))
        self.consume(world, products['S4'], 5, day(30))

        with Transaction().set_context(company=world.company.id,
                as_of=AS_OF, consumption_days=30):
            rows = Safety.search([])
            rows = [r for r in rows if r.product in products.values()]

        names = [r.product.template.name for r in rows]
        self.assertEqual(names, ['S3', 'S1', 'S2', 'S4'])
        expected = {
            'S1': (10, 20, 10, AS_OF + dt.timedelta(days=4)),
            'S2': (5, 50, 45, AS_OF + dt.timedelta(days=5)),
            'S3': (0, 5, 5, AS_OF),
            'S4': (8, 10, 2, None),
            }
        keys = []
        for row in rows:
            name = row.product.template.name
            on_hand, minimal, shortage, stock_out = expected[name]
            consumed = sum(q for q, d in moves[name][1] if d >= day(29))
            daily = kpi.average_daily_consumption(consumed, 30)
            self.assertEqual(row.quantity, on_hand)
            self.assertEqual(row.min_quantity, minimal)
            self.assertEqual(row.shortage, shortage)
            self.assertEqual(
                kpi.shortage(Decimal(on_hand), minimal), shortage)
            self.assertEqual(row.consumed_quantity, consumed)
            self.assertAlmostEqual(row.daily_consumption, float(daily))
            self.assertEqual(row.stock_out_date, stock_out)
            self.assertEqual(
                kpi.stock_out_date(on_hand, daily, AS_OF), stock_out)
            self.assertEqual(len(row.moves),
                len([1 for _, d in moves[name][1] if d >= day(29)]))
            keys.append(kpi.urgency_key(stock_out, Decimal(shortage)))
        self.assertEqual(keys, sorted(keys))

    @with_transaction()
    def test_safety_bad_window(self):
        """A consumption window of -5 or 0.5 days is refused with a clear
        message naming the value; the report writes nothing (read-only:
        the order point is unchanged)."""
        Safety = Pool().get('zt.cockpit.safety')
        world = self.locations(World.build())
        product = world.create_product("Window", 1)
        order_point = self.order_point(world, product, 5)
        for days in [-5, 0.5]:
            with Transaction().set_context(company=world.company.id,
                    as_of=AS_OF, consumption_days=days):
                with self.assertRaises(UserError) as context:
                    Safety.search([])
                self.assertIn(str(days), context.exception.message)
        self.assertEqual(order_point.min_quantity, 5)

    @with_transaction()
    def test_access(self):
        """A requester (production staff and stock user, none of the
        manager, director, production manager, auditor or stock admin
        groups) cannot read the reports; a manager and an auditor can.
        (dashboard.xml grants keepers read on age and safety for their
        dashboard, so a keeper is refused only the category report.)"""
        pool = Pool()
        world = self.locations(World.build())
        auditor = world.create_user('auditor2', ['zt_inventory.group_auditor'])
        names = ['zt.cockpit.age', 'zt.cockpit.age.category',
            'zt.cockpit.safety']
        for name in names:
            Model = pool.get(name)
            with acting(world.requester, as_of=AS_OF):
                with self.assertRaises(AccessError):
                    Model.search([])
            for user in [world.manager, auditor]:
                with acting(user, as_of=AS_OF):
                    Model.search([])
        with acting(world.keeper, as_of=AS_OF):
            with self.assertRaises(AccessError):
                pool.get('zt.cockpit.age.category').search([])
