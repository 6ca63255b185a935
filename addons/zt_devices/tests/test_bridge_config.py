# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The bridge's INI file: values, paths, and clear errors naming the
section and key; the bridge imports no trytond code."""
import ast
import os
import tempfile
import textwrap
import unittest
from pathlib import Path

from trytond.modules.zt_devices.bridge import config
from trytond.modules.zt_devices.profile import PROFILES

GOOD = """\
[server]
url = http://127.0.0.1:8000
database = zt
user = bridge
password_file = secret.pass

[queue]
path = var/queue.sqlite

[device dock1]
code = DOCK1
key_file = dock1.pem
source = serial:/dev/ttyUSB0?baudrate=9600&parity=E
profile = eot
badge = B-42

[device gate]
code = GATE
key_file = /etc/zt/gate.pem
source = rfid-mqtt:zt/gate/reads
session = 1.5
"""


class ConfigTestCase(unittest.TestCase):

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix='zt-bridge-config-')
        self.addCleanup(tmp.cleanup)
        self.folder = tmp.name
        self.path = os.path.join(self.folder, 'bridge.ini')

    def load(self, text):
        Path(self.path).write_text(textwrap.dedent(text))
        return config.load(self.path)

    def test_good(self):
        "every key read, paths relative to the file"
        conf = self.load(GOOD)
        self.assertEqual(conf.server.url, 'http://127.0.0.1:8000/')
        self.assertEqual(conf.server.timeout, 10)
        self.assertEqual(conf.server.password_file,
            os.path.join(self.folder, 'secret.pass'))
        self.assertEqual(conf.queue_path,
            os.path.join(self.folder, 'var/queue.sqlite'))
        dock = conf.devices['dock1']
        self.assertEqual(dock.source, config.Source('serial',
                '/dev/ttyUSB0', {'baudrate': 9600, 'parity': 'E'}))
        self.assertEqual(dock.profile, PROFILES['eot'])
        self.assertEqual((dock.badge, dock.code), ('B-42', 'DOCK1'))
        gate = conf.devices['gate']
        self.assertEqual(gate.source,
            config.Source('rfid-mqtt', 'zt/gate/reads', {}))
        self.assertEqual((gate.key_file, gate.badge, gate.session),
            ('/etc/zt/gate.pem', None, 1.5))
        self.assertEqual(gate.profile, PROFILES['default'])
        self.assertEqual(conf.mqtt, config.Mqtt('127.0.0.1', 1883, 60, True))

    def test_errors(self):
        "bad values name the section and the key"
        cases = [
            (GOOD.replace('database = zt\n', ''),
                r"\[server\] database: missing"),
            (GOOD.replace('http://127.0.0.1:8000', 'ftp://x'),
                r"\[server\] url: 'ftp://x' is not an http\(s\) URL"),
            (GOOD.replace('http://', 'http://u:pw@'),
                r"\[server\] url: must not hold credentials"),
            (GOOD.replace('profile = eot', 'profile = nope'),
                r"\[device dock1\] profile: unknown profile 'nope'"),
            (GOOD.replace('serial:/dev', 'usb:/dev'),
                r"\[device dock1\] source: 'usb:/dev/ttyUSB0.*KIND:TARGET"),
            (GOOD.replace('parity=E', 'speed=1'),
                r"\[device dock1\] source: unknown serial option 'speed'"),
            (GOOD.replace('baudrate=9600', 'baudrate=fast'),
                r"\[device dock1\] source: serial option baudrate='fast'"),
            (GOOD.replace('zt/gate/reads', 'zt/+/reads'),
                r"\[device gate\] source: MQTT topic 'zt/\+/reads'"),
            (GOOD.replace('session = 1.5', 'session = -1'),
                r"\[device gate\] session: must be positive"),
            (GOOD.replace('key_file = dock1.pem\n', ''),
                r"\[device dock1\] key_file: missing"),
            (GOOD.replace('code = GATE', 'code = DOCK1'),
                r"device code 'DOCK1' is used by two sections"),
            (GOOD + '[extra]\n', r"unknown section \[extra\]"),
            (GOOD.split('[device')[0], r"no \[device NAME\] section"),
            ('not an ini', r"bridge.ini: File contains no section"),
            ]
        for text, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(ValueError, message):
                    self.load(text)
        with self.assertRaisesRegex(ValueError, "cannot read"):
            config.load(os.path.join(self.folder, 'missing.ini'))

    def test_password(self):
        "the environment first, then the file; errors never show it"
        conf = self.load(GOOD)
        with self.assertRaisesRegex(ValueError, "cannot read .*secret.pass"):
            config.read_password(conf.server, environ={})
        Path(conf.server.password_file).write_text('s3cret!\n')
        self.assertEqual(config.read_password(conf.server, environ={}),
            's3cret!')
        self.assertEqual(config.read_password(conf.server,
                environ={config.PASSWORD_ENV: 'from-env'}), 'from-env')
        Path(conf.server.password_file).write_text('\n')
        with self.assertRaisesRegex(ValueError, "is empty"):
            config.read_password(conf.server, environ={})
        conf = self.load(GOOD.replace('password_file = secret.pass\n', ''))
        with self.assertRaisesRegex(ValueError, "ZTINV_BRIDGE_PASSWORD"):
            config.read_password(conf.server, environ={})

    def test_no_trytond_import(self):
        "the bridge runs on a box without trytond: it imports none of it"
        folder = Path(config.__file__).parent
        for path in sorted(folder.glob('*.py')):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or '']
                else:
                    continue
                for name in names:
                    self.assertFalse(name.startswith('trytond'),
                        "%s imports %s" % (path.name, name))


if __name__ == '__main__':
    unittest.main()
