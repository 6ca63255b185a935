# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The bridge posting its queue: nothing is lost while the server is
unreachable or failing, and a real trytond with zt_devices records the
scans once, even when the bridge sends them again after a crash.

- PosterTestCase: no server at all (nothing listens), then a small
  JSON-RPC server in this process that answers as trytond does (HTTP 503,
  an expired session, answers) to test the bridge's client and poster;
- TrytondBridgeTestCase: a real ``trytond`` on a fresh SQLite database
  with zt_devices activated: ``ztinv bridge enrol``, scans signed and
  queued by the bridge, ``--once`` posts them, a resend is 'duplicate'.
"""
import base64
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import signal
import threading
import tty
import unittest
from pathlib import Path

from trytond.modules.zt_devices.bridge import main as bridge_main
from trytond.modules.zt_devices.bridge.client import (
    ENROL, SUBMIT, LoginRefused, RpcClient, Unavailable)
from trytond.modules.zt_devices.bridge.config import PASSWORD_ENV, load
from trytond.modules.zt_devices.bridge.main import Poster
from trytond.modules.zt_devices.bridge.queue import DiskQueue
from trytond.modules.zt_devices.signing import (
    generate_key, load_private, make_event, public_b64)
from trytond.modules.zt_devices.tests.test_bridge_serial import wait_for

ADMIN_PASSWORD = 'Admin-Bridge-2026!'
BRIDGE_PASSWORD = 'Bridge-Secret-2026!'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class StubRpc(http.server.BaseHTTPRequestHandler):
    """Answers as trytond's JSON-RPC does; ``server.plan`` lists what the
    next submit calls get: 'answer', 503, 'expire' (HTTP 401 once)."""

    def do_POST(self):
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
        server.calls.append((body['method'], self.headers['Authorization']))
        if body['method'] == 'common.db.login':
            login, parameters = body['params'][:2]
            if parameters.get('password') != BRIDGE_PASSWORD:
                return self.reply(401)
            server.sessions += 1
            return self.reply(200, [7, 'session-%d' % server.sessions])
        if body['method'] == ENROL:
            return self.enrol(*body['params'][:2])
        expected = 'Session ' + base64.b64encode(
            ('bridge:7:session-%d' % server.sessions).encode()).decode()
        if self.headers['Authorization'] != expected:
            return self.reply(401)
        step = server.plan.pop(0) if server.plan else 'answer'
        if step == 'expire':
            server.sessions += 1
            return self.reply(401)
        if step != 'answer':
            return self.reply(step)
        events, context = body['params']
        server.received.extend(events)
        self.reply(200, [{'device': e['device'], 'counter': e['counter'],
                    'outcome': 'refused' if e['raw'] == 'QkFE' else 'accepted',
                    'reason': 'check_digit' if e['raw'] == 'QkFE' else None,
                    'message': "ok", 'scan': 1} for e in events])

    def enrol(self, code, public):
        self.server.enrolled.append(public)
        if code != 'GOOD-CODE':
            return self.reply(200, error=['UserError', ["bad code", ""]])
        self.reply(200, 'D1')

    def reply(self, status, result=None, error=None):
        answer = {'id': 1, 'result': result}
        if error:
            answer = {'id': 1, 'error': error}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


class PosterTestCase(unittest.TestCase):
    "The poster against no server, then a JSON-RPC server in the process"

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix='zt-bridge-post-')
        self.addCleanup(tmp.cleanup)
        self.folder = Path(tmp.name)
        self.queue = DiskQueue(self.folder / 'queue.sqlite')
        self.addCleanup(self.queue.close)
        pem, _ = generate_key()
        key = load_private(pem)
        for raw in [b'ONE', b'TWO', b'BAD', b'FOUR']:
            self.queue.record('D1', lambda c: make_event(key, 'D1', c, raw))

    def serve(self, plan=()):
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), StubRpc)
        server.plan, server.calls, server.received = list(plan), [], []
        server.enrolled = []
        server.sessions = 0
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server

    def client(self, port, password=BRIDGE_PASSWORD):
        return RpcClient('http://127.0.0.1:%s/' % port, 'db', 'bridge',
            password, timeout=2)

    def test_nothing_listens(self):
        "a server nobody answers for keeps every event queued"
        poster = Poster(self.queue, self.client(free_port()),
            threading.Event())
        with self.assertRaisesRegex(Unavailable, "Connection refused"):
            poster.drain()
        self.assertEqual(self.queue.count(), 4)
        self.assertEqual(self.queue.dead(), [])

    def test_failures_then_answers(self):
        "HTTP 503 keeps them; an expired session logs in again; then sent"
        server = self.serve(plan=[503, 'expire'])
        poster = Poster(self.queue, self.client(server.server_port),
            threading.Event())
        with self.assertRaisesRegex(Unavailable, "HTTP 503"):
            poster.drain()
        self.assertEqual(self.queue.count(), 4)
        self.assertEqual(poster.drain(), 4)
        self.assertEqual(self.queue.count(), 0)
        self.assertEqual([e['counter'] for e in server.received],
            [1, 2, 3, 4])
        self.assertEqual([m for m, _ in server.calls], ['common.db.login',
                SUBMIT, SUBMIT, 'common.db.login', SUBMIT])
        dead, = self.queue.dead()
        self.assertEqual((dead['counter'], dead['outcome'], dead['reason']),
            (3, 'refused', 'check_digit'))

    def test_wrong_password(self):
        "a refused login keeps the events and says so, without the password"
        server = self.serve()
        poster = Poster(self.queue, self.client(server.server_port,
                password='wrong-password'), threading.Event())
        with self.assertRaises(LoginRefused) as caught:
            poster.drain()
        self.assertNotIn('wrong-password', str(caught.exception))
        self.assertEqual(self.queue.count(), 4)

    def test_poster_thread_retries(self):
        "the poster thread backs off after a failure and sends later"
        server = self.serve(plan=[503, 503])
        stop = threading.Event()
        poster = Poster(self.queue, self.client(server.server_port), stop,
            backoff=(0.05, 0.2))
        poster.start()
        self.addCleanup(poster.join, 5)
        self.addCleanup(stop.set)
        for _ in range(200):
            if not self.queue.count():
                break
            stop.wait(0.02)
        self.assertEqual(self.queue.count(), 0)
        self.assertEqual(len(server.received), 4)

    def write_ini(self, port):
        ini = self.folder / 'bridge.ini'
        ini.write_text(textwrap.dedent("""\
            [server]
            url = http://127.0.0.1:%s/
            database = db
            user = bridge
            timeout = 1
            [queue]
            path = queue.sqlite
            [device d1]
            code = D1
            key_file = d1.pem
            source = serial:/dev/null
            """ % port))
        return ini

    def test_run_and_sigterm(self):
        "ztinv bridge: scans of a serial scanner reach the server; SIGTERM"
        server = self.serve(plan=[503])
        master, slave = os.openpty()
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)
        tty.setraw(slave)
        ini = self.write_ini(server.server_port)
        ini.write_text(ini.read_text().replace('/dev/null',
                os.ttyname(slave)))
        pem, _ = generate_key()
        fd = os.open(self.folder / 'd1.pem', os.O_WRONLY | os.O_CREAT,
            0o600)
        with os.fdopen(fd, 'wb') as file:
            file.write(pem)
        env = dict(os.environ, ZTINV_BRIDGE_PASSWORD=BRIDGE_PASSWORD)
        process = subprocess.Popen([sys.executable, '-m',
                'trytond.modules.zt_devices.bridge.main', '-c', str(ini)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env)
        self.addCleanup(process.kill)
        self.assertTrue(wait_for(lambda: len(server.received) == 4, 30),
            "the queued events were not posted")
        os.write(master, b'SCAN-A\rSCAN-B\r')
        self.assertTrue(wait_for(lambda: len(server.received) == 6, 30),
            "the scans were not posted")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
        self.assertEqual(process.returncode, 0, err)
        self.assertIn("bridge stopping", err)
        self.assertNotIn(BRIDGE_PASSWORD, out + err)
        self.assertEqual([base64.b64decode(e['raw'])
                for e in server.received[4:]], [b'SCAN-A', b'SCAN-B'])
        self.assertEqual([e['counter'] for e in server.received],
            [1, 2, 3, 4, 5, 6])

    def test_once_command(self):
        "ztinv bridge --once: exit 1 and all kept while nothing listens"
        ini = self.write_ini(free_port())
        env = dict(os.environ, ZTINV_BRIDGE_PASSWORD=BRIDGE_PASSWORD)
        result = subprocess.run([sys.executable, '-m',
                'trytond.modules.zt_devices.bridge.main', '-c', str(ini),
                '--once'], capture_output=True, text=True, env=env,
            timeout=60)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("4 event(s) kept", result.stderr)
        self.assertNotIn(BRIDGE_PASSWORD, result.stdout + result.stderr)
        self.assertEqual(self.queue.count(), 4)

    def test_enrol_retry(self):
        "a refused enrolment keeps the new key aside; a retry sends it again"
        server = self.serve()
        ini = self.write_ini(server.server_port)
        os.environ[PASSWORD_ENV] = BRIDGE_PASSWORD
        self.addCleanup(os.environ.pop, PASSWORD_ENV)
        args = ['enrol', '-c', str(ini), '--device', 'd1', '--code']
        self.assertEqual(bridge_main.main(args + ['BAD-CODE']), 1)
        key, new = self.folder / 'd1.pem', self.folder / 'd1.pem.new'
        self.assertFalse(key.exists())
        self.assertEqual(new.stat().st_mode & 0o777, 0o600)
        self.assertEqual(bridge_main.main(args + ['GOOD-CODE']), 0)
        self.assertFalse(new.exists())
        self.assertEqual(key.stat().st_mode & 0o777, 0o600)
        first, second = server.enrolled
        self.assertEqual(first, second)
        self.assertEqual(public_b64(load_private(key.read_bytes())), first)
        # never overwritten
        self.assertEqual(bridge_main.main(args + ['GOOD-CODE']), 2)
        self.assertEqual(len(server.enrolled), 2)
        with self.assertRaises(SystemExit):
            bridge_main.main(['enrol', '-c', str(ini), '--device', 'd1'])


SETUP = '''
import json, sys
from proteus import Model, config as pconfig
from trytond.modules.company.tests.tools import create_company, get_company
config = pconfig.set_trytond(sys.argv[1], config_file=sys.argv[2])
create_company()
company = get_company()
Group = Model.get('res.group')
def group(name):
    group, = Group.find([('name', '=', 'Zero-Trust Inventory / ' + name)])
    return group
User = Model.get('res.user')
admin, = User.find([('login', '=', 'admin')])
admin.groups.append(group('Device Administrator'))
admin.save()
bridge = User(name="Dock bridge", login='bridge', password=sys.argv[3])
bridge.groups.append(group('Device Bridge'))
bridge.companies.append(company)
bridge.company = company
bridge.save()
Party = Model.get('party.party')
Employee = Model.get('company.employee')
party = Party(name="Dock operator")
party.save()
Employee(party=party, company=company, badge_code='B-0042').save()
Location = Model.get('stock.location')
warehouse, = Location.find([('code', '=', 'WH')])
Device = Model.get('zt.device')
device = Device(name="Dock scanner", code='DOCK1', kind='scanner',
    warehouse=warehouse)
device.save()
from proteus import Wizard
codes = {}
for code in ['DOCK1', 'FAST1', 'FAST2', 'RACE1']:
    if code != 'DOCK1':
        device = Device(name=code, code=code, kind='scanner',
            warehouse=warehouse)
        device.save()
    codes[code] = Wizard('zt.device.enrolment', [device]).form.code
print(json.dumps(codes))
'''


class TrytondBridgeTestCase(unittest.TestCase):
    "The bridge and a real trytond with zt_devices"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from trytond.modules.zt_inventory.demo import server
        cls.server_module = server
        cls.tmp = tempfile.TemporaryDirectory(prefix='zt-bridge-e2e-')
        cls.folder = Path(cls.tmp.name)
        cls.port = free_port()
        cls.database = 'zt_bridge'
        cls.conf = cls.folder / 'trytond.conf'
        cls.conf.write_text(textwrap.dedent("""\
            [database]
            uri = sqlite://
            path = %s
            [web]
            listen = 127.0.0.1:%s
            [password]
            length = 12
            """ % (cls.folder, cls.port)))
        cls.process = None
        env = {k: v for k, v in os.environ.items()
            if not k.startswith(('TRYTOND_', 'DB_'))}
        cls.env = env
        try:
            cls.start(env)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls, env):
        server = cls.server_module
        settings = server.read_settings(str(cls.conf))
        server.create_database(settings, cls.database)
        passfile = cls.folder / 'admin.pass'
        passfile.write_text(ADMIN_PASSWORD)
        cls.run_checked([server.bin_path('trytond-admin'), '-c',
                str(cls.conf), '-d', cls.database, '--all',
                '--activate-dependencies', '-u', 'zt_devices',
                '--email', 'admin@example.com'],
            dict(env, TRYTONPASSFILE=str(passfile)))
        result = cls.run_checked([sys.executable, '-c', SETUP,
                cls.database, str(cls.conf), BRIDGE_PASSWORD], env)
        cls.enrolment_codes = json.loads(
            result.stdout.strip().splitlines()[-1])
        cls.enrolment_code = cls.enrolment_codes['DOCK1']
        cls.process = server.start_server(str(cls.conf), cls.database,
            settings, str(cls.folder / 'trytond.log'))

    @classmethod
    def run_checked(cls, command, env):
        result = subprocess.run(command, env=env, capture_output=True,
            text=True, stdin=subprocess.DEVNULL, timeout=600)
        if result.returncode:
            raise RuntimeError("%s failed:\n%s" % (command[0],
                    (result.stdout + result.stderr)[-4000:]))
        return result

    @classmethod
    def tearDownClass(cls):
        cls.server_module.stop_server(cls.process)
        cls.tmp.cleanup()
        super().tearDownClass()

    def bridge_ini(self):
        ini = self.folder / 'bridge.ini'
        (self.folder / 'bridge.pass').write_text(BRIDGE_PASSWORD + '\n')
        ini.write_text(textwrap.dedent("""\
            [server]
            url = http://127.0.0.1:%s/
            database = %s
            user = bridge
            password_file = bridge.pass
            timeout = 30
            [queue]
            path = queue.sqlite
            [device dock]
            code = DOCK1
            key_file = dock.pem
            source = serial:/dev/null
            badge = B-0042
            """ % (self.port, self.database)))
        return ini

    def test_enrol_post_and_resend(self):
        "enrol, post signed scans once, a resend answers 'duplicate'"
        ini = self.bridge_ini()
        code = bridge_main.main(['enrol', '-c', str(ini), '--device',
                'dock', '--code', self.enrolment_code])
        self.assertEqual(code, 0)
        key_file = self.folder / 'dock.pem'
        self.assertEqual(key_file.stat().st_mode & 0o777, 0o600)
        # a second enrolment never overwrites the key
        self.assertEqual(bridge_main.main(['enrol', '-c', str(ini),
                    '--device', 'dock', '--code', self.enrolment_code]), 2)

        config = load(str(ini))
        device = config.devices['dock']
        key = bridge_main.read_key(device)
        from trytond.modules.zt_devices.bridge.sources import Recorder
        with DiskQueue(config.queue_path) as queue:
            recorder = Recorder(device, key, queue)
            for raw in [b'\x1d0109501101530003\x1d10LOT1', b'4006381333931',
                    b'4006381333932']:
                recorder.scan(raw)
            sent = [e for _, e in queue.pending()]
        self.assertEqual([e['counter'] for e in sent], [1, 2, 3])

        # The server unreachable: everything stays queued
        text = ini.read_text()
        ini.write_text(text.replace(':%s/' % self.port, ':%s/' % free_port()))
        self.assertEqual(bridge_main.main(['-c', str(ini), '--once']), 1)
        with DiskQueue(config.queue_path) as queue:
            self.assertEqual(queue.pending(), [(i + 1, e)
                    for i, e in enumerate(sent)])
        # ... and sent once it is back
        ini.write_text(text)
        self.assertEqual(bridge_main.main(['-c', str(ini), '--once']), 0)
        with DiskQueue(config.queue_path) as queue:
            self.assertEqual(queue.count(), 0)
            dead = queue.dead()
        # The bad check digit is refused by the server and kept for the log
        self.assertEqual([(d['counter'], d['outcome']) for d in dead],
            [(3, 'refused')])

        # A crash after posting, before removing: the same events again.
        client = bridge_main.make_client(config)
        answers = client.submit(sent)
        self.assertEqual([a['outcome'] for a in answers],
            ['duplicate'] * 3)
        self.assertEqual([a['counter'] for a in answers], [1, 2, 3])

    def test_fast_scanning_two_devices(self):
        "50 scans made within one second by two devices: each recorded once"
        config = load(str(self.bridge_ini()))
        keys = {}
        for code in ['FAST1', 'FAST2']:
            private_pem, public = generate_key()
            keys[code] = load_private(private_pem)
            client = bridge_main.make_client(config)
            self.assertEqual(
                client.enrol(self.enrolment_codes[code], public), code)
        # Each device scans 25 codes within one second; its bridge posts
        # them one call per scan, the two devices at the same time.
        from trytond.modules.zt_inventory.barcode import gtin_check_digit

        def ean(n):
            digits = '400638%06d' % n
            return (digits + str(gtin_check_digit(digits))).encode()
        events = {code: [make_event(key, code, n, ean(i * 100 + n),
                    badge='B-0042') for n in range(1, 26)]
            for i, (code, key) in enumerate(keys.items())}
        answers = {code: [] for code in keys}
        errors = []

        def post(code):
            client = bridge_main.make_client(config)
            try:
                for event in events[code]:
                    answers[code].extend(client.submit([event]))
            except Exception as error:
                errors.append(error)
        threads = [threading.Thread(target=post, args=(c,)) for c in keys]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(errors, [])
        for code in keys:
            self.assertEqual([a['counter'] for a in answers[code]],
                list(range(1, 26)))
            self.assertEqual({a['outcome'] for a in answers[code]},
                {'accepted'})
        client = bridge_main.make_client(config)
        for code in keys:
            rows = client.call('model.zt.device.scan.search_read',
                [('device.code', '=', code)], 0, None,
                [('claimed_counter', 'ASC')],
                ['claimed_counter', 'counter', 'outcome'])
            self.assertEqual([r['claimed_counter'] for r in rows],
                list(range(1, 26)))
            self.assertEqual([r['counter'] for r in rows],
                list(range(1, 26)))
            self.assertEqual({r['outcome'] for r in rows}, {'accepted'})

    def test_races(self):
        "Two bridges racing: one enrolment per code, one answer per event"
        config = load(str(self.bridge_ini()))
        keys = [generate_key() for _ in range(2)]
        results = [None, None]

        def enrol(i):
            client = bridge_main.make_client(config)
            try:
                results[i] = client.enrol(
                    self.enrolment_codes['RACE1'], keys[i][1])
            except Exception as error:
                results[i] = error
        threads = [threading.Thread(target=enrol, args=(i,))
            for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        winners = [i for i, r in enumerate(results) if r == 'RACE1']
        self.assertEqual(len(winners), 1, results)
        key = load_private(keys[winners[0]][0])
        # the same event three times at once: one accepted, the others
        # answered as resends, none an error
        event = make_event(key, 'RACE1', 1, b'4006381333931',
            badge='B-0042')
        answers, errors = [], []

        def submit():
            try:
                answers.extend(bridge_main.make_client(config).submit(
                        [event]))
            except Exception as error:
                errors.append(error)
        threads = [threading.Thread(target=submit) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(errors, [])
        self.assertEqual(sorted(a['outcome'] for a in answers),
            ['accepted', 'duplicate', 'duplicate'])


if __name__ == '__main__':
    unittest.main()
