# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The issue step with devices: a request is issued from recorded scans
(signed by a device, or unsigned from the PDA page where the warehouse
allows it), and the issue wizard's typed scans count as unsigned.

zt_inventory's checks all still run (issue_scanned): the scans are turned
back into the codes it verifies, so that a GS1 element string with a lot
issues the product its GTIN names, in the lot the line asks for."""
import json
from collections import Counter

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from trytond.modules.zt_inventory import barcode
from trytond.modules.zt_inventory.company import get_actor
from trytond.modules.zt_inventory.exceptions import ScanError
from trytond.modules.zt_inventory.refusal import recorded, refused

from . import escape, parse
from .device import utc_now
from .errors import ScanRefused
from .exceptions import ScanUseError, UnsignedScanError
from .lookup import find_product, gtin_forms, identifier_types
from .scan import WRITE_CONTEXT, raw_hash
from .scan_submit import describe

# Set (server side only) while issuing from recorded scans.
SCANS_CONTEXT = '_zt_device_scans'
# Scans older than this cannot be used for an issue.
SCAN_VALIDITY_HOURS = 8


class IssueRequest(metaclass=PoolMeta):
    __name__ = 'zt.issue.request'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__.update({
                'issue_from_scans': RPC(readonly=False, instantiate=0),
                })

    @classmethod
    @recorded
    def issue_scanned(cls, requests, text):
        """Issue ``requests`` from typed scans ``text`` (the issue wizard,
        integrations): keyboard-wedge input, accepted only where every
        request's warehouse accepts unsigned scans; each line may be a GS1
        element string (parse.parse_scan), turned into the product's code.
        Raises :class:`UnsignedScanError` (recorded) otherwise."""
        if Transaction().context.get(SCANS_CONTEXT):
            return super().issue_scanned(requests, text)
        cls._check_unsigned_allowed(requests)
        items = []
        for line in barcode.split_scans(text):
            match = barcode._KEYED_QUANTITY.match(line)
            quantity, code = (
                (int(match.group('quantity')), match.group('code').strip())
                if match else (1, line))
            items.append((code, cls._parse_typed(requests, code), quantity))
        text = cls._scan_text(
            requests, [(parsed, quantity) for _, parsed, quantity in items])
        with Transaction().set_context(**{SCANS_CONTEXT: True}):
            result = super().issue_scanned(requests, text)
        cls._record_typed(requests, items)
        return result

    @classmethod
    def _record_typed(cls, requests, items):
        """Record the typed scans ``items`` (list of (code, parsed dict,
        quantity)) that issued ``requests`` as unsigned, used scans, chained
        in the ledger like a device's ('zt.device.scan.used')."""
        pool = Pool()
        Scan = pool.get('zt.device.scan')
        pool.get('zt.ledger.entry')
        User = pool.get('res.user')
        user = User(Transaction().user)
        request = requests[0]
        now = utc_now()
        vlist = []
        for code, parsed, quantity in items:
            data = code.encode('utf-8')
            product = find_product(parsed)
            values = Scan._parsed_values(parsed)
            values.update({
                    'signed': False,
                    'company': request.company.id,
                    'warehouse': request.warehouse.id,
                    'raw': escape.escape(data),
                    'raw_hash': raw_hash(data),
                    'user': user.id,
                    'operator': user.employee.id if user.employee else None,
                    'product': product.id if product else None,
                    'scanned_at': now,
                    'received_at': now,
                    'outcome': 'accepted',
                    'message': gettext(
                        'zt_devices.msg_scan_typed', quantity=quantity),
                    'record': str(request),
                    'used_at': now,
                    })
            vlist.append(values)
        with without_check_access(), \
                Transaction().set_context(**{WRITE_CONTEXT: True}):
            cls._chain_used(request, Scan.create(vlist))

    @classmethod
    def _chain_used(cls, request, scans):
        """Append one ledger entry 'zt.device.scan.used' per scan of
        ``scans`` used for ``request``."""
        Entry = Pool().get('zt.ledger.entry')
        Entry.append([{
                    'company': request.company,
                    'warehouse': request.warehouse,
                    'event': 'zt.device.scan.used',
                    'record': scan,
                    'payload': dict(scan.ledger_payload(),
                        request=request.rec_name),
                    } for scan in scans])

    @classmethod
    def _check_unsigned_allowed(cls, requests):
        """Raise UnsignedScanError (recorded as a rejected scan) unless the
        warehouse of every request accepts unsigned scans."""
        for request in requests:
            warehouse = request.warehouse
            if not warehouse or not warehouse.zt_unsigned_scans:
                raise refused(UnsignedScanError(gettext(
                            'zt_devices.msg_scan_unsigned_refused',
                            warehouse=warehouse.rec_name
                            if warehouse else '-')), requests,
                    event='scan_rejected')

    @classmethod
    def _parse_typed(cls, requests, code):
        """Return the parsed scan (dict) of a typed ``code`` (str); a code
        the parser refuses raises ScanError with the parser's reason."""
        try:
            return parse.parse_scan(code.encode('utf-8'),
                requests[0].warehouse.zt_typed_profile())
        except ScanRefused as error:
            raise ScanError(describe(error))

    @classmethod
    def _scan_text(cls, requests, scans):
        """Return the text zt_inventory's verify_scans reads (one code per
        line, ``N*code`` for a quantity) for ``scans``, a list of (parsed
        scan dict, quantity int).

        A GTIN becomes the product's identifier code (exact match,
        lookup.find_product); a lot must be the lot of a line of the same
        product when that line names one.  Anything else (a badge) is
        passed as scanned.  Raises ScanError."""
        lines = {}
        for request in requests:
            for line in request.lines:
                lines.setdefault(line.product, set()).add(
                    line.lot.number if line.lot else None)
        counts = Counter()
        for parsed, quantity in scans:
            try:
                product = find_product(parsed)
            except ScanRefused as error:
                raise ScanError(describe(error))
            code = parsed.get('code') or ''
            if product is not None:
                identifier = cls._identifier_code(product, parsed)
                lots = lines.get(product, set())
                if parsed.get('lot') and lots and None not in lots \
                        and parsed['lot'] not in lots:
                    raise ScanError(gettext(
                            'zt_devices.msg_scan_lot_mismatch',
                            product=product.rec_name, lot=parsed['lot'],
                            expected=', '.join(sorted(lots))))
                code = identifier
            counts[code] += quantity
        return '\n'.join('%d*%s' % (n, c) for c, n in counts.items())

    @classmethod
    def _identifier_code(cls, product, parsed):
        "The code of ``product``'s identifier that the scan matched (str)."
        codes = gtin_forms(parsed['gtin']) if parsed.get('gtin') else [
            parsed.get('code')]
        types = identifier_types()
        for identifier in product.identifiers:
            if identifier.type in types and identifier.code in codes:
                return identifier.code
        return codes[0]

    @classmethod
    @recorded
    def issue_from_scans(cls, requests, scan_ids):
        """Issue ``requests`` (one or more, same warehouse) from the recorded
        scans ``scan_ids`` (list of zt.device.scan ids).

        Each scan must be accepted, not yet used, of the requests'
        warehouse, younger than SCAN_VALIDITY_HOURS, and either signed by
        an active device operated by the current user's employee (the
        badge the device was signed in with) or unsigned by the current
        user.  Then
        zt_inventory's issue runs every check (approvals, keeper,
        segregation of duties, quantities, badges) and each scan is marked
        as used for its request and chained in the ledger
        ('zt.device.scan.used').  Raises ScanUseError or zt_inventory's
        errors; every refusal is recorded."""
        pool = Pool()
        Scan = pool.get('zt.device.scan')
        pool.get('zt.ledger.entry')
        user = Transaction().user
        if (not isinstance(scan_ids, (list, tuple))
                or not all(isinstance(i, int) and not isinstance(i, bool)
                    and 0 < i < 2 ** 31 for i in scan_ids)):
            raise ScanUseError(gettext('zt_devices.msg_scan_use_ids'))
        with without_check_access():
            if Scan.search([('id', 'in', list(scan_ids))], count=True) \
                    != len(set(scan_ids)):
                raise ScanUseError(gettext('zt_devices.msg_scan_use_ids'))
        if len(set(scan_ids)) != len(scan_ids):
            # one scan is one item: the same scan twice is refused
            raise refused(ScanUseError(gettext(
                        'zt_devices.msg_scan_use_twice')), requests,
                event='scan_rejected')
        with without_check_access():
            scans = Scan.browse(scan_ids)
            warehouses = {r.warehouse for r in requests}
            since = utc_now().timestamp() - SCAN_VALIDITY_HOURS * 3600
            for request in requests:
                _, employee = get_actor(request.company)
            for scan in scans:
                problem = None
                if scan.outcome != 'accepted':
                    problem = 'refused'
                elif scan.record:
                    problem = 'used'
                elif scan.warehouse not in warehouses:
                    problem = 'warehouse'
                elif scan.received_at.timestamp() < since:
                    problem = 'old'
                elif scan.signed and scan.device.state != 'active':
                    problem = 'device'
                elif scan.signed and scan.operator != employee:
                    problem = 'operator'
                elif not scan.signed and scan.user.id != user:
                    problem = 'user'
                if problem:
                    raise refused(ScanUseError(gettext(
                                'zt_devices.msg_scan_use_%s' % problem,
                                scan=scan.rec_name)), requests,
                        event='scan_rejected')
            if not scans:
                raise refused(ScanError(gettext(
                            'zt_inventory.msg_scan_empty')), requests,
                    event='scan_rejected')
            if not all(s.signed for s in scans):
                cls._check_unsigned_allowed(requests)
            parsed = [(dict(json.loads(s.parsed or '{}'),
                        code=escape.unescape(s.code or '').decode(
                            'utf-8', 'replace')), 1) for s in scans]
        text = cls._scan_text(requests, parsed)
        with Transaction().set_context(**{SCANS_CONTEXT: True}):
            cls.issue_scanned(requests, text)
        now = utc_now()
        request = requests[0]
        with without_check_access(), \
                Transaction().set_context(**{WRITE_CONTEXT: True}):
            Scan.write(list(scans), {
                    'record': str(request),
                    'used_at': now,
                    })
            cls._chain_used(request, scans)
