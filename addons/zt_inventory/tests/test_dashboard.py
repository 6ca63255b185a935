# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""ORM tests of the cockpit boards per role (dashboard.xml): who sees which
board, that every action of a board is readable by its roles, the chart
click (keyword ``graph_open``) that opens the rows of a bar, and the
dashboard module's actions of a user."""
import datetime as dt

from lxml import etree

from trytond.model.exceptions import AccessError, DomainValidationError
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .tools import DBTestCase, World, acting, savepoint

BOARDS = {
    'manager': 'act_dashboard_manager',
    'warehouse': 'act_dashboard_warehouse',
    'audit': 'act_dashboard_audit',
    }


def board_menus(user):
    """Return the set of board keys ('manager', 'warehouse', 'audit') whose
    menu entry ``user`` (res.user) sees."""
    pool = Pool()
    Menu = pool.get('ir.ui.menu')
    ModelData = pool.get('ir.model.data')
    ids = {ModelData.get_id('zt_inventory', 'menu_dashboard_' + k): k
        for k in BOARDS}
    with acting(user):
        return {ids[m.id] for m in Menu.search([('id', 'in', list(ids))])}


def board_actions(key):
    """Return the xml ids (module.fs_id) of the actions of board ``key``
    (the ``name`` of its ``<action/>`` elements)."""
    pool = Pool()
    ActWindow = pool.get('ir.action.act_window')
    ModelData = pool.get('ir.model.data')
    action = ActWindow(ModelData.get_id('zt_inventory', BOARDS[key]))
    view, = [v.view for v in action.act_window_views]
    return [e.get('name') for e in etree.fromstring(view.arch).iter('action')]


class DashboardTestCase(DBTestCase):
    "Cockpit boards per role"

    def auditor(self, world):
        return world.create_user('auditor', ['zt_inventory.group_auditor'])

    @with_transaction()
    def test_board_menus_per_role(self):
        """The manager and the finance director see the Manager Cockpit,
        the keeper the Warehouse Cockpit, the auditor the Audit Cockpit; a
        requester (production staff) sees no board."""
        world = World.build()
        auditor = self.auditor(world)
        self.assertEqual(board_menus(world.manager), {'manager'})
        self.assertEqual(board_menus(world.director), {'manager'})
        self.assertEqual(board_menus(world.keeper), {'warehouse'})
        self.assertEqual(board_menus(auditor), {'audit'})
        self.assertEqual(board_menus(world.requester), set())

    @with_transaction()
    def test_board_actions_readable(self):
        """Each action of a board opens (ir.action.act_window.get, as the
        client does) and its report model is searchable by the board's
        role; a requester is refused the manager's reports."""
        pool = Pool()
        ActWindow = pool.get('ir.action.act_window')
        world = World.build()
        roles = {
            'manager': [world.manager, world.director],
            'warehouse': [world.keeper],
            'audit': [self.auditor(world)],
            }
        for key, users in roles.items():
            names = board_actions(key)
            self.assertGreaterEqual(len(names), 2, key)
            for user in users:
                with acting(user):
                    for name in names:
                        value = ActWindow.get(name)
                        Model = pool.get(value['res_model'])
                        # the reports compute on search: no error is enough
                        Model.search([], limit=1)
        with acting(world.requester):
            for name in board_actions('manager'):
                value = ActWindow.get(name)
                with self.assertRaises(AccessError):
                    pool.get(value['res_model']).search([], limit=1)

    @with_transaction()
    def test_keeper_own_warehouses(self):
        """The Warehouse Cockpit is the keeper's warehouses only: 10 units
        received today into warehouse B (not the keeper's) show in the
        manager's flows next to the world's warehouse, not in the keeper's;
        the keeper is refused the company-wide inventory age."""
        pool = Pool()
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        Flow = pool.get('zt.cockpit.flow')
        Age = pool.get('zt.cockpit.age')
        world = World.build()
        storage_b, = Location.create([
                {'name': "B Storage", 'code': 'STO-B', 'type': 'storage'}])
        warehouse_b, = Location.create([{
                    'name': "Warehouse B", 'code': 'WHB',
                    'type': 'warehouse',
                    'input_location': storage_b.id,
                    'output_location': storage_b.id,
                    'storage_location': storage_b.id,
                    'production_location': world.production_location.id,
                    }])
        product = world.create_product("Gasket", 2)
        move, = Move.create([{
                    'product': product.id, 'unit': world.unit.id,
                    'quantity': 10,
                    'from_location': world.supplier.id,
                    'to_location': storage_b.id,
                    'unit_price': product.cost_price,
                    'currency': world.company.currency.id,
                    'effective_date': world.today,
                    }])
        with Transaction().set_context(_skip_warnings=True):
            Move.do([move])
        context = {'from_date': world.today, 'to_date': world.today,
            'period': 'day'}
        with acting(world.manager, **context):
            seen = {r.warehouse for r in Flow.search([])}
        self.assertEqual(seen, {world.warehouse, warehouse_b})
        with acting(world.keeper, **context):
            seen = {r.warehouse for r in Flow.search([])}
            with self.assertRaises(AccessError):
                Age.search([], limit=1)
        self.assertEqual(seen, {world.warehouse})

    @with_transaction()
    def test_graph_open_bucket(self):
        """A click on the part "91-180" of the age chart opens exactly the
        rows of that bucket, and a row shows the receipt behind it.

        By hand, as of today: World.build receives A 20, B 200, C 200
        today (bucket 0-30); 5 more of A received 100 days ago are in
        bucket 91-180 (91 <= 100 <= 180): one row, A, quantity 5, whose
        receipt is that move."""
        pool = Pool()
        Age = pool.get('zt.cockpit.age')
        Keyword = pool.get('ir.action.keyword')
        Move = pool.get('stock.move')
        world = World.build()
        old = world.today - dt.timedelta(days=100)
        move, = Move.create([{
                    'product': world.mat_a.id, 'unit': world.unit.id,
                    'quantity': 5, 'from_location': world.supplier.id,
                    'to_location': world.storage.id,
                    'unit_price': world.mat_a.cost_price,
                    'currency': world.company.currency.id,
                    'effective_date': old, 'company': world.company.id,
                    }])
        with Transaction().set_context(_skip_warnings=True):
            Move.do([move])

        with acting(world.manager, as_of=world.today):
            rows = Age.search([])
            # what sao's graph gathers under one x value (bar or slice)
            bar = [r.id for r in rows if r.bucket == '91-180']
            actions = Keyword.get_keyword(
                'graph_open', ('zt.cockpit.age', bar[0]))
            self.assertEqual(len(actions), 1)
            action, = actions
            self.assertEqual(action['res_model'], 'zt.cockpit.age')
            domain = PYSONDecoder({'active_ids': bar}).decode(
                action['pyson_domain'])
            opened = Age.search(domain)
            self.assertEqual([(r.product, r.bucket, r.quantity)
                    for r in opened], [(world.mat_a, '91-180', 5)])
            self.assertEqual(list(opened[0].moves), [move])
            fresh = {(r.product, r.quantity) for r in rows
                if r.bucket == '0-30'}
            self.assertEqual(fresh, {(world.mat_a, 20), (world.mat_b, 200),
                    (world.mat_c, 200)})

    @with_transaction()
    def test_dashboard_action_needs_board_action(self):
        """A user's dashboard (module dashboard) takes the cockpit actions
        made for it (usage "dashboard"); a report action of the menu is
        refused with a domain error and nothing is saved."""
        pool = Pool()
        DashboardAction = pool.get('dashboard.action')
        ModelData = pool.get('ir.model.data')
        world = World.build()

        def action(fs_id):
            return ModelData.get_id('zt_inventory', fs_id)
        with self.assertRaises(DomainValidationError):
            with savepoint():
                DashboardAction.create([{
                            'user': world.manager.id,
                            'act_window': action('act_cockpit_turnover'),
                            }])
        self.assertEqual(
            DashboardAction.search([('user', '=', world.manager.id)]), [])
        created = DashboardAction.create([{
                    'user': world.manager.id,
                    'act_window': action('act_cockpit_board_' + key),
                    } for key in ['turnover_graph', 'age_graph', 'safety',
                    'flow_graph']])
        self.assertEqual(len(created), 4)
