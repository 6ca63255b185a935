# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Every scan that reaches the server, accepted or refused.

A scan row is written by the server only (``submit_signed``,
``submit_unsigned`` and the issue step, see scan_submit.py) and never
changed afterwards, except that an accepted scan is marked with the record
it was used for, once.  The raw bytes are kept escaped (escape.escape), so a
control character never reaches a log or a screen as such."""
import hashlib
import json

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .exceptions import ScanUseError

OUTCOMES = [
    ('accepted', "Accepted"),
    ('refused', "Refused"),
    ]
# The context key under which the server writes scans; never from RPC
# (Tryton strips context keys starting with '_').
WRITE_CONTEXT = '_zt_device_scan_write'


class Scan(ModelSQL, ModelView):
    "Device Scan"
    __name__ = 'zt.device.scan'
    __string__ = "Device Scan"
    _order_name = 'received_at'

    device = fields.Many2One('zt.device', "Device", readonly=True,
        ondelete='RESTRICT')
    signed = fields.Boolean("Signed", readonly=True,
        help="Signed by a registered device's key; unsigned scans are "
        "keyboard-wedge input in the client.")
    company = fields.Many2One('company.company', "Company", readonly=True)
    warehouse = fields.Many2One('stock.location', "Warehouse", readonly=True)
    raw = fields.Char("Raw", readonly=True,
        help="The bytes received, escaped (\\x1d is GS).")
    raw_hash = fields.Char("Raw Hash", readonly=True,
        help="SHA-256 of the raw bytes.")
    symbology = fields.Char("Symbology", readonly=True)
    code = fields.Char("Code", readonly=True,
        help="The data without symbology identifier, prefix and suffix, "
        "escaped.")
    gtin = fields.Char("GTIN", readonly=True)
    lot = fields.Char("Lot", readonly=True)
    serial = fields.Char("Serial", readonly=True)
    expiry = fields.Date("Expiry Date", readonly=True)
    parsed = fields.Text("Parsed", readonly=True,
        help="The parsed element strings, JSON.")
    product = fields.Many2One('product.product', "Product", readonly=True)
    badge = fields.Char("Badge", readonly=True)
    operator = fields.Many2One('company.employee', "Operator", readonly=True,
        help="The employee whose badge the device was signed in with, or "
        "the user's employee for unsigned scans.")
    user = fields.Many2One('res.user', "User", readonly=True,
        help="The user who submitted the scan (the bridge or the keeper).")
    claimed_counter = fields.Integer("Claimed Counter", readonly=True,
        help="The counter the event carried, authentic or not.")
    counter = fields.Integer("Counter", readonly=True,
        help="The counter of an authentic event (signature verified and "
        "never seen before): unique per device.")
    signature = fields.Char("Signature", readonly=True)
    signed_time = fields.Char("Signed Time", readonly=True,
        help="The time exactly as the device signed it (UTC, ISO 8601).")
    # Timestamps: a debounce window is a fraction of a second.
    scanned_at = fields.Timestamp("Scanned At", readonly=True,
        help="UTC, as signed by the device (the server's time for "
        "unsigned scans).")
    received_at = fields.Timestamp("Received At", readonly=True,
        help="UTC, when the server received it.")
    idempotency_key = fields.Char("Idempotency Key", readonly=True)
    outcome = fields.Selection(OUTCOMES, "Outcome", readonly=True)
    reason = fields.Char("Reason", readonly=True,
        help="The refusal's code, e.g. gs_missing, signature, replay.")
    message = fields.Text("Message", readonly=True)
    record = fields.Reference("Used For", selection='get_records',
        readonly=True)
    used_at = fields.DateTime("Used At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('device_counter_unique', Unique(t, t.device, t.counter),
                'zt_devices.msg_scan_device_counter_unique'),
            ('idempotency_unique', Unique(t, t.user, t.idempotency_key),
                'zt_devices.msg_scan_idempotency_unique'),
            ]
        cls._order = [('received_at', 'DESC'), ('id', 'DESC')]
        cls._sql_indexes.update({
                # debounce and the device's recent scans
                Index(t, (t.device, Index.Range()),
                    (t.received_at, Index.Range())),
                # a resent event or an idempotent retry is found at once
                Index(t, (t.device, Index.Equality()),
                    (t.counter, Index.Equality())),
                Index(t, (t.idempotency_key, Index.Equality())),
                })

    @classmethod
    def get_records(cls):
        "The models a scan is used for (selection; ir.model's cache)."
        pool = Pool()
        Model = pool.get('ir.model')
        return [(None, '')] + list(Model.get_name_items((
                    pool.get('zt.issue.request'), pool.get('stock.move'))))

    def get_rec_name(self, name):
        return '%s @ %s' % (self.code or self.raw or '', self.received_at)

    @classmethod
    def check_modification(cls, mode, scans, values=None, external=False):
        """Scans are written by the server only: refuse every create, write
        and delete from outside (also for root and administrators)."""
        super().check_modification(
            mode, scans, values=values, external=external)
        if not Transaction().context.get(WRITE_CONTEXT):
            raise ScanUseError(gettext('zt_devices.msg_scan_read_only'))
        if mode == 'delete':
            raise ScanUseError(gettext('zt_devices.msg_scan_read_only'))
        if mode == 'write':
            if set(values) - {'record', 'used_at'}:
                raise ScanUseError(gettext('zt_devices.msg_scan_read_only'))
            for scan in scans:
                if scan.record or scan.outcome != 'accepted':
                    raise ScanUseError(gettext(
                            'zt_devices.msg_scan_used',
                            scan=scan.rec_name,
                            record=scan.record.rec_name
                            if scan.record else '-'))

    def ledger_payload(self):
        """The scan as the ledger records it when it is used for stock
        (dict of plain values): enough to check it against the device's
        signature later (signing.canonical of device, counter, signed_time,
        the raw bytes unescaped and badge)."""
        return {
            'scan': self.id,
            'device': self.device.code if self.device else None,
            'signed': self.signed,
            'counter': self.counter,
            'signature': self.signature,
            'signed_time': self.signed_time,
            'raw': self.raw,
            'raw_hash': self.raw_hash,
            'code': self.code,
            'gtin': self.gtin,
            'lot': self.lot,
            'serial': self.serial,
            'badge': self.badge,
            'scanned_at': self.scanned_at.isoformat()
            if self.scanned_at else None,
            }


def raw_hash(raw):
    "SHA-256 hex digest of ``raw`` (bytes)."
    return hashlib.sha256(raw).hexdigest()


def dump_parsed(parsed):
    "Return the parsed scan (dict from parse.parse_scan) as JSON text."
    from .parse import scan_to_json
    return json.dumps(scan_to_json(parsed), sort_keys=True,
        ensure_ascii=False)


