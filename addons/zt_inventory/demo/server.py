# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Database creation, module activation and the trytond server process of
the demo.  Every Tryton program is run from the same bin directory as the
running Python, so the demo uses the venv it is installed in."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import namedtuple
from urllib.parse import urlparse

ADMIN_PASSWORD = 'Admin-Demo-2026!'
ADMIN_EMAIL = 'admin@example.com'
LANGUAGES = ['zh_CN']
MODULES = ['zt_inventory', 'zt_rules', 'zt_devices']

Settings = namedtuple('Settings', ['uri', 'path', 'host', 'port'])


class DemoError(Exception):
    "A step of the demo failed; the message says which and why."


def bin_path(name):
    "Return the path (str) of program ``name`` next to sys.executable."
    return os.path.join(os.path.dirname(sys.executable), name)


def read_settings(config_file):
    """Read the trytond configuration ``config_file`` (str) the way trytond
    does (environment overrides included) and return :class:`Settings`."""
    from trytond.config import config, parse_listen
    if not os.path.isfile(config_file):
        raise DemoError("configuration file not found: %s" % config_file)
    config.update_etc(config_file)
    listen = config.get('web', 'listen')
    host, port = next(iter(parse_listen(listen)))
    if host in {'0.0.0.0', '::', ''}:
        host = '127.0.0.1'
    return Settings(
        uri=config.get('database', 'uri'),
        path=config.get('database', 'path'),
        host=host, port=int(port))


def create_database(settings, database):
    """Create an empty database ``database`` (str), dropping an existing one
    first: SQLite file under ``path`` or PostgreSQL via psycopg."""
    scheme = urlparse(settings.uri).scheme
    if scheme == 'sqlite':
        os.makedirs(settings.path, exist_ok=True)
        filename = os.path.join(settings.path, database + '.sqlite')
        if os.path.exists(filename):
            print("  removing the existing demo database %s" % filename)
        # A stale write-ahead log would be replayed into the new file.
        for suffix in ['', '-wal', '-shm', '-journal']:
            if os.path.exists(filename + suffix):
                os.remove(filename + suffix)
        open(filename, 'wb').close()
        return filename
    if scheme.startswith('postgresql'):
        return _create_postgresql(settings.uri, database)
    raise DemoError("unsupported database uri: %s" % settings.uri)


def _create_postgresql(uri, database):
    "dropdb/createdb ``database`` on the server of ``uri`` (psycopg 3)."
    import psycopg
    from psycopg import sql
    parsed = urlparse(uri)
    conninfo = parsed._replace(scheme='postgresql', path='/postgres').geturl()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        name = sql.Identifier(database)
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(
            sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0")
            .format(name))
    return '%s (PostgreSQL)' % database


def activate_modules(config_file, database):
    """Run trytond-admin to initialise ``database``, activate our modules
    (MODULES) with their dependencies and load the translations of
    LANGUAGES."""
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        passfile.write(ADMIN_PASSWORD)
        passfile.flush()
        env = dict(os.environ, TRYTONPASSFILE=passfile.name)
        command = [bin_path('trytond-admin'), '-c', config_file,
            '-d', database, '--all', '--activate-dependencies',
            '-u', *MODULES, '-l', *LANGUAGES, '--email', ADMIN_EMAIL]
        result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True)
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise DemoError("trytond-admin failed (exit %s)" % result.returncode)


def start_server(config_file, database, settings, log_file):
    """Start ``trytond -c CONF -d DB`` (always with -d: the 8.0.12 login
    bug), logging to ``log_file``; return the process once the port
    answers."""
    if port_open(settings.host, settings.port):
        raise DemoError("port %s:%s is already in use"
            % (settings.host, settings.port))
    log = open(log_file, 'ab')
    process = subprocess.Popen(
        [bin_path('trytond'), '-c', config_file, '-d', database],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    log.close()
    deadline = time.monotonic() + 90
    while not port_open(settings.host, settings.port):
        if process.poll() is not None:
            raise DemoError("trytond exited (code %s), see %s"
                % (process.returncode, log_file))
        if time.monotonic() > deadline:
            stop_server(process)
            raise DemoError("trytond did not answer on port %s within 90 s"
                % settings.port)
        time.sleep(0.2)
    return process


def port_open(host, port):
    "Tell whether something accepts TCP connections on ``host:port``."
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_server(process, sig=signal.SIGTERM):
    "Send ``sig`` to the server ``process`` and wait for it (10 s, then kill)."
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def serve_forever(process):
    """Wait for the server ``process``; SIGINT and SIGTERM received here are
    forwarded to it.  Return its exit code (0 after a forwarded signal)."""
    received = []

    def forward(signum, frame):
        received.append(signum)
        if process.poll() is None:
            process.send_signal(signum)

    previous = {s: signal.signal(s, forward)
        for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while process.poll() is None:
            try:
                process.wait(1)
            except subprocess.TimeoutExpired:
                pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0 if received else process.returncode
