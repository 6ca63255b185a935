# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Scans reaching the server: signed events from devices (through the
bridge) and unsigned keyboard-wedge scans from the client's PDA page.

Each scan is answered and recorded, accepted or refused, in the caller's
transaction: a refusal is an answer, not an error, so it is kept.  Only a
caller outside its group or warehouse gets an error (recorded in the
ledger by zt_inventory's refusal mechanism)."""
import base64
import datetime as dt
import json

from sql import For
from trytond import backend
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from trytond.modules.zt_inventory.company import in_group
from trytond.modules.zt_inventory.refusal import recorded, refused

from . import escape, lookup, parse, signing
from .device import utc_now
from .errors import ScanRefused
from .exceptions import DeviceAccessError, DeviceError
from .scan import WRITE_CONTEXT, dump_parsed, raw_hash

# At most this many events in one call: a bridge sends its queue in slices.
MAX_EVENTS = 500
# A scan is at most this many bytes (the bridge's framer stops there too).
MAX_RAW = 4096
# Counters are stored as SQL integers (4 bytes on PostgreSQL).
MAX_COUNTER = 2 ** 31 - 1
# A device's clock may run this far ahead of the server's.
MAX_SKEW = dt.timedelta(seconds=60)
# Refusals that tell of a forged, replayed or lost device: also in the
# ledger, next to the device's enrolment and revocation.
SECURITY_REASONS = {'signature', 'replay', 'revoked', 'not_enrolled',
    'unknown_device', 'clock'}


def refusal(code, message):
    """Return a ScanRefused ``code`` whose ``message`` is already translated
    (a refusal made by the server, not by the parser)."""
    error = ScanRefused(code, message, hint='')
    error.translated = True
    return error


def describe(error):
    """Return the translated message (str) of the ScanRefused ``error``:
    'zt_devices.msg_scan_<code>' with the error's params, then the hint
    'zt_devices.msg_scan_hint_<code>'; the parser's English sentence when a
    message lacks a translation or a parameter."""
    if getattr(error, 'translated', False):
        message = str(error)
    else:
        try:
            message = gettext(
                'zt_devices.msg_scan_%s' % error.code,
                **dict({'part': '', 'position': ''}, **error.params))
        except Exception:
            message = str(error)
        if message.startswith('zt_devices.'):
            message = str(error)
    try:
        hint = gettext('zt_devices.msg_scan_hint_%s' % error.code)
    except Exception:
        hint = error.hint
    if hint and not hint.startswith('zt_devices.'):
        message += '\n' + gettext('zt_devices.msg_scan_hint', hint=hint)
    elif error.hint:
        message += '\n' + gettext('zt_devices.msg_scan_hint', hint=error.hint)
    return message


def event_fields(event):
    """Return (device, counter, time, raw, badge, signature) of the signed
    ``event`` (dict, see signing.canonical) with ``raw`` decoded to bytes;
    raise ScanRefused 'malformed' naming the bad key."""
    if not isinstance(event, dict):
        raise refusal('malformed', gettext(
                'zt_devices.msg_scan_malformed', key='-'))
    types = {'device': str, 'counter': int, 'time': str, 'raw': str,
        'signature': str}
    for key, type_ in types.items():
        value = event.get(key)
        if not isinstance(value, type_) or isinstance(value, bool):
            raise refusal('malformed', gettext(
                    'zt_devices.msg_scan_malformed', key=key))
    badge = event.get('badge')
    if badge is not None and not isinstance(badge, str):
        raise refusal('malformed', gettext(
                'zt_devices.msg_scan_malformed', key='badge'))
    for key in ['device', 'time', 'signature', 'badge']:
        value = event.get(key)
        if value is not None and not value.isprintable():
            raise refusal('malformed', gettext(
                    'zt_devices.msg_scan_malformed', key=key))
    if not signing.TIME_PATTERN.match(event['time']):
        raise refusal('malformed', gettext(
                'zt_devices.msg_scan_malformed', key='time'))
    if not 1 <= event['counter'] <= MAX_COUNTER:
        raise refusal('malformed', gettext(
                'zt_devices.msg_scan_malformed', key='counter'))
    if len(event['raw']) > MAX_RAW * 2 or len(event['signature']) > 200 \
            or len(event['device']) > 64 or len(event['time']) > 64 \
            or (badge and len(badge) > 64):
        raise refusal('malformed', gettext(
                'zt_devices.msg_scan_malformed', key='length'))
    try:
        raw = base64.b64decode(event['raw'], validate=True)
    except ValueError:
        raise refusal('malformed', gettext(
                'zt_devices.msg_scan_malformed', key='raw'))
    if len(raw) > MAX_RAW:
        raise refusal('malformed', gettext(
                'zt_devices.msg_scan_malformed', key='raw'))
    return (event['device'], event['counter'], event['time'], raw, badge,
        event['signature'])


class Scan(metaclass=PoolMeta):
    __name__ = 'zt.device.scan'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__.update({
                'submit_signed': RPC(readonly=False),
                'submit_unsigned': RPC(readonly=False),
                })

    # --- signed events ------------------------------------------------

    @classmethod
    @recorded
    def submit_signed(cls, events):
        """Verify, record and answer the signed scan ``events`` (list of
        dicts, see signing.canonical) in order.

        Returns one dict per event: ``device``, ``counter``, ``outcome``
        ('accepted', 'refused' or 'duplicate' for an event already
        answered: same device, counter and signature, answered as the
        first time), ``reason`` (refusal code or None), ``message`` (str)
        and ``scan`` (id).  Raises :class:`DeviceAccessError` unless the
        user is in the group Device Bridge, and :class:`DeviceError` for
        more than MAX_EVENTS events or a list that is not one."""
        if not in_group('zt_devices.group_device_bridge'):
            raise refused(DeviceAccessError(gettext(
                        'zt_devices.msg_device_bridge_group')), [],
                model=cls.__name__)
        if not isinstance(events, (list, tuple)) \
                or len(events) > MAX_EVENTS:
            raise DeviceError(gettext(
                    'zt_devices.msg_scan_batch', maximum=MAX_EVENTS))
        with without_check_access(), \
                Transaction().set_context(**{WRITE_CONTEXT: True}):
            return [cls._submit_signed(e) for e in events]

    @classmethod
    def _lock_device(cls, device):
        """Lock ``device``'s row until the transaction ends (counters are
        checked and moved under this lock).  PostgreSQL: wait for a
        concurrent submission of the same device, which then fails to
        serialise and is retried by the dispatcher on a fresh snapshot.
        SQLite: take the database's write lock now, with a no-op UPDATE,
        so that a concurrent writer is told the database is busy (and
        retried) instead of both reading the same last counter."""
        Device = Pool().get('zt.device')
        table = Device.__table__()
        cursor = Transaction().connection.cursor()
        if backend.name == 'postgresql':
            cursor.execute(*table.select(table.id,
                    where=table.id == device.id, for_=For('UPDATE')))
        else:
            cursor.execute(*table.update([table.last_counter],
                    [table.last_counter], where=table.id == device.id))

    @classmethod
    def _submit_signed(cls, event):
        "Answer one signed event; see submit_signed."
        pool = Pool()
        Device = pool.get('zt.device')
        now = utc_now()
        values = {
            'signed': True,
            'received_at': now,
            'user': Transaction().user,
            }
        try:
            device_code, counter, time, raw, badge, signature = \
                event_fields(event)
        except ScanRefused as error:
            values['raw'] = escape.escape(
                json.dumps(event, default=str)[:200].encode('utf-8'))
            return cls._answer(None, values, error)
        values.update({
                'raw': escape.escape(raw),
                'raw_hash': raw_hash(raw),
                'claimed_counter': counter,
                'signature': signature,
                'signed_time': time,
                'badge': badge,
                })
        devices = Device.search([('code', '=', device_code)], limit=1)
        if not devices:
            return cls._answer(None, values, refusal('unknown_device',
                    gettext('zt_devices.msg_scan_unknown_device',
                        device=device_code[:64])))
        device, = devices
        cls._lock_device(device)
        device = Device(device.id)
        values.update({
                'device': device.id,
                'company': device.company.id,
                'warehouse': device.warehouse.id,
                })
        # A resend is the same event: same counter, signature, time, raw
        # and badge.  Anything else with a spent counter is checked (and
        # refused) below.
        first = cls.search([
                ('device', '=', device.id),
                ('counter', '=', counter),
                ('signature', '=', signature),
                ('signed_time', '=', time),
                ('raw_hash', '=', values['raw_hash']),
                ('badge', '=', badge),
                ], limit=1)
        if first:
            return cls._result(first[0], 'duplicate')
        try:
            if device.state != 'active':
                raise refusal(
                    'revoked' if device.state == 'revoked'
                    else 'not_enrolled',
                    gettext('zt_devices.msg_scan_device_%s' % device.state,
                        device=device.rec_name))
            try:
                signing.verify_event(device.public_key, event)
            except ScanRefused as error:
                raise refusal('signature', gettext(
                        'zt_devices.msg_scan_signature',
                        device=device.rec_name, error=str(error)))
            signing.check_counter(counter, device.last_counter or 0)
            # From here the event is authentic and new: its counter is
            # spent even if its content is refused below.
            values['counter'] = counter
            cls._spend_counter(device, counter, now)
            scanned_at = signing.parse_time(time)
            values['scanned_at'] = scanned_at.astimezone(
                dt.timezone.utc).replace(tzinfo=None)
            signing.check_time(scanned_at,
                now.replace(tzinfo=dt.timezone.utc),
                max_age=dt.timedelta(seconds=device.max_age),
                max_skew=MAX_SKEW)
            values['operator'] = cls._operator(device.company, badge).id
            profile = device.get_profile()
            parsed = parse.parse_scan(raw, profile)
            values.update(cls._parsed_values(parsed))
            cls._check_debounce(device, None, values, profile.debounce)
            product = lookup.find_product(parsed)
            values['product'] = product.id if product else None
        except ScanRefused as error:
            return cls._answer(device, values, error)
        return cls._answer(device, values, None)

    @classmethod
    def _spend_counter(cls, device, counter, now):
        """Store ``counter`` as the last of ``device`` (locked by
        _lock_device), with plain SQL: no validation nor access check is
        due for what the server alone writes."""
        Device = Pool().get('zt.device')
        table = Device.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.last_counter, table.last_seen],
                [counter, now], where=table.id == device.id))
        # as ModelStorage.write does: cached reads of the device are stale
        transaction = Transaction()
        transaction.counter += 1
        device._local_cache.pop(device.id, None)
        for cache in transaction.cache.values():
            if Device.__name__ in cache:
                cache[Device.__name__].pop(device.id, None)

    @classmethod
    def _operator(cls, company, badge):
        """Return the employee of ``company`` whose badge is ``badge``;
        raise ScanRefused 'operator' without one: every signed scan is
        bound to a person."""
        Employee = Pool().get('company.employee')
        employees = Employee.search([
                ('company', '=', company.id),
                ('badge_code', '=', badge),
                ], limit=1) if badge else []
        if not employees:
            raise refusal('operator', gettext(
                    'zt_devices.msg_scan_operator', badge=badge or '-'))
        return employees[0]

    @classmethod
    def _parsed_values(cls, parsed):
        "Return the scan's column values (dict) of a parsed scan."
        code = parsed.get('code')
        return {
            'symbology': parsed.get('symbology'),
            'code': escape.escape(code.encode('utf-8'))
            if isinstance(code, str) else None,
            'gtin': parsed.get('gtin'),
            'lot': parsed.get('lot'),
            'serial': parsed.get('serial'),
            'expiry': parsed.get('expiry'),
            'parsed': dump_parsed(parsed),
            }

    @classmethod
    def _check_debounce(cls, device, user, values, window):
        """Raise ScanRefused 'debounce' when the same code was accepted from
        the same device (or, unsigned, the same user) within ``window``
        seconds of this scan (before or after: a queue may deliver out of
        order), by the scan times (public case C10: a scanner that repeats
        is one scan)."""
        if not window or not values.get('code'):
            return
        # the device's own times: a queue sent late keeps its spacing
        at = values['scanned_at']
        domain = [
            ('code', '=', values['code']),
            ('outcome', '=', 'accepted'),
            ('scanned_at', '>=', at - dt.timedelta(seconds=window)),
            ('scanned_at', '<=', at + dt.timedelta(seconds=window)),
            ]
        if device:
            domain.append(('device', '=', device.id))
        else:
            domain.extend([('user', '=', user), ('signed', '=', False)])
        if cls.search(domain, limit=1):
            raise refusal('debounce', gettext(
                    'zt_devices.msg_scan_debounce_device' if device
                    else 'zt_devices.msg_scan_debounce',
                    code=values['code'], seconds='%g' % window))

    @classmethod
    def _answer(cls, device, values, error):
        """Record the scan ``values`` as accepted (``error`` None) or refused
        and return its answer (dict, see submit_signed)."""
        Entry = Pool().get('zt.ledger.entry')
        if error is None:
            values['outcome'] = 'accepted'
        else:
            message = describe(error)
            values.update({
                    'outcome': 'refused',
                    'reason': error.code,
                    'message': message,
                    })
        scan, = cls.create([values])
        if error is not None and error.code in SECURITY_REASONS \
                and scan.company:
            Entry.append([{
                        'company': scan.company,
                        'warehouse': scan.warehouse,
                        'event': 'zt.device.scan.refused',
                        'record': scan,
                        'payload': dict(scan.ledger_payload(),
                            reason=error.code),
                        }])
        return cls._result(scan, scan.outcome)

    @classmethod
    def _result(cls, scan, outcome):
        "The answer (dict) for ``scan``."
        return {
            'device': scan.device.code if scan.device else None,
            'counter': scan.claimed_counter,
            'outcome': outcome,
            'reason': scan.reason,
            'message': scan.message or '',
            'scan': scan.id,
            'code': scan.code,
            'gtin': scan.gtin,
            'lot': scan.lot,
            'serial': scan.serial,
            'expiry': scan.expiry.isoformat() if scan.expiry else None,
            'product': scan.product.rec_name if scan.product else None,
            'first_outcome': scan.outcome,
            }

    # --- unsigned scans (keyboard wedge in the client) ----------------

    @classmethod
    @recorded
    def submit_unsigned(cls, warehouse, raw, idempotency_key,
            confirm_repeat=False):
        """Record and answer a keyboard-wedge scan ``raw`` (str, as typed;
        the terminator already removed) made by the current user in
        ``warehouse`` (stock.location id).

        ``idempotency_key`` (str, 8 to 64 characters, made by the client
        per scan): a retry with the same key answers 'duplicate' with the
        first answer, so a PDA that lost its connection may resend.
        ``confirm_repeat`` (bool): the user confirmed that the same code
        scanned again within the debounce window is a second item.

        Raises :class:`DeviceAccessError` unless the user is a warehouse
        keeper assigned to ``warehouse``.  A warehouse that accepts only
        signed scans answers 'refused' (reason 'unsigned'), recorded."""
        pool = Pool()
        User = pool.get('res.user')
        Location = pool.get('stock.location')
        transaction = Transaction()
        if (not in_group('zt_inventory.group_warehouse_keeper')
                or not isinstance(warehouse, int)
                or warehouse not in User.get_warehouses()):
            raise refused(DeviceAccessError(gettext(
                        'zt_devices.msg_scan_warehouse_access')), [],
                model=cls.__name__)
        if (not isinstance(idempotency_key, str)
                or not 8 <= len(idempotency_key) <= 64
                or not isinstance(raw, str) or len(raw) > 4096):
            raise DeviceError(gettext('zt_devices.msg_scan_unsigned_args'))
        user = User(transaction.user)
        with without_check_access(), \
                transaction.set_context(**{WRITE_CONTEXT: True}):
            first = cls.search([
                    ('user', '=', user.id),
                    ('idempotency_key', '=', idempotency_key),
                    ], limit=1)
            if first:
                return cls._result(first[0], 'duplicate')
            warehouse = Location(warehouse)
            # the scanner's suffix, if the client kept it: one CR, LF,
            # CRLF or TAB ends the scan (public case C10)
            for suffix in ['\r\n', '\r', '\n', '\t']:
                if raw.endswith(suffix):
                    raw = raw[:-len(suffix)]
                    break
            data = raw.encode('utf-8')
            now = utc_now()
            values = {
                'signed': False,
                'company': (user.employee.company.id
                    if user.employee else None),
                'warehouse': warehouse.id,
                'raw': escape.escape(data),
                'raw_hash': raw_hash(data),
                'user': user.id,
                'operator': user.employee.id if user.employee else None,
                'scanned_at': now,
                'received_at': now,
                'idempotency_key': idempotency_key,
                }
            profile = warehouse.zt_typed_profile()
            try:
                if not warehouse.zt_unsigned_scans:
                    raise refusal('unsigned', gettext(
                            'zt_devices.msg_scan_unsigned_refused',
                            warehouse=warehouse.rec_name))
                parsed = parse.parse_scan(data, profile)
                values.update(cls._parsed_values(parsed))
                if not confirm_repeat:
                    cls._check_debounce(
                        None, user.id, values, profile.debounce)
                product = lookup.find_product(parsed)
                values['product'] = product.id if product else None
            except ScanRefused as error:
                return cls._answer(None, values, error)
            return cls._answer(None, values, None)
