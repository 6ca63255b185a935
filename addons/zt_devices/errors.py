# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Refusals of scans and device events (plain logic, no ORM).

A refusal is a :class:`ScanRefused` with a stable lower-case ``code``; the
ORM shows it as the translated message ``zt_devices.msg_scan_<code>``
with ``params`` (every value a str).  ``str()`` is an English sentence
that names the bad part and its position (1-based character of the raw
scan); ``hint`` names the scanner setting most likely at fault.

Codes (params besides 'part' and 'position', which every parser refusal
has; 'part' is the offending text escaped with escape.escape):

- ``empty``: nothing left to parse (empty scan, or only a symbology
  identifier, prefix or suffix).
- ``framing``: a CR, LF or TAB inside a scan of a profile whose
  terminator is 'any' (the framer should have ended the scan there).
- ``charset``: bytes that are not UTF-8 text, or a control character
  other than GS where no control character may be.
- ``prefix`` / ``suffix``: the profile's prefix or suffix is missing.
- ``symbology``: symbology identifier missing while required, unknown or
  unsupported, or contradicted by the data (']E0' with letters).
- ``gs_missing``: a variable-length GS1 field without GS (FNC1) whose
  value could also be read as further element strings (GS1 General
  Specifications 7.8.5); params 'ai', 'alternative'.
- ``unknown_ai``: no GS1 Application Identifier at a position.
- ``format``: a GS1 value with characters its AI does not allow
  (GS1 General Specifications 7.11, CSET 82/39/numeric); param 'ai'.
- ``length``: a value too long or too short for its AI or symbology;
  params 'ai' (or the symbology), 'length'.
- ``check_digit``: a GTIN, SSCC, GLN or other key with a wrong check
  digit (GS1 General Specifications 7.9); params 'ai', 'expected'.
- ``date``: an impossible date or time (month 13, 30 February, day 00
  where the AI does not allow it; GS1 General Specifications 7.12);
  param 'ai'.
- ``duplicate_ai``: the same AI twice with different values (GS1
  General Specifications 4.14); param 'ai'.
- ``ambiguous``: data that reads validly in two symbologies (an 8-digit
  EAN-8/UPC-E, a 14-digit GTIN-14/element string) without identifier.
- ``rfid_format``: an RFID raw that is not 'EPC=<hex>;TID=<hex>' or an
  SGTIN-96 EPC that does not decode.
- ``rfid_shared_epc``: one EPC read with several TIDs (cloned tag);
  param 'tids'.
- ``signature``: a device event whose Ed25519 signature does not verify
  (:class:`SignatureError`, raised by signing.py).
- ``replay``: a device event counter not above the last one seen.
- ``stale``: a device event older than the allowed age.
- ``clock``: a device event time in the future beyond the allowed skew.
- ``product_ambiguous``: the scanned code names several products (ORM
  lookup).
"""

__all__ = ['ScanRefused', 'SignatureError', 'CODES', 'HINTS']

CODES = (
    'empty', 'framing', 'charset', 'prefix', 'suffix', 'symbology',
    'gs_missing', 'unknown_ai', 'format', 'length', 'check_digit', 'date',
    'duplicate_ai', 'ambiguous', 'rfid_format', 'rfid_shared_epc',
    'signature', 'replay', 'stale', 'clock', 'product_ambiguous',
    )

# The scanner or device setting most likely at fault, per code.
HINTS = {
    'empty': "check that the scanner sends its data (not only a suffix) "
        "and that the device profile's prefix/suffix are right",
    'framing': "set the scanner's suffix to a single CR, LF, CRLF or TAB "
        "or set the device profile's terminator to the scanner's one",
    'charset': "set the scanner's keyboard language/code page to match "
        "the host, or its output encoding to UTF-8",
    'prefix': "set the scanner's prefix to the device profile's prefix, "
        "or clear the prefix in the device profile",
    'suffix': "set the scanner's suffix to the device profile's suffix, "
        "or clear the suffix in the device profile",
    'symbology': "enable the scanner's AIM symbology identifier "
        "transmission (']C1', ']d2', ']E0' ...)",
    'gs_missing': "set the scanner's GS (FNC1) output to 0x1D or "
        "configure the device's GS substitute",
    'unknown_ai': "check the scanner's GS (FNC1) output and keyboard "
        "language; the label may not be GS1",
    'format': "check the scanner's keyboard language/code page; the "
        "label may be misprinted",
    'length': "check the scanner's GS (FNC1) output; the label may be "
        "truncated or misprinted",
    'check_digit': "re-scan; if it persists the label is misprinted or "
        "the scanner's check digit transmission is off",
    'date': "the label carries an impossible date: re-scan or reject "
        "the label",
    'duplicate_ai': "the label carries conflicting data: reject the "
        "label",
    'ambiguous': "enable the scanner's AIM symbology identifier "
        "transmission so the symbology is known",
    'rfid_format': "configure the reader to send 'EPC=<hex>;TID=<hex>' "
        "and to read the TID bank",
    'rfid_shared_epc': "quarantine the tags: several chips carry the same "
        "EPC (cloned tag)",
    'signature': "re-enrol the device: its key does not match",
    'replay': "the event was already received; check the device's "
        "counter storage",
    'stale': "check the device's queue and clock: the event is too old",
    'clock': "set the device's clock (NTP)",
    'product_ambiguous': "fix the product identifiers: one code must "
        "name one product",
    }


class ScanRefused(ValueError):
    """A scan or device event that must not be stored as valid.

    code: str, one of CODES (stable, lower-case); message: English
    sentence (also ``str()``); hint: str or None (defaults to
    HINTS[code]); params: dict str -> str for the translated message.
    """

    def __init__(self, code, message, hint=None, params=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint if hint is not None else HINTS.get(code)
        self.params = {str(k): str(v) for k, v in (params or {}).items()}

    def __str__(self):
        return self.message

    def __repr__(self):
        return '%s(%r, %r)' % (
            self.__class__.__name__, self.code, self.message)


class SignatureError(ScanRefused):
    """A device event whose signature does not verify (code 'signature').

    Called as SignatureError(message) or SignatureError('signature',
    message), with optional hint and params as ScanRefused.
    """

    def __init__(self, *args, hint=None, params=None):
        if len(args) == 2 and args[0] == 'signature':
            args = args[1:]
        if len(args) != 1:
            raise TypeError('SignatureError(message) expected')
        super().__init__('signature', args[0], hint=hint, params=params)
