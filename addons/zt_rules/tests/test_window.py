# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Plain tests of sliding windows and effective times."""
import datetime as dt
import unittest
from decimal import Decimal
from zoneinfo import ZoneInfo

from trytond.modules.zt_rules import evaluate
from trytond.modules.zt_rules.window import (
    aggregate, direction, effective_time, in_window, in_window_moves,
    window_bounds)

UTC = dt.timezone.utc
PARIS = ZoneInfo('Europe/Paris')
SHANGHAI = ZoneInfo('Asia/Shanghai')
DAY = dt.timedelta(hours=24)
SECOND = dt.timedelta(seconds=1)
END = dt.datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


class BoundsTestCase(unittest.TestCase):
    "T - L < t <= T"

    def test_bounds(self):
        self.assertEqual(window_bounds(END, DAY),
            (dt.datetime(2026, 5, 9, 12, 0, tzinfo=UTC), END))

    def test_bounds_utc(self):
        "Bounds are returned in UTC"
        start, end = window_bounds(END.astimezone(SHANGHAI), DAY)
        self.assertEqual((start.tzinfo, end.tzinfo), (UTC, UTC))
        self.assertEqual((start, end), (END - DAY, END))

    def test_edges(self):
        for t, inside in [
                (END, True),
                (END - SECOND, True),
                (END - DAY + SECOND, True),
                (END - DAY, False),
                (END - DAY - SECOND, False),
                (END + SECOND, False),
                ]:
            with self.subTest(t=t):
                self.assertIs(in_window(t, END, DAY), inside)

    def test_microsecond(self):
        "The start is excluded to the microsecond"
        micro = dt.timedelta(microseconds=1)
        self.assertTrue(in_window(END - DAY + micro, END, DAY))
        self.assertFalse(in_window(END - DAY, END, DAY))


class AggregateTestCase(unittest.TestCase):
    "Counts and sums of the movements in a window"

    def moves(self, *before):
        "Return moves at each of before (timedelta) before END"
        return [(END - b, Decimal(2), 'out') for b in before]

    def over(self, moves):
        "Whether a rule 'count in 24 h > 3' matches"
        key = ('count', 'product', 'both', int(DAY.total_seconds()))
        conditions = evaluate.validate([{
                    'kind': 'window', 'aggregate': 'count',
                    'group': 'product', 'direction': 'both',
                    'window': key[3], 'operator': '>', 'value': '3'}],
            'all', {})
        return evaluate.evaluate(conditions, 'all', {},
            {key: aggregate(moves, END, DAY)}).matched

    def test_threshold(self):
        "3 moves in 24 h do not exceed 3; 4 do"
        hour = dt.timedelta(hours=1)
        three = self.moves(0 * hour, hour, 23 * hour)
        self.assertEqual(aggregate(three, END, DAY), Decimal(3))
        self.assertFalse(self.over(three))
        four = three + self.moves(DAY - SECOND)
        self.assertEqual(aggregate(four, END, DAY), Decimal(4))
        self.assertTrue(self.over(four))

    def test_threshold_edge(self):
        "A 4th move exactly 24 h or 24 h and a second before is outside"
        hour = dt.timedelta(hours=1)
        three = self.moves(0 * hour, hour, 23 * hour)
        self.assertFalse(self.over(three + self.moves(DAY)))
        self.assertFalse(self.over(three + self.moves(DAY + SECOND)))
        self.assertTrue(self.over(three + self.moves(0 * hour)))

    def test_directions(self):
        moves = [
            (END, Decimal('1.5'), 'in'),
            (END - SECOND, 2, 'out'),
            (END - 2 * SECOND, 0.25, 'in'),
            (END - 3 * SECOND, Decimal(100), None),
            (END - DAY, Decimal(1000), 'in'),
            ]
        for kind, way, total in [
                ('count', 'both', 3), ('count', 'in', 2),
                ('count', 'out', 1), ('sum', 'both', Decimal('3.75')),
                ('sum', 'in', Decimal('1.75')), ('sum', 'out', 2)]:
            with self.subTest(aggregate=kind, direction=way):
                result = aggregate(moves, END, DAY, kind, way)
                self.assertIsInstance(result, Decimal)
                self.assertEqual(result, total)

    def test_empty(self):
        self.assertEqual(aggregate([], END, DAY, 'sum'), Decimal(0))
        self.assertEqual(aggregate(iter([]), END, DAY), Decimal(0))

    def test_moves(self):
        "The moves inside, unchanged and in order, for flagging"
        moves = [
            (END - DAY, 1, 'in', 10),
            (END - DAY + SECOND, 1, 'in', 11),
            (END, 1, None, 12),
            (END + SECOND, 1, 'out', 13),
            ]
        self.assertEqual(in_window_moves(moves, END, DAY), moves[1:3])

    def test_bad(self):
        with self.assertRaises(ValueError):
            aggregate([], END, DAY, 'avg')
        with self.assertRaises(ValueError):
            aggregate([], END, DAY, 'count', 'internal')


class DaylightSavingTestCase(unittest.TestCase):
    "A window of 24 h is 24 real hours, whatever the wall clock reads"

    def test_paris_autumn(self):
        "2026-10-25: 03:00 back to 02:00; 24 h read 23 h on the clock"
        end = dt.datetime(2026, 10, 25, 12, 0, tzinfo=PARIS)
        start, _ = window_bounds(end, DAY)
        self.assertEqual(start, dt.datetime(2026, 10, 24, 11, tzinfo=UTC))
        self.assertEqual(start.astimezone(PARIS).replace(tzinfo=None),
            dt.datetime(2026, 10, 24, 13, 0))
        for hour, minute, inside in [
                (12, 0, False),  # 25 real hours before
                (12, 30, False),
                (13, 0, False),  # exactly 24 real hours before
                (13, 1, True),
                ]:
            t = dt.datetime(2026, 10, 24, hour, minute, tzinfo=PARIS)
            with self.subTest(t=t):
                self.assertIs(in_window(t, end, DAY), inside)

    def test_paris_spring(self):
        "2026-03-29: 02:00 forward to 03:00; 24 h read 25 h on the clock"
        end = dt.datetime(2026, 3, 29, 12, 0, tzinfo=PARIS)
        start, _ = window_bounds(end, DAY)
        self.assertEqual(start, dt.datetime(2026, 3, 28, 10, tzinfo=UTC))
        self.assertEqual(start.astimezone(PARIS).replace(tzinfo=None),
            dt.datetime(2026, 3, 28, 11, 0))
        for hour, minute, inside in [
                (11, 0, False),  # exactly 24 real hours before
                (11, 1, True),
                (11, 30, True),  # 24.5 h on the clock, 23.5 real hours
                (12, 0, True),  # 23 real hours before
                ]:
            t = dt.datetime(2026, 3, 28, hour, minute, tzinfo=PARIS)
            with self.subTest(t=t):
                self.assertIs(in_window(t, end, DAY), inside)

    def test_paris_repeated_hour(self):
        "02:30 happens twice on 2026-10-25: fold tells them apart"
        first = dt.datetime(2026, 10, 25, 2, 30, tzinfo=PARIS)
        second = first.replace(fold=1)
        self.assertEqual(second.astimezone(UTC) - first.astimezone(UTC),
            dt.timedelta(hours=1))
        end = dt.datetime(2026, 10, 25, 2, 45, fold=1, tzinfo=PARIS)
        hour = dt.timedelta(hours=1)
        self.assertFalse(in_window(first, end, hour))
        self.assertTrue(in_window(second, end, hour))
        moves = [(first, 1, 'out'), (second, 1, 'out')]
        self.assertEqual(aggregate(moves, end, hour), Decimal(1))

    def test_count_across_change(self):
        "Moves an hour apart by the clock across the change of autumn"
        end = dt.datetime(2026, 10, 25, 12, 0, tzinfo=PARIS)
        moves = [(dt.datetime(2026, 10, 24, h, 30, tzinfo=PARIS), 1, 'in')
            for h in range(11, 15)]
        # 11:30 and 12:30 are more than 24 real hours before
        self.assertEqual(aggregate(moves, end, DAY), Decimal(2))

    def test_shanghai(self):
        "No daylight-saving time today: the clock reads 24 h"
        end = dt.datetime(2026, 10, 25, 12, 0, tzinfo=SHANGHAI)
        start, _ = window_bounds(end, DAY)
        self.assertEqual(start.astimezone(SHANGHAI).replace(tzinfo=None),
            dt.datetime(2026, 10, 24, 12, 0))
        self.assertFalse(in_window(
                dt.datetime(2026, 10, 24, 12, 0, tzinfo=SHANGHAI), end, DAY))
        self.assertTrue(in_window(
                dt.datetime(2026, 10, 24, 12, 1, tzinfo=SHANGHAI), end, DAY))

    def test_shanghai_1991(self):
        "China observed daylight-saving time until 1991-09-15"
        end = dt.datetime(1991, 9, 15, 12, 0, tzinfo=SHANGHAI)
        start, _ = window_bounds(end, DAY)
        self.assertEqual(start, dt.datetime(1991, 9, 14, 4, tzinfo=UTC))
        self.assertEqual(start.astimezone(SHANGHAI).replace(tzinfo=None),
            dt.datetime(1991, 9, 14, 13, 0))
        self.assertFalse(in_window(
                dt.datetime(1991, 9, 14, 12, 30, tzinfo=SHANGHAI), end, DAY))

    def test_mixed_zones(self):
        "Times of different zones compare as absolute times"
        t = dt.datetime(2026, 5, 10, 20, 0, tzinfo=SHANGHAI)
        self.assertEqual(t, END)
        self.assertTrue(in_window(t, END, DAY))
        self.assertFalse(in_window(t + SECOND, END, DAY))
        self.assertTrue(in_window(t, END.astimezone(PARIS), DAY))


class EffectiveTimeTestCase(unittest.TestCase):
    "When a movement counts"

    def test_same_day(self):
        done = dt.datetime(2026, 5, 10, 8, 15, tzinfo=UTC)
        self.assertEqual(
            effective_time(dt.date(2026, 5, 10), done, 'Europe/Paris'),
            done)

    def test_naive(self):
        "A naive time is UTC"
        done = dt.datetime(2026, 5, 10, 8, 15)
        result = effective_time(dt.date(2026, 5, 10), done, None)
        self.assertEqual(result, done.replace(tzinfo=UTC))
        self.assertEqual(result.tzinfo, UTC)

    def test_aware_other_zone(self):
        "An aware time is converted to UTC"
        done = dt.datetime(2026, 5, 10, 16, 15, tzinfo=SHANGHAI)
        result = effective_time(dt.date(2026, 5, 10), done, 'Asia/Shanghai')
        self.assertEqual(result.tzinfo, UTC)
        self.assertEqual(result, dt.datetime(2026, 5, 10, 8, 15, tzinfo=UTC))

    def test_back_dated(self):
        "00:00 of the effective date in the company's zone"
        done = dt.datetime(2026, 5, 10, 8, 15, tzinfo=UTC)
        self.assertEqual(
            effective_time(dt.date(2026, 5, 7), done, 'Asia/Shanghai'),
            dt.datetime(2026, 5, 6, 16, 0, tzinfo=UTC))
        self.assertEqual(
            effective_time(dt.date(2026, 5, 7), done, 'Europe/Paris'),
            dt.datetime(2026, 5, 6, 22, 0, tzinfo=UTC))
        self.assertEqual(effective_time(dt.date(2026, 5, 7), done, None),
            dt.datetime(2026, 5, 7, 0, 0, tzinfo=UTC))

    def test_back_dated_winter(self):
        "Midnight takes the offset of its own date"
        done = dt.datetime(2026, 5, 10, 8, 15, tzinfo=UTC)
        self.assertEqual(
            effective_time(dt.date(2026, 1, 7), done, 'Europe/Paris'),
            dt.datetime(2026, 1, 6, 23, 0, tzinfo=UTC))

    def test_late_night(self):
        "23:30 in Shanghai is 15:30 UTC of the same local date"
        done = dt.datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
        self.assertEqual(
            effective_time(dt.date(2026, 5, 10), done, 'Asia/Shanghai'),
            done)

    def test_after_midnight_local(self):
        "00:30 in Shanghai is 16:30 UTC of the day before"
        done = dt.datetime(2026, 5, 10, 16, 30, tzinfo=UTC)
        # the local date is the 11th: dated the 11th, it is the done time
        self.assertEqual(
            effective_time(dt.date(2026, 5, 11), done, 'Asia/Shanghai'),
            done)
        # dated the 10th (the UTC date), it is back-dated to local midnight
        self.assertEqual(
            effective_time(dt.date(2026, 5, 10), done, 'Asia/Shanghai'),
            dt.datetime(2026, 5, 9, 16, 0, tzinfo=UTC))

    def test_future_date(self):
        "A date after the local date keeps the done time"
        done = dt.datetime(2026, 5, 10, 8, 15, tzinfo=UTC)
        self.assertEqual(
            effective_time(dt.date(2026, 5, 12), done, 'Asia/Shanghai'),
            done)

    def test_bad(self):
        done = dt.datetime(2026, 5, 10, 8, 15, tzinfo=UTC)
        with self.assertRaises(ValueError):
            effective_time(dt.date(2026, 5, 10), done, 'Mars/Olympus')
        with self.assertRaises(TypeError):
            effective_time(dt.datetime(2026, 5, 10), done, None)
        with self.assertRaises(TypeError):
            effective_time(dt.date(2026, 5, 10), None, None)


class DirectionTestCase(unittest.TestCase):
    "In, out or neither"

    def test_direction(self):
        self.assertEqual(direction(False, True), 'in')
        self.assertEqual(direction(True, False), 'out')
        self.assertIsNone(direction(True, True))
        self.assertIsNone(direction(False, False))


class ArgumentTestCase(unittest.TestCase):
    "Bad arguments are refused"

    def test_naive(self):
        naive = dt.datetime(2026, 5, 10, 12, 0)
        with self.assertRaisesRegex(ValueError, 'aware'):
            window_bounds(naive, DAY)
        with self.assertRaisesRegex(ValueError, 'aware'):
            in_window(END, naive, DAY)
        with self.assertRaisesRegex(ValueError, 'aware'):
            in_window(naive, END, DAY)
        with self.assertRaisesRegex(ValueError, 'aware'):
            aggregate([(naive, 1, 'in')], END, DAY)

    def test_length(self):
        for length in [dt.timedelta(0), -SECOND, -DAY]:
            with self.subTest(length=length):
                with self.assertRaisesRegex(ValueError, 'positive'):
                    window_bounds(END, length)
                with self.assertRaisesRegex(ValueError, 'positive'):
                    in_window(END, END, length)
        with self.assertRaises(TypeError):
            window_bounds(END, 86400)

    def test_types(self):
        with self.assertRaises(TypeError):
            in_window(dt.date(2026, 5, 10), END, DAY)
        with self.assertRaises(TypeError):
            window_bounds('2026-05-10T12:00:00Z', DAY)
