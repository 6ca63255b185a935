# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Cut the byte stream of a keyboard-wedge or serial scanner into scans.

Plain logic, no ORM: the caller reads the port and passes the bytes with
the time they arrived (float seconds of a monotonic clock).
"""
import logging

from .escape import escape

__all__ = ['Framer', 'Debouncer', 'MAX_SCAN']

logger = logging.getLogger('zt_devices.framing')

CR, LF, TAB = 0x0d, 0x0a, 0x09
ANY_TERMINATORS = frozenset([CR, LF, TAB])
# The largest 2-D codes we expect (a full QR code holds under 3 kB of
# bytes); anything longer is a stuck scanner or a wrong port.
MAX_SCAN = 4096
_LOG_BYTES = 64


class Framer(object):
    """Frame scans out of a byte stream using a scanner profile.

    profile: a Profile (see profile.py); uses `terminator` and `timeout`.
    - terminator 'any': CR, LF, CRLF and TAB each end one scan; an LF
      that follows a CR within profile.timeout (the same burst) is the
      second half of a CRLF and is swallowed, even when the CR ended one
      feed() and the LF starts the next.
    - terminator bytes (e.g. b'\\x04' or b'\\r\\n' exactly): only that
      sequence ends a scan; every other byte, control characters
      included, is data (a 2-D code may hold a CR).
    Empty scans (two terminators in a row) are dropped.  A scan longer
    than max_size bytes is discarded up to its terminator and logged.

    profile.timeout (seconds, inter-character timeout): a partial scan
    whose last byte is more than timeout old is discarded (exactly
    timeout old is kept); a timeout of 0 or None disables it.
    Raises ValueError for a bad terminator or max_size.
    """

    def __init__(self, profile, max_size=MAX_SCAN):
        terminator = profile.terminator
        if terminator != 'any' and (
                not isinstance(terminator, bytes) or not terminator):
            raise ValueError("terminator %r is neither 'any' nor bytes"
                % (terminator,))
        if not isinstance(max_size, int) or max_size < 1:
            raise ValueError('max_size %r is not an integer >= 1'
                % (max_size,))
        self.profile = profile
        self.max_size = max_size
        self._any = terminator == 'any'
        # Bytes kept while discarding an overlong scan: enough to see a
        # terminator split across reads.
        self._keep = 0 if self._any else len(terminator) - 1
        self._buffer = bytearray()
        self._last = None
        self._after_cr = False
        self._overflow = False

    def feed(self, data, now):
        """Add the bytes `data` received at `now`; return complete scans.

        data: bytes (may hold several scans or part of one).  now: float
        seconds.  Returns a list of bytes, terminators removed, in
        arrival order.  A partial scan that timed out before `now` is
        discarded first (see expire).  Raises TypeError if data is not
        bytes.
        """
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError('feed() needs bytes, not %s'
                % type(data).__name__)
        self.expire(now)
        scans = []
        for byte in data:
            scan = self._push(byte)
            if scan:
                scans.append(scan)
        if data:
            self._last = now
        return scans

    def expire(self, now):
        """Discard the partial scan if its last byte is older than timeout.

        Returns the discarded bytes or None (nothing pending, not yet
        timed out, or an overlong scan already logged when it overflowed).
        The discarded bytes are logged at WARNING, escaped.
        """
        timeout = self.profile.timeout
        if (self._last is None or not timeout
                or now - self._last <= timeout):
            return None
        # The silence also ends a CRLF: a later LF is a terminator again.
        self._after_cr = False
        partial = bytes(self._buffer)
        self._buffer.clear()
        if self._overflow:
            self._overflow = False
            return None
        if not partial:
            return None
        logger.warning('discarded a partial scan after %.3f s of silence '
            '(timeout %.3f s, no terminator): %s',
            now - self._last, timeout, escape(partial))
        return partial

    def _push(self, byte):
        if self._any:
            if byte == LF and self._after_cr:
                self._after_cr = False
                return None
            self._after_cr = byte == CR
            if byte in ANY_TERMINATORS:
                return self._end()
            self._buffer.append(byte)
        else:
            self._buffer.append(byte)
            terminator = self.profile.terminator
            if self._buffer.endswith(terminator):
                del self._buffer[-len(terminator):]
                return self._end()
        if len(self._buffer) > self.max_size + self._keep:
            if not self._overflow:
                self._log_overflow()
                self._overflow = True
            del self._buffer[:len(self._buffer) - self._keep]
        return None

    def _end(self):
        scan = bytes(self._buffer)
        self._buffer.clear()
        if self._overflow:
            self._overflow = False
            return None
        if len(scan) > self.max_size:
            self._log_overflow(scan)
            return None
        return scan or None

    def _log_overflow(self, scan=None):
        head = bytes(scan if scan is not None else self._buffer)
        logger.warning('discarded a scan longer than %d bytes, starting: %s',
            self.max_size, escape(head[:_LOG_BYTES]))


class Debouncer(object):
    """Tell repeated reads of one code by one device from new scans.

    window: seconds (float >= 0).  seen(device, code, now) is True when
    the same code from the same device was seen less than window seconds
    before (exactly window later is a new scan); every read restarts the
    window, so a code held under a scanner in continuous mode stays one
    scan.  Entries older than window are pruned on each call, so memory
    stays bounded by the reads of the last window.  Raises ValueError for
    a negative window.
    """

    def __init__(self, window):
        if not isinstance(window, (int, float)) or not window >= 0:
            raise ValueError('debounce window %r is not a number >= 0'
                % (window,))
        self.window = window
        self._seen = {}

    def seen(self, device, code, now):
        """Record a read; return True when it duplicates a recent one.

        device: hashable device id; code: bytes or str of the scan; now:
        float seconds.
        """
        self._prune(now)
        key = (device, code)
        last = self._seen.get(key)
        self._seen[key] = now
        return last is not None and now - last < self.window

    def _prune(self, now):
        stale = [k for k, t in self._seen.items()
            if now - t >= self.window]
        for key in stale:
            del self._seen[key]

    def __len__(self):
        return len(self._seen)
