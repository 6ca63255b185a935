# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The tamper-evident ledger: append-only entries hash-chained per company
and warehouse (the hashing itself is in chain.py).

Append-only at every level: the models refuse write and delete for every
user including root, access is read-only for every group, and database
triggers refuse UPDATE, DELETE and TRUNCATE of the entry table.  A later
migration that must rewrite the table drops the triggers first; they are
created again by the module update."""
import datetime as dt
import json

from sql import Column, For
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from . import append_only
from . import chain as ledger_chain
from .exceptions import LedgerAppendOnlyError
from .refusal import refused
from .trace import dumps

# Set by append alone; RPC strips context keys starting with '_'.
APPEND_CONTEXT = '_zt_ledger_append'



def chain_key(company, warehouse):
    "Return the chain key (str) '<company id>:<warehouse id or 0>'."
    return '%s:%s' % (int(company), int(warehouse) if warehouse else 0)


def plain(value):
    """Return ``value`` with records replaced by their id, so that it can be
    encoded by chain.canonical_payload (dicts, lists, numbers, text)."""
    return json.loads(dumps(value))


class AppendOnlyMixin:
    """Records created by ``append`` alone (its context flag, which RPC
    cannot set), never written (unless ``_append_writable``) nor deleted, by
    any user including root."""
    __slots__ = ()
    # The chain head moves with each append; entries never change.
    _append_writable = False

    @classmethod
    def _check_append(cls, mode, records=None):
        if (mode == 'delete'
                or (mode == 'write' and not cls._append_writable)
                or not Transaction().context.get(APPEND_CONTEXT)):
            raise refused(LedgerAppendOnlyError(gettext(
                        'zt_inventory.msg_ledger_append_only',
                        model=cls.__name__)), records or [],
                model=cls.__name__)

    @classmethod
    def preprocess_values(cls, mode, values):
        # A creation is refused before the insert: check_modification runs
        # after it; a write or a delete there, with the records.
        if mode == 'create':
            cls._check_append(mode)
        return super().preprocess_values(mode, values)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        cls._check_append(mode, records)


class LedgerChain(AppendOnlyMixin, ModelSQL, ModelView):
    "Ledger Chain"
    __name__ = 'zt.ledger.chain'
    __string__ = "Ledger Chain"
    _append_writable = True
    _rec_name = 'key'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True,
        ondelete='RESTRICT')
    warehouse = fields.Many2One(
        'stock.location', "Warehouse", readonly=True, ondelete='RESTRICT',
        domain=[('type', '=', 'warehouse')],
        help="Empty for the events without a warehouse.")
    key = fields.Char("Key", required=True, readonly=True,
        help="'<company id>:<warehouse id or 0>', hashed in every entry.")
    head_sequence = fields.Integer("Head Sequence", readonly=True)
    head_hash = fields.Char("Head Hash", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('key_unique', Unique(t, t.key),
                'zt_inventory.msg_ledger_chain_key_unique'),
            ]
        cls._order = [('key', 'ASC'), ('id', 'ASC')]

    @classmethod
    def get_locked(cls, company, warehouse):
        """Return (id, key) of the chain of ``company`` and ``warehouse`` (or
        None), created if missing, and its head (sequence, hash) read under
        a lock held until the transaction ends.

        PostgreSQL: ``SELECT ... FOR UPDATE`` waits for a concurrent append
        to the same chain; at REPEATABLE READ the waiter then fails to
        serialize and the dispatcher retries it on a fresh snapshot, so a
        sequence number is never taken twice.  SQLite has a single writer.
        One query when the chain exists (the usual case)."""
        key = chain_key(company, warehouse)
        table = cls.__table__()
        query = table.select(table.id, table.head_sequence, table.head_hash,
            where=table.key == key)
        if backend.name == 'postgresql':
            query.for_ = For('UPDATE')
        cursor = Transaction().connection.cursor()
        cursor.execute(*query)
        row = cursor.fetchone()
        if row is None:
            cls._insert_chain(company, warehouse, key)
            cursor.execute(*query)
            row = cursor.fetchone()
        id_, sequence, hash_ = row
        return (id_, key), (sequence or 0, hash_ or ledger_chain.GENESIS)

    @classmethod
    def _insert_chain(cls, company, warehouse, key):
        """Insert the chain ``key`` unless it exists (``ON CONFLICT DO
        NOTHING``): two transactions that start the same chain at once do
        not fail on its unique key; on PostgreSQL the later one waits for
        the first and, at REPEATABLE READ, fails to serialize and is retried
        by the dispatcher on a snapshot that holds the chain."""
        transaction = Transaction()
        mark = '?' if backend.name == 'sqlite' else '%s'
        cursor = transaction.connection.cursor()
        cursor.execute('INSERT INTO "%s" (company, warehouse, key, '
            'head_sequence, head_hash, create_uid, create_date) '
            'VALUES (%s, CURRENT_TIMESTAMP) ON CONFLICT (key) DO NOTHING'
            % (cls._table, ', '.join([mark] * 6)),
            (int(company), int(warehouse) if warehouse else None, key, 0,
                ledger_chain.GENESIS, transaction.user))

    @classmethod
    def move_heads(cls, heads):
        """Set the heads of the chains: ``heads`` maps chain id to (sequence,
        hash).  Plain SQL under the lock of :meth:`get_locked`, and the
        chains are dropped from the transaction's record caches."""
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        for id_, (sequence, hash_) in heads.items():
            cursor.execute(*table.update(
                    [table.head_sequence, table.head_hash,
                        table.write_uid, table.write_date],
                    [sequence, hash_, transaction.user, CurrentTimestamp()],
                    where=table.id == id_))
        transaction.counter += 1
        for cache in transaction.cache.values():
            if cls.__name__ in cache:
                for id_ in heads:
                    cache[cls.__name__].pop(id_, None)


class LedgerEntry(AppendOnlyMixin, ModelSQL, ModelView):
    "Ledger Entry"
    __name__ = 'zt.ledger.entry'
    __string__ = "Ledger Entry"
    _rec_name = 'hash'
    chain = fields.Many2One(
        'zt.ledger.chain', "Chain", required=True, readonly=True,
        ondelete='RESTRICT')
    sequence = fields.Integer("Sequence", required=True, readonly=True)
    event = fields.Char("Event", required=True, readonly=True)
    model = fields.Char("Model", required=True, readonly=True)
    record = fields.Integer("Record", required=True, readonly=True)
    payload = fields.Text("Payload", readonly=True,
        help="The canonical JSON text that was hashed.")
    user = fields.Many2One('res.user', "User", readonly=True,
        ondelete='RESTRICT')
    employee = fields.Many2One('company.employee', "Employee",
        readonly=True, ondelete='RESTRICT')
    device = fields.Char("Device", readonly=True)
    timestamp = fields.Char("Timestamp", required=True, readonly=True,
        help="The server time in UTC, as hashed.")
    date = fields.DateTime("Date", required=True, readonly=True,
        help="The timestamp as a date and time (UTC), to filter on.")
    previous_hash = fields.Char("Previous Hash", required=True,
        readonly=True)
    hash = fields.Char("Hash", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('chain_sequence_unique', Unique(t, t.chain, t.sequence),
                'zt_inventory.msg_ledger_entry_sequence_unique'),
            ]
        cls._order = [('date', 'DESC'), ('chain', 'ASC'),
            ('sequence', 'DESC'), ('id', 'DESC')]

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        append_only.create(
            Transaction().connection.cursor(), backend.name, cls._table)

    @classmethod
    def append(cls, events):
        """Append one entry per event to its chain, in order, in the current
        transaction (a rollback leaves none), whatever the caller's access.

        ``events``: list of dicts with ``company`` (record or id),
        ``warehouse`` (stock.location or id or None), ``event`` (str, e.g.
        'stock.move.done'), ``record`` (the instance the event is about) and
        ``payload`` (dict, see chain.canonical_payload; changes hold
        ``[old, new]`` values).  The actor is the current user and its
        employee; the timestamp is now in UTC.  Returns the entries.

        The entries and the heads are written with plain SQL under the
        chain's lock: every value comes from here, none from a caller's
        input, and the ORM's create and write cost more than the change
        they record (see the benchmark in doc/ledger.rst)."""
        pool = Pool()
        Chain = pool.get('zt.ledger.chain')
        User = pool.get('res.user')
        transaction = Transaction()
        if not events:
            return []
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        timestamp = ledger_chain.format_timestamp(now)
        with without_check_access(), \
                transaction.set_context(**{APPEND_CONTEXT: True}):
            user = transaction.user
            employee, = User.read([user], ['employee'])
            employee = employee['employee']
            marks = cls._payload_marks(user)
            heads, vlist = {}, []
            for event in events:
                if marks:
                    event = dict(
                        event, payload=dict(event['payload'], **marks))
                company, warehouse = event['company'], event.get('warehouse')
                key = chain_key(company, warehouse)
                if key not in heads:
                    heads[key] = list(Chain.get_locked(company, warehouse))
                chain, (sequence, previous) = heads[key]
                values = cls._entry_values(
                    chain, sequence + 1, previous, event, user, employee,
                    timestamp)
                values['date'] = now
                vlist.append(values)
                heads[key][1] = (values['sequence'], values['hash'])
            entries = cls.browse(cls._insert(vlist))
            Chain.move_heads({c[0]: h for c, h in heads.values()})
        return entries

    @classmethod
    def _payload_marks(cls, user):
        """Return the keys (dict) added to the payload of every entry that
        ``user`` (id) appends now: none here; an extension marks e.g. the
        entries made under an emergency access (emergency.py)."""
        return {}

    @classmethod
    def _insert(cls, vlist):
        """Insert the entries ``vlist`` (dicts of column values, the same
        keys in each) with plain SQL; return their ids in order."""
        transaction = Transaction()
        database = transaction.database
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        names = sorted(vlist[0])
        columns = [Column(table, n) for n in names] + [
            table.create_uid, table.create_date]
        ids = []
        for values in vlist:
            row = [values[n] for n in names] + [
                transaction.user, CurrentTimestamp()]
            if database.has_returning():
                cursor.execute(*table.insert(columns, [row], [table.id]))
                ids.append(cursor.fetchone()[0])
            else:
                cursor.execute(*table.insert(columns, [row]))
                ids.append(database.lastid(cursor))
        transaction.create_records[cls.__name__].extend(ids)
        return ids

    @classmethod
    def _entry_values(cls, chain, sequence, previous, event, user, employee,
            timestamp):
        """Return the column values (dict) of the entry ``sequence`` of
        ``chain`` ((id, key)) for ``event``, hashed; ``user`` and
        ``employee`` are ids (or None)."""
        chain_id, key = chain
        record = event['record']
        payload = ledger_chain.canonical_payload(event['payload'])
        values = {
            'chain': chain_id,
            'sequence': sequence,
            'event': event['event'],
            'model': record.__name__,
            'record': record.id,
            'payload': payload,
            'user': user,
            'employee': employee,
            'device': None,
            'timestamp': timestamp,
            'previous_hash': previous,
            }
        values['hash'] = ledger_chain.entry_hash(
            key, sequence, values['event'], values['model'],
            values['record'], payload, values['user'], values['employee'],
            values['device'], timestamp, previous)
        return values


class LedgerStateMixin:
    """Append a ledger entry '<model>.<new state>' for every change of the
    state of a record, whatever the path (workflow button, internal write,
    root), in the same transaction as the write."""
    __slots__ = ()

    @classmethod
    def on_write(cls, records, values):
        callbacks = super().on_write(records, values)
        if 'state' not in values:
            return callbacks
        olds = {r.id: r.state for r in cls.browse([r.id for r in records])}

        def record_states():
            Entry = Pool().get('zt.ledger.entry')
            Entry.append([{
                        'company': r.company,
                        'warehouse': r._ledger_warehouse(),
                        'event': '%s.%s' % (cls.__name__, r.state),
                        'record': r,
                        'payload': r._ledger_state_payload(olds[r.id]),
                        } for r in cls.browse(list(olds))
                    if r.state != olds[r.id]])
        return callbacks + [record_states]

    def _ledger_warehouse(self):
        return getattr(self, 'warehouse', None)

    def _ledger_state_payload(self, old_state):
        "Return the payload (dict) of a change of state from ``old_state``."
        return {
            'reference': self.rec_name,
            'state': [old_state, self.state],
            'moves': sorted(m.id for m in getattr(self, 'moves', [])),
            }
