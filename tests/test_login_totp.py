# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""One-time passwords at sign-in, over JSON-RPC against a real server.

The server runs the demo template with ``[session] authentications =
password+totp`` and a sealing key, on a new database with zt_inventory
(SQLite, or PostgreSQL when the suite runs with a ``postgresql://``
``TRYTOND_DATABASE_URI``, so that each pass of scripts/test covers its
backend): the administrator signs in with the password alone (no
one-time password set up, none required), sets one up with the wizard,
then is asked for the code, refused a wrong or replayed one and let in
with the right one.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse, urlsplit, urlunsplit

from cryptography.fernet import Fernet

from trytond.modules.zt_inventory.totp_rules import code_at
from test_login import clean_env, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_URI = os.environ.get('TRYTOND_DATABASE_URI', '')
POSTGRESQL = PG_URI.startswith('postgresql')
DB = 'zt_login_totp_%s' % os.getpid() if POSTGRESQL else 'zt_login_totp'
ADMIN_PASSWORD = 'Admin-Demo-2026!'
CFO_PASSWORD = 'Cfo-Demo-2026!'
WIZARD = 'wizard.zt.user.totp.setup'


class LoginTOTPTestCase(unittest.TestCase):
    "password+totp through POST /<db>/rpc/ on `trytond -c CONF -d DB`"

    @classmethod
    def setUpClass(cls):
        # Class cleanups run even when the set-up fails half-way.
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory(prefix='zt-login-totp-')
        cls.addClassCleanup(cls.tmp.cleanup)
        tmp = Path(cls.tmp.name)
        cls.port = free_port()
        conf = tmp / 'trytond.conf'
        conf.write_text(cls.configuration())
        cls.create_database(tmp)
        passfile = tmp / 'admin-password'
        passfile.write_text(ADMIN_PASSWORD)
        subprocess.run(
            [BIN / 'trytond-admin', '-c', conf, '-d', DB, '--all',
                '--activate-dependencies', '-u', 'zt_inventory',
                '--email', 'admin@example.com'],
            env={**clean_env(), 'TRYTONPASSFILE': str(passfile)},
            check=True, capture_output=True)
        cls.log = open(tmp / 'server.log', 'wb')
        cls.addClassCleanup(cls.log.close)
        cls.server = subprocess.Popen(
            [BIN / 'trytond', '-c', conf, '-d', DB],
            stdout=cls.log, stderr=subprocess.STDOUT, env=clean_env())
        cls.addClassCleanup(cls.stop_server)
        cls.wait_for_server()
        cls.add_required_user()

    @classmethod
    def wait_for_server(cls):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and cls.server.poll() is None:
            try:
                socket.create_connection(('127.0.0.1', cls.port), 1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError('trytond did not start')

    @classmethod
    def add_required_user(cls):
        """As admin (no one-time password yet): a company that requires
        one of department managers, and its manager 'cfo' without one."""
        def call(method, *params):
            status, body = cls.rpc(method, [*params, {}], session)
            if status != 200 or 'error' in body:
                raise RuntimeError(f'{method}: {status} {body}')
            return body['result']
        _, body = cls.rpc('common.db.login',
            ['admin', {'password': ADMIN_PASSWORD}, 'en'])
        user_id, key = body['result'][:2]
        session = ('admin', str(user_id), key)
        currency, = call('model.currency.currency.create',
            [{'name': "Yuan", 'code': 'CNY', 'symbol': "¥"}])
        party, = call('model.party.party.create', [{'name': "ZT Works"}])
        company, = call('model.company.company.create',
            [{'party': party, 'currency': currency}])
        group, = call('model.res.group.search',
            [('name', '=', "Zero-Trust Inventory / Department Manager")],
            0, None, None)
        call('model.res.user.create', [{
                    'login': 'cfo', 'name': "CFO", 'password': CFO_PASSWORD,
                    'groups': [('add', [group])],
                    'companies': [('add', [company])], 'company': company,
                    }])
        call('model.company.company.write', [company],
            {'totp_required_groups': [('add', [group])]})

    @classmethod
    def configuration(cls):
        "The demo template with password+totp, a key and our port, path."
        template = (ROOT / 'config' / 'demo.conf.in').read_text()
        if POSTGRESQL:
            template = template.replace('uri = sqlite://', f'uri = {PG_URI}')
        return (template
            .replace('@ROOT@/var/demo', cls.tmp.name)
            .replace('@ROOT@', str(ROOT))
            .replace('listen = 127.0.0.1:8000',
                f'listen = 127.0.0.1:{cls.port}')
            .replace('[session]\n',
                '[session]\nauthentications = password+totp\n')
            .replace('[zt_inventory]\n', '[zt_inventory]\ntotp_key = %s\n'
                % Fernet.generate_key().decode()))

    @classmethod
    def postgresql(cls, sql):
        "Run ``sql`` on the server's maintenance database (autocommit)."
        import psycopg
        uri = urlunsplit(urlsplit(PG_URI)._replace(path='/postgres'))
        with psycopg.connect(uri, autocommit=True) as connection:
            connection.execute(sql)

    @classmethod
    def create_database(cls, tmp):
        # trytond-admin creates neither a SQLite file nor a PostgreSQL
        # database.
        if POSTGRESQL:
            cls.postgresql(f'CREATE DATABASE "{DB}"')
            cls.addClassCleanup(cls.postgresql,
                f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        else:
            (tmp / f'{DB}.sqlite').touch()

    @classmethod
    def stop_server(cls):
        cls.server.terminate()
        cls.server.wait(10)

    def server_log(self):
        self.log.flush()
        return (Path(self.tmp.name) / 'server.log').read_text(errors='replace')

    @classmethod
    def rpc(cls, method, params, session=None):
        "JSON-RPC call to /<db>/rpc/; returns (HTTP status, decoded body)"
        request = urllib.request.Request(
            f'http://127.0.0.1:{cls.port}/{DB}/rpc/',
            data=json.dumps(
                {'id': 1, 'method': method, 'params': params}).encode(),
            headers={'Content-Type': 'application/json'})
        if session:
            token = base64.b64encode(':'.join(session).encode()).decode()
            request.add_header('Authorization', f'Session {token}')
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors='replace')

    def login(self, **parameters):
        "common.db.login of admin with ``parameters``: (status, body)"
        return self.rpc('common.db.login', ['admin', dict(
                    parameters, password=ADMIN_PASSWORD), 'en'])

    def session(self, body):
        "The session (login, user id, key) of a successful login."
        self.assertNotIn('error', body, body)
        user_id, key = body['result'][:2]
        return ('admin', str(user_id), key)

    def set_up(self, session):
        "Set up a one-time password with the wizard; return the secret."
        status, body = self.rpc(f'{WIZARD}.create', [{}], session=session)
        self.assertNotIn('error', body, body)
        session_id, start, _ = body['result']
        status, body = self.rpc(f'{WIZARD}.execute',
            [session_id, {}, start, {}], session=session)
        self.assertNotIn('error', body, body)
        uri = body['result']['view']['defaults']['uri']
        secret, = parse_qs(urlparse(uri).query)['secret']
        status, body = self.rpc(f'{WIZARD}.execute',
            [session_id, {'show': {'code': code_at(secret, time.time())}},
                'activate', {}], session=session)
        self.assertNotIn('error', body, body)
        self.rpc(f'{WIZARD}.delete', [session_id, {}], session=session)
        return secret

    def assertAsksCode(self, body, text):
        "``body`` is a LoginException asking for totp_code, with ``text``"
        self.assertEqual(body['error'][0], 'LoginException', body)
        name, message, type_ = body['error'][1]
        self.assertEqual((name, type_), ('totp_code', 'char'))
        self.assertIn(text, message)

    def test_password_then_code(self):
        """Password alone until set up; then the code is asked, a wrong or
        replayed one refused, the right one gives a working session; the
        secret is never readable"""
        status, body = self.login()
        self.assertEqual(status, 200, self.server_log())
        session = self.session(body)
        secret = self.set_up(session)

        status, body = self.rpc('model.res.user.read',
            [[int(session[1])], ['totp_secret'], {}], session=session)
        self.assertIn('error', body, body)
        self.assertNotIn(secret, json.dumps(body))
        status, body = self.rpc('model.res.user.read',
            [[int(session[1])], ['totp_enabled'], {}], session=session)
        self.assertEqual(body['result'][0]['totp_enabled'], True, body)

        status, body = self.login()
        self.assertEqual(status, 200, self.server_log())
        self.assertAsksCode(body, 'admin')

        code = code_at(secret, time.time() + 30)
        wrong = '%06d' % ((int(code) + 1) % 10 ** 6)
        status, body = self.login(totp_code=wrong)
        self.assertEqual(status, 401, body)

        status, body = self.login(totp_code=code)
        self.assertEqual(status, 200, self.server_log())
        session = self.session(body)
        status, body = self.rpc(
            'model.res.user.get_preferences', [False, {}], session=session)
        self.assertNotIn('error', body, body)
        self.assertEqual(body['result']['name'], 'Administrator')

        status, body = self.login(totp_code=code)
        self.assertAsksCode(body, 'used already')

    def test_required_without_setup(self):
        """A user whom their company requires to use a one-time password,
        with none set up: refused with a message naming whom to ask"""
        status, body = self.rpc('common.db.login',
            ['cfo', {'password': CFO_PASSWORD}, 'en'])
        self.assertEqual(status, 200, self.server_log())
        self.assertEqual(body['error'][0], 'UserError', body)
        self.assertIn('security officer', body['error'][1][0])
        self.assertNotIn('result', body)
        status, body = self.rpc('common.db.login',
            ['cfo', {'password': 'wrong-password'}, 'en'])
        self.assertEqual(status, 401, body)


if __name__ == '__main__':
    unittest.main()
