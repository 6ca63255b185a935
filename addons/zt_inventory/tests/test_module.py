# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.tests.test_tryton import ModuleTestCase


class ZtInventoryTestCase(ModuleTestCase):
    "Test zt_inventory module"
    module = 'zt_inventory'


del ModuleTestCase
