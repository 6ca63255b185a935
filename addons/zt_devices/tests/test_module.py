# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.zt_inventory.tests.tools import (
    GTIN_A, GTIN_B, acting, savepoint)
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

from .. import signing
from ..exceptions import DeviceAccessError, DeviceError, UnsignedScanError
from .tools import DevicesWorld, gs1_raw

# GTIN_B (EAN-13 4006381333931) as a GTIN-14 in GS1 element strings.
GTIN14_B = '0' + GTIN_B


class ZtDevicesTestCase(ModuleTestCase):
    "Test zt_devices module"
    module = 'zt_devices'
    extras = ['zt_inventory']

    def world(self, **kwargs):
        return DevicesWorld.build(**kwargs)

    def scans(self, **domain):
        Scan = Pool().get('zt.device.scan')
        return Scan.search([(k, '=', v) for k, v in domain.items()],
            order=[('id', 'ASC')])

    def entries(self, event):
        Entry = Pool().get('zt.ledger.entry')
        return Entry.search([('event', '=', event)])

    # --- registry -----------------------------------------------------

    @with_transaction()
    def test_enrolment(self):
        "A registered device is enrolled once with its one-time code"
        pool = Pool()
        Device = pool.get('zt.device')
        w = self.world()
        device = w.register('SC-1')
        self.assertEqual(device.state, 'registered')
        device = w.enrol(device)
        self.assertEqual(device.state, 'active')
        self.assertEqual(len(device.public_key), 44)
        self.assertIsNone(device.enrolment_hash)
        self.assertEqual(len(self.entries('zt.device.enrolled')), 1)

        # the code is spent: a second enrolment is refused
        other = w.register('SC-2')
        code = w.enrolment_code(other)
        with acting(w.bridge):
            Device.enrol(code, device.public_key)
            with self.assertRaisesRegex(DeviceError, 'enrolment code'):
                Device.enrol(code, device.public_key)
        # a wrong key shape is refused before the code is looked at
        third = w.register('SC-3')
        code = w.enrolment_code(third)
        with acting(w.bridge), self.assertRaisesRegex(
                DeviceError, '32-byte'):
            Device.enrol(code, 'AAAA')
        self.assertEqual(Device(third.id).state, 'registered')

    @with_transaction()
    def test_enrolment_expired_and_groups(self):
        "An expired code is refused; only the bridge enrols"
        pool = Pool()
        Device = pool.get('zt.device')
        w = self.world()
        device = w.register('SC-1')
        code = w.enrolment_code(device)
        public = signing.generate_key()[1]
        with acting(w.keeper), self.assertRaises(DeviceAccessError):
            Device.enrol(code, public)
        # a day later (the server's own write)
        with Transaction().set_context(_zt_device_write=True):
            Device.write([device], {
                    'enrolment_expires': dt.datetime(2020, 1, 1)})
        with acting(w.bridge), self.assertRaisesRegex(
                DeviceError, 'expired'):
            Device.enrol(code, public)
        self.assertEqual(Device(device.id).state, 'registered')

    @with_transaction()
    def test_profile_validation(self):
        "A profile the parser cannot use is refused with the device named"
        w = self.world()
        with self.assertRaisesRegex(UserError, 'Sc-1'):
            w.register('SC-1', gs_substitute='\\xZZ')
        with self.assertRaisesRegex(UserError, 'timeout'):
            w.register('SC-2', timeout=0)
        # a substitute that GS1 data may hold would split a lot
        with self.assertRaisesRegex(UserError, 'GS1 data'):
            w.register('SC-3', gs_substitute='-')

    # --- signed scans -------------------------------------------------

    @with_transaction()
    def test_signed_scan_accepted(self):
        "A signed GS1 scan is verified, parsed and bound to its operator"
        w = self.world()
        device = w.enrol(w.register('SC-1'))
        raw = gs1_raw(GTIN14_B, lot='L-7', expiry='271231')
        answer, = w.send([w.event(device, 1, raw)])
        self.assertEqual(
            (answer['outcome'], answer['reason'], answer['gtin'],
                answer['lot'], answer['expiry']),
            ('accepted', None, GTIN14_B, 'L-7', '2027-12-31'))
        scan, = self.scans()
        self.assertEqual(
            (scan.device, scan.operator, scan.product, scan.signed,
                scan.counter, scan.symbology),
            (device, w.keeper_employee, w.mat_b, True, 1, 'gs1-datamatrix'))
        self.assertEqual(scan.raw, ']d2010' + GTIN_B + '17271231' + '10L-7')
        self.assertEqual(scan.device.last_counter, 1)

    @with_transaction()
    def test_signed_scan_refusals(self):
        "Forged, replayed, stale, revoked and unreadable scans are refused"
        pool = Pool()
        Device = pool.get('zt.device')
        w = self.world()
        device = w.enrol(w.register('SC-1'))
        other = w.enrol(w.register('SC-2'))
        raw = b']E0' + GTIN_B.encode()
        now = dt.datetime.now(dt.timezone.utc)
        answers = w.send([
                # signed with another device's key
                w.event(device, 1, raw, key=w.keys['SC-2']),
                w.event(device, 2, raw),
                # the same counter again with other content: a replay
                w.event(device, 2, raw + b'0'),
                w.event(device, 3, raw, time=now - dt.timedelta(days=2)),
                w.event(device, 4, raw, time=now + dt.timedelta(hours=1)),
                # C9 (c): GS dropped, the serial would swallow the rest
                w.event(device, 5, b'0104150050248092211027846426374917'
                    b'25123110NN1814'),
                w.event(device, 6, raw, badge='NOBODY'),
                ])
        self.assertEqual(
            [(a['outcome'], a['reason']) for a in answers], [
                ('refused', 'signature'),
                ('accepted', None),
                ('refused', 'replay'),
                ('refused', 'stale'),
                ('refused', 'clock'),
                ('refused', 'gs_missing'),
                ('refused', 'operator'),
                ])
        gs_missing = answers[5]
        self.assertIn('GS', gs_missing['message'])
        scan = pool.get('zt.device.scan')(gs_missing['scan'])
        self.assertEqual((scan.lot, scan.serial, scan.gtin, scan.product),
            (None, None, None, None))
        # forged and replayed events are in the ledger too
        self.assertEqual(
            len(self.entries('zt.device.scan.refused')), 3)
        # revoking refuses the next scan at once
        with acting(w.device_admin):
            Device.revoke([other])
        answer, = w.send([w.event(other, 1, raw)])
        self.assertEqual((answer['outcome'], answer['reason']),
            ('refused', 'revoked'))
        self.assertEqual(Device(device.id).last_counter, 6)

    @with_transaction()
    def test_signed_resend_is_duplicate(self):
        "A resent event answers as the first time and is recorded once"
        w = self.world()
        device = w.enrol(w.register('SC-1'))
        event = w.event(device, 1, b']E0' + GTIN_B.encode())
        first, = w.send([event])
        again, = w.send([event])
        self.assertEqual((first['outcome'], again['outcome']),
            ('accepted', 'duplicate'))
        self.assertEqual(again['scan'], first['scan'])
        self.assertEqual(len(self.scans()), 1)

    @with_transaction()
    def test_fast_scans_two_devices(self):
        "50 scans from two devices are each recorded exactly once"
        w = self.world()
        devices = [w.enrol(w.register('SC-%d' % i)) for i in (1, 2)]
        events = [w.event(d, n, b']E0' + GTIN_B.encode())
            for n in range(1, 26) for d in devices]
        # the same code within the debounce window is one scan
        for device in devices:
            device.debounce = 0
            device.save()
        answers = w.send(events)
        self.assertEqual({a['outcome'] for a in answers}, {'accepted'})
        self.assertEqual(len(self.scans(outcome='accepted')), 50)
        self.assertEqual(w.send(events)[-1]['outcome'], 'duplicate')
        self.assertEqual(len(self.scans()), 50)

    @with_transaction()
    def test_signed_debounce(self):
        "C10: the same code from the same device within its debounce"
        w = self.world()
        device = w.enrol(w.register('SC-1', debounce=5))
        raw = b']E0' + GTIN_B.encode()
        now = dt.datetime.now(dt.timezone.utc)
        answers = w.send([w.event(device, 1, raw, time=now),
                w.event(device, 2, raw, time=now),
                # delivered later but scanned before: still a repeat
                w.event(device, 3, raw, time=now - dt.timedelta(seconds=2))])
        self.assertEqual([a['reason'] for a in answers],
            [None, 'debounce', 'debounce'])

    @with_transaction()
    def test_submit_signed_needs_bridge(self):
        "Only the bridge submits signed scans, and the refusal is recorded"
        w = self.world()
        device = w.enrol(w.register('SC-1'))
        event = w.event(device, 1, b']E0' + GTIN_B.encode())
        with self.assertRaises(DeviceAccessError):
            w.send([event], user=w.keeper)
        self.assertEqual(self.scans(), [])

    @with_transaction()
    def test_scans_read_only(self):
        "Nobody writes, deletes or creates a scan, not even root"
        Scan = Pool().get('zt.device.scan')
        w = self.world()
        device = w.enrol(w.register('SC-1'))
        w.send([w.event(device, 1, b']E0' + GTIN_B.encode())])
        scan, = self.scans()
        with self.assertRaisesRegex(UserError, 'server only'):
            Scan.write([scan], {'lot': 'X'})
        with self.assertRaisesRegex(UserError, 'server only'):
            Scan.delete([scan])
        with self.assertRaisesRegex(UserError, 'server only'):
            Scan.create([{'raw': 'x', 'outcome': 'accepted'}])
        with acting(w.keeper), self.assertRaises(AccessError):
            Scan.write([scan], {'lot': 'X'})

    # --- unsigned scans -----------------------------------------------

    @with_transaction()
    def test_unsigned_scans(self):
        "Unsigned scans only where allowed; retries are idempotent"
        Scan = Pool().get('zt.device.scan')
        w = self.world()
        with acting(w.keeper):
            answer = Scan.submit_unsigned(
                w.warehouse.id, GTIN_B, 'key-0001')
        self.assertEqual((answer['outcome'], answer['reason']),
            ('refused', 'unsigned'))
        w.allow_unsigned()
        with acting(w.keeper):
            first = Scan.submit_unsigned(w.warehouse.id, GTIN_B, 'key-0002')
            again = Scan.submit_unsigned(w.warehouse.id, GTIN_B, 'key-0002')
            repeat = Scan.submit_unsigned(w.warehouse.id, GTIN_B, 'key-0003')
            confirmed = Scan.submit_unsigned(
                w.warehouse.id, GTIN_B, 'key-0004', True)
        self.assertEqual(
            [(a['outcome'], a['reason']) for a in [
                    first, again, repeat, confirmed]], [
                ('accepted', None), ('duplicate', None),
                ('refused', 'debounce'), ('accepted', None)])
        self.assertEqual(first['product'], w.mat_b.rec_name)
        # C9 (b) typed: the warehouse's scanners type | for GS
        w.warehouse.zt_typed_gs_substitute = '|'
        w.warehouse.save()
        with acting(w.keeper):
            typed = Scan.submit_unsigned(w.warehouse.id,
                '01' + GTIN14_B + '21SN-1|17271231|10L-9', 'key-0010')
            merged = Scan.submit_unsigned(w.warehouse.id,
                '01' + GTIN14_B + '21SN-11727123110L-9', 'key-0011')
        self.assertEqual(
            (typed['outcome'], typed['lot'], typed['expiry']),
            ('accepted', 'L-9', '2027-12-31'))
        self.assertEqual(merged['reason'], 'gs_missing')
        self.assertEqual(len(self.scans()), 6)
        self.assertEqual({s.signed for s in self.scans()}, {False})
        # another warehouse, or not a keeper: refused and nothing stored
        with acting(w.requester), self.assertRaises(DeviceAccessError):
            Scan.submit_unsigned(w.warehouse.id, GTIN_B, 'key-0005')
        self.assertEqual(len(self.scans()), 6)

    # --- the issue step -----------------------------------------------

    @with_transaction()
    def test_issue_from_unsigned_scans(self):
        "The PDA issues from its recorded scans; each scan is used once"
        pool = Pool()
        Request = pool.get('zt.issue.request')
        Scan = pool.get('zt.device.scan')
        w = self.world()
        w.allow_unsigned()
        request = w.approved_request([(w.mat_b, 2)])
        codes = [GTIN_B, ']d2010%s10LOT-1' % GTIN_B,
            w.requester_employee.badge_code]
        with acting(w.keeper):
            answers = [Scan.submit_unsigned(
                    w.warehouse.id, c, 'k-%08d' % i, True)
                for i, c in enumerate(codes)]
            self.assertEqual({a['outcome'] for a in answers}, {'accepted'})
            ids = [a['scan'] for a in answers]
            Request.issue_from_scans([request], ids)
        request = Request(request.id)
        self.assertEqual(request.state, 'done')
        self.assertEqual(len(w.done_moves(request)), 1)
        scans = Scan.browse(ids)
        self.assertEqual({s.record for s in scans}, {request})
        self.assertEqual(len(self.entries('zt.device.scan.used')), 3)
        # used scans cannot be used again
        other = w.approved_request([(w.mat_b, 1)])
        with acting(w.keeper), savepoint(), self.assertRaisesRegex(
                UserError, 'already used'):
            Request.issue_from_scans([other], ids[:1] + ids[2:])
        self.assertEqual(Request(other.id).state, 'approved')

    @with_transaction()
    def test_issue_from_signed_scans(self):
        "A warehouse of signed scans only issues from a device's scans"
        pool = Pool()
        Request = pool.get('zt.issue.request')
        w = self.world()
        device = w.enrol(w.register('SC-1', debounce=0))
        request = w.approved_request([(w.mat_b, 2)])
        raw = gs1_raw(GTIN14_B, lot='L-1')
        answers = w.send([
                w.event(device, 1, raw),
                w.event(device, 2, raw),
                w.event(device, 3,
                    w.requester_employee.badge_code.encode()),
                ])
        self.assertEqual({a['outcome'] for a in answers}, {'accepted'})
        # typed scans are refused in this warehouse
        with self.assertRaises(UnsignedScanError):
            w.issue([request])
        # another keeper cannot use the device scans of this operator
        with acting(w.keeper2), savepoint(), self.assertRaisesRegex(
                UserError, 'another operator'):
            Request.issue_from_scans([request], [a['scan'] for a in answers])
        with acting(w.keeper):
            Request.issue_from_scans([request], [a['scan'] for a in answers])
        self.assertEqual(Request(request.id).state, 'done')

    @with_transaction()
    def test_issue_wizard_gs1(self):
        "The issue wizard reads GS1 element strings where unsigned is allowed"
        w = self.world()
        w.allow_unsigned()
        request = w.approved_request([(w.mat_b, 2)])
        text = '2*]C101%s10ABC\r\n%s\r\n' % (
            GTIN14_B, w.requester_employee.badge_code)
        request, = w.issue([request], text=text)
        self.assertEqual(request.state, 'done')
        # the typed scans are recorded, unsigned, used for the request
        typed = self.scans()
        self.assertEqual(
            [(s.signed, s.lot, s.product, s.record) for s in typed], [
                (False, 'ABC', w.mat_b, request),
                (False, None, None, request)])
        self.assertEqual(len(self.entries('zt.device.scan.used')), 2)
        # a refused GS1 scan names the reason
        other = w.approved_request([(w.mat_b, 1)])
        with self.assertRaisesRegex(UserError, 'check digit'):
            w.issue([other], text=']C1010' + GTIN_B[:-1] + '0\r\n%s\r\n' % (
                    w.requester_employee.badge_code))


    # --- labels -------------------------------------------------------

    @with_transaction()
    def test_labels(self):
        "Product and lot labels print the stored code, never a corrected one"
        import io

        import pypdf
        import zxingcpp
        from PIL import Image
        pool = Pool()
        Lot = pool.get('stock.lot')
        w = self.world()
        ProductLabel = pool.get('zt.device.label.product', type='report')
        LotLabel = pool.get('zt.device.label.lot.zpl', type='report')
        oext, content, _, name = ProductLabel.execute([w.mat_b.id], {})
        self.assertEqual(oext, 'pdf')
        page, = pypdf.PdfReader(io.BytesIO(content)).pages
        image, = page.images
        decoded, = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))
        self.assertEqual(decoded.text, GTIN_B)
        lot, = Lot.create([{'number': 'L^1', 'product': w.mat_b.id}])
        with self.assertRaisesRegex(UserError, 'L\\^1|character'):
            LotLabel.execute([lot.id], {})
        lot, = Lot.create([{'number': 'L-1', 'product': w.mat_b.id}])
        oext, content, _, _ = LotLabel.execute([lot.id], {})
        self.assertEqual(oext, 'zpl')
        self.assertIn('^XA', content)
        # a product without GTIN cannot be labelled
        with self.assertRaisesRegex(UserError, 'no GTIN'):
            ProductLabel.execute([w.finished.id], {})

    # --- found by the break test ---------------------------------------

    @with_transaction()
    def test_device_server_fields(self):
        "State, key and counters are the server's; revocation is final"
        pool = Pool()
        Device = pool.get('zt.device')
        w = self.world()
        device = w.enrol(w.register('SC-1'))
        other = w.register('SC-2')
        for user in [w.device_admin, None]:
            for values in [{'state': 'registered'},
                    {'public_key': device.public_key},
                    {'last_counter': 0}, {'warehouse': w.warehouse.id}]:
                with self.subTest(user=user, values=values), \
                        savepoint(), self.assertRaisesRegex(
                            UserError, 'Only the server'):
                    if user:
                        with acting(user):
                            Device.write([device], values)
                    else:
                        Device.write([device], values)
        with acting(w.device_admin), self.assertRaises(UserError):
            Device.create([{'name': 'X', 'code': 'X', 'state': 'active',
                        'warehouse': w.warehouse.id,
                        'company': w.company.id}])
        # an active device is revoked, not archived (it could not be)
        with acting(w.device_admin), savepoint(), self.assertRaisesRegex(
                UserError, 'active'):
            Device.write([device], {'active': False})
        # a registered device's profile and identity may change
        with acting(w.device_admin):
            Device.write([other], {'code': 'SC-2B', 'debounce': 1})
            Device.revoke([device])
        with acting(w.device_admin), self.assertRaisesRegex(
                UserError, 'Only the server'):
            Device.write([device], {'debounce': 1})
        with acting(w.device_admin), self.assertRaises(AccessError):
            Device.delete([device])
        with self.assertRaisesRegex(UserError, 'Only the server'):
            Device.delete([device])

    @with_transaction()
    def test_enrolment_admin_and_weak_keys(self):
        "Only device administrators see codes; weak keys are refused"
        import base64
        pool = Pool()
        Device = pool.get('zt.device')
        w = self.world()
        device = w.register('SC-1')
        with self.assertRaises(DeviceAccessError):
            with acting(w.keeper):
                Device.new_enrolment(device)
        code = w.enrolment_code(device)
        for key in [b'\0' * 32, b'\1' + b'\0' * 31,
                b'\xec' + b'\xff' * 30 + b'\x7f']:
            with self.subTest(key=key), acting(w.bridge), \
                    self.assertRaisesRegex(DeviceError, '32-byte'):
                Device.enrol(code, base64.b64encode(key).decode())
        with acting(w.bridge), self.assertRaisesRegex(DeviceError, '32-byte'):
            Device.enrol(['x'], 'A' * 44)
        self.assertEqual(Device(device.id).state, 'registered')

    @with_transaction()
    def test_malformed_events_recorded(self):
        "A huge counter or raw is refused and recorded; the batch goes on"
        import base64
        w = self.world()
        device = w.enrol(w.register('SC-1'))
        raw = b']E0' + GTIN_B.encode()
        huge = w.event(device, 2 ** 70, raw)
        big = w.event(device, 2, b'A' * 5000)
        tampered = dict(w.event(device, 3, b']E0' + GTIN_A.encode()))
        newline = dict(w.event(device, 4, raw), signature='AA\nAA')
        offset = dict(w.event(device, 5, raw),
            time='2026-11-29T08:00:00.000000+08:00')
        answers = w.send([huge, w.event(device, 1, raw), big, tampered,
                newline, offset])
        self.assertEqual(
            [(a['outcome'], a['reason']) for a in answers], [
                ('refused', 'malformed'), ('accepted', None),
                ('refused', 'malformed'), ('accepted', None),
                ('refused', 'malformed'), ('refused', 'malformed')])
        # a copy of an answered event with other content is not a resend
        tampered['raw'] = base64.b64encode(raw).decode()
        answer, = w.send([tampered])
        self.assertEqual((answer['outcome'], answer['reason']),
            ('refused', 'signature'))
        self.assertEqual(len(self.scans()), 7)

    @with_transaction()
    def test_scan_times_exact(self):
        "Scan times keep microseconds; 1 s apart is not a repeat"
        w = self.world()
        device = w.enrol(w.register('SC-1'))
        raw = b']E0' + GTIN_B.encode()
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=50000)
        answers = w.send([w.event(device, 1, raw, time=now),
                w.event(device, 2, raw, time=now + dt.timedelta(seconds=1))])
        self.assertEqual([a['outcome'] for a in answers], ['accepted'] * 2)
        first, second = self.scans()
        self.assertEqual(first.scanned_at.microsecond, 50000)
        self.assertEqual(first.signed_time,
            now.strftime('%Y-%m-%dT%H:%M:%S.%fZ'))

    @with_transaction()
    def test_issue_same_scan_twice(self):
        "The same scan id twice is refused: one scan is one item"
        pool = Pool()
        Request = pool.get('zt.issue.request')
        Scan = pool.get('zt.device.scan')
        w = self.world()
        w.allow_unsigned()
        request = w.approved_request([(w.mat_b, 2)])
        with acting(w.keeper):
            item = Scan.submit_unsigned(w.warehouse.id, GTIN_B, 'k-00000001')
            badge = Scan.submit_unsigned(w.warehouse.id,
                w.requester_employee.badge_code + '\r\n', 'k-00000002')
            self.assertEqual(badge['outcome'], 'accepted')
            with savepoint(), self.assertRaisesRegex(UserError, 'twice'):
                Request.issue_from_scans(
                    [request], [item['scan'], item['scan'], badge['scan']])
            for ids in [['x'], [-1], [2 ** 63], [item['scan'] + 1000]]:
                with self.subTest(ids=ids), savepoint(), \
                        self.assertRaisesRegex(UserError, 'existing scans'):
                    Request.issue_from_scans([request], ids)
        self.assertEqual(Request(request.id).state, 'approved')


del ModuleTestCase
