# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""The role matrix, cell by cell, over real XML-RPC.

Builds the demo database (its users are the roles), starts ``trytond -c CONF
-d DB`` and, for every role and every cell of ``access_matrix.toml``, calls
the operation as that role's user: an allowed call must succeed; a forbidden
one must fail with an access error and add a ``*.refused`` entry by that
user to the movement ledger.  Each cell acts on a fresh record in the state
the operation needs, made by the administrator.

On PostgreSQL when ``TRYTOND_DATABASE_URI`` names one (the test script's
PostgreSQL part, CI), else on SQLite.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import tomllib
import unittest
import xmlrpc.client
from decimal import Decimal
from pathlib import Path

import proteus.config  # noqa: F401 (Tryton's XML-RPC marshalling)

ROOT = Path(__file__).resolve().parent.parent
MATRIX = tomllib.loads((ROOT / 'tests' / 'access_matrix.toml').read_text())
NO_MOVE_CODE = 'ZT-NOMOVE'  # the demo product never moved
COLUMNS = ['receipts', 'issues', 'counts', 'transfers', 'prices']
# The error classes (as the ledger records them) of an access refusal.
ACCESS_ERRORS = {'AccessError', 'AccessButtonError', 'ActorError',
    'SegregationOfDutiesError', 'WorkflowFieldError'}


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def expected_cells():
    """Yield (role, column, cell, allowed) for every cell of the matrix."""
    for role, levels in MATRIX['roles'].items():
        for column, level in zip(COLUMNS, levels):
            spec = MATRIX['columns'][column]
            allowed = set(spec[level])
            assert allowed <= set(spec['cells']), (column, level)
            for cell in spec['cells']:
                yield role, column, cell, cell in allowed


class MatrixServer:
    "The demo database and a trytond serving it, in a temporary folder."

    def __init__(self):
        from trytond.modules.zt_inventory.demo import server
        self.server_module = server
        self.tmp = tempfile.TemporaryDirectory(prefix='zt-matrix-')
        tmp = Path(self.tmp.name)
        self.port = free_port()
        uri = os.environ.get('TRYTOND_DATABASE_URI', '')
        self.database = 'zt_matrix'
        template = (ROOT / 'config' / 'demo.conf.in').read_text()
        template = (template.replace('@ROOT@', str(ROOT))
            .replace('listen = 127.0.0.1:8000',
                f'listen = 127.0.0.1:{self.port}')
            .replace(f'path = {ROOT}/var/demo', f'path = {tmp}')
            .replace(f'{ROOT}/var/demo/', f'{tmp}/'))
        if uri.startswith('postgresql'):
            template = template.replace('uri = sqlite://', f'uri = {uri}')
            self.database = 'test_zt_matrix_%s' % os.getpid()
        self.conf = tmp / 'trytond.conf'
        self.conf.write_text(template)
        self.log = tmp / 'trytond.log'
        self.process = None
        self.proxies, self.user_ids, self.contexts = {}, {}, {}
        self.headers = {}

    def start(self):
        from trytond.modules.zt_inventory.demo import data
        server = self.server_module
        env_backup = {k: os.environ.pop(k) for k in list(os.environ)
            if k.startswith(('TRYTOND_', 'DB_'))}
        try:
            settings = server.read_settings(str(self.conf))
            server.create_database(settings, self.database)
            server.activate_modules(str(self.conf), self.database)
            # The demo data in a child process: proteus binds trytond's
            # pool and configuration to this database.
            subprocess.run([sys.executable, '-c',
                    'import sys; from trytond.modules.zt_inventory.demo '
                    'import data; data.load(sys.argv[1], sys.argv[2])',
                    str(self.conf), self.database],
                check=True, capture_output=True, env=os.environ.copy())
            del data
            self.process = server.start_server(
                str(self.conf), self.database, settings, str(self.log))
        finally:
            os.environ.update(env_backup)

    def stop(self):
        self.server_module.stop_server(self.process)
        if self.database.startswith('test_'):
            import psycopg
            from urllib.parse import urlparse
            uri = urlparse(os.environ['TRYTOND_DATABASE_URI'])
            conninfo = uri._replace(scheme='postgresql',
                path='/postgres').geturl()
            with psycopg.connect(conninfo, autocommit=True) as connection:
                connection.execute(
                    'DROP DATABASE IF EXISTS "%s" WITH (FORCE)'
                    % self.database)
        self.tmp.cleanup()

    def proxy(self, login, renew=False):
        """An XML-RPC proxy acting as demo user ``login`` in a session of
        its own (renewed when ``renew``: sessions expire when idle)."""
        if renew or login not in self.proxies:
            url = f'http://127.0.0.1:{self.port}/{self.database}/rpc/'
            password = {u[0]: u[6] for u in demo_users()}[login]
            server = xmlrpc.client.ServerProxy(url, allow_none=True)
            user_id, key = server.common.db.login(
                login, {'password': password}, 'en')[:2]
            token = base64.b64encode(
                f'{login}:{user_id}:{key}'.encode()).decode()
            self.user_ids[login] = user_id
            self.headers[login] = ('Authorization', 'Session ' + token)
            proxy = self.proxies[login] = xmlrpc.client.ServerProxy(url,
                allow_none=True, use_builtin_types=True,
                headers=[self.headers[login]])
            # The user's own context, as a client sends it.
            self.contexts[login] = proxy.model.res.user.get_preferences(
                True, {})
        return self.proxies[login]

    def proteus_config(self, login):
        "A proteus configuration acting as ``login`` (for wizards)."
        from proteus import config as pconfig
        self.proxy(login)
        url = f'http://127.0.0.1:{self.port}/{self.database}/rpc/'
        return pconfig.set_xmlrpc(url, headers=[self.headers[login]])

    def call(self, login, model, method, *args):
        """Call ``model.method(*args, context)`` as ``login``; a session
        that expired is renewed once."""
        for renew in [False, True]:
            proxy = self.proxy(login, renew=renew)
            try:
                return getattr(proxy.model, f'{model}.{method}')(
                    *args, self.contexts[login])
            except xmlrpc.client.ProtocolError as error:
                if renew or error.errcode not in {401, 403}:
                    raise

    def server_log(self):
        return self.log.read_text(errors='replace')[-5000:]

    @classmethod
    def serve(cls):
        """Return a started MatrixServer (stopped again, with the demo
        data's error, when it cannot start)."""
        server = cls()
        try:
            server.start()
        except subprocess.CalledProcessError as error:
            server.stop()
            raise RuntimeError(error.stderr.decode(errors='replace')[-3000:])
        except Exception:
            server.stop()
            raise
        return server


def demo_users():
    from trytond.modules.zt_inventory.demo import materials
    return materials.USERS


class Fixtures:
    """Records made by the administrator (or a requester) for each cell,
    in the state the cell's operation needs."""

    def __init__(self, server):
        self.server = server
        call = self.call
        self.company = call('admin', 'res.user', 'get_preferences',
            True)['company']
        self.warehouse, = call('admin', 'stock.location', 'search',
            [('code', '=', 'WH')])
        self.locations = call('admin', 'stock.location', 'read',
            [self.warehouse], ['input_location', 'output_location',
                'storage_location'])[0]
        self.storage, = call('admin', 'stock.location', 'search',
            [('code', '=', 'STO')])
        self.shelf, = call('admin', 'stock.location', 'create', [{
                    'name': "Matrix shelf", 'code': 'MX-SHELF',
                    'type': 'storage', 'parent': self.storage}])
        self.party, = call('admin', 'party.party', 'create', [{
                    'name': "Matrix customer",
                    'addresses': [('create', [{'street': "1 Road"}])]}])
        self.address, = call('admin', 'party.address', 'search',
            [('party', '=', self.party)])
        production = call('admin', 'production', 'search',
            [('state', '=', 'waiting')], 0, 1, [('id', 'ASC')])[0]
        inputs = call('admin', 'production', 'read', [production],
            ['inputs'])[0]['inputs']
        move = call('admin', 'stock.move', 'read', inputs,
            ['product', 'quantity'])
        move = max(move, key=lambda m: m['quantity'])
        self.production = production
        self.material = move['product']
        self.unit = call('admin', 'product.product', 'read',
            [self.material], ['default_uom'])[0]['default_uom']
        # Prices are changed on a product without stock moves (Tryton
        # refuses a new cost price on one with moves).
        self.priced, = call('admin', 'product.product', 'search',
            [('code', '=', NO_MOVE_CODE)])
        self.template = call('admin', 'product.product', 'read',
            [self.priced], ['template'])[0]['template']
        self.purchase_line = self.make_purchase_line()

    def call(self, login, model, method, *args):
        "Call ``model.method(*args)`` as ``login``."
        return self.server.call(login, model, method, *args)

    def make_purchase_line(self):
        supplier, = self.call('admin', 'party.party', 'create',
            [{'name': "Matrix supplier"}])
        purchase, = self.call('admin', 'purchase.purchase', 'create', [{
                    'company': self.company, 'party': supplier,
                    'lines': [('create', [{
                                    'product': self.material,
                                    'quantity': 1,
                                    'unit_price': Decimal('10.0000'),
                                    'unit': self.call('admin',
                                        'product.product', 'read',
                                        [self.material], ['default_uom']
                                        )[0]['default_uom'],
                                    }])]}])
        return self.call('admin', 'purchase.purchase', 'read', [purchase],
            ['lines'])[0]['lines'][0]

    # --- values of a new record of each object ------------------------
    def values(self, obj):
        # A client fills these by on_change; over RPC they are given.
        if obj == 'receipt':
            return {'company': self.company, 'warehouse': self.warehouse,
                'supplier': self.party,
                'warehouse_input': self.locations['input_location'],
                'warehouse_storage': self.locations['storage_location']}
        if obj == 'customer_shipment':
            return {'company': self.company, 'warehouse': self.warehouse,
                'customer': self.party, 'delivery_address': self.address,
                'warehouse_output': self.locations['output_location'],
                'warehouse_storage': self.locations['storage_location']}
        if obj == 'count':
            return {'company': self.company, 'location': self.storage}
        if obj == 'transfer':
            return {'company': self.company, 'from_location': self.storage,
                'to_location': self.shelf}
        if obj == 'request':
            return {'company': self.company, 'production': self.production,
                'from_location': self.storage,
                'lines': [('create', [{'product': self.material,
                                'quantity': 1, 'unit': self.unit}])]}
        raise KeyError(obj)

    def record(self, obj, operation, role_login, allowed_create):
        """Return the id of a fresh record of ``obj`` ready for
        ``operation``."""
        model = MATRIX['objects'][obj]
        creator = 'admin'
        if obj == 'request':
            # A request is created by a requester of the company.
            creator = role_login if allowed_create else 'staff'
        record, = self.call(creator, model, 'create', [self.values(obj)])
        steps = {
            ('receipt', 'do'): [('admin', 'receive')],
            ('receipt', 'delete'): [('admin', 'cancel')],
            ('customer_shipment', 'assign_try'): [('admin', 'wait')],
            ('customer_shipment', 'pick'): [('admin', 'wait'),
                ('admin', 'assign_try')],
            ('count', 'delete'): [('admin', 'cancel')],
            ('transfer', 'approve'): [('admin', 'wait')],
            ('transfer', 'assign_try'): [('admin', 'wait')],
            ('transfer', 'do'): [('admin', 'wait'), ('admin', 'assign_try'),
                ('manager', 'approve')],
            ('transfer', 'delete'): [('admin', 'cancel')],
            ('request', 'decide'): [(creator, 'wait')],
            ('request', 'issue'): [(creator, 'wait'), ('manager', None),
                ('cfo', None)],
            }.get((obj, operation), [])
        for login, button in steps:
            if button is None:
                self.approve(login, record)
            else:
                self.call(login, model, button, [record])
        return record

    def approve(self, login, request):
        """Approve ``request`` (id) as ``login`` with the decide wizard,
        if it still waits for an approval."""
        from proteus import Model, Wizard
        config = self.server.proteus_config(login)
        request = Model.get('zt.issue.request', config=config)(request)
        if request.state != 'waiting':
            return
        wizard = Wizard('zt.issue.request.decide', [request],
            config=config)
        wizard.form.comment = "matrix"
        wizard.execute('approve')


class AccessMatrixTestCase(unittest.TestCase):
    "Every cell of the role matrix over XML-RPC, refusals in the ledger"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = MatrixServer.serve()
        try:
            cls.fixtures = Fixtures(cls.server)
        except Exception:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def refusals(self, login):
        """The ids (set) of the refused entries of ``login`` in the
        ledger, as the auditor reads them."""
        f = self.fixtures
        self.server.proxy(login)
        user = self.server.user_ids[login]
        return set(f.call('auditor', 'zt.ledger.entry', 'search', [
                    ('user', '=', user), ('event', 'like', '%.refused')]))

    def refused_errors(self, ids):
        "The error class names (list) of the entries ``ids``."
        entries = self.fixtures.call('auditor', 'zt.ledger.entry', 'read',
            sorted(ids), ['payload'])
        return [json.loads(e['payload']).get('error') for e in entries]

    def operate(self, login, cell, allowed_create):
        "Call ``cell`` ('object operation') as ``login``."
        f = self.fixtures
        obj, operation = cell.split()
        target = MATRIX['objects'][obj]
        if ' ' in target:  # a price: "model field"
            model, field = target.split()
            record = {'list_price': f.template,
                'cost_price': f.priced,
                'purchase_price': f.purchase_line}[obj]
            if operation == 'read':
                return f.call(login, model, 'read', [record], [field])
            return f.call(login, model, 'write', [record],
                {field: Decimal('12.3400')})
        if operation == 'create':
            return f.call(login, target, 'create', [f.values(obj)])
        record = f.record(obj, operation, login, allowed_create)
        if operation == 'read':
            return f.call(login, target, 'read', [record], ['rec_name'])
        if operation == 'write':
            values = {
                'request': {'note': "matrix"},
                'count': {'location': f.storage},
                }.get(obj, {'reference': "matrix"})
            return f.call(login, target, 'write', [record], values)
        if operation == 'delete':
            return f.call(login, target, 'delete', [record])
        return f.call(login, target, operation, [record])

    def test_matrix(self):
        "Allowed cells succeed; forbidden ones are refused and recorded"
        logins = MATRIX['logins']
        failures = []
        checked = 0
        for role, column, cell, allowed in expected_cells():
            login = logins[role]
            allowed_create = (
                'request create' in MATRIX['columns']['issues'][
                    MATRIX['roles'][role][1]])
            before = self.refusals(login)
            try:
                self.operate(login, cell, allowed_create)
                outcome = 'allowed'
            except xmlrpc.client.Fault as fault:
                outcome = fault.faultString.splitlines()[0][:200]
            checked += 1
            new = self.refusals(login) - before
            errors = self.refused_errors(new)
            if allowed and (outcome != 'allowed' or new):
                failures.append(f'{role} {cell}: expected allowed, got '
                    f'{outcome} {errors}')
            elif not allowed:
                if outcome == 'allowed':
                    failures.append(f'{role} {cell}: expected refused, '
                        'the call succeeded')
                elif not errors:
                    failures.append(f'{role} {cell}: refusal not recorded '
                        f'({outcome})')
                elif not set(errors) <= ACCESS_ERRORS:
                    failures.append(f'{role} {cell}: refused by {errors}, '
                        f'not an access error ({outcome})')
        self.assertGreater(checked, 300)
        self.assertFalse(failures, '\n'.join(failures))

    def test_keeper_other_warehouse(self):
        "A keeper acts only in the warehouses assigned to them"
        f = self.fixtures
        wh2, = f.call('admin', 'stock.location', 'search',
            [('code', '=', 'WH2')])
        wh2_locations = f.call('admin', 'stock.location', 'read', [wh2],
            ['input_location', 'storage_location'])[0]
        values = {'company': f.company, 'warehouse': wh2,
            'supplier': f.party,
            'warehouse_input': wh2_locations['input_location'],
            'warehouse_storage': wh2_locations['storage_location']}
        record, = f.call('admin', 'stock.shipment.in', 'create', [values])
        before = self.refusals('keeper')
        for call in [
                lambda: f.call('keeper', 'stock.shipment.in', 'read',
                    [record], ['rec_name']),
                lambda: f.call('keeper', 'stock.shipment.in', 'write',
                    [record], {'reference': "x"}),
                lambda: f.call('keeper', 'stock.shipment.in', 'receive',
                    [record]),
                lambda: f.call('keeper', 'stock.shipment.in', 'create',
                    [values]),
                ]:
            with self.assertRaises(xmlrpc.client.Fault):
                call()
        new = self.refusals('keeper') - before
        self.assertEqual(len(new), 4)
        self.assertLessEqual(set(self.refused_errors(new)), ACCESS_ERRORS)
        self.assertEqual(f.call('keeper', 'stock.shipment.in', 'search',
                [('warehouse', '=', wh2)]), [])
        # The keeper of the second warehouse receives it.
        f.call('keeper2', 'stock.shipment.in', 'receive', [record])
        state, = f.call('admin', 'stock.shipment.in', 'read', [record],
            ['state'])
        self.assertEqual(state['state'], 'received')

    def test_self_approval_over_rpc(self):
        "A workshop lead may not approve their own request (SoD rule)"
        from proteus import Model, Wizard
        f = self.fixtures
        request, = f.call('lead', 'zt.issue.request', 'create',
            [f.values('request')])
        f.call('lead', 'zt.issue.request', 'wait', [request])
        before = self.refusals('lead')
        config = self.server.proteus_config('lead')
        record = Model.get('zt.issue.request', config=config)(request)
        wizard = Wizard('zt.issue.request.decide', [record], config=config)
        wizard.form.comment = "my own"
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            wizard.execute('approve')
        self.assertIn('egregation', cm.exception.faultString)
        new = self.refusals('lead') - before
        self.assertEqual(self.refused_errors(new),
            ['SegregationOfDutiesError'])
        state, = f.call('admin', 'zt.issue.request', 'read', [request],
            ['state'])
        self.assertEqual(state['state'], 'waiting')


if __name__ == '__main__':
    unittest.main()
