# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest

from ..framing import Debouncer, Framer
from ..profile import PROFILES

DEFAULT = PROFILES['default']
EOT = DEFAULT._replace(name='eot', terminator=b'\x04')
CRLF = DEFAULT._replace(name='crlf', terminator=b'\r\n')
LOGGER = 'zt_devices.framing'


class AnyTerminatorTestCase(unittest.TestCase):
    "Terminator 'any': CR, LF, CRLF and TAB"

    def test_each_terminator(self):
        for terminator in [b'\r', b'\n', b'\r\n', b'\t']:
            with self.subTest(terminator=terminator):
                framer = Framer(DEFAULT)
                self.assertEqual(
                    framer.feed(b'A1' + terminator + b'B2' + terminator, 0),
                    [b'A1', b'B2'])

    def test_crlf_split_across_feeds(self):
        framer = Framer(DEFAULT)
        self.assertEqual(framer.feed(b'A1\r', 0.0), [b'A1'])
        self.assertEqual(framer.feed(b'\nB2\r', 0.01), [b'B2'])
        self.assertEqual(framer.feed(b'\n', 0.02), [])
        self.assertEqual(framer._buffer, b'')

    def test_lf_after_cr_swallowed_once(self):
        framer = Framer(DEFAULT)
        # CR LF LF: the second LF ends an empty scan, still no scan.
        self.assertEqual(framer.feed(b'A1\r\n\nB2\n', 0), [b'A1', b'B2'])
        # LF CR is not a CRLF: both end (empty) scans.
        self.assertEqual(framer.feed(b'C3\n\rD4\r', 0), [b'C3', b'D4'])

    def test_lf_after_cr_after_timeout(self):
        framer = Framer(DEFAULT)
        self.assertEqual(framer.feed(b'A1\r', 0.0), [b'A1'])
        self.assertTrue(framer._after_cr)
        # After the timeout the CRLF is over: a late LF is a terminator.
        self.assertIsNone(framer.expire(5.0))
        self.assertFalse(framer._after_cr)
        self.assertEqual(framer.feed(b'\nB2\n', 5.0), [b'B2'])

    def test_empty_scans_dropped(self):
        framer = Framer(DEFAULT)
        self.assertEqual(framer.feed(b'\r\r\n\t\n\tA1\t\t', 0), [b'A1'])

    def test_byte_by_byte(self):
        framer = Framer(DEFAULT)
        scans = []
        for byte in b']C1010950600013435\x1d10AB\r\n':
            scans += framer.feed(bytes([byte]), 0)
        self.assertEqual(scans, [b']C1010950600013435\x1d10AB'])

    def test_control_characters_kept(self):
        framer = Framer(DEFAULT)
        self.assertEqual(framer.feed(b'\x1e\x04A\x1dB\r', 0),
            [b'\x1e\x04A\x1dB'])

    def test_bad_terminator(self):
        for terminator in [b'', 'x', None]:
            with self.subTest(terminator=terminator):
                with self.assertRaisesRegex(ValueError, 'terminator'):
                    Framer(DEFAULT._replace(terminator=terminator))
        with self.assertRaisesRegex(ValueError, 'max_size'):
            Framer(DEFAULT, max_size=0)
        with self.assertRaisesRegex(TypeError, 'bytes'):
            Framer(DEFAULT).feed('A1\r', 0)


class CustomTerminatorTestCase(unittest.TestCase):
    "Custom terminator bytes: other control characters are data"

    def test_eot(self):
        framer = Framer(EOT)
        self.assertEqual(framer.feed(b'A\rB\nC\tD\x04E\x04', 0),
            [b'A\rB\nC\tD', b'E'])

    def test_crlf_exactly(self):
        framer = Framer(CRLF)
        # A 2-D code with an embedded CR and LF (not CRLF) stays one scan.
        self.assertEqual(framer.feed(b'A\rB\nC\r\n', 0), [b'A\rB\nC'])

    def test_crlf_split(self):
        framer = Framer(CRLF)
        self.assertEqual(framer.feed(b'AB\r', 0), [])
        self.assertEqual(framer.feed(b'\nCD\r\n', 0.01), [b'AB', b'CD'])

    def test_empty_scans_dropped(self):
        framer = Framer(EOT)
        self.assertEqual(framer.feed(b'\x04\x04A\x04\x04', 0), [b'A'])


class TimeoutTestCase(unittest.TestCase):
    "Inter-character timeout"

    def test_expire(self):
        framer = Framer(DEFAULT)
        self.assertEqual(framer.feed(b'A1\x1d', 1.0), [])
        self.assertIsNone(framer.expire(1.1))
        # Exactly timeout (0.2 s) after the last byte is still kept.
        self.assertIsNone(framer.expire(1.2))
        with self.assertLogs(LOGGER, 'WARNING') as logs:
            self.assertEqual(framer.expire(1.25), b'A1\x1d')
        self.assertIn('A1\\x1d', logs.output[0])
        self.assertIsNone(framer.expire(2.0))

    def test_timeout_from_last_byte(self):
        framer = Framer(DEFAULT)
        framer.feed(b'A', 1.0)
        framer.feed(b'B', 1.15)
        self.assertIsNone(framer.expire(1.3))
        self.assertEqual(framer.feed(b'C\r', 1.3), [b'ABC'])

    def test_feed_expires_first(self):
        framer = Framer(DEFAULT)
        framer.feed(b'STALE', 0.0)
        with self.assertLogs(LOGGER, 'WARNING') as logs:
            self.assertEqual(framer.feed(b'NEW\r', 1.0), [b'NEW'])
        self.assertIn('STALE', logs.output[0])

    def test_log_escaped(self):
        framer = Framer(EOT)
        framer.feed(b'A\r\n\x00\\', 0.0)
        with self.assertLogs(LOGGER, 'WARNING') as logs:
            self.assertEqual(framer.expire(1.0), b'A\r\n\x00\\')
        message = logs.output[0]
        self.assertIn('A\\r\\n\\x00\\\\', message)
        self.assertFalse(any(c in message for c in '\r\n\x00'))

    def test_no_timeout(self):
        framer = Framer(DEFAULT._replace(timeout=0))
        framer.feed(b'A', 0.0)
        self.assertIsNone(framer.expire(100.0))
        self.assertEqual(framer.feed(b'B\r', 200.0), [b'AB'])


class SizeLimitTestCase(unittest.TestCase):
    "Scans longer than the size limit"

    def test_at_limit(self):
        framer = Framer(DEFAULT, max_size=8)
        self.assertEqual(framer.feed(b'12345678\r', 0), [b'12345678'])

    def test_overflow_discarded_to_terminator(self):
        framer = Framer(DEFAULT, max_size=8)
        with self.assertLogs(LOGGER, 'WARNING') as logs:
            scans = framer.feed(b'123456789', 0)
            scans += framer.feed(b'ABCDEFGHIJ\rOK\r', 0.01)
        self.assertEqual(scans, [b'OK'])
        self.assertEqual(len(logs.output), 1)
        self.assertIn('longer than 8 bytes', logs.output[0])

    def test_overflow_custom_terminator(self):
        framer = Framer(CRLF, max_size=4)
        with self.assertLogs(LOGGER, 'WARNING'):
            scans = framer.feed(b'1234567\r', 0)
            scans += framer.feed(b'\nOK\r\n', 0.01)
        self.assertEqual(scans, [b'OK'])

    def test_overflow_by_one_with_custom_terminator(self):
        framer = Framer(CRLF, max_size=4)
        self.assertEqual(framer.feed(b'1234\r\n', 0), [b'1234'])
        with self.assertLogs(LOGGER, 'WARNING'):
            self.assertEqual(framer.feed(b'12345\r\nOK\r\n', 0), [b'OK'])

    def test_overflow_ended_by_timeout(self):
        framer = Framer(DEFAULT, max_size=4)
        with self.assertLogs(LOGGER, 'WARNING'):
            framer.feed(b'123456', 0)
        self.assertIsNone(framer.expire(1.0))
        self.assertEqual(framer.feed(b'OK\r', 1.0), [b'OK'])

    def test_default_limit(self):
        framer = Framer(DEFAULT)
        self.assertEqual(framer.feed(b'A' * 4096 + b'\r', 0), [b'A' * 4096])
        with self.assertLogs(LOGGER, 'WARNING'):
            self.assertEqual(framer.feed(b'A' * 4097 + b'\r', 0), [])


class DebouncerTestCase(unittest.TestCase):
    "Debouncer per device"

    def test_duplicate_within_window(self):
        debouncer = Debouncer(0.3)
        self.assertFalse(debouncer.seen('D1', b'A', 0.0))
        self.assertTrue(debouncer.seen('D1', b'A', 0.1))
        # Another device or another code is not a duplicate.
        self.assertFalse(debouncer.seen('D2', b'A', 0.1))
        self.assertFalse(debouncer.seen('D1', b'B', 0.1))

    def test_window_edge_and_sliding(self):
        debouncer = Debouncer(0.25)
        self.assertFalse(debouncer.seen('D1', b'A', 0.0))
        self.assertTrue(debouncer.seen('D1', b'A', 0.125))
        # Each read restarts the window: 0.25 after 0.125 is new.
        self.assertTrue(debouncer.seen('D1', b'A', 0.25))
        self.assertFalse(debouncer.seen('D1', b'A', 0.5))

    def test_pruned(self):
        debouncer = Debouncer(0.25)
        for i in range(100):
            debouncer.seen('D1', b'%d' % i, i * 0.1)
        self.assertLessEqual(len(debouncer), 3)

    def test_zero_window(self):
        debouncer = Debouncer(0)
        self.assertFalse(debouncer.seen('D1', b'A', 0.0))
        self.assertFalse(debouncer.seen('D1', b'A', 0.0))

    def test_bad_window(self):
        for window in [-0.1, None, float('nan')]:
            with self.subTest(window=window):
                with self.assertRaisesRegex(ValueError, 'window'):
                    Debouncer(window)
