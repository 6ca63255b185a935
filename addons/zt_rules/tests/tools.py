# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Builders for the ORM tests of zt_rules, on zt_inventory's World."""
from trytond.pool import Pool
from trytond.transaction import Transaction

from trytond.tests.test_tryton import TestCase, activate_module, drop_db

from trytond.modules.zt_inventory.tests.tools import World

__all__ = ['RulesWorld', 'seed_rule', 'RulesDBTestCase']


class RulesDBTestCase(TestCase):
    "A test case on a fresh database with zt_rules activated."

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('zt_rules')

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()


def seed_rule(name):
    "Return the seed rule with the XML id ``name`` (zt_rules.<name>)."
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Rule = pool.get('zt.rule')
    return Rule(ModelData.get_id('zt_rules', name))


class RulesWorld(World):
    "zt_inventory's world with the users the rules notify."

    @classmethod
    def build(cls, **kwargs):
        world = super().build(**kwargs)
        world.supervisor = world.create_user('supervisor',
            ['zt_rules.group_warehouse_supervisor'])
        world.purchaser = world.create_user('purchaser',
            ['zt_inventory.group_purchaser'])
        world.production_manager = world.create_user('prodmgr',
            ['zt_inventory.group_production_manager'],
            world.create_employee("Production Manager"))
        world.rule_admin = world.create_user('ruleadmin',
            ['zt_rules.group_rule_admin'])
        return world

    def create_employee(self, name):
        from trytond.modules.company.tests import create_employee
        return create_employee(self.company, name=name)

    def move(self, product, from_location, to_location, quantity=1,
            effective_date=None):
        "Create and do one stock move of ``quantity`` units; return it."
        Move = Pool().get('stock.move')
        values = {
            'product': product.id, 'unit': self.unit.id,
            'quantity': quantity,
            'from_location': from_location.id,
            'to_location': to_location.id,
            'effective_date': effective_date or self.today,
            }
        if from_location.type == 'supplier':
            values.update(unit_price=product.cost_price,
                currency=self.company.currency.id)
        move, = Move.create([values])
        with Transaction().set_context(_skip_warnings=True):
            Move.do([move])
        return Move(move.id)

    def set_effective_time(self, moves, time):
        "Set the effective time (naive UTC) of ``moves`` by SQL (tests)."
        Move = Pool().get('stock.move')
        table = Move.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.zt_effective_time], [time],
                where=table.id.in_([m.id for m in moves])))
        Transaction().cache.clear()

    def process_events(self):
        "Process the pending rule events, as the queue does after commit."
        return Pool().get('zt.rule.event').process()

