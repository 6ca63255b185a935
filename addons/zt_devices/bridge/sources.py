# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Where scans come from: serial scanners, MQTT topics and RFID readers.

Each source is a thread feeding a :class:`Recorder`, which debounces,
signs (Ed25519, ``signing.make_event``) and stores the scan in the
:class:`~.queue.DiskQueue` before anything is acknowledged:

- serial (pyserial): the byte stream is cut by ``framing.Framer`` with the
  device's profile; a partial code left alone longer than the profile's
  ``timeout`` is discarded (and logged by the framer);
- MQTT (paho-mqtt 2.x, QoS 1, manual acknowledgement): one message is one
  scan (or several, when the payload holds terminators); the message is
  acknowledged to the broker only once its scans are stored;
- RFID (JSON reads ``{"epc", "tid", "antenna", "rssi"}`` as MQTT messages
  or JSON lines on a serial port): the reads of one session (until
  ``session`` seconds pass without a read) are collapsed by
  ``rfid.collapse``: one scan ``EPC=<hex>;TID=<hex>`` per tag, from its
  strongest antenna; an EPC read with several TIDs (a cloned tag) is not
  posted as a tag but as the anomaly ``EPC=<hex>;TID=<t1>,<t2>``, which
  the server refuses and records.

Logs show scans escaped (``escape.escape``), never raw control bytes.
"""
import json
import logging
import re
import threading
import time

from ..escape import escape
from ..framing import Debouncer, Framer
from ..rfid import collapse
from ..signing import make_event

logger = logging.getLogger('zt_devices.bridge')
HEX = re.compile(r'^[0-9A-Fa-f]+$')
ANY_TERMINATORS = (b'\r', b'\n', b'\t')
LOG_LENGTH = 120


def shown(data):
    "``data`` (bytes) escaped and cut to LOG_LENGTH characters, for logs."
    text = escape(data)
    if len(text) > LOG_LENGTH:
        text = text[:LOG_LENGTH] + '...(%d bytes)' % len(data)
    return text


class Recorder:
    """Sign and store the scans of the configured ``device``
    (config.Device) with ``key`` (Ed25519 private key) in ``queue``;
    ``wake`` (threading.Event) is set after each stored scan."""

    def __init__(self, device, key, queue, wake=None):
        self.device, self.key, self.queue = device, key, queue
        self.wake = wake
        self.debouncer = Debouncer(device.profile.debounce)

    def scan(self, raw, now=None, debounce=True):
        """Store the scan ``raw`` (bytes) signed; return the event (dict),
        or None for an empty scan or a repeat within the debounce window.
        ``now`` is time.monotonic() seconds.  Raises sqlite3.Error when
        the queue cannot store it."""
        device = self.device
        if not raw:
            return None
        now = time.monotonic() if now is None else now
        if debounce and self.debouncer.seen(device.code, raw, now):
            logger.info("%s: repeat within %ss ignored: %s", device.name,
                device.profile.debounce, shown(raw))
            return None
        _, event = self.queue.record(device.code,
            lambda counter: make_event(self.key, device.code, counter, raw,
                badge=device.badge))
        logger.info("%s: scan #%s queued: %s", device.name,
            event['counter'], shown(raw))
        if self.wake is not None:
            self.wake.set()
        return event


class RfidSession:
    """The reads of one RFID session, collapsed and recorded by
    :meth:`flush` once ``window`` seconds passed without a new read (or
    4 windows after the first read, for a reader that never pauses).
    Thread-safe."""

    def __init__(self, recorder, window):
        self.recorder, self.window = recorder, window
        self.reads, self.tokens = [], []
        self.first = self.last = None
        self.lock = threading.Lock()

    def add(self, payload, now=None, token=None):
        """Add the JSON read ``payload`` (bytes); ``token`` (any) is
        returned by the :meth:`flush` that records it.  Return True, or
        False (logged) when the payload is not a valid read."""
        now = time.monotonic() if now is None else now
        try:
            read = parse_read(payload)
        except ValueError as error:
            logger.warning("%s: RFID read refused (%s): %s",
                self.recorder.device.name, error, shown(payload))
            return False
        read.setdefault('time', time.time())
        with self.lock:
            if not self.reads:
                self.first = now
            self.reads.append(read)
            self.last = now
            if token is not None:
                self.tokens.append(token)
        return True

    def due(self, now=None):
        "Tell whether the session is over at ``now`` (monotonic seconds)."
        now = time.monotonic() if now is None else now
        with self.lock:
            return bool(self.reads) and (now - self.last >= self.window
                or now - self.first >= 4 * self.window)

    def flush(self):
        """Collapse and record the session's reads; return the tokens of
        the reads now stored (to acknowledge them) and start a new
        session.  On a queue error nothing is lost: the reads stay."""
        with self.lock:
            reads, tokens = self.reads, self.tokens
            if not reads:
                return tokens
            tags, anomalies = collapse(reads)
            name = self.recorder.device.name
            for tag in tags:
                logger.info("%s: tag EPC=%s TID=%s: %d read(s), strongest "
                    "antenna %s (%.1f dBm)", name, tag['epc'], tag['tid'],
                    tag['count'], tag['antenna'], tag['rssi'])
            for anomaly in anomalies:
                logger.warning("%s: EPC %s read with %d TIDs (cloned tag?)",
                    name, anomaly['epc'], len(anomaly['tids']))
            for raw in session_scans(tags, anomalies):
                self.recorder.scan(raw, debounce=False)
            self.reads, self.tokens = [], []
            return tokens


def parse_read(payload):
    """Return the read dict {'epc' (upper hex), 'tid' (upper hex),
    'antenna' (int), 'rssi' (float dBm)[, 'time']} of the JSON ``payload``
    (bytes or str).  Raises ValueError naming the bad key."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not JSON")
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    read = {}
    for key in ['epc', 'tid']:
        value = data.get(key, '' if key == 'tid' else None)
        # An empty TID: the reader did not read it (rfid.collapse).
        if not isinstance(value, str) or not HEX.match(value) and (
                key == 'epc' or value):
            raise ValueError("%r is not a hex string" % key)
        read[key] = value.upper()
    try:
        read['antenna'] = int(data.get('antenna', 0))
        read['rssi'] = float(data['rssi'])
    except (KeyError, TypeError, ValueError):
        raise ValueError("'antenna' and 'rssi' must be numbers")
    if isinstance(data.get('time'), (int, float)):
        read['time'] = float(data['time'])
    return read


def session_scans(tags, anomalies):
    """Return the raw scans (list of bytes) of one session's ``tags`` and
    ``anomalies`` (of ``rfid.collapse``): ``EPC=<hex>;TID=<hex>`` per tag,
    then ``EPC=<hex>;TID=<t1>,<t2>`` per EPC seen with several TIDs (whose
    tags are not posted one by one: a cloned EPC proves nothing)."""
    shared = {a['epc'] for a in anomalies}
    scans = [('EPC=%s;TID=%s' % (t['epc'], t['tid'])).encode('ascii')
        for t in tags if t['epc'] not in shared]
    scans += [('EPC=%s;TID=%s' % (a['epc'], ','.join(a['tids'])))
        .encode('ascii') for a in anomalies]
    return scans


def message_scans(profile, payload):
    """Return the scans (list of bytes) of one MQTT message ``payload``:
    the message ends a scan even without a terminator."""
    terminator = profile.terminator
    if terminator == 'any':
        if not payload.endswith(ANY_TERMINATORS):
            payload += b'\n'
    elif not payload.endswith(terminator):
        payload += terminator
    # A fresh framer: a message never continues the previous one.
    return Framer(profile).feed(payload, time.monotonic())


class SerialSource(threading.Thread):
    """Read the serial port of ``device`` until ``stop`` (threading.Event)
    is set; scans go to ``recorder`` (or JSON reads to ``session`` for an
    RFID reader).  The port is reopened after an error, every
    ``retry`` seconds."""

    def __init__(self, device, recorder, stop, session=None, retry=2.0):
        super().__init__(name='serial %s' % device.name, daemon=True)
        self.device, self.recorder, self.stop = device, recorder, stop
        self.session, self.retry = session, retry
        self.opened = threading.Event()
        self.framer = Framer(device.profile)
        # Poll often enough to notice the inter-character timeout.
        self.poll = max(0.01, min(0.05, device.profile.timeout / 4))

    def open(self):
        "Open the port (serial.Serial); raises serial.SerialException."
        import serial
        source = self.device.source
        return serial.serial_for_url(source.target, timeout=self.poll,
            **source.options)

    def run(self):
        while not self.stop.is_set():
            try:
                port = self.open()
            except Exception as error:
                logger.warning("%s: cannot open %s: %s", self.device.name,
                    self.device.source.target, error)
                self.stop.wait(self.retry)
                continue
            try:
                self.opened.set()
                self.read(port)
            except Exception as error:
                logger.warning("%s: %s: %s; reopening", self.device.name,
                    self.device.source.target, error)
                self.stop.wait(self.retry)
            finally:
                port.close()
        self.finish()

    def read(self, port):
        "Read ``port`` until ``stop``; raises serial.SerialException."
        while not self.stop.is_set():
            data = port.read(max(1, port.in_waiting))
            now = time.monotonic()
            scans = self.framer.feed(data, now) if data else []
            self.framer.expire(now)
            for scan in scans:
                self.handle(scan, now)
            if self.session is not None and self.session.due(now):
                self.session.flush()

    def handle(self, scan, now):
        if self.session is not None:
            self.session.add(scan, now)
        else:
            self.recorder.scan(scan, now)

    def finish(self):
        "Record the reads of an open RFID session (at stop)."
        if self.session is not None:
            self.session.flush()


class MqttSource(threading.Thread):
    """Subscribe (QoS 1) to the topic of ``device`` on the broker of
    ``mqtt`` (config.Mqtt) until ``stop`` is set; a message is
    acknowledged once its scans are stored.  RFID reads go to
    ``session``.  paho reconnects by itself (1 to 30 s)."""

    def __init__(self, device, recorder, stop, mqtt, session=None,
            client_id=None):
        super().__init__(name='mqtt %s' % device.name, daemon=True)
        self.device, self.recorder, self.stop = device, recorder, stop
        self.mqtt, self.session = mqtt, session
        self.client_id = client_id or 'ztinv-bridge-%s' % device.code
        self.subscribed = threading.Event()
        self.client = None

    def make_client(self):
        from paho.mqtt import client as paho
        client = paho.Client(paho.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=not self.mqtt.persistent, manual_ack=True)
        client.on_connect = self.on_connect
        client.on_subscribe = self.on_subscribe
        client.on_message = self.on_message
        client.reconnect_delay_set(1, 30)
        return client

    def run(self):
        self.client = client = self.make_client()
        client.connect_async(self.mqtt.host, self.mqtt.port,
            self.mqtt.keepalive)
        client.loop_start()
        try:
            while not self.stop.wait(0.05):
                if self.session is not None and self.session.due():
                    self.acknowledge(self.session.flush())
        finally:
            if self.session is not None:
                self.acknowledge(self.session.flush())
            client.disconnect()
            client.loop_stop()

    def on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            logger.warning("%s: MQTT broker %s:%s refused: %s",
                self.device.name, self.mqtt.host, self.mqtt.port,
                reason_code)
            return
        client.subscribe(self.device.source.target, qos=1)

    def on_subscribe(self, client, userdata, mid, reason_codes, properties):
        logger.info("%s: subscribed to %s", self.device.name,
            self.device.source.target)
        self.subscribed.set()

    def on_message(self, client, userdata, message):
        token = (message.mid, message.qos)
        try:
            if self.session is not None:
                if not self.session.add(message.payload, token=token):
                    self.acknowledge([token])
                return
            for scan in message_scans(self.device.profile,
                    message.payload):
                self.recorder.scan(scan)
        except Exception:
            # Not acknowledged: the broker sends it again.
            logger.exception("%s: message on %s not stored",
                self.device.name, message.topic)
            return
        self.acknowledge([token])

    def acknowledge(self, tokens):
        for mid, qos in tokens:
            if qos:
                self.client.ack(mid, qos)
