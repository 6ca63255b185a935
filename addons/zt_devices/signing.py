# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Signed scan events of enrolled devices (Ed25519, RFC 8032).

Plain logic, no ORM.  A device (or the bridge acting for it) signs each
scan with its private key; the server keeps only the public key.  An
event is a dict:

    {'device': str (device code), 'counter': int >= 1 (strictly
     increasing per device), 'time': str UTC
     'YYYY-MM-DDTHH:MM:SS.ffffffZ', 'raw': str (base64 of the raw scan
     bytes), 'badge': str or None (operator badge), 'signature': str
     (base64 of the 64-byte Ed25519 signature of canonical(event))}

The signature covers device, counter, time, raw and badge, so none of
them can be changed: the counter defeats replay (check_counter refuses
any counter not above the last one accepted) and the time defeats
holding an event back (check_time refuses stale and future events).

Test vector, for other implementations (a scanner's firmware): the
private key seed (RFC 8032 section 7.1, TEST 1)
9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60 has
the public key
d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a
(base64 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=); the event
device 'SCN-0001', counter 1, time '2025-01-02T03:04:05.000006Z', raw
b']C10109506000134352\\x1d10AB-12' (base64
XUMxMDEwOTUwNjAwMDEzNDM1Mh0xMEFCLTEy), badge 'B-42' has the canonical
bytes

    zt-scan-v1\\n{"badge":"B-42","counter":1,"device":"SCN-0001",
    "raw":"XUMxMDEwOTUwNjAwMDEzNDM1Mh0xMEFCLTEy",
    "time":"2025-01-02T03:04:05.000006Z"}

(one line after the newline, no spaces) and the signature (hex, one
string; Ed25519 signatures are deterministic)

    b2002d23f0701ed631ef4729785ae67c80e4cc70a5402fad48ed1dfbd1869613
    f9b703951b8004fcde6fecedaefccc0f38e5c3e7e1b84b3e68ebd51ff9a45103

(TEST_VECTOR_SIGNATURE).  tests/test_signing.py checks all of it.
"""
import base64
import binascii
import datetime as dt
import json
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey)

from .errors import ScanRefused, SignatureError

__all__ = ['canonical', 'generate_key', 'load_private', 'public_b64',
    'sign_event', 'make_event', 'verify_event', 'parse_time',
    'format_time', 'check_time', 'check_counter']

PREFIX = b'zt-scan-v1\n'
SIGNED_KEYS = ('device', 'counter', 'time', 'raw', 'badge')
TIME_FORMAT = '%Y-%m-%dT%H:%M:%S.%fZ'
TIME_PATTERN = _TIME = re.compile(
    r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\Z', re.ASCII)

TEST_VECTOR_SIGNATURE = (
    'b2002d23f0701ed631ef4729785ae67c80e4cc70a5402fad48ed1dfbd1869613'
    'f9b703951b8004fcde6fecedaefccc0f38e5c3e7e1b84b3e68ebd51ff9a45103')


def _b64decode(name, value, size=None):
    "Decode strict base64 (RFC 4648 alphabet, padded) of `size` bytes."
    if not isinstance(value, str):
        raise SignatureError('%s is not a base64 str' % name)
    try:
        data = base64.b64decode(value.encode('ascii'), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise SignatureError('%s %r is not valid base64' % (name, value))
    if size is not None and len(data) != size:
        raise SignatureError('%s has %d bytes, expected %d'
            % (name, len(data), size))
    return data


def canonical(event):
    """Return the bytes that are signed for `event` (dict, see above).

    b'zt-scan-v1\\n' + JSON of device, counter, time, raw and badge with
    sorted keys, no spaces, ASCII only ('signature' and any other key are
    not covered).  The prefix keeps these signatures from being valid for
    any other use of the key.  Raises SignatureError naming the key that
    is missing or of the wrong type (counter must be an int >= 1, raw
    strict base64).
    """
    if not isinstance(event, dict):
        raise SignatureError('an event must be a dict, not %s'
            % type(event).__name__)
    for key in SIGNED_KEYS:
        if key not in event:
            raise SignatureError('event misses %r' % key)
    device, counter = event['device'], event['counter']
    if not isinstance(device, str) or not device:
        raise SignatureError('event device %r is not a non-empty str'
            % (device,))
    if (not isinstance(counter, int) or isinstance(counter, bool)
            or counter < 1):
        raise SignatureError('event counter %r is not an integer >= 1'
            % (counter,))
    if not isinstance(event['time'], str):
        raise SignatureError('event time %r is not a str'
            % (event['time'],))
    _b64decode('event raw', event['raw'])
    badge = event['badge']
    if badge is not None and not isinstance(badge, str):
        raise SignatureError('event badge %r is neither a str nor None'
            % (badge,))
    signed = {k: event[k] for k in SIGNED_KEYS}
    return PREFIX + json.dumps(signed, sort_keys=True,
        separators=(',', ':'), ensure_ascii=True).encode('ascii')


def generate_key():
    """Return (private_pem, public_b64) of a new Ed25519 key pair.

    private_pem: bytes, unencrypted PKCS#8 PEM (keep it on the device or
    bridge only, file mode 0600).  public_b64: str, base64 of the 32 raw
    public key bytes, as enrolled on the server.
    """
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem, public_b64(key)


def public_b64(private_key):
    "Return the base64 str of the 32 raw public bytes of `private_key`."
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode('ascii')


def load_private(pem):
    """Return the Ed25519 private key of the unencrypted PEM `pem` (bytes).

    Raises ValueError when pem is not a PEM private key or not Ed25519.
    """
    if isinstance(pem, str):
        pem = pem.encode('ascii')
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exception:
        raise ValueError('not an unencrypted PEM private key: %s'
            % exception)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError('the private key is %s, not Ed25519'
            % type(key).__name__)
    return key


def sign_event(private_key, event):
    """Return a copy of `event` with its 'signature' (base64 str).

    private_key: an Ed25519PrivateKey (see load_private) or its PEM
    bytes.  Raises SignatureError as canonical for a malformed event.
    """
    if isinstance(private_key, (bytes, str)):
        private_key = load_private(private_key)
    signature = private_key.sign(canonical(event))
    signed = dict(event)
    signed['signature'] = base64.b64encode(signature).decode('ascii')
    return signed


def make_event(private_key, device, counter, raw, badge=None, time=None):
    """Return the signed event of the scan `raw` (bytes).

    device: device code (str); counter: int >= 1, the caller stores it and
    never reuses it; badge: str or None; time: aware datetime (default:
    now), stored as UTC with microseconds.
    """
    if not isinstance(raw, (bytes, bytearray)):
        raise TypeError('raw must be bytes, not %s' % type(raw).__name__)
    if time is None:
        time = dt.datetime.now(dt.timezone.utc)
    event = {
        'device': device,
        'counter': counter,
        'time': format_time(time),
        'raw': base64.b64encode(bytes(raw)).decode('ascii'),
        'badge': badge,
        }
    return sign_event(private_key, event)


# Encodings of the points of small order of edwards25519, top bit (the
# sign of x) cleared: a public key equal to one of them lets anyone forge
# signatures that verify without a private key.  Source: libsodium,
# ge25519_has_small_order (crypto_core/ed25519/ref10/ed25519_ref10.c).
_SMALL_ORDER = {bytes.fromhex(h) for h in [
        '00' * 32,
        '01' + '00' * 31,
        '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
        'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
        'ec' + 'ff' * 30 + '7f',
        'ed' + 'ff' * 30 + '7f',
        'ee' + 'ff' * 30 + '7f',
        ]}
# The field prime of curve25519, 2**255 - 19 (RFC 8032, 5.1).
_P = 2 ** 255 - 19


def check_public_key(key):
    """Raise ValueError unless ``key`` (bytes) is 32 bytes encoding a point
    that is canonical (its y below the field prime, RFC 8032 5.1.3) and not
    of small order (libsodium's list), so that no signature verifies
    without the private key; return ``key``."""
    if not isinstance(key, bytes) or len(key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    masked = key[:31] + bytes([key[31] & 0x7f])
    if masked in _SMALL_ORDER:
        raise ValueError("the public key is a point of small order")
    if int.from_bytes(masked, 'little') >= _P:
        raise ValueError("the public key is not canonically encoded")
    try:
        Ed25519PublicKey.from_public_bytes(key)
    except ValueError:
        raise ValueError("the public key is not a point of the curve")
    return key


def verify_event(public_b64, event):
    """Check the signature of `event` against the enrolled key.

    public_b64: base64 str of the 32 raw public key bytes.  Returns None;
    raises SignatureError when the key or signature is not valid base64
    of 32 or 64 bytes, the event is malformed (see canonical) or the
    signature does not verify (wrong key, or any signed field changed).
    It does not check the counter or the time: see check_counter and
    check_time.
    """
    try:
        key = Ed25519PublicKey.from_public_bytes(
            _b64decode('public key', public_b64, 32))
    except ValueError as exception:
        if isinstance(exception, SignatureError):
            raise
        raise SignatureError('public key is not an Ed25519 key: %s'
            % exception)
    if not isinstance(event, dict):
        raise SignatureError('an event must be a dict, not %s'
            % type(event).__name__)
    signature = _b64decode('signature', event.get('signature'), 64)
    try:
        key.verify(signature, canonical(event))
    except InvalidSignature:
        raise SignatureError('the signature of event %s/%s does not '
            'verify with the enrolled key'
            % (event.get('device'), event.get('counter')),
            params={'device': event.get('device'),
                'counter': event.get('counter')})


def format_time(time):
    """Return the aware datetime `time` as 'YYYY-MM-DDTHH:MM:SS.ffffffZ'.

    Converted to UTC; raises ValueError for a naive datetime.
    """
    if not isinstance(time, dt.datetime) or time.utcoffset() is None:
        raise ValueError('time %r is not an aware datetime' % (time,))
    return time.astimezone(dt.timezone.utc).strftime(TIME_FORMAT)


def parse_time(text):
    """Return the aware UTC datetime of an event time.

    text: exactly 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (6 fraction digits, 'Z').
    Raises ScanRefused code 'clock' otherwise (a device that writes bad
    times has a bad clock or firmware).
    """
    try:
        if not isinstance(text, str) or not _TIME.match(text):
            raise ValueError
        time = dt.datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        raise ScanRefused('clock', "event time %r is not UTC "
            "'YYYY-MM-DDTHH:MM:SS.ffffffZ'" % (text,),
            params={'time': text})
    return time.replace(tzinfo=dt.timezone.utc)


def check_time(event_time, now, max_age, max_skew):
    """Refuse an event too old or too far in the future.

    event_time: aware datetime or event time str (see parse_time); now:
    aware datetime; max_age, max_skew: timedelta >= 0.  An event exactly
    max_age old or exactly max_skew ahead is accepted (the bounds are
    inclusive).  Raises ScanRefused code 'stale' when now - event_time >
    max_age, code 'clock' when event_time - now > max_skew; ValueError
    for naive datetimes or negative bounds.
    """
    if isinstance(event_time, str):
        event_time = parse_time(event_time)
    for name, value in [('event time', event_time), ('now', now)]:
        if not isinstance(value, dt.datetime) or value.utcoffset() is None:
            raise ValueError('%s %r is not an aware datetime'
                % (name, value))
    zero = dt.timedelta(0)
    if max_age < zero or max_skew < zero:
        raise ValueError('max_age and max_skew must not be negative')
    age = now - event_time
    params = {'time': format_time(event_time), 'now': format_time(now)}
    if age > max_age:
        raise ScanRefused('stale', 'event time %s is %s old, more than %s'
            % (params['time'], age, max_age), params=params)
    if -age > max_skew:
        raise ScanRefused('clock', 'event time %s is %s ahead of %s, more '
            'than %s' % (params['time'], -age, params['now'], max_skew),
            params=params)


def check_counter(counter, last_counter):
    """Refuse an event counter that is not above the last one accepted.

    counter: int >= 1; last_counter: int (0 or None when the device has
    sent nothing yet).  Raises ScanRefused code 'replay' when counter <=
    last_counter (a replayed or reordered event) or counter is not an
    integer >= 1.
    """
    last = last_counter or 0
    params = {'counter': counter, 'last': last}
    if (not isinstance(counter, int) or isinstance(counter, bool)
            or counter < 1):
        raise ScanRefused('replay', 'event counter %r is not an integer '
            '>= 1' % (counter,), params=params)
    if counter <= last:
        raise ScanRefused('replay', 'event counter %d is not above the '
            'last accepted counter %d' % (counter, last), params=params)
