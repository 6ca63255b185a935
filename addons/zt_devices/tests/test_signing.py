# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import base64
import datetime as dt
import unittest

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey)

from ..errors import ScanRefused, SignatureError
from ..signing import (
    TEST_VECTOR_SIGNATURE, canonical, check_counter, check_time,
    format_time, generate_key, load_private, make_event, parse_time,
    public_b64, sign_event, verify_event)

UTC = dt.timezone.utc
# RFC 8032 section 7.1, TEST 1.
SEED = bytes.fromhex(
    '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
PUBLIC_HEX = (
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
RAW = b']C10109506000134352\x1d10AB-12'
TIME = dt.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
CANONICAL = (b'zt-scan-v1\n{"badge":"B-42","counter":1,'
    b'"device":"SCN-0001","raw":"XUMxMDEwOTUwNjAwMDEzNDM1Mh0xMEFCLTEy",'
    b'"time":"2025-01-02T03:04:05.000006Z"}')
SIGNATURE_HEX = (
    'b2002d23f0701ed631ef4729785ae67c80e4cc70a5402fad48ed1dfbd1869613'
    'f9b703951b8004fcde6fecedaefccc0f38e5c3e7e1b84b3e68ebd51ff9a45103')


def vector_key():
    return Ed25519PrivateKey.from_private_bytes(SEED)


def vector_event():
    return make_event(vector_key(), 'SCN-0001', 1, RAW, badge='B-42',
        time=TIME)


class TestVectorTestCase(unittest.TestCase):
    "The fixed vector other implementations check themselves against"

    def test_public_key(self):
        public = public_b64(vector_key())
        self.assertEqual(base64.b64decode(public).hex(), PUBLIC_HEX)
        self.assertEqual(public,
            '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=')

    def test_canonical(self):
        event = vector_event()
        self.assertEqual(event['time'], '2025-01-02T03:04:05.000006Z')
        self.assertEqual(canonical(event), CANONICAL)

    def test_signature(self):
        event = vector_event()
        self.assertEqual(base64.b64decode(event['signature']).hex(),
            SIGNATURE_HEX)
        self.assertEqual(TEST_VECTOR_SIGNATURE, SIGNATURE_HEX)
        verify_event(base64.b64encode(bytes.fromhex(PUBLIC_HEX)).decode(),
            event)


class SignTestCase(unittest.TestCase):
    "Signing and verifying events"

    def setUp(self):
        self.pem, self.public = generate_key()
        self.key = load_private(self.pem)
        self.event = make_event(self.key, 'SCN-7', 5, b'0123\r\n\x00',
            time=dt.datetime(2025, 6, 1, 12, tzinfo=UTC))

    def test_good_signature(self):
        self.assertIsNone(verify_event(self.public, self.event))
        self.assertIsNone(self.event['badge'])
        self.assertEqual(base64.b64decode(self.event['raw']),
            b'0123\r\n\x00')

    def test_sign_with_pem(self):
        event = dict(self.event)
        del event['signature']
        self.assertEqual(sign_event(self.pem, event), self.event)

    def test_generate_key_pem(self):
        self.assertTrue(self.pem.startswith(b'-----BEGIN PRIVATE KEY-----'))
        self.assertEqual(len(base64.b64decode(self.public)), 32)

    def test_wrong_key(self):
        _, other = generate_key()
        with self.assertRaisesRegex(SignatureError, 'does not verify'):
            verify_event(other, self.event)

    def test_tampered_fields(self):
        changes = {
            'raw': base64.b64encode(b'0124\r\n\x00').decode(),
            'badge': 'B-1',
            'counter': 6,
            'time': '2025-06-01T12:00:00.000001Z',
            'device': 'SCN-8',
            }
        for key, value in changes.items():
            with self.subTest(key=key):
                event = dict(self.event, **{key: value})
                with self.assertRaises(SignatureError) as context:
                    verify_event(self.public, event)
                self.assertEqual(context.exception.code, 'signature')

    def test_extra_key_not_signed(self):
        # Keys outside the signed ones do not matter to the signature.
        verify_event(self.public, dict(self.event, note='x'))

    def test_bad_base64(self):
        for key, value in [('signature', 'not base64!'),
                ('signature', self.event['signature'][:-2]),
                ('raw', '***')]:
            with self.subTest(key=key, value=value):
                with self.assertRaisesRegex(SignatureError, 'base64'):
                    verify_event(self.public, dict(self.event, **{key: value}))
        with self.assertRaisesRegex(SignatureError, 'public key'):
            verify_event('@@@', self.event)

    def test_wrong_lengths(self):
        short = base64.b64encode(b'\x01' * 63).decode()
        with self.assertRaisesRegex(SignatureError, '63 bytes, expected 64'):
            verify_event(self.public, dict(self.event, signature=short))
        key = base64.b64encode(b'\x01' * 31).decode()
        with self.assertRaisesRegex(SignatureError, '31 bytes, expected 32'):
            verify_event(key, self.event)

    def test_missing_signature(self):
        event = dict(self.event)
        del event['signature']
        with self.assertRaisesRegex(SignatureError, 'signature'):
            verify_event(self.public, event)

    def test_malformed_events(self):
        for key, value, pattern in [
                ('counter', 0, 'counter'), ('counter', True, 'counter'),
                ('counter', '5', 'counter'), ('device', '', 'device'),
                ('badge', 42, 'badge'), ('time', None, 'time')]:
            with self.subTest(key=key, value=value):
                with self.assertRaisesRegex(SignatureError, pattern):
                    canonical(dict(self.event, **{key: value}))
        event = dict(self.event)
        del event['badge']
        with self.assertRaisesRegex(SignatureError, "misses 'badge'"):
            verify_event(self.public, event)
        with self.assertRaisesRegex(SignatureError, 'dict'):
            verify_event(self.public, [])

    def test_canonical_ascii(self):
        event = dict(self.event, badge='B\u00e9')
        self.assertIn(b'"badge":"B\\u00e9"', canonical(event))

    def test_load_private_bad(self):
        with self.assertRaisesRegex(ValueError, 'PEM'):
            load_private(b'not a key')

    def test_make_event_naive_time(self):
        with self.assertRaisesRegex(ValueError, 'aware'):
            make_event(self.key, 'SCN-7', 1, b'x',
                time=dt.datetime(2025, 1, 1))
        with self.assertRaises(TypeError):
            make_event(self.key, 'SCN-7', 1, 'x')


class TimeTestCase(unittest.TestCase):
    "Event times: format, staleness and clock skew"

    now = dt.datetime(2025, 6, 1, 12, tzinfo=UTC)
    age = dt.timedelta(minutes=10)
    skew = dt.timedelta(seconds=60)
    us = dt.timedelta(microseconds=1)

    def test_parse_format(self):
        text = '2025-06-01T11:59:59.123456Z'
        time = parse_time(text)
        self.assertEqual(time, dt.datetime(2025, 6, 1, 11, 59, 59, 123456,
                tzinfo=UTC))
        self.assertEqual(format_time(time), text)
        plus2 = dt.timezone(dt.timedelta(hours=2))
        self.assertEqual(format_time(dt.datetime(2025, 6, 1, 14,
                    tzinfo=plus2)), '2025-06-01T12:00:00.000000Z')

    def test_parse_bad(self):
        for text in ['2025-06-01T11:59:59Z', '2025-06-01T11:59:59.123Z',
                '2025-06-01 11:59:59.123456Z', '2025-06-01T11:59:59.123456',
                '2025-06-01T11:59:59.123456+00:00',
                '2025-13-01T11:59:59.123456Z', None]:
            with self.subTest(text=text):
                with self.assertRaises(ScanRefused) as context:
                    parse_time(text)
                self.assertEqual(context.exception.code, 'clock')

    def test_fresh(self):
        check_time(self.now - dt.timedelta(seconds=5), self.now,
            self.age, self.skew)
        check_time(format_time(self.now), self.now, self.age, self.skew)

    def test_stale_edge(self):
        # Exactly max_age old is accepted, one microsecond more is not.
        check_time(self.now - self.age, self.now, self.age, self.skew)
        with self.assertRaises(ScanRefused) as context:
            check_time(self.now - self.age - self.us, self.now, self.age,
                self.skew)
        self.assertEqual(context.exception.code, 'stale')

    def test_future_edge(self):
        # Exactly max_skew ahead is accepted, one microsecond more is not.
        check_time(self.now + self.skew, self.now, self.age, self.skew)
        with self.assertRaises(ScanRefused) as context:
            check_time(format_time(self.now + self.skew + self.us),
                self.now, self.age, self.skew)
        self.assertEqual(context.exception.code, 'clock')

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, 'aware'):
            check_time(dt.datetime(2025, 6, 1), self.now, self.age,
                self.skew)
        with self.assertRaisesRegex(ValueError, 'negative'):
            check_time(self.now, self.now, -self.age, self.skew)


class CounterTestCase(unittest.TestCase):
    "Replay protection by counter"

    def test_increasing(self):
        check_counter(1, None)
        check_counter(1, 0)
        check_counter(8, 7)
        check_counter(100, 7)

    def test_replay_equal_and_lower(self):
        for counter in [7, 6, 1]:
            with self.subTest(counter=counter):
                with self.assertRaises(ScanRefused) as context:
                    check_counter(counter, 7)
                self.assertEqual(context.exception.code, 'replay')
                self.assertEqual(context.exception.params['last'], '7')

    def test_bad_counter(self):
        for counter in [0, -1, True, '8', None]:
            with self.subTest(counter=counter):
                with self.assertRaisesRegex(ScanRefused, 'integer >= 1'):
                    check_counter(counter, 0)


class PublicKeyTestCase(unittest.TestCase):
    "Keys of small order or not canonical are refused at enrolment"

    def test_weak_keys(self):
        from trytond.modules.zt_devices.signing import (
            check_public_key, generate_key)
        import base64
        for key in [b'\0' * 32, b'\1' + b'\0' * 31, b'\0' * 31 + b'\x80',
                bytes.fromhex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c6'
                    '3339b13802886d53fc85'),
                b'\xed' + b'\xff' * 30 + b'\x7f',
                b'\xff' * 32, b'\0' * 31]:
            with self.subTest(key=key.hex()), self.assertRaises(ValueError):
                check_public_key(key)
        good = base64.b64decode(generate_key()[1])
        self.assertEqual(check_public_key(good), good)
