# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""``ztinv bridge``: the device bridge next to the scanners.

- ``ztinv bridge -c BRIDGE.ini`` reads every configured source, signs and
  queues each scan on disk and posts the queue to trytond until SIGTERM
  or SIGINT;
- ``ztinv bridge -c BRIDGE.ini --once`` posts what is queued and exits (0
  when the queue is empty, 1 when events wait for the server);
- ``ztinv bridge enrol -c BRIDGE.ini --device NAME --code CODE`` creates
  the device's key (``key_file``, mode 0600) and enrols its public half
  with the one-time enrolment CODE shown by the server;
- ``ztinv bridge status -c BRIDGE.ini`` prints the queue and the latest
  answers other than 'accepted'.

Exit codes: 0 done, 1 something waits or failed (printed), 2 bad usage or
configuration.
"""
import argparse
import logging
import os
import signal
import sys
import threading

from ..signing import generate_key, load_private, public_b64
from . import config as config_
from .client import LoginRefused, RpcClient, RpcError, Unavailable
from .queue import DiskQueue
from .sources import MqttSource, Recorder, RfidSession, SerialSource

logger = logging.getLogger('zt_devices.bridge')
BATCH = 50


class Poster(threading.Thread):
    """Post the events of ``queue`` in order with ``client`` (RpcClient)
    until ``stop`` is set, and remove them once answered.  After a failure
    the events stay and the next attempt waits ``backoff[0]`` seconds,
    doubled each time up to ``backoff[1]``; ``wake`` (threading.Event)
    starts an attempt at once."""

    def __init__(self, queue, client, stop, wake=None, backoff=(1, 60)):
        super().__init__(name='poster', daemon=True)
        self.queue, self.client, self.stop = queue, client, stop
        self.wake = wake or threading.Event()
        self.backoff = backoff

    def drain(self):
        """Post batches until the queue is empty; return the number of
        events answered.  Raises Unavailable, LoginRefused or RpcError
        (the events of the failed batch stay queued)."""
        answered = 0
        while not self.stop.is_set():
            batch = self.queue.pending(BATCH)
            if not batch:
                break
            ids = [i for i, _ in batch]
            try:
                answers = self.client.submit([e for _, e in batch])
                self.queue.ack(ids, answers)
            except (Unavailable, LoginRefused, RpcError, ValueError) as e:
                self.queue.fail(ids, str(e))
                raise
            for answer in answers:
                log_answer(answer)
            answered += len(ids)
        return answered

    def run(self):
        delay = self.backoff[0]
        while not self.stop.is_set():
            self.wake.clear()
            try:
                self.drain()
            except (Unavailable, LoginRefused, RpcError, ValueError) as e:
                logger.warning("posting failed, %d event(s) kept, retry in "
                    "%ss: %s", self.queue.count(), delay, e)
                self.stop.wait(delay)
                delay = min(delay * 2, self.backoff[1])
                continue
            delay = self.backoff[0]
            self.wake.wait(1)


def log_answer(answer):
    level = logging.INFO if answer.get('outcome') == 'accepted' else (
        logging.WARNING)
    logger.log(level, "server: %s #%s %s%s", answer.get('device'),
        answer.get('counter'), answer.get('outcome'),
        ' (%s: %s)' % (answer.get('reason'), answer.get('message'))
        if answer.get('reason') else '')


class Bridge:
    """Sources and poster of the configuration ``config`` (config.Config):
    :meth:`start` them, :meth:`close` at the end.  ``client`` defaults to
    an RpcClient of the [server] section."""

    def __init__(self, config, client=None, queue=None):
        self.config = config
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.queue = queue or DiskQueue(config.queue_path)
        self.client = client or make_client(config)
        self.sources = [self.make_source(d)
            for d in config.devices.values()]
        self.poster = Poster(self.queue, self.client, self.stop, self.wake)

    def make_source(self, device):
        recorder = Recorder(device, read_key(device), self.queue, self.wake)
        kind = device.source.kind
        session = (RfidSession(recorder, device.session)
            if kind.startswith('rfid-') else None)
        if kind.endswith('mqtt'):
            return MqttSource(device, recorder, self.stop, self.config.mqtt,
                session=session)
        return SerialSource(device, recorder, self.stop, session=session)

    def start(self):
        for source in self.sources:
            source.start()
        self.poster.start()

    def close(self, timeout=5):
        "Stop and join the threads, then close the queue."
        self.stop.set()
        self.wake.set()
        for thread in [*self.sources, self.poster]:
            if thread.is_alive():
                thread.join(timeout)
        self.queue.close()


def make_client(config):
    server = config.server
    return RpcClient(server.url, server.database, server.user,
        config_.read_password(server), timeout=server.timeout)


def read_key(device):
    """Return the private key of ``device``; raises ValueError when the key
    file is missing or unreadable (run ``ztinv bridge enrol``)."""
    try:
        with open(device.key_file, 'rb') as file:
            pem = file.read()
        mode = os.stat(device.key_file).st_mode
    except OSError as error:
        raise ValueError("[device %s] key_file: cannot read %s (%s); run "
            "'ztinv bridge enrol'" % (device.name, device.key_file,
                error.strerror))
    if mode & 0o077:
        logger.warning("%s: key file %s is readable by others; chmod 600",
            device.name, device.key_file)
    try:
        return load_private(pem)
    except (ValueError, TypeError) as error:
        raise ValueError("[device %s] key_file: %s is not an Ed25519 "
            "private key: %s" % (device.name, device.key_file, error))


def run(config, once=False):
    "Run the bridge of ``config``; return the exit code."
    if once:
        with DiskQueue(config.queue_path) as queue:
            poster = Poster(queue, make_client(config), threading.Event())
            try:
                count = poster.drain()
            except (Unavailable, LoginRefused, RpcError, ValueError) as e:
                print("ztinv bridge: %d event(s) kept: %s"
                    % (queue.count(), e), file=sys.stderr)
                return 1
            print("ztinv bridge: %d event(s) answered" % count)
            return 0
    bridge = Bridge(config)
    previous = {s: signal.signal(s, lambda *a: bridge.stop.set())
        for s in [signal.SIGTERM, signal.SIGINT]}
    try:
        bridge.start()
        logger.info("bridge started: %d device(s), %d event(s) queued",
            len(bridge.sources), bridge.queue.count())
        while not bridge.stop.wait(1):
            pass
    finally:
        logger.info("bridge stopping")
        bridge.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


def enrol(config, name, code, out=sys.stdout):
    """Create the key of device ``name`` and enrol it with the enrolment
    ``code``; return the exit code.  The key is written to
    ``key_file + '.new'`` first and renamed once the server accepted it:
    a failed enrolment is retried with the same key."""
    device = config.devices.get(name)
    if device is None:
        raise ValueError("no [device %s] in %s (devices: %s)" % (name,
                config.path, ', '.join(sorted(config.devices))))
    if os.path.exists(device.key_file):
        raise ValueError("[device %s] key_file %s exists; a key is never "
            "overwritten (move it away to enrol a new key)"
            % (name, device.key_file))
    public = new_key(device.key_file + '.new')
    device_code = make_client(config).enrol(code, public)
    os.replace(device.key_file + '.new', device.key_file)
    print("enrolled device %s, key %s" % (device_code, device.key_file),
        file=out)
    if device_code != device.code:
        print("set code = %s in [device %s]" % (device_code, name),
            file=out)
        return 1
    return 0


def new_key(path):
    """Return the public key (base64) of the key in ``path``, created with
    mode 0600 when missing."""
    if os.path.exists(path):
        with open(path, 'rb') as file:
            return public_b64(load_private(file.read()))
    pem, public = generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'wb') as file:
        file.write(pem)
        file.flush()
        os.fsync(file.fileno())
    return public


def status(config, out=sys.stdout):
    "Print the queue and the latest answers kept; return 0."
    with DiskQueue(config.queue_path) as queue:
        print("%d event(s) waiting" % queue.count(), file=out)
        for answer in queue.dead(20):
            print("%(device)s #%(counter)s %(outcome)s %(reason)s: "
                "%(message)s" % answer, file=out)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog='ztinv bridge',
        description="Sign and forward the scans of serial, MQTT and RFID "
        "devices to trytond (see doc/bridge.rst).")
    parser.add_argument('command', nargs='?', default='run',
        choices=['run', 'enrol', 'status'])
    parser.add_argument('-c', '--config', dest='config_file',
        required=True, metavar='BRIDGE.ini')
    parser.add_argument('--once', action='store_true',
        help="post what is queued, then exit (1 when events remain)")
    parser.add_argument('--device', metavar='NAME',
        help="enrol: the [device NAME] section")
    parser.add_argument('--code', metavar='ENROLMENT_CODE',
        help="enrol: the one-time code shown by the server")
    parser.add_argument('-v', '--verbose', action='store_true')
    return parser


def main(argv=None):
    "Run ``ztinv bridge`` with ``argv`` (list of str); return the exit code."
    parser = build_parser()
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if options.verbose
        else logging.INFO,
        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    if options.command == 'enrol' and not (options.device and options.code):
        parser.error("enrol needs --device NAME and --code ENROLMENT_CODE")
    try:
        config = config_.load(options.config_file)
        if options.command == 'enrol':
            return enrol(config, options.device, options.code)
        if options.command == 'status':
            return status(config)
        return run(config, once=options.once)
    except ValueError as error:
        print("ztinv bridge: error: %s" % error, file=sys.stderr)
        return 2
    except (Unavailable, LoginRefused, RpcError) as error:
        print("ztinv bridge: error: %s" % error, file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
