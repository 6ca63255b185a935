# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""The seed rules on the demo data, end to end: the demo database served by
``trytond -c CONF -d DB``, ``ztinv rules`` run as operators run it, and
what each rule did read over XML-RPC as the users it is for.

- Safety stock: one purchase request for the demo's order point, still
  one after a second run; the purchaser reads it.
- Dead stock: the material received 200 days ago and untouched is
  classified, and the department manager gets the report.
- Frequent movement: receipts of one material made through the client
  (proteus over XML-RPC) until it has 4 moves in 24 hours; the server's
  queue evaluates each move after its commit: no alert at 3, an alert with
  the 4 moves flagged at 4, seen by the warehouse supervisor only.

On PostgreSQL when ``TRYTOND_DATABASE_URI`` names one, else on SQLite.
"""
import datetime as dt
import json
import os
import subprocess
import sys
import time
import unittest
import urllib.request
from decimal import Decimal
from pathlib import Path

from test_access_matrix import MatrixServer

ROOT = Path(__file__).resolve().parent.parent
ZTINV = Path(sys.executable).parent / 'ztinv'


class DemoRulesTestCase(unittest.TestCase):
    "The seed rules on the demo data over XML-RPC"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = MatrixServer.serve()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def call(self, login, model, method, *args):
        return self.server.call(login, model, method, *args)

    def rule(self, name):
        "The seed rule ``name`` (by what it does: names are translated)."
        domain = {
            'rule_safety_stock': [('trigger', '=', 'daily'),
                ('actions.type', '=', 'purchase_request')],
            'rule_dead_stock': [('trigger', '=', 'daily'),
                ('actions.type', '=', 'classify')],
            'rule_frequent_movement': [('trigger', '=', 'stock_move.done')],
            }[name]
        rule, = self.call('admin', 'zt.rule', 'search', domain)
        return rule

    def product(self, code):
        product, = self.call('admin', 'product.product', 'search',
            [('code', '=', code)])
        return product

    def ztinv_rules(self, *args):
        "Run ``ztinv rules`` on the demo database; return its output."
        env = {k: v for k, v in os.environ.items()
            if not k.startswith(('TRYTOND_', 'DB_'))}
        result = subprocess.run([str(ZTINV), 'rules', '-c',
                str(self.server.conf), '-d', self.server.database, *args],
            capture_output=True, text=True, env=env, timeout=300)
        self.assertEqual(result.returncode, 0,
            result.stdout + result.stderr)
        return result.stdout

    def alerts(self, login, rule):
        return self.call(login, 'zt.alert', 'search_read',
            [('rule', '=', rule)], 0, None, None,
            ['state', 'figures', 'records'])

    def test_safety_stock_and_dead_stock(self):
        "ztinv rules: one purchase request, dead stock classified, report"
        out = self.ztinv_rules()
        self.assertIn("rule Safety stock: purchase request (daily): 1 "
            "match(es)", out)
        rm1001 = self.product('RM-1001')
        requests = self.call('purchaser', 'purchase.request', 'search_read',
            [('product', '=', rm1001)], 0, None, None,
            ['quantity', 'state', 'warehouse.code'])
        self.assertEqual(len(requests), 1, requests)
        request, = requests
        self.assertEqual(request['state'], 'draft')
        self.assertEqual(request['warehouse.']['code'], 'WH')
        # the purchaser is told, in the client, and opens the request
        alert, = self.alerts('purchaser', self.rule('rule_safety_stock'))
        records = self.call('purchaser', 'zt.alert.record', 'search_read',
            [('alert', '=', alert['id'])], 0, None, None, ['record'])
        self.assertIn('purchase.request,%s' % request['id'],
            [r['record'] for r in records])
        # a second run: still one request, no second alert
        self.ztinv_rules('--rule', "Safety stock: purchase request")
        self.assertEqual(self.call('purchaser', 'purchase.request',
                'search_count', [('product', '=', rm1001)]), 1)
        self.assertEqual(len(self.alerts(
                    'purchaser', self.rule('rule_safety_stock'))), 1)

        rm4001 = self.product('RM-4001')
        template, = self.call('manager', 'product.product', 'read',
            [rm4001], ['template.zt_classification'])
        self.assertEqual(
            template['template.']['zt_classification'], 'dead_stock')
        report, = self.alerts('manager', self.rule('rule_dead_stock'))
        records = self.call('manager', 'zt.alert.record', 'search_read',
            [('alert', '=', report['id'])], 0, None, None, ['record'])
        self.assertEqual([r['record'] for r in records],
            ['product.product,%s' % rm4001])
        # a material moved this year is not dead stock
        rm1001_template, = self.call('manager', 'product.product', 'read',
            [rm1001], ['template.zt_classification'])
        self.assertFalse(
            rm1001_template['template.']['zt_classification'])

    def moves_today(self, product):
        "The done moves of ``product`` into or out of WH's storage today."
        since = dt.datetime.utcnow() - dt.timedelta(hours=24)
        return self.call('admin', 'stock.move', 'search', [
                ('product', '=', product), ('state', '=', 'done'),
                ('zt_effective_time', '>', since),
                ['OR',
                    [('from_location.type', '!=', 'storage'),
                        ('to_location.type', '=', 'storage')],
                    [('from_location.type', '=', 'storage'),
                        ('to_location.type', '!=', 'storage')]],
                ])

    def receive(self, product):
        "Receive one unit of ``product`` in WH through a supplier shipment."
        from proteus import Model
        config = self.server.proteus_config('admin')
        config.skip_warning = True
        Shipment = Model.get('stock.shipment.in', config=config)
        Move = Model.get('stock.move', config=config)
        Product = Model.get('product.product', config=config)
        Party = Model.get('party.party', config=config)
        supplier = Party(name="Rules supplier")
        supplier.save()
        Location = Model.get('stock.location', config=config)
        supplier_location, = Location.find([('code', '=', 'SUP')])
        input_location, = Location.find([('code', '=', 'IN')])
        warehouse, = Location.find([('code', '=', 'WH')])
        shipment = Shipment(supplier=supplier, warehouse=warehouse)
        item = Product(product)
        move = Move(product=item, unit=item.default_uom, quantity=1,
            from_location=supplier_location, to_location=input_location,
            unit_price=item.cost_price or Decimal(1),
            currency=shipment.company.currency, company=shipment.company)
        shipment.incoming_moves.append(move)
        shipment.save()
        # A receipt without purchase order: purchase warns that its move has
        # no origin; accept the warning as a user clicking "Yes" does.
        for button in ['receive', 'do']:
            answer = self.accept_warning(
                'admin', 'stock.shipment.in', button, shipment.id)
            if answer.get('error'):
                answer = self.accept_warning(
                    'admin', 'stock.shipment.in', button, shipment.id)
            self.assertNotIn('error', answer, answer)

    def accept_warning(self, login, model, button, record):
        """Call ``button`` of ``model`` on ``record`` as ``login`` over
        JSON-RPC; if the server answers with a warning, record it as
        accepted (res.user.warning), as the client does."""
        self.server.proxy(login)
        url = (f'http://127.0.0.1:{self.server.port}/'
            f'{self.server.database}/rpc/')
        body = json.dumps({'id': 1, 'method': f'model.{model}.{button}',
                'params': [[record], self.server.contexts[login]]}).encode()
        name, value = self.server.headers[login]
        request = urllib.request.Request(url, data=body, headers={
                name: value, 'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        error = answer.get('error')
        if error and error[0] == 'UserWarning':
            warning = error[1][0]
            self.call(login, 'res.user.warning', 'create', [{
                        'user': self.server.user_ids[login],
                        'name': warning, 'always': False}])
        return answer

    def wait_alerts(self, login, rule, count, timeout=30):
        "The alerts of ``rule`` once there are ``count`` (the queue runs)."
        deadline = time.monotonic() + timeout
        while True:
            alerts = self.alerts(login, rule)
            if len(alerts) >= count or time.monotonic() > deadline:
                return alerts
            time.sleep(0.5)

    def test_frequent_movement(self):
        "The 4th move within 24 hours flags the moves for the supervisor"
        rule = self.rule('rule_frequent_movement')
        rm1004 = self.product('RM-1004')
        while len(self.moves_today(rm1004)) < 3:
            self.receive(rm1004)
        self.assertEqual(len(self.moves_today(rm1004)), 3)
        # the queue runs right after each commit; 3 moves: nothing
        time.sleep(2)
        self.assertEqual(self.alerts('admin', rule), [])
        self.receive(rm1004)
        alert, = self.wait_alerts('supervisor', rule, 1)
        self.assertEqual(alert['state'], 'open')
        moves = self.moves_today(rm1004)
        self.assertEqual(len(moves), 4)
        flagged = self.call('supervisor', 'stock.move', 'search',
            [('zt_abnormal', '=', True)])
        self.assertEqual(sorted(flagged), sorted(moves), self.call(
                'admin', 'stock.move', 'read', flagged, ['rec_name',
                    'from_location.code', 'to_location.code',
                    'from_location.type', 'to_location.type', 'state',
                    'zt_effective_time']))
        # the alert is the supervisor's, not another keeper's
        self.assertEqual(self.alerts('keeper2', rule), [])
        self.call('supervisor', 'zt.alert', 'acknowledge', [alert['id']])
        self.assertEqual(self.alerts('supervisor', rule)[0]['state'],
            'acknowledged')


if __name__ == '__main__':
    unittest.main()


