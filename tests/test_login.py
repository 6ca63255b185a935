# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""Login over RPC against a server started exactly as the demo starts it.

Guards the trytond 8.0.12 trap: a server started without ``-d DATABASE``
answers every login with the error ``'res.user'``.  If an upgrade (or a change
of how we start the server) breaks the login, this test fails.
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

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DB = 'zt_login'
ADMIN_PASSWORD = 'Admin-Demo-2026!'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def clean_env():
    "The environment without the test framework's database overrides."
    return {k: v for k, v in os.environ.items()
        if not k.startswith(('TRYTOND_', 'DB_'))}


class LoginTestCase(unittest.TestCase):
    "Login through POST /<db>/rpc/ on `trytond -c CONF -d DB`"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory(prefix='zt-login-')
        tmp = Path(cls.tmp.name)
        cls.port = free_port()
        conf = tmp / 'trytond.conf'
        template = (ROOT / 'config' / 'demo.conf.in').read_text()
        conf.write_text(template
            .replace('@ROOT@', str(ROOT))
            .replace('listen = 127.0.0.1:8000',
                f'listen = 127.0.0.1:{cls.port}')
            .replace(f'path = {ROOT}/var/demo', f'path = {tmp}'))
        cls.create_database(tmp, conf)
        cls.log = open(tmp / 'server.log', 'wb')
        cls.server = subprocess.Popen(
            [BIN / 'trytond', '-c', conf, '-d', DB],
            stdout=cls.log, stderr=subprocess.STDOUT, env=clean_env())
        cls.wait_for_server()

    @classmethod
    def create_database(cls, tmp, conf):
        # trytond-admin does not create a SQLite database: touch the file.
        (tmp / f'{DB}.sqlite').touch()
        passfile = tmp / 'admin-password'
        passfile.write_text(ADMIN_PASSWORD)
        subprocess.run(
            [BIN / 'trytond-admin', '-c', conf, '-d', DB, '--all',
                '--activate-dependencies', '-u', 'company',
                '--email', 'admin@example.com'],
            env={**clean_env(), 'TRYTONPASSFILE': str(passfile)},
            check=True, capture_output=True)

    @classmethod
    def wait_for_server(cls):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if cls.server.poll() is not None:
                break
            try:
                socket.create_connection(('127.0.0.1', cls.port), 1).close()
                return
            except OSError:
                time.sleep(0.2)
        cls.tearDownClass()
        raise RuntimeError('trytond did not start')

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(10)
        cls.log.close()
        cls.tmp.cleanup()
        super().tearDownClass()

    def rpc(self, method, params, session=None):
        "JSON-RPC call to /<db>/rpc/; returns (HTTP status, decoded body)"
        request = urllib.request.Request(
            f'http://127.0.0.1:{self.port}/{DB}/rpc/',
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

    def server_log(self):
        self.log.flush()
        return (Path(self.tmp.name) / 'server.log').read_text(errors='replace')

    def test_admin_login(self):
        "admin gets a session that works for a model call"
        status, body = self.rpc(
            'common.db.login', ['admin', {'password': ADMIN_PASSWORD}, 'en'])
        self.assertEqual(status, 200, self.server_log())
        self.assertNotIn('error', body, body)
        user_id, session = body['result'][:2]
        self.assertIsInstance(user_id, int)
        self.assertTrue(session)

        status, body = self.rpc(
            'model.res.user.get_preferences', [False, {}],
            session=('admin', str(user_id), session))
        self.assertEqual(status, 200, self.server_log())
        self.assertNotIn('error', body, body)
        self.assertEqual(body['result']['name'], 'Administrator')

    def login_admin(self):
        "The admin's session, as (login, user id, key)."
        status, body = self.rpc(
            'common.db.login', ['admin', {'password': ADMIN_PASSWORD}, 'en'])
        self.assertEqual(status, 200, self.server_log())
        user_id, key = body['result'][:2]
        return ('admin', str(user_id), key)

    def test_password_policy(self):
        "A password under 12 characters is refused, saying why (config)"
        session = self.login_admin()
        status, body = self.rpc('model.res.user.create', [[{
                        'login': 'weak', 'name': "Weak",
                        'password': 'Sh0rt-pass!'}], {}], session=session)
        self.assertEqual(status, 200, self.server_log())
        self.assertIn('error', body, body)
        self.assertIn('12', json.dumps(body['error']))
        status, body = self.rpc('model.res.user.search',
            [[('login', '=', 'weak')], 0, None, None, {}], session=session)
        self.assertEqual(body['result'], [], 'nothing persisted')
        status, body = self.rpc('model.res.user.create', [[{
                        'login': 'strong', 'name': "Strong",
                        'password': 'Long-enough-2026!'}], {}],
            session=session)
        self.assertNotIn('error', body, body)

    def test_wrong_password(self):
        "a wrong password gets no session"
        status, body = self.rpc(
            'common.db.login', ['admin', {'password': 'wrong'}, 'en'])
        self.assertEqual(status, 401, body)


if __name__ == '__main__':
    unittest.main()
