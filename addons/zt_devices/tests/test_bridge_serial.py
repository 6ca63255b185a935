# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The bridge reading a serial scanner played by a pseudo-terminal: what
lands in the disk queue, signed."""
import base64
import json
import os
import tempfile
import threading
import time
import unittest

from trytond.modules.zt_devices.bridge.config import Device, parse_source
from trytond.modules.zt_devices.bridge.queue import DiskQueue
from trytond.modules.zt_devices.bridge.sources import (
    Recorder, RfidSession, SerialSource)
from trytond.modules.zt_devices.profile import PROFILES
from trytond.modules.zt_devices.signing import (
    generate_key, load_private, verify_event)

TIMEOUT = 0.2


def make_device(code, source, profile='default', badge=None, **changes):
    profile = PROFILES[profile]._replace(timeout=TIMEOUT, debounce=0.3,
        **changes)
    return Device(name=code.lower(), code=code, key_file=None,
        source=parse_source(source), profile=profile, badge=badge,
        session=0.3)


def wait_for(condition, timeout=5):
    "Poll ``condition()`` until true or ``timeout`` seconds; return it."
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


class BridgeTestMixin:
    "A temporary queue and a device key."

    def setUp(self):
        super().setUp()
        tmp = tempfile.TemporaryDirectory(prefix='zt-bridge-')
        self.addCleanup(tmp.cleanup)
        self.queue = DiskQueue(os.path.join(tmp.name, 'queue.sqlite'))
        self.addCleanup(self.queue.close)
        pem, self.public = generate_key()
        self.key = load_private(pem)

    def raws(self):
        "The raw bytes of the queued events, checking their signature."
        events = [e for _, e in self.queue.pending()]
        for event in events:
            verify_event(self.public, event)
        return [base64.b64decode(e['raw']) for e in events]

    def assertCounters(self, device, count):
        events = [e for _, e in self.queue.pending()
            if e['device'] == device]
        self.assertEqual([e['counter'] for e in events],
            list(range(1, count + 1)))


class SerialBridgeTestCase(BridgeTestMixin, unittest.TestCase):

    def start(self, device, session=False):
        "Serve ``device`` on a new pty; return the master's fd."
        master, slave = os.openpty()
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)
        device = device._replace(source=device.source._replace(
                target=os.ttyname(slave)))
        stop = threading.Event()
        recorder = Recorder(device, self.key, self.queue)
        rfid = RfidSession(recorder, device.session) if session else None
        source = SerialSource(device, recorder, stop, session=rfid)
        source.start()
        self.addCleanup(source.join, 5)
        self.addCleanup(stop.set)
        self.assertTrue(source.opened.wait(5), "the pty did not open")
        return master

    def test_split_reads(self):
        "one code written in 3 chunks is one scan"
        device = make_device('SER1', 'serial:PTY?baudrate=9600',
            badge='B-7')
        master = self.start(device)
        for chunk in [b'0401234', b'56789', b'012\r']:
            os.write(master, chunk)
            time.sleep(0.05)
        self.assertTrue(wait_for(lambda: self.queue.count() == 1))
        self.assertEqual(self.raws(), [b'040123456789012'])
        event, = [e for _, e in self.queue.pending()]
        self.assertEqual((event['device'], event['counter'],
                event['badge']), ('SER1', 1, 'B-7'))

    def test_embedded_cr_with_eot_terminator(self):
        "a 2-D code holding a CR ends at EOT only"
        device = make_device('SER2', 'serial:PTY', profile='eot')
        self.assertEqual(device.profile.terminator, b'\x04')
        master = self.start(device)
        code = b']d2\x1d0109501101530003\r17260101\x1d10A\rB'
        os.write(master, code[:10])
        time.sleep(0.05)
        os.write(master, code[10:] + b'\x04' + b']d2ONE\x04')
        self.assertTrue(wait_for(lambda: self.queue.count() == 2))
        self.assertEqual(self.raws(), [code, b']d2ONE'])
        self.assertCounters('SER2', 2)

    def test_timeout_discards_partial(self):
        "a partial code left alone past the timeout is dropped, logged"
        device = make_device('SER3', 'serial:PTY')
        master = self.start(device)
        with self.assertLogs('zt_devices.framing', 'WARNING') as logs:
            os.write(master, b'PART\x07IAL')
            time.sleep(TIMEOUT * 3)
            os.write(master, b'NEXT-CODE\r')
            self.assertTrue(wait_for(lambda: self.queue.count() == 1))
        self.assertEqual(self.raws(), [b'NEXT-CODE'])
        self.assertIn('PART\\x07IAL', ''.join(logs.output))
        self.assertNotIn('\x07', ''.join(logs.output))

    def test_crlf_counted_once(self):
        "CRLF ends one scan, not two; repeats within debounce are one"
        device = make_device('SER4', 'serial:PTY')
        master = self.start(device)
        os.write(master, b'AAA\r\nBBB\r\nBBB\r\n\tCCC\n')
        self.assertTrue(wait_for(lambda: self.queue.count() == 3))
        time.sleep(0.2)
        self.assertEqual(self.raws(), [b'AAA', b'BBB', b'CCC'])
        self.assertCounters('SER4', 3)

    def test_counter_continues_across_restart(self):
        "a new source on the same queue goes on counting"
        device = make_device('SER5', 'serial:PTY')
        master = self.start(device)
        os.write(master, b'ONE\r')
        self.assertTrue(wait_for(lambda: self.queue.count() == 1))
        master = self.start(device)
        os.write(master, b'TWO\r')
        self.assertTrue(wait_for(lambda: self.queue.count() == 2))
        self.assertCounters('SER5', 2)

    def test_rfid_serial_json_lines(self):
        "RFID reads as JSON lines: one scan per tag after the session"
        device = make_device('RF1', 'rfid-serial:PTY')
        master = self.start(device, session=True)
        reads = [
            {'epc': 'e1', 'tid': 'a1', 'antenna': 1, 'rssi': -61.5},
            {'epc': 'E1', 'tid': 'A1', 'antenna': 2, 'rssi': -48},
            {'epc': 'E2', 'tid': 'A2', 'antenna': 1, 'rssi': -70},
            ]
        lines = b''.join(json.dumps(r).encode() + b'\n' for r in reads)
        with self.assertLogs('zt_devices.bridge', 'WARNING') as logs:
            os.write(master, lines + b'{"epc": "zz"}\n')
            self.assertTrue(wait_for(lambda: self.queue.count() == 2))
        self.assertIn("RFID read refused ('epc' is not a hex string)",
            ''.join(logs.output))
        self.assertEqual(sorted(self.raws()),
            [b'EPC=E1;TID=A1', b'EPC=E2;TID=A2'])


if __name__ == '__main__':
    unittest.main()
