# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
"""Benchmark part 4: signed scans of simulated devices over JSON-RPC.

One database with zt_devices gets a company, the default warehouse (WH), a
keeper employee with a badge, a product with an EAN identifier, a bridge
user (group Device Bridge) with a password and ``devices`` devices,
registered by the admin (ORM, this process) and enrolled through the real
RPC ``model.zt.device.enrol`` with keys of ``signing.generate_key``.  Then
``trytond -c CONF -d DB`` serves it on a free port of 127.0.0.1 (trytond
8.0: werkzeug's threaded server, one thread per connection, one process).

Each simulated device is a thread of this process with its own session
and keep-alive HTTP connection.  It loops: make a signed event (counter +
1, a GS1 DataMatrix of the product's GTIN with a serial of its own, so no
scan is a debounced repeat), POST ``model.zt.device.scan.submit_signed``
with that one event and time the round trip until the answer is read
(scan -> verified -> recorded -> answer).  Every answer must be
'accepted'; anything else is a failure of the bench.

The plain Tryton baselines are timed the same way, by the same threads and
sessions on the same server: ``model.party.party.create`` of one party
with a name (a write transaction, the shape of a scan: one row, commit)
and ``model.product.product.search_read`` by identifier code (what a
scanner's lookup costs in plain Tryton: read only).

Two load shapes, each after a warm-up:

- *closed loop*: each device sends its next request as soon as it has the
  answer (the server's sustained rate, latency at saturation: by Little's
  law, 20 requests always in flight);
- *paced*: each device sends at most one request per ``interval`` seconds
  (an operator scanning), starting at random offsets.

The load generator runs on the same CPUs as trytond and PostgreSQL; the
CPU seconds of each (this process, trytond, the postgres processes) are
read from /proc and reported per request.

Afterwards the database must hold exactly one zt.device.scan row per
accepted answer and, per device, the counters 1..n without gap."""
import base64
import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path


from bench_devices_world import (
    BADGE, BRIDGE, GTIN13, build_world, check_scans)

SUBMIT = 'model.zt.device.scan.submit_signed'
OPERATIONS = [
    ('scan', "signed scan (zt_devices)"),
    ('create', "party.create (plain Tryton)"),
    ('lookup', "product search_read (plain)"),
    ]
CLK_TCK = os.sysconf('SC_CLK_TCK')


def free_port():
    "Return a free TCP port of 127.0.0.1 (int)."
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start_server(out, uri, database, port):
    """Start ``trytond -c CONF -d DATABASE`` on 127.0.0.1:``port`` (config
    and log in ``out``); return the process once the port answers.
    Raises RuntimeError when it exits or does not answer in 90 s."""
    config = out / 'devices-trytond.conf'
    config.write_text('[database]\nuri = %s\npath = %s\n\n'
        '[web]\nlisten = 127.0.0.1:%d\n' % (uri, out / 'filestore', port))
    log = open(out / 'devices-trytond.log', 'wb')
    env = {k: v for k, v in os.environ.items()
        if not k.startswith(('TRYTOND_', 'DB_'))}
    venv = Path(__file__).resolve().parents[2] / '.venv' / 'bin'
    process = subprocess.Popen([str(venv / 'trytond'), '-c', str(config),
            '-d', database], stdin=subprocess.DEVNULL, stdout=log,
        stderr=subprocess.STDOUT, env=env, start_new_session=True)
    log.close()
    deadline = time.monotonic() + 90
    while True:
        try:
            socket.create_connection(('127.0.0.1', port), 0.5).close()
            return process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process)
            raise RuntimeError('trytond did not start, see %s'
                % (out / 'devices-trytond.log'))
        time.sleep(0.2)


def stop_server(process):
    "Stop the server ``process`` (SIGTERM, then SIGKILL after 10 s)."
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RpcError(Exception):
    "A JSON-RPC call answered an error or an HTTP status other than 200."


class Client:
    """A JSON-RPC session of ``login`` on one keep-alive HTTP connection
    (not thread-safe: one per thread)."""

    def __init__(self, port, database, login, password):
        self.port, self.path = port, '/%s/rpc/' % database
        self.connection = None
        self.ids = 0
        user_id, session = self.call('common.db.login',
            [login, {'password': password}, 'en'])[:2]
        token = '%s:%s:%s' % (login, user_id, session)
        self.authorization = 'Session ' + base64.b64encode(
            token.encode()).decode('ascii')

    def call(self, method, params):
        """POST ``method`` with ``params`` (list, the context included);
        return the result; raise RpcError."""
        self.ids += 1
        body = json.dumps({'id': self.ids, 'method': method,
                'params': params}).encode()
        headers = {'Content-Type': 'application/json'}
        if getattr(self, 'authorization', None):
            headers['Authorization'] = self.authorization
        for retry in (False, True):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    '127.0.0.1', self.port, timeout=60)
            try:
                self.connection.request('POST', self.path, body, headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                # the server closed the kept-alive connection: once more
                self.connection.close()
                self.connection = None
                if retry:
                    raise
        if response.status != 200:
            raise RpcError('%s: HTTP %s' % (method, response.status))
        answer = json.loads(data)
        if answer.get('error') is not None:
            raise RpcError('%s: %s' % (method, str(answer['error'])[:300]))
        return answer['result']


class Device:
    "A simulated device: its key, counter and session."

    def __init__(self, code, key, client, number):
        self.code, self.key, self.client = code, key, client
        # serials of letters only: digits in a trailing serial may read
        # as a further AI (the parser refuses such a scan as gs_missing)
        self.tag = letters(number)
        self.counter = 0
        self.accepted = 0

    def request(self, operation):
        """Return the (method, params) of one request of ``operation``
        ('scan', 'create' or 'lookup')."""
        if operation == 'scan':
            from trytond.modules.zt_devices import signing
            self.counter += 1
            raw = (b']d201' + ('0' + GTIN13).encode() + b'21'
                + ('%s-%s' % (self.tag, letters(self.counter))).encode())
            event = signing.make_event(self.key, self.code, self.counter,
                raw, badge=BADGE)
            return SUBMIT, [[event], {}]
        if operation == 'create':
            return 'model.party.party.create', [[{
                        'name': 'Bench party %s' % secrets.token_hex(4)}],
                {}]
        return 'model.product.product.search_read', [
            [('identifiers.code', '=', GTIN13)], 0, 1, None,
            ['rec_name', 'code'], {}]

    def outcome(self, operation, result):
        "The outcome (str) of ``result``, an answer to ``operation``."
        if operation == 'scan':
            outcomes = [a.get('outcome') for a in result]
            if outcomes == ['accepted']:
                self.accepted += 1
                return 'accepted'
            return '%s:%s' % (outcomes, [a.get('reason') for a in result])
        if operation == 'create':
            return 'created' if len(result) == 1 else 'bad'
        return 'found' if len(result) == 1 else 'not found'


def letters(number):
    "Return ``number`` (int >= 0) in base 26 with the digits A to Z."
    text = ''
    while True:
        number, digit = divmod(number, 26)
        text = chr(ord('A') + digit) + text
        if not number:
            return text


def cpu_seconds(pids):
    "Return the user + system CPU seconds of the processes ``pids``."
    total = 0
    for pid in pids:
        try:
            fields = Path('/proc/%d/stat' % pid).read_text().rsplit(
                ')', 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def postgres_pids():
    "Return the ids (list of int) of the running postgres processes."
    pids = []
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                if (entry / 'comm').read_text().strip() == 'postgres':
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def run_phase(devices, operation, interval, warmup, duration, server_pid):
    """Run ``operation`` on every device for ``warmup`` + ``duration``
    seconds, each device waiting ``interval`` seconds between the starts
    of its requests (0: closed loop); return the results of the timed part
    (dict)."""
    start = time.monotonic() + 0.2
    measure_from = start + warmup
    end = measure_from + duration
    samples, outcomes, errors = [], {}, []
    lock = threading.Lock()
    cpu = {}

    def worker(device):
        rng = random.Random(device.code)
        next_send = start + (rng.uniform(0, interval) if interval else 0)
        mine, counts = [], {}
        while True:
            now = time.monotonic()
            if next_send > now:
                time.sleep(next_send - now)
            sent = time.monotonic()
            if sent >= end:
                break
            next_send = max(sent, next_send + interval)
            method, params = device.request(operation)
            try:
                outcome = device.outcome(operation,
                    device.client.call(method, params))
            except (RpcError, OSError, http.client.HTTPException) as error:
                outcome = 'error'
                with lock:
                    errors.append('%s: %s' % (device.code, error))
            done = time.monotonic()
            if sent >= measure_from and done <= end:
                mine.append(done - sent)
                counts[outcome] = counts.get(outcome, 0) + 1
        with lock:
            samples.extend(mine)
            for key, value in counts.items():
                outcomes[key] = outcomes.get(key, 0) + value

    threads = [threading.Thread(target=worker, args=(d,)) for d in devices]
    for thread in threads:
        thread.start()
    time.sleep(max(0, measure_from - time.monotonic()))
    postgres = postgres_pids()
    cpu_before = (time.process_time(), cpu_seconds([server_pid]),
        cpu_seconds(postgres))
    time.sleep(max(0, end - time.monotonic()))
    cpu_after = (time.process_time(), cpu_seconds([server_pid]),
        cpu_seconds(postgres))
    for thread in threads:
        thread.join()
    count = len(samples)
    for label, before, after in zip(('client', 'trytond', 'postgres'),
            cpu_before, cpu_after):
        cpu[label + '_ms_per_request'] = (
            1000 * (after - before) / count if count else None)
        cpu[label + '_cores'] = (after - before) / duration
    return dict(summary(samples, duration), operation=operation,
        interval_s=interval, outcomes=outcomes, errors=errors[:20],
        error_count=len(errors), cpu=cpu)


def summary(samples, duration):
    """Return the latency statistics (ms) and the rate (per s) of
    ``samples`` (list of seconds) over ``duration`` seconds."""
    if not samples:
        return {'requests': 0, 'per_s': 0.0}
    ordered = sorted(samples)

    def percentile(p):
        return 1000 * ordered[min(len(ordered) - 1,
                int(round(p / 100 * (len(ordered) - 1))))]
    return {
        'requests': len(ordered),
        'per_s': len(ordered) / duration,
        'mean_ms': 1000 * statistics.fmean(ordered),
        'p50_ms': percentile(50),
        'p95_ms': percentile(95),
        'p99_ms': percentile(99),
        'max_ms': 1000 * ordered[-1],
        }


def enrol(devices, port, database, password):
    """Log in one session per device and enrol a new key for each through
    ``model.zt.device.enrol``; return the Device list."""
    from trytond.modules.zt_devices import signing
    result = []
    for number, (code, enrolment) in enumerate(devices):
        client = Client(port, database, BRIDGE, password)
        private_pem, public_b64 = signing.generate_key()
        enrolled = client.call('model.zt.device.enrol',
            [enrolment, public_b64, {}])
        if enrolled != code:
            raise RuntimeError('enrol answered %r for %s' % (enrolled, code))
        result.append(Device(code, signing.load_private(private_pem),
                client, number))
    return result


def run(database, uri, conninfo, out, devices, duration, warmup, interval):
    """Build the world, serve it, run every operation closed loop and
    paced, check the scans; return the results (dict)."""
    world = build_world(database, devices)
    port = free_port()
    server = start_server(out, uri, database, port)
    try:
        simulated = enrol(world['devices'], port, database,
            world['password'])
        phases = []
        for mode, pace in (('closed', 0.0), ('paced', interval)):
            for operation, _ in OPERATIONS:
                phase = run_phase(simulated, operation, pace, warmup,
                    duration, server.pid)
                phase['mode'] = mode
                phases.append(phase)
    finally:
        stop_server(server)
    checks, problems = check_scans(conninfo, simulated)
    for phase in phases:
        expected = {'scan': 'accepted', 'create': 'created',
            'lookup': 'found'}[phase['operation']]
        bad = {k: v for k, v in phase['outcomes'].items() if k != expected}
        if bad or phase['error_count'] or not phase['requests']:
            problems.append('%s %s: outcomes %s, %d errors %s' % (
                    phase['mode'], phase['operation'], phase['outcomes'],
                    phase['error_count'], phase['errors'][:3]))
    by = {(p['mode'], p['operation']): p for p in phases}
    ratios = {}
    for mode in ('closed', 'paced'):
        scan = by[(mode, 'scan')]
        for operation in ('create', 'lookup'):
            base = by[(mode, operation)]
            if scan.get('p95_ms') and base.get('p95_ms'):
                ratios['%s_p95_scan_over_%s' % (mode, operation)] = (
                    scan['p95_ms'] / base['p95_ms'])
        if scan.get('per_s') and by[(mode, 'create')].get('per_s'):
            ratios['%s_rate_scan_over_create' % mode] = (
                scan['per_s'] / by[(mode, 'create')]['per_s'])
    return {
        'devices': devices,
        'duration_s': duration,
        'warmup_s': warmup,
        'interval_s': interval,
        'server': 'trytond -c CONF -d DB (trytond 8.0 werkzeug run_simple '
        'threaded=True: one process, one thread per connection), '
        '127.0.0.1:%d' % port,
        'client': '%d threads of one process, keep-alive HTTP/1.1, one '
        'session each, JSON-RPC; shares the CPUs with trytond and '
        'PostgreSQL' % devices,
        'phases': phases,
        'ratios': ratios,
        'checks': checks,
        'problems': problems,
        }


def table(result, goal):
    "Return the devices part (dict) as lines of a readable table (list)."
    lines = [
        'Signed scans: %d simulated devices over JSON-RPC on loopback, '
        '%g s timed after %g s warm-up per row' % (result['devices'],
            result['duration_s'], result['warmup_s']),
        '  server: %s' % result['server'],
        '  load: %s' % result['client'],
        '  %-30s %7s %7s %7s %7s %7s %8s  %s' % ('closed loop / paced',
            'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'req/s',
            'cpu ms/r', 'client/trytond/pg')]
    labels = dict(OPERATIONS)
    for phase in result['phases']:
        if phase['operation'] == 'scan':
            lines.append('  %s' % ('closed loop (next request at the '
                    'answer)' if phase['mode'] == 'closed' else
                    'paced (one request per %g s per device)'
                    % phase['interval_s']))
        cpu = phase['cpu']
        parts = [cpu[k + '_ms_per_request'] or 0
            for k in ('client', 'trytond', 'postgres')]
        lines.append('    %-28s %7.1f %7.1f %7.1f %7.1f %7.1f %8.1f  %s' % (
                labels[phase['operation']], phase.get('p50_ms', 0),
                phase.get('p95_ms', 0), phase.get('p99_ms', 0),
                phase.get('max_ms', 0), phase['per_s'], sum(parts),
                '/'.join('%.1f' % p for p in parts)))
    ratios = result['ratios']
    for mode in ('closed', 'paced'):
        scan = [p for p in result['phases']
            if p['mode'] == mode and p['operation'] == 'scan'][0]
        lines.append('  %s: scan p95 %.1f ms = %.2fx party.create, %.2fx '
            'product lookup; goal p95 <= %g ms: %s' % (mode,
                scan.get('p95_ms', 0),
                ratios.get('%s_p95_scan_over_create' % mode, 0),
                ratios.get('%s_p95_scan_over_lookup' % mode, 0), goal,
                'met' if scan.get('p95_ms', goal + 1) <= goal
                else 'NOT met (%.1fx)' % (scan['p95_ms'] / goal)))
    closed = [p for p in result['phases']
        if p['mode'] == 'closed' and p['operation'] == 'scan'][0]
    lines.append('  sustained: %.1f scans/s (%.2fx the party.create rate)'
        % (closed['per_s'], ratios.get('closed_rate_scan_over_create', 0)))
    checks = result['checks']
    lines.append('  check: %d scan rows, %d accepted answers, %d events '
        'sent: %s' % (checks['scan_rows'], checks['accepted_answers'],
            checks['events_sent'], 'OK, counters 1..n per device'
            if not result['problems'] else 'FAILED'))
    lines += ['  PROBLEM: %s' % p for p in result['problems']]
    return lines
