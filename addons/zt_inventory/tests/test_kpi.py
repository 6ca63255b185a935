# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The cockpit's plain KPI functions, with hand-computed figures."""
import datetime as dt
import unittest
from decimal import Decimal as D

from trytond.modules.zt_inventory import kpi

SHANGHAI = 'Asia/Shanghai'

# Ten days of one product (end-of-day quantity, input, output), constant
# cost price 2.00:
#   d1 receive 10 -> 10      d6  nothing -> 0
#   d2 issue 4 -> 6          d7  receive 8, issue 8 the same day -> 0
#   d3 nothing -> 6          d8  receive 20 -> 20
#   d4 receive 5, issue 5 -> 6   d9  issue 5 -> 15
#   d5 issue 6 -> 0          d10 nothing -> 15
TEN_DAYS = [
    (10, 10, 0), (6, 0, 4), (6, 0, 0), (6, 5, 5), (0, 0, 6),
    (0, 0, 0), (0, 8, 8), (20, 20, 0), (15, 0, 5), (15, 0, 0)]
COST = D('2.00')


class DateTestCase(unittest.TestCase):

    def test_c7_local_date_after_midnight(self):
        """C7: 2025-04-11 16:30 UTC + 8 h = 2025-04-12 00:30 in Shanghai,
        so the local date is 2025-04-12"""
        self.assertEqual(
            kpi.local_date(dt.datetime(2025, 4, 11, 16, 30), SHANGHAI),
            dt.date(2025, 4, 12))

    def test_c7_local_date_before_midnight(self):
        """2025-04-11 15:30 UTC + 8 h = 2025-04-11 23:30 in Shanghai: still
        2025-04-11"""
        self.assertEqual(
            kpi.local_date(dt.datetime(2025, 4, 11, 15, 30), SHANGHAI),
            dt.date(2025, 4, 11))

    def test_local_date_aware(self):
        "An aware datetime is converted: 16:30 UTC is the same instant"
        self.assertEqual(
            kpi.local_date(dt.datetime(2025, 4, 11, 16, 30,
                    tzinfo=dt.timezone.utc), SHANGHAI),
            dt.date(2025, 4, 12))

    def test_c7_day_bounds(self):
        """C7: the local day 2025-04-11 in Shanghai (UTC+8) runs from
        2025-04-10 16:00 UTC to 2025-04-11 16:00 UTC (exclusive): the
        receipt at 16:30 UTC is out of "as of 2025-04-11", the one at 15:30
        (23:30 local) is in; "as of 2025-04-12" ends at 2025-04-12 16:00
        UTC and includes the 16:30 receipt"""
        start, end = kpi.local_day_bounds_utc(dt.date(2025, 4, 11), SHANGHAI)
        self.assertEqual(start, dt.datetime(2025, 4, 10, 16, 0))
        self.assertEqual(end, dt.datetime(2025, 4, 11, 16, 0))
        receipt = dt.datetime(2025, 4, 11, 16, 30)
        self.assertFalse(receipt < end)
        self.assertTrue(dt.datetime(2025, 4, 11, 15, 30) < end)
        _, end_12 = kpi.local_day_bounds_utc(dt.date(2025, 4, 12), SHANGHAI)
        self.assertEqual(end_12, dt.datetime(2025, 4, 12, 16, 0))
        self.assertTrue(receipt < end_12)

    def test_day_bounds_daylight_saving(self):
        """Europe/Paris moves from UTC+1 to UTC+2 on 2025-03-30: the day
        starts at 2025-03-29 23:00 UTC and ends at 2025-03-30 22:00 UTC
        (23 hours)"""
        start, end = kpi.local_day_bounds_utc(
            dt.date(2025, 3, 30), 'Europe/Paris')
        self.assertEqual(start, dt.datetime(2025, 3, 29, 23, 0))
        self.assertEqual(end, dt.datetime(2025, 3, 30, 22, 0))
        self.assertEqual(end - start, dt.timedelta(hours=23))

    def test_period_start(self):
        """2025-04-12 is a Saturday: its ISO week starts on Monday
        2025-04-07 and its month on 2025-04-01; 2025-01-01 (a Wednesday)
        is in the week of Monday 2024-12-30"""
        day = dt.date(2025, 4, 12)
        self.assertEqual(kpi.period_start(day, 'day'), day)
        self.assertEqual(kpi.period_start(day, 'week'), dt.date(2025, 4, 7))
        self.assertEqual(kpi.period_start(day, 'month'), dt.date(2025, 4, 1))
        self.assertEqual(kpi.period_start(dt.date(2025, 1, 1), 'week'),
            dt.date(2024, 12, 30))
        monday = dt.date(2025, 4, 7)
        self.assertEqual(kpi.period_start(monday, 'week'), monday)

    def test_bad_dates(self):
        "Non-dates, datetimes as days, unknown zones and periods are refused"
        with self.assertRaisesRegex(ValueError, 'must be a datetime'):
            kpi.local_date('2025-04-11 16:30', SHANGHAI)
        with self.assertRaisesRegex(ValueError, 'unknown time zone'):
            kpi.local_date(dt.datetime(2025, 4, 11), 'Mars/Olympus')
        with self.assertRaisesRegex(ValueError, 'IANA name'):
            kpi.local_date(dt.datetime(2025, 4, 11), None)
        with self.assertRaisesRegex(ValueError, 'day must be a date'):
            kpi.local_day_bounds_utc(dt.datetime(2025, 4, 11), SHANGHAI)
        with self.assertRaisesRegex(ValueError, 'day must be a date'):
            kpi.period_start('2025-04-11', 'week')
        with self.assertRaisesRegex(ValueError, "period must be one of"):
            kpi.period_start(dt.date(2025, 4, 11), 'year')


class TurnoverTestCase(unittest.TestCase):

    def test_average_inventory_tryton_formula(self):
        """Tryton's formula on TEN_DAYS: sum of max(end, 0) = 10 + 6 + 6 +
        6 + 0 + 0 + 0 + 20 + 15 + 15 = 78; sum of min(input, output) = 0 (d1)
        + 5 (d4) + 8 (d7) = 13; (78 + 13) / 10 = 9.1"""
        self.assertEqual(kpi.average_inventory(TEN_DAYS), D('9.1'))

    def test_average_inventory_clamps(self):
        """Negative stock and negative flows count as 0: day 1 (-3, 0, 3)
        gives max(-3, 0) + min(0, 3) = 0, day 2 (5, 8, -1) gives
        5 + min(8, 0) = 5; 5 / 2 = 2.5"""
        self.assertEqual(
            kpi.average_inventory([(-3, 0, 3), (5, 8, -1)]), D('2.5'))

    def test_average_inventory_value(self):
        """Values: with the constant cost 2.00 the average value is
        9.1 x 2 = 18.2; with a cost of 2 on day 1 and 3 on day 2,
        (10, 10, 0) -> (20, 20, 0) and (6, 0, 4) -> (18, 0, 12):
        (20 + 0 + 18 + 0) / 2 = 19"""
        self.assertEqual(kpi.average_inventory_value(
                [row + (COST,) for row in TEN_DAYS]), D('18.2'))
        self.assertEqual(kpi.average_inventory_value(
                [(10, 10, 0, 2), (6, 0, 4, 3)]), D(19))

    def test_turnover_against_tryton(self):
        """Outputs 4 + 5 + 6 + 8 + 5 = 28; COGS = 28 x 2.00 = 56.00;
        turnover = 56 / 18.2 = 3.0769...; Tryton's = (28 / 10) / 9.1 =
        0.3077 (0.308 rounded to 3 digits as Tryton shows it): ours is
        Tryton's x 10 days"""
        cogs = kpi.cost_of_goods_issued(
            (row[2], COST) for row in TEN_DAYS if row[2])
        self.assertEqual(cogs, D('56.00'))
        average = kpi.average_inventory_value(
            [row + (COST,) for row in TEN_DAYS])
        ours = kpi.turnover(cogs, average)
        self.assertEqual(ours, D(56) / D('18.2'))
        tryton = kpi.tryton_turnover(TEN_DAYS)
        self.assertEqual(tryton, D('2.8') / D('9.1'))
        self.assertEqual(tryton.quantize(D('0.001')), D('0.308'))
        self.assertAlmostEqual(ours, tryton * 10, places=20)

    def test_turnover_zero_average(self):
        "Nothing in stock during the period: no turnover (None)"
        self.assertIsNone(kpi.turnover(D(0), D(0)))
        self.assertIsNone(kpi.tryton_turnover([(0, 0, 0)]))

    def test_turnover_bad_input(self):
        "Empty periods, malformed days and negative averages are refused"
        with self.assertRaisesRegex(ValueError, 'at least one day'):
            kpi.average_inventory([])
        with self.assertRaisesRegex(ValueError, r'\(end_quantity, input'):
            kpi.average_inventory([(1, 2)])
        with self.assertRaisesRegex(ValueError, 'input must be a number'):
            kpi.average_inventory([(1, '2', 0)])
        with self.assertRaisesRegex(ValueError, 'unit_cost must not be'):
            kpi.average_inventory_value([(1, 0, 0, -1)])
        with self.assertRaisesRegex(ValueError, 'must not be negative'):
            kpi.turnover(D(5), D(-1))


class AgeTestCase(unittest.TestCase):

    as_of = dt.date(2025, 4, 12)

    def test_bucket_edges(self):
        "30 | 31, 90 | 91 and 180 | 181 days fall on each side of an edge"
        for days, key in [
                (0, '0-30'), (30, '0-30'), (31, '31-90'), (90, '31-90'),
                (91, '91-180'), (180, '91-180'), (181, '>180'),
                (5000, '>180')]:
            with self.subTest(days=days):
                self.assertEqual(kpi.age_bucket(days), key)
        self.assertEqual([k for k, _, _ in kpi.AGE_BUCKETS],
            ['0-30', '31-90', '91-180', '>180'])

    def test_bucket_edges_by_date(self):
        """Layers received 30, 31, 90, 91, 180 and 181 days before
        2025-04-12, 1 unit each at cost 1.5: 0-30 gets 1 (1.5), 31-90 2
        (3.0), 91-180 2 (3.0), >180 1 (1.5)"""
        layers = [(self.as_of - dt.timedelta(days=d), D(1))
            for d in (30, 31, 90, 91, 180, 181)]
        self.assertEqual(dict(kpi.age_buckets(layers, self.as_of, D('1.5'))), {
                '0-30': (D(1), D('1.5')), '31-90': (D(2), D('3.0')),
                '91-180': (D(2), D('3.0')), '>180': (D(1), D('1.5'))})

    def test_fifo_partial_layer(self):
        """Receipts 2025-01-05: 10, 2025-03-01: 5, 2025-02-01: 8 (given
        out of order); 9 on hand: FIFO consumed the oldest, so on hand are
        the 5 of 03-01 and 4 of the 8 of 02-01.  As of 2025-03-20: 03-01 is
        19 days old (0-30), 02-01 is 28 + 19 = 47 days (31-90); at 2.5 a
        unit: 12.5 and 10.0"""
        receipts = [(dt.date(2025, 1, 5), D(10)), (dt.date(2025, 3, 1), 5),
            (dt.date(2025, 2, 1), D(8))]
        layers = kpi.fifo_layers(receipts, D(9))
        self.assertEqual(layers,
            [(dt.date(2025, 3, 1), D(5)), (dt.date(2025, 2, 1), D(4))])
        self.assertFalse(kpi.has_unknown_origin(layers))
        buckets = kpi.age_buckets(layers, dt.date(2025, 3, 20), D('2.5'))
        self.assertEqual(list(buckets.items()), [
                ('0-30', (D(5), D('12.5'))), ('31-90', (D(4), D('10.0'))),
                ('91-180', (D(0), D(0))), ('>180', (D(0), D(0)))])

    def test_fifo_on_hand_above_receipts(self):
        """5 received on 2025-03-01 but 8 on hand: 3 of unknown origin,
        reported in >180 and flagged; without a cost the values are None"""
        layers = kpi.fifo_layers([(dt.date(2025, 3, 1), D(5))], D(8))
        self.assertEqual(layers, [(dt.date(2025, 3, 1), D(5)), (None, D(3))])
        self.assertTrue(kpi.has_unknown_origin(layers))
        buckets = kpi.age_buckets(layers, dt.date(2025, 3, 20))
        self.assertEqual(buckets['0-30'], (D(5), None))
        self.assertEqual(buckets['>180'], (D(3), None))

    def test_fifo_nothing_on_hand(self):
        "Zero or negative stock on hand has no layer"
        receipts = [(dt.date(2025, 3, 1), D(5))]
        self.assertEqual(kpi.fifo_layers(receipts, D(0)), [])
        self.assertEqual(kpi.fifo_layers(receipts, D(-2)), [])

    def test_c11(self):
        """C11: 10 received into warehouse A on 2024-01-10, transferred to
        B on 2024-08-10 (a transfer is no receipt, so the only layer is the
        receipt).  As of 2024-09-10: 21 (rest of January) + 29 (February
        2024) + 31 + 30 + 31 + 30 + 31 + 31 + 10 = 244 days, in >180.
        Filter on B (10 of the company's 10): 10 x 10 / 10 = all of it,
        still 244 days; A (0 on hand) gets nothing.  Dead stock: no
        movement (the transfer does not count), received 244 > 180 days
        ago; were the transfer a movement, 31 days would not be dead"""
        received, as_of = dt.date(2024, 1, 10), dt.date(2024, 9, 10)
        self.assertEqual(kpi.age_days(received, as_of), 244)
        layers = kpi.fifo_layers([(received, D(10))], D(10))
        self.assertEqual(layers, [(received, D(10))])
        company = kpi.age_buckets(layers, as_of, D(3))
        self.assertEqual(company['>180'], (D(10), D(30)))
        warehouse_b = kpi.warehouse_share(company, D(10), D(10))
        self.assertEqual(warehouse_b, company)
        warehouse_a = kpi.warehouse_share(company, D(10), D(0))
        self.assertEqual(warehouse_a['>180'], (D(0), D(0)))
        self.assertTrue(kpi.is_dead_stock(None, as_of, received=received))
        self.assertFalse(kpi.is_dead_stock(dt.date(2024, 8, 10), as_of))
        self.assertIn('transfers between', kpi.DEAD_STOCK_POLICY)
        self.assertIn('180 days', kpi.DEAD_STOCK_POLICY)

    def test_warehouse_share_proportion(self):
        """Company: 0-30: 6 (12.00), 31-90: 3 (6.00), >180: 3 (6.00), 12
        on hand; a warehouse with 4 gets 4/12: 6 x 4 / 12 = 2 (4.00),
        1 (2.00), 0, 1 (2.00)"""
        company = kpi.age_buckets([
                (dt.date(2025, 4, 1), D(6)), (dt.date(2025, 2, 1), D(3)),
                (None, D(3))], dt.date(2025, 4, 12), D('2.00'))
        self.assertEqual(dict(kpi.warehouse_share(company, D(12), D(4))), {
                '0-30': (D(2), D('4.00')), '31-90': (D(1), D('2.00')),
                '91-180': (D(0), D(0)), '>180': (D(1), D('2.00'))})

    def test_warehouse_share_sums_exactly(self):
        """1 on hand in a warehouse of a company with 3 in three buckets:
        1/3 each does not terminate; the quantities still sum to 1"""
        company = kpi.age_buckets([
                (dt.date(2025, 4, 1), D(1)), (dt.date(2025, 2, 1), D(1)),
                (dt.date(2024, 12, 1), D(1))], dt.date(2025, 4, 12))
        share = kpi.warehouse_share(company, D(3), D(1))
        self.assertEqual(sum(q for q, _ in share.values()), D(1))

    def test_warehouse_share_company_negative(self):
        """Company total 0 (another warehouse is negative) but 4 in this
        one: unknown origin, all in >180 without a value"""
        company = kpi.age_buckets([], dt.date(2025, 4, 12), D(2))
        share = kpi.warehouse_share(company, D(0), D(4))
        self.assertEqual(share['>180'], (D(4), None))

    def test_dead_stock_edges(self):
        """Last movement 180 days before 2025-04-12 (2024-10-14) is not
        dead, 181 days (2024-10-13) is; a shorter threshold of 30 days;
        stock of unknown origin that never moved is dead"""
        as_of = dt.date(2025, 4, 12)
        self.assertFalse(kpi.is_dead_stock(dt.date(2024, 10, 14), as_of))
        self.assertTrue(kpi.is_dead_stock(dt.date(2024, 10, 13), as_of))
        self.assertTrue(
            kpi.is_dead_stock(dt.date(2025, 3, 12), as_of, days=30))
        self.assertFalse(kpi.is_dead_stock(
                None, as_of, received=dt.date(2025, 1, 1)))
        self.assertTrue(kpi.is_dead_stock(None, as_of))

    def test_age_bad_input(self):
        "Negative ages, future receipts, bad receipts and days are refused"
        with self.assertRaisesRegex(ValueError, 'at least 0 days'):
            kpi.age_bucket(-1)
        with self.assertRaisesRegex(ValueError, 'whole number of days'):
            kpi.age_bucket(D('30.5'))
        with self.assertRaisesRegex(ValueError, 'is after'):
            kpi.age_buckets([(dt.date(2025, 4, 13), D(1))], self.as_of)
        with self.assertRaisesRegex(ValueError, 'must not be negative'):
            kpi.fifo_layers([(dt.date(2025, 3, 1), D(-5))], D(1))
        with self.assertRaisesRegex(ValueError, 'receipt date must be'):
            kpi.fifo_layers([('2025-03-01', D(5))], D(1))
        with self.assertRaisesRegex(ValueError, 'at least 1 days'):
            kpi.is_dead_stock(None, self.as_of, days=0)
        with self.assertRaisesRegex(ValueError, 'as_of must be a date'):
            kpi.is_dead_stock(None, '2025-04-12')


class SafetyStockTestCase(unittest.TestCase):

    today = dt.date(2025, 4, 12)

    def test_average_daily_consumption(self):
        "90 consumed over 30 days: 3 a day; 10 over 4 days: 2.5 a day"
        self.assertEqual(kpi.average_daily_consumption(D(90), 30), D(3))
        self.assertEqual(kpi.average_daily_consumption(D(10), 4), D('2.5'))
        self.assertEqual(kpi.average_daily_consumption(D(0), 30), D(0))

    def test_stock_out_rounded_up(self):
        """10 on hand, 3 a day: 7, 4, 1 left after days 1-3, day 4 cannot
        be served: ceil(10 / 3) = 4, 2025-04-12 + 4 = 2025-04-16"""
        self.assertEqual(kpi.stock_out_date(D(10), D(3), self.today),
            dt.date(2025, 4, 16))

    def test_stock_out_exact(self):
        "9 on hand, 3 a day: day 3 ends at 0: 9 / 3 = 3, 2025-04-15"
        self.assertEqual(kpi.stock_out_date(D(9), D(3), self.today),
            dt.date(2025, 4, 15))

    def test_stock_out_already_out(self):
        "Nothing or less than nothing on hand: out today"
        self.assertEqual(kpi.stock_out_date(D(0), D(3), self.today),
            self.today)
        self.assertEqual(kpi.stock_out_date(D(-2), D(0), self.today),
            self.today)

    def test_stock_out_zero_consumption(self):
        "No consumption: no stock-out date"
        self.assertIsNone(kpi.stock_out_date(D(10), D(0), self.today))
        self.assertIsNone(
            kpi.stock_out_date(D(10), D('1E-30'), self.today))

    def test_shortage(self):
        "Minimal 10: 3 on hand lacks 7; 12 on hand lacks nothing"
        self.assertEqual(kpi.shortage(D(3), D(10)), D(7))
        self.assertEqual(kpi.shortage(D(12), D(10)), D(0))

    def test_urgency_order(self):
        """A (04-20, short 5), B (no date, short 50), C (04-15, short 1),
        D (04-15, short 7): earliest date first, the larger shortage first
        on the same date, no date last: D, C, A, B"""
        alerts = {
            'A': (dt.date(2025, 4, 20), D(5)), 'B': (None, D(50)),
            'C': (dt.date(2025, 4, 15), D(1)),
            'D': (dt.date(2025, 4, 15), D(7))}
        self.assertEqual(
            sorted(alerts, key=lambda k: kpi.urgency_key(*alerts[k])),
            ['D', 'C', 'A', 'B'])

    def test_safety_stock_bad_input(self):
        "Negative or zero windows, non-dates and non-numbers are refused"
        with self.assertRaisesRegex(ValueError, 'at least 1 days'):
            kpi.average_daily_consumption(D(10), -5)
        with self.assertRaisesRegex(ValueError, 'at least 1 days'):
            kpi.average_daily_consumption(D(10), 0)
        with self.assertRaisesRegex(ValueError, 'must not be negative'):
            kpi.average_daily_consumption(D(-10), 30)
        with self.assertRaisesRegex(ValueError, 'today must be a date'):
            kpi.stock_out_date(D(10), D(3), '2025-04-12')
        with self.assertRaisesRegex(ValueError, 'on_hand must be a number'):
            kpi.stock_out_date(None, D(3), self.today)
        with self.assertRaisesRegex(ValueError, 'minimal must be a number'):
            kpi.shortage(D(1), 'ten')
        with self.assertRaisesRegex(ValueError, 'stock_out must be a date'):
            kpi.urgency_key('soon', D(1))
