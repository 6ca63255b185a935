# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The bridge's disk queue: durable puts, acks, counters that never go
back, across threads, processes and a crash."""
import os
import subprocess
import sys
import tempfile
import threading
import unittest

from trytond.modules.zt_devices.bridge.queue import DiskQueue


def event(device, counter, raw='QUJD'):
    return {'device': device, 'counter': counter,
        'time': '2026-01-02T03:04:05.000006Z', 'raw': raw, 'badge': None,
        'signature': 'c2ln'}


def answer(e, outcome='accepted', reason=None):
    return {'device': e['device'], 'counter': e['counter'],
        'outcome': outcome, 'reason': reason, 'message': "m", 'scan': 1}


class DiskQueueTestCase(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix='zt-queue-')
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, 'queue.sqlite')

    def open(self):
        queue = DiskQueue(self.path)
        self.addCleanup(queue.close)
        return queue

    def test_put_survives_reopen(self):
        "a put event is still there after closing and reopening the file"
        queue = self.open()
        ids = [queue.put(event('D1', c)) for c in [1, 2, 3]]
        queue.close()
        queue = self.open()
        self.assertEqual(queue.pending(),
            [(i, event('D1', c)) for i, c in zip(ids, [1, 2, 3])])
        self.assertEqual(queue.count(), 3)
        self.assertEqual([c for _, c in queue.pending(2)],
            [event('D1', 1), event('D1', 2)])

    def test_put_durable_after_crash(self):
        "an event put by a process that dies right after is on disk"
        code = ('import os, sys\n'
            'from trytond.modules.zt_devices.bridge.queue import DiskQueue\n'
            'q = DiskQueue(sys.argv[1])\n'
            'q.put({"device": "D9", "counter": q.next_counter("D9")})\n'
            'os._exit(0)\n')
        subprocess.run([sys.executable, '-c', code, self.path], check=True,
            timeout=60)
        queue = self.open()
        self.assertEqual([e for _, e in queue.pending()],
            [{'device': 'D9', 'counter': 1}])
        self.assertEqual(queue.next_counter('D9'), 2)

    def test_ack_removes_and_keeps_answers(self):
        "ack removes answered events; refused/duplicate kept in dead"
        queue = self.open()
        events = [event('D1', c) for c in [1, 2, 3, 4]]
        ids = [queue.put(e) for e in events]
        queue.ack(ids[:3], [answer(events[0]),
                answer(events[1], 'refused', 'check_digit'),
                answer(events[2], 'duplicate')])
        queue.close()
        queue = self.open()
        self.assertEqual(queue.pending(), [(ids[3], events[3])])
        dead = queue.dead()
        self.assertEqual([(d['counter'], d['outcome'], d['reason'])
                for d in dead],
            [(3, 'duplicate', None), (2, 'refused', 'check_digit')])
        self.assertEqual(dead[1]['event'], events[1])

    def test_ack_mismatch_removes_nothing(self):
        "answers for other events, bad outcomes or lengths remove nothing"
        queue = self.open()
        events = [event('D1', c) for c in [1, 2]]
        ids = [queue.put(e) for e in events]
        with self.assertRaisesRegex(ValueError, "1 answers for 2 events"):
            queue.ack(ids, [answer(events[0])])
        with self.assertRaisesRegex(ValueError,
                "answer for D1 #1 given for event %s" % ids[1]):
            queue.ack(ids, [answer(events[0]), answer(events[0])])
        with self.assertRaisesRegex(ValueError, "unknown outcome 'maybe'"):
            queue.ack(ids, [answer(events[0]), answer(events[1], 'maybe')])
        with self.assertRaisesRegex(ValueError, "event 999 is not queued"):
            queue.ack([ids[0], 999], [answer(events[0]), answer(events[1])])
        self.assertEqual(queue.count(), 2)
        self.assertEqual(queue.dead(), [])

    def test_bad_event(self):
        "an event without device or integer counter is refused"
        queue = self.open()
        with self.assertRaisesRegex(ValueError, "needs a 'device'"):
            queue.put({'device': 'D1', 'counter': '1'})
        with self.assertRaisesRegex(ValueError, "non-empty string"):
            queue.next_counter('')
        self.assertEqual(queue.count(), 0)

    def test_counters_survive_reopen(self):
        "counters go on after a reopen, per device"
        queue = self.open()
        self.assertEqual([queue.next_counter('D1') for _ in range(3)],
            [1, 2, 3])
        self.assertEqual(queue.next_counter('D2'), 1)
        queue.close()
        queue = self.open()
        self.assertEqual(queue.next_counter('D1'), 4)
        self.assertEqual(queue.next_counter('D2'), 2)

    def test_record_uses_counter_only_when_stored(self):
        "record: a failed build leaves the counter unused"
        queue = self.open()
        _, first = queue.record('D1', lambda c: event('D1', c))

        def broken(counter):
            raise RuntimeError("signing failed")
        with self.assertRaises(RuntimeError):
            queue.record('D1', broken)
        _, second = queue.record('D1', lambda c: event('D1', c))
        self.assertEqual([first['counter'], second['counter']], [1, 2])
        self.assertEqual(queue.count(), 2)

    def test_counters_strictly_increasing_under_threads(self):
        "threads on one queue and on a second connection never share one"
        queues = [self.open(), self.open()]
        results = [[] for _ in range(8)]

        def take(index):
            queue = queues[index % 2]
            for _ in range(40):
                results[index].append(queue.next_counter('D1'))
        threads = [threading.Thread(target=take, args=(i,))
            for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for values in results:
            self.assertEqual(values, sorted(values))
            self.assertEqual(len(set(values)), len(values))
        every = sorted(v for values in results for v in values)
        self.assertEqual(every, list(range(1, 321)))


if __name__ == '__main__':
    unittest.main()
