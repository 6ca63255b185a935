# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""The shape of the demo's history (addons/zt_inventory/demo/history.py).

- The plan alone (no database): reproducible for its seed, a count with a
  gain and a loss, a burst of more than 3 moves a day of one product, the
  order point's product ending below its minimal quantity.
- On the demo database with the history played through Tryton's
  workflows (served by ``trytond -c CONF -d DB``, read over XML-RPC as the
  administrator): 90 days of done receipts, issues of approved requests,
  transfers between WH and WH2 and two counts, all dated in the past;
  dead stock received more than 180 days ago and never moved since; no
  stock negative in any warehouse at the end of any week, nor in any
  storage or transit location at the end; every move of a done transfer
  done; every product in a category of its family.

On PostgreSQL when ``TRYTOND_DATABASE_URI`` names one, else on SQLite.
"""
import datetime as dt
import os
import subprocess
import sys
import unittest
from collections import Counter
from zoneinfo import ZoneInfo

from test_access_matrix import MatrixServer


def company_today():
    return dt.datetime.now(ZoneInfo('Asia/Shanghai')).date()


class HistoryPlanTestCase(unittest.TestCase):
    "The history's plan, plain logic"

    def setUp(self):
        from trytond.modules.zt_inventory.demo import history
        self.history = history
        self.today = dt.date(2026, 11, 30)
        self.events = history.plan(self.today)

    def test_reproducible(self):
        "The same seed and date give the same history"
        self.assertEqual(self.history.plan(self.today), self.events)
        self.assertNotEqual(self.history.plan(self.today, seed=1),
            self.events)

    def test_window(self):
        """90 days ending yesterday, plus the old receipts: the oldest
        OLDEST_DAYS (260) days ago"""
        dates = [e.date for e in self.events]
        self.assertEqual(min(dates),
            self.today - dt.timedelta(days=self.history.OLDEST_DAYS))
        self.assertEqual(max(dates), self.today - dt.timedelta(days=1))
        recent = [d for d in dates
            if d >= self.today - dt.timedelta(days=90)]
        self.assertEqual(min(recent), self.today - dt.timedelta(days=90))
        kinds = Counter(e.kind for e in self.events)
        self.assertEqual(kinds['count'], 2)
        self.assertGreaterEqual(kinds['production'], 10)
        self.assertGreaterEqual(kinds['transfer'], 20)

    def test_count_gain_and_loss(self):
        "Each count finds one gain and one loss at least"
        for event in self.events:
            if event.kind == 'count':
                differences = [d for _, d in event.data['lines']]
                self.assertGreater(max(differences), 0)
                self.assertLess(min(differences), 0)

    def test_burst(self):
        """On each burst day the burst product moves 7 times into or out
        of a warehouse: a receipt and 3 transfers (out of one, into the
        other)"""
        moves = Counter()
        for event in self.events:
            lines = event.data.get('lines', [])
            if any(line[0] == self.history.BURST for line in lines):
                moves[event.date] += 1 if event.kind == 'receipt' else 2
        self.assertEqual(sorted(moves.values()), [7, 7, 7])

    def test_order_point_below_minimum(self):
        """The order point's product: history receipts minus FG-1001
        productions (1 per unit) plus data.py's 10 stays below 8"""
        from trytond.modules.zt_inventory.demo import materials as M
        code, minimum, _ = M.ORDER_POINT
        quantity = 10
        for event in self.events:
            if event.kind == 'receipt':
                quantity += sum(q for c, q, _ in event.data['lines']
                    if c == code)
            elif (event.kind == 'production'
                    and event.data['product'] == 'FG-1001'):
                quantity -= event.data['quantity']
        self.assertGreaterEqual(quantity, 0)
        self.assertLess(quantity, minimum)


class HistoryServer(MatrixServer):
    "The demo database with its history, served."

    def start(self):
        env = {k: v for k, v in os.environ.items()
            if not k.startswith(('TRYTOND_', 'DB_'))}
        # data.load first (MatrixServer.start), then the server is stopped,
        # the history played in a child process (the configuration file
        # names the database) and the server started again.
        super().start()
        self.server_module.stop_server(self.process)
        self.process = None
        result = subprocess.run([sys.executable, '-c',
                'import sys; from trytond.modules.zt_inventory.demo '
                'import history; history.load(sys.argv[1], sys.argv[2])',
                str(self.conf), self.database],
            capture_output=True, env=env)
        if result.returncode:
            raise subprocess.CalledProcessError(result.returncode,
                result.args, result.stdout, result.stderr)
        settings = self.server_module.read_settings(str(self.conf))
        self.process = self.server_module.start_server(
            str(self.conf), self.database, settings, str(self.log))


class DemoHistoryTestCase(unittest.TestCase):
    "The demo's history in the database, over XML-RPC"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = HistoryServer.serve()
        cls.today = company_today()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def call(self, model, method, *args):
        return self.server.call('admin', model, method, *args)

    def location(self, code):
        location, = self.call('stock.location', 'search',
            [('code', '=', code)])
        return location

    def test_done_in_the_past(self):
        """Receipts, issued requests, transfers and counts of the 90 days
        are done with effective dates before today"""
        start = self.today - dt.timedelta(days=90)
        domain = [('state', '=', 'done'),
            ('effective_date', '>=', start),
            ('effective_date', '<', self.today)]
        self.assertGreaterEqual(self.call('stock.shipment.in',
                'search_count', domain), 25)
        self.assertGreaterEqual(self.call('stock.shipment.internal',
                'search_count', domain), 15)
        self.assertEqual(self.call('stock.inventory', 'search_count',
                [('state', '=', 'done'), ('date', '>=', start)]), 2)
        issued = self.call('stock.move', 'search_read', domain + [
                ('origin', 'like', 'zt.issue.request.line,%')],
            0, None, None, ['effective_date'])
        self.assertGreaterEqual(len({m['effective_date'] for m in issued}),
            10)
        self.assertGreaterEqual(self.call('zt.issue.request',
                'search_count', [('state', '=', 'done')]), 10)
        # every production of the history is finished on its date
        self.assertGreaterEqual(self.call('production', 'search_count',
                [('state', '=', 'done'), ('effective_date', '<', self.today)]),
            10)

    def test_counts_gain_and_loss(self):
        "Each count posts a gain and a loss to the lost and found"
        lines = self.call('stock.inventory.line', 'search_read',
            [('inventory.state', '=', 'done')], 0, None, None,
            ['quantity', 'expected_quantity', 'inventory'])
        by_count = {}
        for line in lines:
            by_count.setdefault(line['inventory'], []).append(
                line['quantity'] - line['expected_quantity'])
        self.assertEqual(len(by_count), 2)
        for differences in by_count.values():
            self.assertGreater(max(differences), 0)
            self.assertLess(min(differences), 0)

    def test_dead_stock(self):
        """RM-4001 in WH, RM-1007 and RM-2009 in WH2: received more than
        180 days ago, no move since"""
        limit = self.today - dt.timedelta(days=180)
        for code, warehouse in [('RM-4001', 'WH'), ('RM-1007', 'WH2'),
                ('RM-2009', 'WH2')]:
            storage = [self.location(
                    'STO' if warehouse == 'WH' else 'WH2-STO')]
            moves = self.call('stock.move', 'search_read', [
                    ('product.code', '=', code), ('state', '=', 'done'),
                    ['OR', ('to_location', 'in', storage),
                        ('from_location', 'in', storage)]],
                0, None, None, ['effective_date'])
            self.assertTrue(moves, code)
            self.assertLess(max(m['effective_date'] for m in moves), limit,
                code)

    def test_aged_transfer(self):
        """RM-3009 (case C11 in the demo): received in WH 250 days ago,
        moved to WH2 60 days ago"""
        moves = self.call('stock.move', 'search_read', [
                ('product.code', '=', 'RM-3009'), ('state', '=', 'done'),
                ('effective_date', '<', self.today - dt.timedelta(days=30))],
            0, None, None, ['effective_date', 'to_location.code'])
        dates = {m['to_location.']['code']: m['effective_date']
            for m in moves}
        self.assertEqual(dates['WH2-STO'],
            self.today - dt.timedelta(days=60))
        self.assertEqual(min(m['effective_date'] for m in moves),
            self.today - dt.timedelta(days=250))

    def test_order_point_below_minimum(self):
        "RM-1001 has less on hand in WH than its order point's minimum (8)"
        wh = self.location('WH')
        product, = self.call('product.product', 'search',
            [('code', '=', 'RM-1001')])
        self.server.proxy('admin')
        context = dict(self.server.contexts['admin'], locations=[wh])
        proxy = self.server.proxies['admin']
        quantity, = getattr(proxy.model, 'product.product.read')(
            [product], ['quantity'], context)
        self.assertLess(quantity['quantity'], 8)
        self.assertGreaterEqual(quantity['quantity'], 0)

    def test_nothing_negative(self):
        "No product is negative in WH or WH2 at the end of any week"
        self.server.proxy('admin')
        proxy = self.server.proxies['admin']
        products = self.call('product.product', 'search', [])
        for code in ['WH', 'WH2']:
            location = self.location(code)
            for weeks in range(13, -1, -1):
                date = self.today - dt.timedelta(days=7 * weeks + 1)
                context = dict(self.server.contexts['admin'],
                    locations=[location], stock_date_end=date)
                rows = getattr(proxy.model, 'product.product.read')(
                    products, ['quantity', 'code'], context)
                negative = [r for r in rows if r['quantity'] < 0]
                self.assertEqual(negative, [], (code, date))

    def test_transfers_done(self):
        """Every move of a done transfer is done: the stock left the
        storage for the transit location (ship) and arrived (done)"""
        shipments = self.call('stock.shipment.internal', 'search_read',
            [('state', '=', 'done')], 0, None, None,
            ['moves', 'number', 'transit_location'])
        self.assertGreaterEqual(len(shipments), 15)
        for shipment in shipments:
            moves = self.call('stock.move', 'read', shipment['moves'],
                ['state', 'to_location'])
            self.assertEqual({m['state'] for m in moves}, {'done'},
                shipment['number'])
            # between WH and WH2 through the transit location
            self.assertTrue(shipment['transit_location'],
                shipment['number'])
            self.assertIn(shipment['transit_location'],
                {m['to_location'] for m in moves}, shipment['number'])

    def test_nothing_negative_at_the_end(self):
        """No product is negative in any storage location at the end
        (each location alone), Transit included (Tryton's transit location
        is of type storage)"""
        self.server.proxy('admin')
        proxy = self.server.proxies['admin']
        products = self.call('product.product', 'search', [])
        locations = self.call('stock.location', 'search_read',
            [('type', 'in', ['storage', 'transit'])], 0, None, None,
            ['name', 'code'])
        self.assertIn('Transit', {loc['name'] for loc in locations})
        for location in locations:
            context = dict(self.server.contexts['admin'],
                locations=[location['id']], with_childs=False,
                stock_date_end=self.today)
            rows = getattr(proxy.model, 'product.product.read')(
                products, ['quantity', 'code'], context)
            negative = [r for r in rows if r['quantity'] < 0]
            self.assertEqual(negative, [], location)

    def test_categories(self):
        """Every product has a category, under the accounting category
        of the demo; each family's category has products"""
        products = self.call('product.product', 'search_read', [], 0,
            None, None, ['code', 'template.categories'])
        self.assertGreaterEqual(len(products), 30)
        used = set()
        for product in products:
            categories = product['template.']['categories']
            self.assertTrue(categories, product['code'])
            used.update(categories)
        categories = self.call('product.category', 'search_read',
            [('id', 'in', list(used))], 0, None, None,
            ['name', 'parent.name'])
        self.assertEqual(len(categories), 5)
        for category in categories:
            self.assertEqual(category['parent.']['name'],
                "原材料与产成品 Materials and Goods", category['name'])


if __name__ == '__main__':
    unittest.main()
