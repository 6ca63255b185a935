# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Plain tests of the ORM-free rules of emergency access."""
import datetime as dt
import unittest

from trytond.modules.zt_inventory.emergency_rules import (
    DEFAULT_DURATION, GRANTEE, MAX_DURATION, REQUESTER, decision_conflicts,
    due, duration_ok, expiry, grants, in_force, justification_ok)

NOON = dt.datetime(2026, 12, 1, 12, 0, 0)
HOUR = dt.timedelta(hours=1)


class JustificationTestCase(unittest.TestCase):
    "A justification says what happened and why"

    def test_length(self):
        "At least 20 characters once trimmed"
        self.assertTrue(justification_ok('x' * 20))
        self.assertFalse(justification_ok('x' * 19))
        self.assertFalse(justification_ok('  ' + 'x' * 19 + '\n\n  '))

    def test_missing(self):
        self.assertFalse(justification_ok(None))
        self.assertFalse(justification_ok(''))
        self.assertFalse(justification_ok(' ' * 40))

    def test_minimum(self):
        self.assertTrue(justification_ok('abc', minimum=3))


class DurationTestCase(unittest.TestCase):
    "Durations and ends"

    def test_default(self):
        "Four hours by default, within the limit"
        self.assertEqual(DEFAULT_DURATION, 4 * HOUR)
        self.assertTrue(duration_ok(DEFAULT_DURATION))

    def test_bounds(self):
        "More than zero, at most the maximum (24 hours)"
        self.assertFalse(duration_ok(None))
        self.assertFalse(duration_ok(dt.timedelta(0)))
        self.assertFalse(duration_ok(-HOUR))
        self.assertTrue(duration_ok(dt.timedelta(seconds=1)))
        self.assertTrue(duration_ok(MAX_DURATION))
        self.assertFalse(duration_ok(MAX_DURATION + dt.timedelta(seconds=1)))
        self.assertEqual(MAX_DURATION, 24 * HOUR)

    def test_expiry(self):
        self.assertEqual(expiry(NOON, 4 * HOUR), NOON + 4 * HOUR)
        with self.assertRaises(ValueError):
            expiry(NOON, dt.timedelta(0))
        with self.assertRaises(ValueError):
            expiry(NOON, 25 * HOUR)


class InForceTestCase(unittest.TestCase):
    "An access grants its group from approval until its end, exclusive"

    def test_in_force(self):
        end = NOON + HOUR
        self.assertTrue(in_force('approved', end, NOON))
        self.assertFalse(in_force('approved', end, end))
        self.assertFalse(in_force('approved', end, end + HOUR))
        self.assertFalse(in_force('approved', None, NOON))
        for state in ['draft', 'requested', 'rejected', 'expired',
                'revoked', 'reviewed', 'cancelled']:
            self.assertFalse(in_force(state, end, NOON), state)

    def test_due(self):
        "The scheduled task marks an access expired once its end came"
        end = NOON + HOUR
        self.assertFalse(due('approved', end, NOON))
        self.assertTrue(due('approved', end, end))
        self.assertTrue(due('approved', end, end + HOUR))
        self.assertFalse(due('expired', end, end + HOUR))
        self.assertFalse(due('approved', None, end))

    def test_grants(self):
        "Accesses and groups in force, and until when that holds"
        rows = [
            (3, 10, NOON + 2 * HOUR),
            (1, 11, NOON + HOUR),
            (2, 10, NOON - HOUR),  # ended
            (4, 11, NOON + 3 * HOUR),
            ]
        self.assertEqual(grants(rows, NOON),
            ((1, 3, 4), (10, 11), NOON + HOUR))
        self.assertEqual(grants(rows, NOON + HOUR),
            ((3, 4), (10, 11), NOON + 2 * HOUR))
        self.assertEqual(grants(rows, NOON + 5 * HOUR), ((), (), None))
        self.assertEqual(grants([], NOON), ((), (), None))


class DecisionConflictsTestCase(unittest.TestCase):
    "Nobody decides on their own emergency access"

    def test_free(self):
        self.assertEqual(decision_conflicts(5, 7, 7), [])
        self.assertEqual(decision_conflicts(5, 7, None), [])

    def test_grantee(self):
        self.assertEqual(decision_conflicts(7, 7, None), [GRANTEE])
        self.assertEqual(
            decision_conflicts(7, 7, 7), [GRANTEE, REQUESTER])

    def test_requester(self):
        "Someone who requested for another may not approve it either"
        self.assertEqual(decision_conflicts(5, 7, 5), [REQUESTER])


if __name__ == '__main__':
    unittest.main()
