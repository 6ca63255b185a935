# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Plain tests of the ORM-free one-time password functions."""
import base64
import unittest
from urllib.parse import parse_qs, urlparse

from cryptography.fernet import Fernet

from trytond.modules.zt_inventory.totp_rules import (
    INVALID, REPLAYED, VALID, SealError, check_code, code_at, matching_step,
    new_secret, normalize_code, parse_keys, provisioning_uri, qr_png, seal,
    second_factor_only, step_at, totp_everywhere, unseal)

# RFC 6238, appendix B: the SHA-1 secret "12345678901234567890".
RFC_SECRET = base64.b32encode(b'12345678901234567890').decode()
RFC_VECTORS = [
    (59, '94287082'), (1111111109, '07081804'), (1111111111, '14050471'),
    (1234567890, '89005924'), (2000000000, '69279037'),
    (20000000000, '65353130'),
    ]
NOW = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC, the start of a step


class CodeTestCase(unittest.TestCase):
    "Codes, time-steps and the replay rule"

    def test_rfc_6238_vectors(self):
        "The codes of RFC 6238 (last 6 of its 8 digits)"
        for timestamp, code in RFC_VECTORS:
            with self.subTest(timestamp=timestamp):
                self.assertEqual(code_at(RFC_SECRET, timestamp), code[-6:])

    def test_new_secret(self):
        "A new secret is 32 base32 characters (160 bits), never the same"
        secrets = {new_secret() for _ in range(20)}
        self.assertEqual(len(secrets), 20)
        for secret in secrets:
            self.assertEqual(len(base64.b32decode(secret)), 20)

    def test_step(self):
        "A step lasts 30 s"
        self.assertEqual(step_at(NOW), step_at(NOW + 29.9))
        self.assertEqual(step_at(NOW) + 1, step_at(NOW + 30))

    def test_normalize_code(self):
        "Spaces are dropped; anything but 6 digits is no code"
        self.assertEqual(normalize_code(' 123 456 '), '123456')
        for code in [None, '', '12345', '1234567', '12345a', '１２３４５６']:
            with self.subTest(code=code):
                self.assertIsNone(normalize_code(code))

    def test_window(self):
        "The codes of the previous, current and next step match; no other"
        secret = new_secret()
        step = step_at(NOW)
        for offset in [-30, 0, 30]:
            code = code_at(secret, NOW + offset)
            with self.subTest(offset=offset):
                self.assertEqual(matching_step(secret, code, NOW),
                    step + offset // 30)
        for offset in [-60, 60, 3600]:
            code = code_at(secret, NOW + offset)
            if code in {code_at(secret, NOW + o) for o in [-30, 0, 30]}:
                continue  # a 1-in-a-million collision of codes
            with self.subTest(offset=offset):
                self.assertIsNone(matching_step(secret, code, NOW))

    def test_check_code(self):
        "A code is valid once: not again, nor an older one after it"
        secret = new_secret()
        code = code_at(secret, NOW)
        status, step = check_code(secret, code, NOW, None)
        self.assertEqual((status, step), (VALID, step_at(NOW)))
        self.assertEqual(check_code(secret, code, NOW + 5, step),
            (REPLAYED, step))
        older = code_at(secret, NOW - 30)
        self.assertEqual(check_code(secret, older, NOW, step)[0], REPLAYED)
        later = code_at(secret, NOW + 30)
        self.assertEqual(check_code(secret, later, NOW + 30, step),
            (VALID, step + 1))
        wrong = '%06d' % ((int(code) + 1) % 10 ** 6)
        self.assertEqual(check_code(secret, wrong, NOW, None)[0], INVALID)
        self.assertEqual(check_code(secret, 'abc', NOW, None),
            (INVALID, None))


class URITestCase(unittest.TestCase):
    "What the authenticator app reads"

    def test_provisioning_uri(self):
        "otpauth://totp/ with the login, the issuer and the secret"
        secret = new_secret()
        uri = provisioning_uri(secret, 'cfo', "Zhongtian 中天")
        parsed = urlparse(uri)
        self.assertEqual((parsed.scheme, parsed.netloc), ('otpauth', 'totp'))
        self.assertIn('cfo', parsed.path)
        query = parse_qs(parsed.query)
        self.assertEqual(query['secret'], [secret])
        self.assertEqual(query['issuer'], ["Zhongtian 中天"])

    def test_qr_png(self):
        "The QR code is a PNG image"
        png = qr_png(provisioning_uri(new_secret(), 'cfo', 'ZT'))
        self.assertTrue(png.startswith(b'\x89PNG\r\n\x1a\n'))


class SealTestCase(unittest.TestCase):
    "Secrets at rest"

    def test_seal_with_key(self):
        "Sealed with the key, the secret is not in the stored text"
        keys = parse_keys(Fernet.generate_key().decode())
        secret = new_secret()
        stored = seal(secret, keys)
        self.assertTrue(stored.startswith('fernet:'))
        self.assertNotIn(secret, stored)
        self.assertEqual(unseal(stored, keys), secret)

    def test_rotation(self):
        "A new key first, the old one after: old secrets still open"
        old = Fernet.generate_key().decode()
        new = Fernet.generate_key().decode()
        stored = seal('SECRET', parse_keys(old))
        self.assertEqual(unseal(stored, parse_keys('%s, %s' % (new, old))),
            'SECRET')
        with self.assertRaises(SealError):
            unseal(stored, parse_keys(new))

    def test_without_key(self):
        "Without a key the secret is stored plain, and marked so"
        self.assertEqual(seal('SECRET', []), 'plain:SECRET')
        self.assertEqual(unseal('plain:SECRET', []), 'SECRET')

    def test_errors(self):
        "A sealed secret without key, an altered one, a bad key: SealError"
        keys = parse_keys(Fernet.generate_key().decode())
        stored = seal('SECRET', keys)
        with self.assertRaises(SealError):
            unseal(stored, [])
        altered = stored[:-4] + ('AAAA' if stored[-4:] != 'AAAA' else 'BBBB')
        with self.assertRaises(SealError):
            unseal(altered, keys)
        with self.assertRaises(SealError):
            unseal('SECRET', keys)
        with self.assertRaisesRegex(SealError, 'totp_key'):
            parse_keys('not-a-key')
        self.assertEqual(parse_keys(''), [])
        self.assertEqual(parse_keys(None), [])


class AuthenticationsTestCase(unittest.TestCase):
    "The [session] authentications setting"

    def test_totp_everywhere(self):
        "totp in every alternative or in none"
        for value, expected in [
                ('password', True),
                ('password,sms', True),
                ('password+totp', True),
                ('password+totp,sms+totp?ip_address', True),
                ('password+totp,password', False),
                ('password,password+totp', False),
                ]:
            with self.subTest(value=value):
                self.assertEqual(totp_everywhere(value), expected)

    def test_second_factor_only(self):
        "totp must follow another method in every alternative"
        for value, expected in [
                ('password', True),
                ('password+totp', True),
                ('password+totp?ip_address', True),
                ('password+totp,sms+totp', True),
                ('totp', False),
                ('password+totp,totp', False),
                ('totp+password', False),
                ('totp?device_cookie+password', False),
                ]:
            with self.subTest(value=value):
                self.assertEqual(second_factor_only(value), expected)


if __name__ == '__main__':
    unittest.main()
