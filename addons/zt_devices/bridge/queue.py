# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The bridge's queue on disk: signed events wait here until the server
answered for them.

One SQLite file (WAL journal, ``synchronous=FULL``): a write is on the disk
when the call returns, so an event stored by :meth:`DiskQueue.put` survives
a crash or a power cut of the box.  Tables:

- ``event``: the signed events not yet answered, in arrival order;
- ``counter``: the last counter given to each device (never goes back, so
  a restarted bridge never repeats a counter the server has seen);
- ``dead``: the answers other than 'accepted' (refused, duplicate) with
  their event, kept for the operator's log (``ztinv bridge status``).

No ORM, no trytond: stdlib only.
"""
import json
import sqlite3
import threading
import time

SCHEMA = [
    'CREATE TABLE IF NOT EXISTS event ('
    'id INTEGER PRIMARY KEY AUTOINCREMENT, '
    'device TEXT NOT NULL, counter INTEGER NOT NULL, body TEXT NOT NULL, '
    'queued REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, '
    'last_error TEXT)',
    'CREATE TABLE IF NOT EXISTS counter ('
    'device TEXT PRIMARY KEY, value INTEGER NOT NULL)',
    'CREATE TABLE IF NOT EXISTS dead ('
    'id INTEGER PRIMARY KEY AUTOINCREMENT, '
    'device TEXT NOT NULL, counter INTEGER NOT NULL, body TEXT NOT NULL, '
    'outcome TEXT NOT NULL, reason TEXT, message TEXT, '
    'answered REAL NOT NULL)',
    ]
OUTCOMES = {'accepted', 'refused', 'duplicate'}


class DiskQueue:
    """The queue of signed events in the SQLite file ``path`` (str or
    path-like; created with its tables when missing).

    Safe to share between the threads of one bridge (one connection behind
    a lock) and between processes (each write is an ``IMMEDIATE``
    transaction).  Raises ``sqlite3.Error`` when the file is unusable."""

    def __init__(self, path, timeout=30):
        self.path = str(path)
        self._lock = threading.Lock()
        # Autocommit mode: transactions are opened explicitly below.
        self._db = sqlite3.connect(self.path, timeout=timeout,
            isolation_level=None, check_same_thread=False)
        self._db.execute('PRAGMA journal_mode=WAL')
        self._db.execute('PRAGMA synchronous=FULL')
        with self._transaction() as db:
            for statement in SCHEMA:
                db.execute(statement)

    def close(self):
        "Close the file; the queue is unusable afterwards."
        with self._lock:
            self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _transaction(self):
        return _Transaction(self._db, self._lock)

    def next_counter(self, device):
        """Return the next counter (int >= 1) of ``device`` (str) and
        persist it before returning: never the same twice, across threads,
        processes and restarts."""
        with self._transaction() as db:
            return _increment(db, device)

    def put(self, event):
        """Store the signed ``event`` (dict of the signing module, with
        'device' and 'counter'); return its queue id (int).  Durable when
        it returns."""
        with self._transaction() as db:
            return _insert(db, event)

    def record(self, device, build):
        """Take the next counter of ``device`` and store ``build(counter)``
        (the signed event, a dict) in one transaction: a counter is only
        used up when its event is stored.  Return ``(id, event)``."""
        with self._transaction() as db:
            counter = _increment(db, device)
            event = build(counter)
            return _insert(db, event), event

    def pending(self, limit=100):
        "Return up to ``limit`` waiting events as [(id, event)], oldest first."
        with self._lock:
            rows = self._db.execute(
                'SELECT id, body FROM event ORDER BY id LIMIT ?',
                (limit,)).fetchall()
        return [(id_, json.loads(body)) for id_, body in rows]

    def count(self):
        "Return the number (int) of events waiting."
        with self._lock:
            return self._db.execute('SELECT COUNT(*) FROM event').fetchone()[0]

    def ack(self, ids, answers):
        """Remove the events ``ids`` (list of queue ids) that the server
        answered for with ``answers`` (list of dicts {'device', 'counter',
        'outcome', 'reason', 'message'} in the same order); answers other
        than 'accepted' go to the ``dead`` table.  All or nothing: raises
        ValueError (and removes nothing) when the lengths differ, an answer
        is for another event, its outcome is unknown or an id is not
        queued."""
        if len(ids) != len(answers):
            raise ValueError("%d answers for %d events"
                % (len(answers), len(ids)))
        now = time.time()
        with self._transaction() as db:
            for id_, answer in zip(ids, answers):
                _ack_one(db, id_, answer, now)

    def fail(self, ids, error):
        "Note a failed attempt to post ``ids``, with ``error`` (str)."
        with self._transaction() as db:
            db.executemany('UPDATE event SET attempts = attempts + 1, '
                'last_error = ? WHERE id = ?', [(error, i) for i in ids])

    def dead(self, limit=100):
        """Return the latest ``limit`` answers kept, newest first, as dicts
        {'device', 'counter', 'outcome', 'reason', 'message', 'answered'
        (UTC seconds), 'event'}."""
        with self._lock:
            rows = self._db.execute('SELECT device, counter, outcome, '
                'reason, message, answered, body FROM dead '
                'ORDER BY id DESC LIMIT ?', (limit,)).fetchall()
        keys = ['device', 'counter', 'outcome', 'reason', 'message',
            'answered']
        return [dict(zip(keys, r[:-1]), event=json.loads(r[-1]))
            for r in rows]


class _Transaction:
    "``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error) under a lock."

    def __init__(self, db, lock):
        self.db, self.lock = db, lock

    def __enter__(self):
        self.lock.acquire()
        try:
            self.db.execute('BEGIN IMMEDIATE')
        except BaseException:
            self.lock.release()
            raise
        return self.db

    def __exit__(self, exc_type, exc, tb):
        try:
            self.db.execute('ROLLBACK' if exc_type else 'COMMIT')
        finally:
            self.lock.release()


def _increment(db, device):
    if not isinstance(device, str) or not device:
        raise ValueError("device must be a non-empty string: %r" % (device,))
    row = db.execute('SELECT value FROM counter WHERE device = ?',
        (device,)).fetchone()
    value = (row[0] if row else 0) + 1
    db.execute('INSERT OR REPLACE INTO counter (device, value) '
        'VALUES (?, ?)', (device, value))
    return value


def _insert(db, event):
    device, counter = event.get('device'), event.get('counter')
    if not isinstance(device, str) or not isinstance(counter, int):
        raise ValueError("an event needs a 'device' (str) and a 'counter' "
            "(int): %r" % ({k: event.get(k) for k in ['device', 'counter']},))
    body = json.dumps(event, sort_keys=True)
    return db.execute('INSERT INTO event (device, counter, body, queued) '
        'VALUES (?, ?, ?, ?)', (device, counter, body, time.time())
        ).lastrowid


def _ack_one(db, id_, answer, now):
    row = db.execute('SELECT device, counter, body FROM event WHERE id = ?',
        (id_,)).fetchone()
    if row is None:
        raise ValueError("event %s is not queued" % id_)
    device, counter, body = row
    if (answer.get('device'), answer.get('counter')) != (device, counter):
        raise ValueError("answer for %s #%s given for event %s (%s #%s)"
            % (answer.get('device'), answer.get('counter'), id_, device,
                counter))
    outcome = answer.get('outcome')
    if outcome not in OUTCOMES:
        raise ValueError("unknown outcome %r for %s #%s"
            % (outcome, device, counter))
    if outcome != 'accepted':
        db.execute('INSERT INTO dead (device, counter, body, outcome, '
            'reason, message, answered) VALUES (?, ?, ?, ?, ?, ?, ?)',
            (device, counter, body, outcome, answer.get('reason'),
                answer.get('message'), now))
    db.execute('DELETE FROM event WHERE id = ?', (id_,))
