# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Signed anchors of the ledger heads (the signing is in anchor_sign.py).

An anchor is appended by :meth:`LedgerAnchor.anchor_heads` alone (the
daily cron task and ``ztinv anchor``): one per chain, signed with the
server's Ed25519 key and also appended to the anchor file, which is meant
to be copied out of the server.  Anchors are append-only like the entries:
the model refuses write and delete for every user including root, access is
read-only for every group, and database triggers refuse UPDATE, DELETE and
TRUNCATE of the table.  ``ztinv verify`` checks them (anchor_verify.py).

Configuration, section ``[zt_inventory]`` of the trytond configuration:
``ledger_key`` (path of the private key, PEM) and ``anchor_file`` (path of
the anchor file; without it anchors are kept in the database only)."""
import datetime as dt

from sql import For

from trytond import backend, config
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from . import anchor_sign
from . import append_only
from . import chain as ledger_chain
from .exceptions import LedgerAnchorError
from .ledger import APPEND_CONTEXT, AppendOnlyMixin

SECTION = 'zt_inventory'


def signing_key():
    """Return the server's Ed25519PrivateKey from the ``ledger_key`` option.

    Raises :class:`LedgerAnchorError` (saying which option to set and how
    to create a key) if it is not configured or cannot be used."""
    path = config.get(SECTION, 'ledger_key')
    if not path:
        raise LedgerAnchorError(
            gettext('zt_inventory.msg_ledger_anchor_no_key'))
    try:
        return anchor_sign.load_private_key(path)
    except anchor_sign.AnchorKeyError as error:
        raise LedgerAnchorError(gettext(
                'zt_inventory.msg_ledger_anchor_key_unreadable',
                path=path, error=error)) from error


class LedgerAnchor(AppendOnlyMixin, ModelSQL, ModelView):
    "Ledger Anchor"
    __name__ = 'zt.ledger.anchor'
    __string__ = "Ledger Anchor"
    _rec_name = 'hash'
    chain = fields.Many2One(
        'zt.ledger.chain', "Chain", required=True, readonly=True,
        ondelete='RESTRICT')
    key = fields.Char("Key", required=True, readonly=True,
        help="The chain key, as signed.")
    sequence = fields.Integer("Sequence", required=True, readonly=True,
        help="The sequence number of the chain's head entry.")
    hash = fields.Char("Hash", required=True, readonly=True,
        help="The hash of the chain's head entry.")
    timestamp = fields.Char("Timestamp", required=True, readonly=True,
        help="The time of the anchor in UTC, as signed.")
    date = fields.DateTime("Date", required=True, readonly=True,
        help="The timestamp as a date and time (UTC), to filter on.")
    public_key = fields.Char("Public Key", required=True, readonly=True,
        help="The Ed25519 public key of the signature, in hex.")
    signature = fields.Char("Signature", required=True, readonly=True,
        help="The Ed25519 signature, in hex.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('key', 'ASC'), ('id', 'DESC')]

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        append_only.create(
            Transaction().connection.cursor(), backend.name, cls._table)

    @classmethod
    def anchor_heads(cls):
        """Sign the head of every chain that has entries and append the
        anchors, in the current transaction, whatever the caller's access
        (the ir.cron task and ``ztinv anchor``).

        The heads are read under the chains' row locks, so an anchor names
        a committed head.  Returns the anchors (list of zt.ledger.anchor),
        after appending their lines to the anchor file when ``anchor_file``
        is configured.  Raises :class:`LedgerAnchorError` before anything is
        written if the key cannot be used, and if the file cannot be
        written (the transaction is then rolled back by the caller)."""
        private_key = signing_key()
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        timestamp = ledger_chain.format_timestamp(now)
        vlist = []
        for chain_id, key, sequence, hash_ in cls._locked_heads():
            signed = anchor_sign.make_anchor(
                private_key, key, sequence, hash_, timestamp)
            vlist.append({
                    'chain': chain_id,
                    'key': key,
                    'sequence': sequence,
                    'hash': hash_,
                    'timestamp': timestamp,
                    'date': now,
                    'public_key': signed.public_key,
                    'signature': signed.signature,
                    })
        with without_check_access(), \
                Transaction().set_context(**{APPEND_CONTEXT: True}):
            anchors = cls.create(vlist)
        cls._append_file(anchors)
        return anchors

    @classmethod
    def _locked_heads(cls):
        """Return (chain id, key, head sequence, head hash) of every chain
        with entries, read with ``SELECT ... FOR UPDATE`` on PostgreSQL (an
        append in progress is waited for); SQLite has a single writer."""
        table = Pool().get('zt.ledger.chain').__table__()
        query = table.select(table.id, table.key, table.head_sequence,
            table.head_hash, where=table.head_sequence > 0,
            order_by=[table.id.asc])
        if backend.name == 'postgresql':
            query.for_ = For('UPDATE')
        cursor = Transaction().connection.cursor()
        cursor.execute(*query)
        return cursor.fetchall()

    @classmethod
    def _append_file(cls, anchors):
        path = config.get(SECTION, 'anchor_file')
        if not path or not anchors:
            return
        try:
            anchor_sign.append_file(path, [a.signed for a in anchors])
        except OSError as error:
            raise LedgerAnchorError(gettext(
                    'zt_inventory.msg_ledger_anchor_file',
                    path=path, error=error.strerror or error)) from error

    @property
    def signed(self):
        "The anchor_sign.Anchor of this record."
        return anchor_sign.Anchor(self.key, self.sequence, self.hash,
            self.timestamp, self.public_key, self.signature)


def anchor_database(database_name):
    """Run :meth:`LedgerAnchor.anchor_heads` on ``database_name`` as root in
    its own transaction, committed, retried on a serialization failure
    (``[database] retry`` times), with trytond's configuration already
    loaded.  Returns the anchors (list of anchor_sign.Anchor); raises
    :class:`LedgerAnchorError`."""
    # Pool() registers the name: look before, as trytond's dispatcher does.
    loaded = database_name in Pool.database_list()
    pool = Pool(database_name)
    if not loaded:
        pool.init()
    retry = config.getint('database', 'retry')
    for count in range(retry, -1, -1):
        try:
            with Transaction().start(database_name, 0,
                    context={'_skip_warnings': True}):
                Anchor = pool.get('zt.ledger.anchor')
                anchors = [a.signed for a in Anchor.anchor_heads()]
            return anchors
        except backend.DatabaseOperationalError:
            if not count:
                raise
