# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The cockpit's flows mark the moves an open alert of a rule names."""
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import RulesDBTestCase, RulesWorld, seed_rule


class CockpitFlowTestCase(RulesDBTestCase):
    "Abnormal moves in the cockpit's flows"

    @with_transaction()
    def test_abnormal_moves_counted(self):
        """Rule "Frequent movement": the world received mat_c once (1 move);
        3 more moves of it today (out, in, out) make 4 in 24 hours, so the
        rule flags those 4.  The flow row of the warehouse, mat_c's category
        and today counts 4 abnormal moves among its done moves; after the
        alert is closed it counts 0."""
        pool = Pool()
        Flow = pool.get('zt.cockpit.flow')
        Alert = pool.get('zt.alert')
        Move = pool.get('stock.move')
        w = RulesWorld.build(accounting=False)
        seed_rule('rule_frequent_movement')
        for i in range(3):
            if i % 2 == 0:
                w.move(w.mat_c, w.storage, w.production_location)
            else:
                w.move(w.mat_c, w.supplier, w.storage)
        w.process_events()
        alert, = Alert.search([])
        category = w.mat_c.template.categories[0] \
            if w.mat_c.template.categories else None
        context = {
            'company': w.company.id,
            'warehouse': w.warehouse.id,
            'from_date': w.today, 'to_date': w.today, 'period': 'day',
            }
        if category:
            context['category'] = category.id

        def rows():
            with Transaction().set_context(**context):
                return [r for r in Flow.search([])
                    if r.category == category]

        row, = rows()
        moves = Move.search(row.moves_domain())
        self.assertIn(w.mat_c, {m.product for m in moves})
        flagged = [m for m in moves if m.zt_abnormal]
        self.assertEqual(len(flagged), 4)
        self.assertEqual(row.abnormal_moves, 4)
        Alert.write([alert], {'state': 'closed'})
        row, = rows()
        self.assertEqual(row.abnormal_moves, 0)
