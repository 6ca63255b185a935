# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Tests of escape.escape / escape.unescape."
import unittest

from trytond.modules.zt_devices.escape import GS_SYMBOL, escape, unescape


class EscapeTestCase(unittest.TestCase):

    def test_round_trip_all_bytes(self):
        "Every byte, alone and all together, survives escape/unescape."
        everything = bytes(range(256))
        self.assertEqual(unescape(escape(everything)), everything)
        for byte in range(256):
            data = bytes([byte])
            with self.subTest(byte=byte):
                text = escape(data)
                self.assertEqual(unescape(text), data)
                self.assertTrue(text.isascii() and text.isprintable())

    def test_escape_forms(self):
        self.assertEqual(escape(b'01\x1d10AB'), '01\\x1d10AB')
        self.assertEqual(escape(b'a\\b'), 'a\\\\b')
        self.assertEqual(escape(b'\r\n\t'), '\\r\\n\\t')
        self.assertEqual(escape(b'\xab\x00\x7f'), '\\xab\\x00\\x7f')
        self.assertEqual(escape(b' ~'), ' ~')
        self.assertEqual(escape(b''), '')

    def test_unescape_forms(self):
        self.assertEqual(unescape('\\xAB\\xab'), b'\xab\xab')
        self.assertEqual(unescape('\\0\\r\\n\\t\\\\'), b'\x00\r\n\t\\')
        self.assertEqual(unescape('21G' + GS_SYMBOL + '20'), b'21G\x1d20')
        self.assertEqual(unescape('\u00e9'), '\u00e9'.encode('utf-8'))
        self.assertEqual(unescape('\x1d'), b'\x1d')

    def test_bad_escapes(self):
        "A bad escape raises ValueError naming its 1-based position."
        for text, position in [
                ('ab\\q', 3), ('\\x1', 1), ('x\\xg0', 2), ('abc\\', 4),
                ('\\x', 1), ('\\e', 1)]:
            with self.subTest(text=text):
                with self.assertRaises(ValueError) as context:
                    unescape(text)
                self.assertIn('position %d' % position,
                    str(context.exception))

    def test_types(self):
        with self.assertRaises(TypeError):
            escape('text')
        with self.assertRaises(TypeError):
            unescape(b'bytes')


if __name__ == '__main__':
    unittest.main()
