# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The bridge subscribed to the real MQTT broker at 127.0.0.1:1883: scans
and RFID reads published on unique topics land in the queue, signed."""
import json
import socket
import threading
import unittest
import uuid

from trytond.modules.zt_devices.bridge.config import Mqtt
from trytond.modules.zt_devices.bridge.sources import (
    MqttSource, Recorder, RfidSession)

from .test_bridge_serial import BridgeTestMixin, make_device, wait_for

BROKER = ('127.0.0.1', 1883)
MQTT = Mqtt(host=BROKER[0], port=BROKER[1], keepalive=30, persistent=False)


def broker_reachable():
    try:
        with socket.create_connection(BROKER, timeout=1):
            return True
    except OSError:
        return False


@unittest.skipUnless(broker_reachable(),
    "no MQTT broker at %s:%s (start Mosquitto to run these tests)" % BROKER)
class MqttBridgeTestCase(BridgeTestMixin, unittest.TestCase):

    def setUp(self):
        super().setUp()
        from paho.mqtt import client as paho
        self.publisher = paho.Client(paho.CallbackAPIVersion.VERSION2,
            client_id='zt-test-pub-%s' % uuid.uuid4().hex)
        self.publisher.connect(*BROKER)
        self.publisher.loop_start()
        self.addCleanup(self.publisher.disconnect)
        self.addCleanup(self.publisher.loop_stop)

    def start(self, kind, code, **changes):
        "Serve a device on a new unique topic; return the topic."
        topic = 'zt-test/%s/%s' % (code, uuid.uuid4().hex)
        device = make_device(code, '%s:%s' % (kind, topic), **changes)
        recorder = Recorder(device, self.key, self.queue)
        session = (RfidSession(recorder, device.session)
            if kind.startswith('rfid') else None)
        stop = threading.Event()
        source = MqttSource(device, recorder, stop, MQTT, session=session,
            client_id='zt-test-%s' % uuid.uuid4().hex)
        source.start()
        self.addCleanup(source.join, 5)
        self.addCleanup(stop.set)
        self.assertTrue(source.subscribed.wait(5), "not subscribed")
        return topic

    def publish(self, topic, payload):
        self.publisher.publish(topic, payload, qos=1).wait_for_publish(5)

    def test_scans(self):
        "each message is a scan, terminators or not; several per message"
        topic = self.start('mqtt', 'MQ1', badge='B-1')
        for payload in [b'SCAN-1', b'SCAN-2\r\n', b'A\rB',
                b'\x1d0109501101530003\x1d10LOT']:
            self.publish(topic, payload)
        self.assertTrue(wait_for(lambda: self.queue.count() == 5))
        self.assertEqual(self.raws(), [b'SCAN-1', b'SCAN-2', b'A', b'B',
                b'\x1d0109501101530003\x1d10LOT'])
        self.assertCounters('MQ1', 5)
        self.assertEqual({e['badge'] for _, e in self.queue.pending()},
            {'B-1'})

    def test_eot_profile_keeps_cr(self):
        "with the eot profile a CR in a message is data"
        topic = self.start('mqtt', 'MQ2', profile='eot')
        self.publish(topic, b']d2AB\rCD\x04')
        self.publish(topic, b']d2EF\rGH')
        self.assertTrue(wait_for(lambda: self.queue.count() == 2))
        self.assertEqual(self.raws(), [b']d2AB\rCD', b']d2EF\rGH'])

    def test_rfid_session(self):
        "duplicates collapsed, strongest antenna logged, shared EPC raised"
        topic = self.start('rfid-mqtt', 'RF2')
        reads = [
            {'epc': '3074257BF7194E4000001A85', 'tid': 'E2801100',
                'antenna': 1, 'rssi': -60},
            {'epc': '3074257BF7194E4000001A85', 'tid': 'E2801100',
                'antenna': 3, 'rssi': -42.5},
            {'epc': '3074257BF7194E4000001A85', 'tid': 'E2801100',
                'antenna': 2, 'rssi': -55},
            {'epc': 'AAAA', 'tid': 'E2801101', 'antenna': 1, 'rssi': -50},
            {'epc': 'AAAA', 'tid': 'E2801102', 'antenna': 2, 'rssi': -51},
            {'epc': 'AAAA', 'tid': 'E2801101', 'antenna': 1, 'rssi': -49},
            ]
        with self.assertLogs('zt_devices.bridge', 'INFO') as logs:
            for read in reads:
                self.publish(topic, json.dumps(read))
            self.publish(topic, b'not json \x00')
            self.assertTrue(wait_for(lambda: self.queue.count() == 2))
        output = '\n'.join(logs.output)
        self.assertIn("tag EPC=3074257BF7194E4000001A85 TID=E2801100: "
            "3 read(s), strongest antenna 3 (-42.5 dBm)", output)
        self.assertIn("EPC AAAA read with 2 TIDs", output)
        self.assertIn("RFID read refused (not JSON): not json \\x00",
            output)
        self.assertEqual(self.raws(), [
                b'EPC=3074257BF7194E4000001A85;TID=E2801100',
                b'EPC=AAAA;TID=E2801101,E2801102'])
        self.assertCounters('RF2', 2)


if __name__ == '__main__':
    unittest.main()
