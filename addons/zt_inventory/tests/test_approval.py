# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Plain tests of the ORM-free approval rules (segregation of duties:
test_sod_rules.py)."""
import unittest
from decimal import Decimal

from trytond.modules.zt_inventory.approval import (
    FINANCE, MANAGER, next_level, required_levels)

LIMIT = Decimal('5000')


class RequiredLevelsTestCase(unittest.TestCase):
    "Which approvals a request needs"

    def levels(self, value, classes=(), limit=LIMIT, finance=('A',)):
        return required_levels(Decimal(value), classes, limit, finance)

    def test_below_limit(self):
        "Below the limit the manager alone approves"
        self.assertEqual(self.levels('4999.99', ['B', 'C']), (MANAGER,))

    def test_at_limit(self):
        "The limit is strict: a value equal to it needs the manager only"
        self.assertEqual(self.levels('5000', ['B']), (MANAGER,))
        self.assertEqual(self.levels('5000.00', ['B']), (MANAGER,))

    def test_above_limit(self):
        "Above the limit the finance director approves after the manager"
        self.assertEqual(self.levels('5000.01', ['C']), (MANAGER, FINANCE))

    def test_c1_limit_1000(self):
        "C1: with a limit of 1,000 a request of 5,000 needs finance"
        self.assertEqual(
            self.levels('5000', ['C'], limit=Decimal(1000)),
            (MANAGER, FINANCE))
        self.assertEqual(
            self.levels('500', ['C'], limit=Decimal(1000)), (MANAGER,))

    def test_class_a(self):
        "A class-A line needs finance whatever the value"
        self.assertEqual(self.levels('0', ['C', 'A']), (MANAGER, FINANCE))
        self.assertEqual(self.levels('1', ['A']), (MANAGER, FINANCE))

    def test_no_class_and_other_finance_classes(self):
        "No class never needs finance; the finance classes are configured"
        self.assertEqual(self.levels('10', [None]), (MANAGER,))
        self.assertEqual(self.levels('10', ['A'], finance=()), (MANAGER,))
        self.assertEqual(
            self.levels('10', ['B'], finance=['A', 'B']), (MANAGER, FINANCE))

    def test_no_limit(self):
        "A limit of None disables the amount rule"
        self.assertEqual(self.levels('1e9', ['B'], limit=None), (MANAGER,))

    def test_next_level(self):
        "The first required level not yet approved"
        self.assertEqual(next_level((MANAGER, FINANCE), set()), MANAGER)
        self.assertEqual(next_level((MANAGER, FINANCE), {MANAGER}), FINANCE)
        self.assertIsNone(next_level((MANAGER, FINANCE), {MANAGER, FINANCE}))
        self.assertIsNone(next_level((MANAGER,), {MANAGER}))


if __name__ == '__main__':
    unittest.main()
