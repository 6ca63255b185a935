# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The bridge's INI file.

Example (paths are relative to the file's folder)::

    [server]
    url = http://erp.example.com:8000/
    database = zt
    user = bridge-dock1
    password_file = bridge.pass   ; or the env ZTINV_BRIDGE_PASSWORD
    timeout = 10                  ; seconds per request

    [queue]
    path = bridge-queue.sqlite

    [mqtt]                        ; for mqtt: and rfid-mqtt: sources
    host = 127.0.0.1
    port = 1883

    [device dock1-scanner]
    code = DOCK1-SCAN
    key_file = dock1.pem
    source = serial:/dev/ttyUSB0?baudrate=9600
    profile = default
    badge = B-0042

Every error is a ValueError naming the file, section and key.
"""
import configparser
import os
from collections import namedtuple
from urllib.parse import parse_qsl, urlsplit

from ..profile import PROFILES

PASSWORD_ENV = 'ZTINV_BRIDGE_PASSWORD'
SOURCE_KINDS = ['serial', 'mqtt', 'rfid-mqtt', 'rfid-serial']
SERIAL_OPTIONS = {
    'baudrate': int, 'bytesize': int, 'parity': str, 'stopbits': float,
    'rtscts': lambda v: v == '1' or v.lower() == 'true',
    'xonxoff': lambda v: v == '1' or v.lower() == 'true',
    }

Server = namedtuple('Server',
    ['url', 'database', 'user', 'password_file', 'timeout'])
Mqtt = namedtuple('Mqtt', ['host', 'port', 'keepalive', 'persistent'])
# kind: one of SOURCE_KINDS; target: serial port or MQTT topic;
# options: dict of serial settings (baudrate...).
Source = namedtuple('Source', ['kind', 'target', 'options'])
Device = namedtuple('Device',
    ['name', 'code', 'key_file', 'source', 'profile', 'badge', 'session'])
Config = namedtuple('Config',
    ['path', 'server', 'queue_path', 'mqtt', 'devices'])


def load(path):
    """Read the bridge INI file ``path`` and return a :class:`Config`
    (devices: dict name -> :class:`Device`).  Raises ValueError naming the
    section and key of a missing or bad value."""
    parser = configparser.ConfigParser(interpolation=None,
        inline_comment_prefixes=(';',))
    try:
        with open(path, encoding='utf-8') as file:
            parser.read_file(file)
    except OSError as error:
        raise ValueError("%s: cannot read: %s" % (path, error.strerror))
    except configparser.Error as error:
        raise ValueError("%s: %s" % (path, error))
    reader = _Reader(parser, path)
    devices = {}
    for section in parser.sections():
        if section.startswith('device '):
            device = _device(reader, section)
            devices[device.name] = device
        elif section not in {'server', 'queue', 'mqtt'}:
            raise ValueError("%s: unknown section [%s]" % (path, section))
    if not devices:
        raise ValueError("%s: no [device NAME] section" % path)
    codes = [d.code for d in devices.values()]
    for code in codes:
        if codes.count(code) > 1:
            raise ValueError("%s: device code %r is used by two sections"
                % (path, code))
    return Config(path=str(path), server=_server(reader),
        queue_path=reader.path('queue', 'path'), mqtt=_mqtt(reader),
        devices=devices)


def read_password(server, environ=None):
    """Return the server password (str): the env ZTINV_BRIDGE_PASSWORD, else
    the first line of [server] password_file.  Raises ValueError (never
    showing the password) when there is none."""
    environ = os.environ if environ is None else environ
    if environ.get(PASSWORD_ENV):
        return environ[PASSWORD_ENV]
    if not server.password_file:
        raise ValueError("[server] password_file is not set and the "
            "environment has no %s" % PASSWORD_ENV)
    try:
        with open(server.password_file, encoding='utf-8') as file:
            password = file.readline().rstrip('\r\n')
    except OSError as error:
        raise ValueError("[server] password_file: cannot read %s: %s"
            % (server.password_file, error.strerror))
    if not password:
        raise ValueError("[server] password_file: %s is empty"
            % server.password_file)
    return password


def parse_source(text):
    """Return the :class:`Source` of a ``source`` value: ``serial:PORT?
    baudrate=9600``, ``mqtt:TOPIC``, ``rfid-mqtt:TOPIC`` or
    ``rfid-serial:PORT?...``.  Raises ValueError."""
    kind, sep, rest = text.partition(':')
    if not sep or kind not in SOURCE_KINDS or not rest:
        raise ValueError("%r is not KIND:TARGET with KIND one of %s"
            % (text, ', '.join(SOURCE_KINDS)))
    if kind.endswith('mqtt'):
        if '#' in rest[:-1] or '+' in rest:
            raise ValueError("MQTT topic %r: one device per topic, "
                "no wildcard but a final '#'" % rest)
        return Source(kind, rest, {})
    port, _, query = rest.partition('?')
    options = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in SERIAL_OPTIONS:
            raise ValueError("unknown serial option %r (known: %s)"
                % (key, ', '.join(sorted(SERIAL_OPTIONS))))
        try:
            options[key] = SERIAL_OPTIONS[key](value)
        except ValueError:
            raise ValueError("serial option %s=%r is not valid"
                % (key, value))
    return Source(kind, port, options)


class _Reader:
    "Values of the parsed INI file with errors naming section and key."

    def __init__(self, parser, path):
        self.parser, self.file = parser, str(path)
        self.folder = os.path.dirname(os.path.abspath(path))

    def error(self, section, key, message):
        return ValueError("%s: [%s] %s: %s"
            % (self.file, section, key, message))

    def get(self, section, key, default=None, required=True):
        value = self.parser.get(section, key, fallback='').strip()
        if not value:
            if required and default is None:
                raise self.error(section, key, "missing")
            return default
        return value

    def number(self, section, key, default, kind=float):
        value = self.get(section, key, str(default))
        try:
            value = kind(value)
        except ValueError:
            raise self.error(section, key, "%r is not a number" % value)
        if value <= 0:
            raise self.error(section, key, "must be positive")
        return value

    def path(self, section, key, required=True):
        value = self.get(section, key, required=required)
        if value is None:
            return None
        return os.path.join(self.folder, os.path.expanduser(value))


def _server(reader):
    url = reader.get('server', 'url')
    parts = urlsplit(url)
    if parts.scheme not in {'http', 'https'} or not parts.netloc:
        raise reader.error('server', 'url', "%r is not an http(s) URL" % url)
    if parts.username or parts.password:
        # Never a password in a URL: it would end up in logs.
        raise reader.error('server', 'url', "must not hold credentials")
    return Server(url=url.rstrip('/') + '/',
        database=reader.get('server', 'database'),
        user=reader.get('server', 'user'),
        password_file=reader.path('server', 'password_file',
            required=False),
        timeout=reader.number('server', 'timeout', 10))


def _mqtt(reader):
    persistent = reader.get('mqtt', 'persistent', 'true').lower()
    if persistent not in {'true', 'false'}:
        raise reader.error('mqtt', 'persistent', "must be true or false")
    return Mqtt(host=reader.get('mqtt', 'host', '127.0.0.1'),
        port=reader.number('mqtt', 'port', 1883, int),
        keepalive=reader.number('mqtt', 'keepalive', 60, int),
        persistent=persistent == 'true')


def _device(reader, section):
    name = section[len('device '):].strip()
    if not name:
        raise ValueError("%s: [%s]: the device has no name"
            % (reader.file, section))
    try:
        source = parse_source(reader.get(section, 'source'))
    except ValueError as error:
        if str(error).startswith(reader.file):
            raise
        raise reader.error(section, 'source', error)
    profile = reader.get(section, 'profile', 'default')
    if profile not in PROFILES:
        raise reader.error(section, 'profile', "unknown profile %r "
            "(built-in: %s)" % (profile, ', '.join(sorted(PROFILES))))
    return Device(name=name, code=reader.get(section, 'code'),
        key_file=reader.path(section, 'key_file'), source=source,
        profile=PROFILES[profile],
        badge=reader.get(section, 'badge', required=False),
        session=reader.number(section, 'session', 0.5))
