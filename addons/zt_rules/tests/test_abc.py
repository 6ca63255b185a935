# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Plain tests of the ABC classification."""
import unittest
from decimal import Decimal

from trytond.modules.zt_rules.abc import abc_classes

# Consumption values (total 1000) and the share of the total before each:
#   a 500   0 %   -> A
#   b 300  50 %   -> A
#   c 100  80 %   -> B (exactly 80 % before: not under 80)
#   d  50  90 %   -> B
#   e  30  95 %   -> C (exactly 95 % before: not under 80 + 15)
#   f  20  98 %   -> C
#   g   0 100 %   -> C (no consumption)
VALUES = {
    'a': Decimal(500), 'b': Decimal(300), 'c': Decimal(100),
    'd': Decimal(50), 'e': Decimal(30), 'f': Decimal(20), 'g': Decimal(0),
    }


class ClassesTestCase(unittest.TestCase):
    "Pareto classes of consumption value"

    def test_hand_computed(self):
        self.assertEqual(abc_classes(VALUES), {
                'a': 'A', 'b': 'A', 'c': 'B', 'd': 'B', 'e': 'C', 'f': 'C',
                'g': 'C'})

    def test_just_under(self):
        "With 79.9 % and 94.9 % before, c is A and e is B"
        values = dict(VALUES, b=Decimal('299'), c=Decimal('101'),
            d=Decimal('49'), e=Decimal('31'))
        self.assertEqual(abc_classes(values), {
                'a': 'A', 'b': 'A', 'c': 'A', 'd': 'B', 'e': 'B', 'f': 'C',
                'g': 'C'})

    def test_order_of_input(self):
        "The order of the mapping does not matter"
        values = dict(reversed(list(VALUES.items())))
        self.assertEqual(abc_classes(values), abc_classes(VALUES))

    def test_first_is_a(self):
        "The largest item is A however large its share"
        self.assertEqual(abc_classes({1: Decimal(99), 2: Decimal(1)}),
            {1: 'A', 2: 'C'})
        self.assertEqual(abc_classes({'x': Decimal('0.01')}), {'x': 'A'})

    def test_ties(self):
        "Ties are ordered by str(key): x before y"
        values = {'y': Decimal(40), 'x': Decimal(40), 'z': Decimal(20)}
        self.assertEqual(abc_classes(values, (40, 40, 20)),
            {'x': 'A', 'y': 'B', 'z': 'C'})

    def test_ties_int_keys(self):
        "Integer keys compare as text: '10' before '9'"
        values = {9: Decimal(40), 10: Decimal(40), 11: Decimal(20)}
        self.assertEqual(abc_classes(values, (40, 40, 20)),
            {10: 'A', 9: 'B', 11: 'C'})

    def test_zeros(self):
        self.assertEqual(abc_classes({'a': Decimal(0), 'b': 0}),
            {'a': 'C', 'b': 'C'})
        self.assertEqual(abc_classes({'a': Decimal(0), 'b': Decimal(5)}),
            {'a': 'C', 'b': 'A'})
        self.assertEqual(abc_classes({}), {})

    def test_zero_always_c(self):
        "Zero is C even when A takes everything"
        self.assertEqual(abc_classes({'a': 1, 'b': 0}, (100, 0, 0)),
            {'a': 'A', 'b': 'C'})

    def test_shares(self):
        values = {'a': 3, 'b': 2, 'c': 1}
        self.assertEqual(abc_classes(values, (100, 0, 0)),
            {'a': 'A', 'b': 'A', 'c': 'A'})
        self.assertEqual(abc_classes(values, (0, 100, 0)),
            {'a': 'B', 'b': 'B', 'c': 'B'})
        self.assertEqual(abc_classes(values, (0, 0, 100)),
            {'a': 'C', 'b': 'C', 'c': 'C'})
        # before: a 0 %, b 50 %, c 83.33 %
        self.assertEqual(abc_classes(values, (
                    Decimal('50.5'), Decimal('32.5'), 17)),
            {'a': 'A', 'b': 'A', 'c': 'C'})

    def test_exact_fractions(self):
        "Thirds compare exactly: 33.333... % is not under 33.33 %"
        values = {'a': 1, 'b': 1, 'c': 1}
        self.assertEqual(abc_classes(values, (
                    Decimal('33.33'), Decimal('33.33'), Decimal('33.34'))),
            {'a': 'A', 'b': 'B', 'c': 'C'})
        self.assertEqual(abc_classes(values, (
                    Decimal('33.34'), Decimal('33.33'), Decimal('33.33'))),
            {'a': 'A', 'b': 'A', 'c': 'B'})


class ErrorTestCase(unittest.TestCase):
    "Bad shares and values are refused"

    def test_shares(self):
        for shares, message in [
                ((80, 15), '3 numbers'),
                ((80, 15, 5, 0), '3 numbers'),
                ((80, 15, 4), 'sum to 100'),
                ((80, 15, 6), 'sum to 100'),
                ((90, 15, -5), 'negative'),
                ((80.0, 15, 5), 'Decimal or an int'),
                (('80', '15', '5'), 'Decimal or an int'),
                ((True, 94, 5), 'Decimal or an int'),
                ((Decimal('NaN'), 15, 5), 'negative'),
                ]:
            with self.subTest(shares=shares):
                with self.assertRaisesRegex(ValueError, message):
                    abc_classes(VALUES, shares)

    def test_values(self):
        for value in [Decimal(-1), -1, 1.5, None, '5', Decimal('Infinity')]:
            with self.subTest(value=value):
                with self.assertRaisesRegex(ValueError, "'bad'"):
                    abc_classes(dict(VALUES, bad=value))
