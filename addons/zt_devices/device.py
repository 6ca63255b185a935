# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The device registry: scanners, PDAs, RFID readers and label printers.

A device is registered by a device administrator, enrolled by the bridge
that holds its Ed25519 key (a one-time enrolment code, shown once, binds the
public key), active while its scans are accepted, and revoked at once when
lost: its next scan is refused and recorded."""
import base64
import datetime as dt
import hashlib
import secrets

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from trytond.modules.zt_inventory.company import in_group
from trytond.modules.zt_inventory.refusal import recorded, refused

from . import profile as profiles, signing
from .exceptions import DeviceAccessError, DeviceError, ProfileError

# Set (server side only) while the server writes a device's state, key and
# counters; never from RPC (Tryton strips context keys starting with '_').
WRITE_CONTEXT = '_zt_device_write'
# Written by the server only: enrolment, revocation, accepted scans.
SERVER_FIELDS = {'state', 'public_key', 'enrolment_hash',
    'enrolment_expires', 'last_counter', 'last_seen', 'enrolled_at',
    'revoked_at', 'revoked_by'}
# The device's identity: fixed once it is enrolled.
IDENTITY_FIELDS = {'code', 'company', 'warehouse', 'kind'}
# An enrolment code is valid this long after it was shown.
ENROLMENT_VALIDITY = dt.timedelta(hours=24)
# Crockford's base 32 without I, L, O, U: easy to read aloud and type.
_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'


def new_enrolment_code():
    "Return a one-time enrolment code (str, 4 groups of 4, 80 bits)."
    raw = ''.join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return '-'.join(raw[i:i + 4] for i in range(0, 16, 4))


def hash_enrolment_code(code):
    "Return the SHA-256 hex digest of ``code`` normalised (upper, no dash)."
    normal = (code or '').upper().replace('-', '').replace(' ', '')
    return hashlib.sha256(normal.encode('ascii', 'replace')).hexdigest()


def utc_now():
    "Now, UTC, naive (as Tryton stores datetimes)."
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Device(DeactivableMixin, Workflow, ModelSQL, ModelView):
    "Device"
    __name__ = 'zt.device'
    __string__ = "Device"
    _states = {'readonly': Eval('state') == 'revoked'}

    name = fields.Char("Name", required=True, states=_states)
    code = fields.Char("Code", required=True, strip=True,
        states={'readonly': Eval('state') != 'registered'},
        help="The device's identifier in its signed scan events.")
    kind = fields.Selection([
            ('scanner', "Scanner"),
            ('pda', "PDA"),
            ('rfid', "RFID Reader"),
            ('printer', "Label Printer"),
            ], "Kind", required=True, states=_states)
    company = fields.Many2One('company.company', "Company", required=True,
        states={'readonly': Eval('state') != 'registered'})
    warehouse = fields.Many2One('stock.location', "Warehouse", required=True,
        domain=[('type', '=', 'warehouse')],
        states={'readonly': Eval('state') != 'registered'})
    state = fields.Selection([
            ('registered', "Registered"),
            ('active', "Active"),
            ('revoked', "Revoked"),
            ], "State", readonly=True, required=True, sort=False)
    # The scanner profile (see profile.Profile)
    terminator = fields.Char("Terminator", required=True, states=_states,
        help="'any': CR, LF, CRLF and TAB each end one scan; otherwise the "
        "bytes that end a scan, with escapes such as \\x04.")
    gs_substitute = fields.Char("GS Substitute", states=_states,
        help="What the scanner sends instead of the GS (FNC1) separator, "
        "e.g. | ; empty when it sends GS itself.")
    prefix = fields.Char("Prefix", states=_states,
        help="Bytes the scanner puts before each code, stripped.")
    suffix = fields.Char("Suffix", states=_states,
        help="Bytes the scanner puts after each code, stripped.")
    symbology_ids = fields.Selection([
            ('required', "Required"),
            ('optional', "Optional"),
            ('none', "None"),
            ], "Symbology Identifiers", required=True, states=_states,
        help="Whether the scanner sends AIM symbology identifiers "
        "(]C1, ]d2, ]E0...).")
    debounce = fields.Float("Debounce", required=True, digits=(16, 3),
        states=_states,
        help="In seconds: the same code from this device within it is one "
        "scan.")
    timeout = fields.Float("Inter-character Timeout", required=True,
        digits=(16, 3), states=_states,
        help="In seconds: a partial code older than this is discarded.")
    max_age = fields.Integer("Maximum Age", required=True, states=_states,
        help="In seconds: a signed scan older than this when it reaches the "
        "server is refused as stale (queued scans included).")
    public_key = fields.Char("Public Key", readonly=True,
        help="Ed25519, base64 of the 32 raw bytes; set by enrolment.")
    enrolment_hash = fields.Char("Enrolment Code Hash", readonly=True)
    enrolment_expires = fields.DateTime("Enrolment Code Expires",
        readonly=True)
    last_counter = fields.Integer("Last Counter", readonly=True,
        help="The counter of the last accepted signed scan.")
    last_seen = fields.DateTime("Last Seen", readonly=True)
    enrolled_at = fields.DateTime("Enrolled At", readonly=True)
    revoked_at = fields.DateTime("Revoked At", readonly=True)
    revoked_by = fields.Many2One('res.user', "Revoked By", readonly=True)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'zt_devices.msg_device_code_unique'),
            ]
        cls._transitions |= {
            ('registered', 'active'),
            ('active', 'revoked'),
            ('registered', 'revoked'),
            }
        cls._buttons.update({
                'enrolment': {
                    'invisible': Eval('state') != 'registered',
                    'icon': 'tryton-launch',
                    'depends': ['state'],
                    },
                'revoke': {
                    'invisible': Eval('state') == 'revoked',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })
        cls.__rpc__.update({
                'enrol': RPC(readonly=False),
                })

    @staticmethod
    def default_state():
        return 'registered'

    @staticmethod
    def default_kind():
        return 'scanner'

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_terminator():
        return 'any'

    @staticmethod
    def default_symbology_ids():
        return 'optional'

    @staticmethod
    def default_debounce():
        return profiles.PROFILES['default'].debounce

    @staticmethod
    def default_timeout():
        return profiles.PROFILES['default'].timeout

    @staticmethod
    def default_max_age():
        return 24 * 60 * 60

    @staticmethod
    def default_last_counter():
        return 0

    @classmethod
    def check_modification(cls, mode, devices, values=None, external=False):
        """Refuse, whoever asks (administrators too), a change of what only
        the server writes: the state, the key, the enrolment code and the
        counters (SERVER_FIELDS); the identity (IDENTITY_FIELDS) of an
        enrolled device; anything of a revoked device (revocation is
        final); and the deletion of a device that was enrolled (its scans
        refer to it)."""
        super().check_modification(
            mode, devices, values=values, external=external)
        if Transaction().context.get(WRITE_CONTEXT):
            return
        defaults = {'state': 'registered', 'last_counter': 0}
        if mode == 'create':
            forbidden = {f for d in devices for f in SERVER_FIELDS
                if getattr(d, f) not in {None, defaults.get(f)}}
        elif mode == 'write':
            forbidden = SERVER_FIELDS & set(values)
            # an archived device could neither be found nor revoked
            if values.get('active') is False and any(
                    d.state == 'active' for d in devices):
                forbidden.add('active')
            if any(d.state != 'registered' for d in devices):
                forbidden |= IDENTITY_FIELDS & set(values)
            if any(d.state == 'revoked' for d in devices):
                forbidden |= set(values)
        else:
            forbidden = {'state'} if any(
                d.state != 'registered' for d in devices) else set()
        if forbidden:
            raise DeviceError(gettext(
                    'zt_devices.msg_device_server_fields',
                    fields=', '.join(sorted(forbidden))))

    @classmethod
    def validate_fields(cls, devices, field_names):
        super().validate_fields(devices, field_names)
        for device in devices:
            try:
                device.get_profile()
            except ValueError as exception:
                raise ProfileError(gettext(
                        'zt_devices.msg_device_profile_invalid',
                        device=device.rec_name, error=str(exception)))
            if device.debounce < 0 or device.timeout <= 0 \
                    or device.max_age <= 0:
                raise ProfileError(gettext(
                        'zt_devices.msg_device_profile_times',
                        device=device.rec_name))

    def get_profile(self):
        """Return the device's :class:`profile.Profile`; raises ValueError
        for a value the parser cannot use (bad escape, empty terminator)."""
        return profiles.profile_from_dict({
                'name': self.code,
                'terminator': self.terminator or 'any',
                'gs_substitute': self.gs_substitute or None,
                'prefix': self.prefix or '',
                'suffix': self.suffix or '',
                'symbology_ids': self.symbology_ids,
                'debounce': self.debounce,
                'timeout': self.timeout,
                })

    @classmethod
    @ModelView.button_action('zt_devices.wizard_device_enrolment')
    def enrolment(cls, devices):
        pass

    @classmethod
    def new_enrolment(cls, device):
        """Return a new one-time enrolment code (str) for ``device``; only
        its SHA-256 hash is stored, valid ENROLMENT_VALIDITY.  Only device
        administrators see codes (DeviceAccessError, recorded)."""
        if not in_group('zt_devices.group_device_admin'):
            raise refused(DeviceAccessError(gettext(
                        'zt_devices.msg_device_admin_group')), [device])
        if device.state != 'registered':
            raise DeviceError(gettext(
                    'zt_devices.msg_device_not_registered',
                    device=device.rec_name))
        code = new_enrolment_code()
        with Transaction().set_context(**{WRITE_CONTEXT: True}):
            cls.write([device], {
                    'enrolment_hash': hash_enrolment_code(code),
                    'enrolment_expires': utc_now() + ENROLMENT_VALIDITY,
                    })
        return code

    @classmethod
    @recorded
    def enrol(cls, code, public_key):
        """Bind ``public_key`` (str, base64 of a 32-byte Ed25519 key) to the
        registered device whose unexpired enrolment ``code`` (str) it is;
        the device becomes active and the code cannot be used again.

        Called over RPC by the device bridge (group Device Bridge).  Returns
        the device's code (str).  Raises :class:`DeviceAccessError` outside
        the group and :class:`DeviceError` for an unknown or expired code or
        a malformed key; every refusal is recorded."""
        if not in_group('zt_devices.group_device_bridge'):
            raise refused(DeviceAccessError(gettext(
                        'zt_devices.msg_device_bridge_group')), [],
                model=cls.__name__)
        try:
            key = base64.b64decode(public_key, validate=True)
            signing.check_public_key(key)
        except (TypeError, ValueError):
            key = b''
        if len(key) != 32 or not isinstance(code, str):
            raise refused(DeviceError(gettext(
                        'zt_devices.msg_device_public_key')), [],
                model=cls.__name__)
        with without_check_access(), \
                Transaction().set_context(**{WRITE_CONTEXT: True}):
            devices = cls.search([
                    ('enrolment_hash', '=', hash_enrolment_code(code)),
                    ('state', '=', 'registered'),
                    ])
            if not devices or devices[0].enrolment_expires < utc_now():
                raise refused(DeviceError(gettext(
                            'zt_devices.msg_device_enrolment_code')),
                    devices, model=cls.__name__)
            device, = devices
            cls._claim_enrolment(device, hash_enrolment_code(code))
            now = utc_now()
            cls.write([device], {
                    'public_key': base64.b64encode(key).decode('ascii'),
                    'enrolment_hash': None,
                    'enrolment_expires': None,
                    'enrolled_at': now,
                    })
            cls.activate([device])
            cls._ledger(device, 'enrolled')
        return device.code

    @classmethod
    def _claim_enrolment(cls, device, code_hash):
        """Spend the enrolment code of ``device`` with one conditional
        UPDATE: of two bridges enrolling with the same code at the same
        time, one changes the row and the other changes nothing and is
        refused (or, waiting on the row, fails to serialise and is retried
        by the dispatcher, then finds no code)."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.enrolment_hash], [None],
                where=(table.id == device.id)
                & (table.state == 'registered')
                & (table.enrolment_hash == code_hash)))
        if cursor.rowcount != 1:
            raise refused(DeviceError(gettext(
                        'zt_devices.msg_device_enrolment_code')), [device])

    @classmethod
    @Workflow.transition('active')
    def activate(cls, devices):
        pass

    @classmethod
    @ModelView.button
    def revoke(cls, devices):
        "Revoke ``devices``: their next scans are refused and recorded."
        with Transaction().set_context(**{WRITE_CONTEXT: True}):
            cls._revoke(devices)

    @classmethod
    @Workflow.transition('revoked')
    def _revoke(cls, devices):
        cls.write(devices, {
                'revoked_at': utc_now(),
                'revoked_by': Transaction().user,
                'enrolment_hash': None,
                'enrolment_expires': None,
                })
        for device in devices:
            cls._ledger(device, 'revoked')

    @classmethod
    def _ledger(cls, device, event):
        "Append the ledger entry 'zt.device.<event>' for ``device``."
        Entry = Pool().get('zt.ledger.entry')
        Entry.append([{
                    'company': device.company,
                    'warehouse': device.warehouse,
                    'event': 'zt.device.%s' % event,
                    'record': device,
                    'payload': {
                        'code': device.code,
                        'kind': device.kind,
                        'public_key': device.public_key,
                        },
                    }])

    @classmethod
    def copy(cls, devices, default=None):
        default = default.copy() if default is not None else {}
        for name in SERVER_FIELDS - {'state', 'last_counter'}:
            default.setdefault(name, None)
        default.setdefault('state', 'registered')
        default.setdefault('last_counter', 0)
        default.setdefault('code', None)
        return super().copy(devices, default=default)


class DeviceEnrolmentShow(ModelView):
    "Device Enrolment"
    __name__ = 'zt.device.enrolment.show'
    __string__ = "Device Enrolment"
    device = fields.Many2One('zt.device', "Device", readonly=True)
    code = fields.Char("Enrolment Code", readonly=True,
        help="Shown once: enter it in the device bridge "
        "(ztinv bridge enrol) within 24 hours.")
    expires = fields.DateTime("Expires", readonly=True)


class DeviceEnrolment(Wizard):
    "Device Enrolment"
    __name__ = 'zt.device.enrolment'
    start = StateTransition()
    show = StateView('zt.device.enrolment.show',
        'zt_devices.device_enrolment_show_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_start(self):
        return 'show'

    def default_show(self, fields):
        Device = Pool().get('zt.device')
        device = self.record
        code = Device.new_enrolment(device)
        device = Device(device.id)
        return {
            'device': device.id,
            'code': code,
            'expires': device.enrolment_expires,
            }
