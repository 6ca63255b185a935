# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The pure anchor signing code: message vector, signatures, keys, file."""
import os
import stat
import tempfile
import unittest

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey)

from trytond.modules.zt_inventory import anchor_sign

HASH = 'ab' * 32
TIMESTAMP = '2026-11-29T02:00:00.000000Z'
# RFC 8032 section 7.1, test 1: the key of a known signature vector.
RFC_SECRET = ('9d61b19deffd5a60ba844af492ec2cc4'
    '4449c5697b326919703bac031cae7f60')
RFC_PUBLIC = ('d75a980182b10ab7d54bfed3c964073a'
    '0ee172f3daa62325af021a68f707511a')
# The signature of the anchor ('1:3', 12, HASH, TIMESTAMP) by that key: a
# change of the message encoding changes it.
SIGNATURE = ('d5d1d1ffb96e194203b322eba6da6660803c41c11c2162f4e4f40148bde05334'
    'b7a4995d7222b77a6b3a13556e10b9c9a2181b5843c8c7959fb9b851ee53fb0a')


def rfc_key():
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(RFC_SECRET))


class MessageTestCase(unittest.TestCase):

    def test_message(self):
        "Five fields joined by line feeds, version first, no final one"
        self.assertEqual(
            anchor_sign.message('1:3', 12, HASH, TIMESTAMP),
            ('zt-anchor-1\n1:3\n12\n%s\n%s' % (HASH, TIMESTAMP)).encode())

    def test_message_refuses(self):
        "Every field has one shape: anything else is refused"
        for args in [
                ('1:3\n', 12, HASH, TIMESTAMP),
                ('', 12, HASH, TIMESTAMP),
                ('1:3', 0, HASH, TIMESTAMP),
                ('1:3', '12', HASH, TIMESTAMP),
                ('1:3', True, HASH, TIMESTAMP),
                ('1:3', 12, HASH.upper(), TIMESTAMP),
                ('1:3', 12, HASH[:-1], TIMESTAMP),
                ('1:3', 12, HASH, '2026-11-29T02:00:00Z'),
                ('1:3', 12, HASH, TIMESTAMP + '\n'),
                ]:
            with self.subTest(args=args):
                with self.assertRaises(ValueError):
                    anchor_sign.message(*args)


class SignatureTestCase(unittest.TestCase):

    def test_known_round_trip(self):
        "A known key gives a known, deterministic signature that verifies"
        key = rfc_key()
        self.assertEqual(anchor_sign.public_key_text(key), RFC_PUBLIC)
        anchor = anchor_sign.make_anchor(key, '1:3', 12, HASH, TIMESTAMP)
        self.assertEqual(anchor.public_key, RFC_PUBLIC)
        self.assertEqual(anchor.signature, SIGNATURE)
        # Ed25519 is deterministic: the same message, the same signature
        self.assertEqual(anchor.signature, anchor_sign.sign(
                key, '1:3', 12, HASH, TIMESTAMP))
        self.assertTrue(anchor_sign.verify(RFC_PUBLIC, anchor))
        self.assertTrue(anchor_sign.verify(key.public_key(), anchor))

    def test_tampered(self):
        "Any changed field of the message breaks the signature"
        key = rfc_key()
        anchor = anchor_sign.make_anchor(key, '1:3', 12, HASH, TIMESTAMP)
        for change in [
                {'chain': '1:4'},
                {'sequence': 13},
                {'hash': 'cd' * 32},
                {'timestamp': '2026-11-29T02:00:00.000001Z'},
                {'signature': ('%02x' % (int(anchor.signature[:2], 16) ^ 1))
                    + anchor.signature[2:]},
                {'signature': anchor.signature[:-2]},
                {'signature': 'zz' * 64},
                ]:
            with self.subTest(change=change):
                self.assertFalse(anchor_sign.verify(
                        RFC_PUBLIC, anchor._replace(**change)))

    def test_wrong_key(self):
        "A signature of another key does not verify, whatever it claims"
        other = Ed25519PrivateKey.generate()
        anchor = anchor_sign.make_anchor(other, '1:3', 12, HASH, TIMESTAMP)
        self.assertFalse(anchor_sign.verify(RFC_PUBLIC,
                anchor._replace(public_key=RFC_PUBLIC)))
        self.assertTrue(anchor_sign.verify(anchor.public_key, anchor))

    def test_bad_public_key(self):
        "A public key that is not 64 hex digits is refused"
        for text in ['', 'ab' * 31, 'zz' * 32, None]:
            with self.subTest(text=text):
                with self.assertRaises(anchor_sign.AnchorKeyError):
                    anchor_sign.load_public_key(text)


class KeyFileTestCase(unittest.TestCase):

    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = directory.name

    def test_generate_and_load(self):
        "A new key is a PEM file of mode 0600 that loads back"
        path = os.path.join(self.directory, 'keys', 'zt-ledger.pem')
        key = anchor_sign.generate_key(path)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path, 'rb') as file:
            self.assertTrue(file.read().startswith(
                    b'-----BEGIN PRIVATE KEY-----'))
        loaded = anchor_sign.load_private_key(path)
        self.assertEqual(anchor_sign.public_key_text(loaded),
            anchor_sign.public_key_text(key))

    def test_no_overwrite(self):
        "An existing file is never overwritten"
        path = os.path.join(self.directory, 'zt-ledger.pem')
        with open(path, 'w') as file:
            file.write('keep me')
        with self.assertRaises(FileExistsError):
            anchor_sign.generate_key(path)
        with open(path) as file:
            self.assertEqual(file.read(), 'keep me')

    def test_load_refuses(self):
        "A missing file, garbage or a key of another kind: a clear error"
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        garbage = os.path.join(self.directory, 'garbage.pem')
        with open(garbage, 'w') as file:
            file.write('not a key')
        other = os.path.join(self.directory, 'ec.pem')
        with open(other, 'wb') as file:
            file.write(ec.generate_private_key(ec.SECP256R1()).private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption()))
        for path, reason in [
                (os.path.join(self.directory, 'missing.pem'), 'No such'),
                (garbage, 'PEM'),
                (other, 'Ed25519')]:
            with self.subTest(path=path):
                with self.assertRaisesRegex(
                        anchor_sign.AnchorKeyError, reason):
                    anchor_sign.load_private_key(path)


class AnchorFileTestCase(unittest.TestCase):

    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.path = os.path.join(directory.name, 'sub', 'anchors.jsonl')

    def test_line(self):
        "One canonical JSON object per line, keys sorted"
        anchor = anchor_sign.Anchor('1:3', 12, HASH, TIMESTAMP, 'cd' * 32,
            'ef' * 64)
        line = anchor_sign.format_line(anchor)
        self.assertEqual(line, '{"chain":"1:3","hash":"%s",'
            '"public_key":"%s","sequence":12,"signature":"%s",'
            '"timestamp":"%s"}\n' % (HASH, 'cd' * 32, 'ef' * 64, TIMESTAMP))
        self.assertEqual(anchor_sign.parse_line(line), anchor)

    def test_append_and_read(self):
        "Lines are appended (the directory is created) and read back"
        key = rfc_key()
        first = anchor_sign.make_anchor(key, '1:3', 12, HASH, TIMESTAMP)
        second = anchor_sign.make_anchor(key, '1:0', 2, HASH, TIMESTAMP)
        anchor_sign.append_file(self.path, [first])
        anchor_sign.append_file(self.path, [second])
        self.assertEqual(anchor_sign.read_file(self.path),
            ([first, second], []))

    def test_malformed_lines(self):
        "Malformed lines are named by number; the others are read"
        key = rfc_key()
        anchor = anchor_sign.make_anchor(key, '1:3', 12, HASH, TIMESTAMP)
        anchor_sign.append_file(self.path, [anchor])
        with open(self.path, 'a') as file:
            file.write('\n{"chain": "1:3"}\nnot json\n'
                + anchor_sign.format_line(anchor).replace('12', '"12"'))
        anchors, errors = anchor_sign.read_file(self.path)
        self.assertEqual(anchors, [anchor])
        self.assertEqual([e.split(':')[0] for e in errors],
            ['line 3', 'line 4', 'line 5'])
