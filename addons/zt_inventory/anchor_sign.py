# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Signed anchors of the ledger heads: keys, signed message, anchor file.

Plain functions, no ORM import.  An anchor states "at this time, chain K
ended at entry N whose hash is H", signed with the server's Ed25519 key, so
that a head can no longer be moved back or rewritten by someone who can
write the database but does not hold the key.

What is signed (version ``zt-anchor-1``): the UTF-8 encoding of these 5
fields joined by a line feed (``\\n``), without a final line feed: the
version ``zt-anchor-1``; the chain key (``<company id>:<warehouse id or
0>``); the head sequence number (decimal, at least 1); the head entry's
hash (64 lowercase hex digits); the time of the anchor (UTC,
``YYYY-MM-DDTHH:MM:SS.ffffffZ``, as chain.format_timestamp).  The
signature is Ed25519 (RFC 8032) over these bytes, written as 128 lowercase
hex digits; a public key is written as the 64 lowercase hex digits of its
32 raw bytes.

Private keys are PEM files, PKCS#8, not encrypted, mode 0600.

The anchor file holds one anchor per line, as canonical JSON (keys sorted,
no spaces, ASCII) with exactly the keys ``chain`` (str), ``sequence``
(int), ``hash``, ``timestamp``, ``public_key`` and ``signature`` (str),
followed by a line feed; lines are only ever appended.
"""
import json
import os
import re
from collections import namedtuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey)

__all__ = ['VERSION', 'Anchor', 'AnchorKeyError', 'generate_key',
    'load_private_key', 'load_public_key', 'public_key_text', 'message',
    'sign', 'make_anchor', 'verify', 'format_line', 'parse_line',
    'read_file', 'append_file']

VERSION = 'zt-anchor-1'
FIELDS = ('chain', 'sequence', 'hash', 'timestamp', 'public_key',
    'signature')
Anchor = namedtuple('Anchor', FIELDS)

_HASH = re.compile(r'[0-9a-f]{64}\Z')
_TIMESTAMP = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\Z')
_HEX = re.compile(r'[0-9a-f]*\Z')


class AnchorKeyError(Exception):
    "A key file or key text is missing, unreadable or not an Ed25519 key."


def generate_key(path):
    """Create a new Ed25519 private key in the file ``path`` (str: PEM,
    PKCS#8, not encrypted, mode 0600; missing parent directories are
    created with mode 0700) and return it (Ed25519PrivateKey).

    Raises ``FileExistsError`` if ``path`` exists (a key is never
    overwritten: the anchors signed with it would no longer verify) and
    ``OSError`` if it cannot be written."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        # The umask may only remove bits; make the mode exact.
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def load_private_key(path):
    """Return the Ed25519PrivateKey of the PEM file ``path`` (str).

    Raises :class:`AnchorKeyError` if the file cannot be read, is not a PEM
    private key, is encrypted or holds another kind of key."""
    try:
        with open(path, 'rb') as file:
            data = file.read()
    except OSError as error:
        raise AnchorKeyError(error.strerror or str(error)) from error
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (TypeError, ValueError) as error:
        raise AnchorKeyError(
            'not a readable, unencrypted PEM private key (%s)' % error
            ) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise AnchorKeyError('not an Ed25519 private key')
    return key


def load_public_key(text):
    """Return the Ed25519PublicKey written as ``text`` (str, 64 hex
    digits).  Raises :class:`AnchorKeyError` for any other text."""
    text = (text or '').strip().lower()
    if not (len(text) == 64 and _HEX.match(text)):
        raise AnchorKeyError(
            'an Ed25519 public key is 64 hex digits, not %r' % text)
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))


def public_key_text(key):
    """Return the public key of ``key`` (Ed25519PrivateKey or
    Ed25519PublicKey) as 64 lowercase hex digits (str)."""
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw,
        serialization.PublicFormat.Raw).hex()


def message(chain, sequence, hash_, timestamp):
    """Return the bytes that are signed for an anchor (see the module's
    documentation): ``chain`` (str key), ``sequence`` (int >= 1), ``hash_``
    (64 lowercase hex digits) and ``timestamp`` (canonical UTC text).

    Raises ``ValueError`` for a field outside these shapes, so that one
    message has exactly one encoding."""
    if (not isinstance(chain, str) or not chain or '\n' in chain
            or chain != chain.strip()):
        raise ValueError('invalid chain key %r' % (chain,))
    if (not isinstance(sequence, int) or isinstance(sequence, bool)
            or sequence < 1):
        raise ValueError('invalid sequence %r' % (sequence,))
    if not isinstance(hash_, str) or not _HASH.match(hash_):
        raise ValueError('invalid hash %r' % (hash_,))
    if not isinstance(timestamp, str) or not _TIMESTAMP.match(timestamp):
        raise ValueError('invalid timestamp %r' % (timestamp,))
    return '\n'.join(
        [VERSION, chain, str(sequence), hash_, timestamp]).encode('utf-8')


def sign(private_key, chain, sequence, hash_, timestamp):
    """Return the signature (128 lowercase hex digits, str) by
    ``private_key`` of :func:`message` of the other arguments (which raises
    ``ValueError``)."""
    return private_key.sign(
        message(chain, sequence, hash_, timestamp)).hex()


def make_anchor(private_key, chain, sequence, hash_, timestamp):
    "Return the signed :class:`Anchor` of a head (arguments as sign)."
    return Anchor(chain, sequence, hash_, timestamp,
        public_key_text(private_key),
        sign(private_key, chain, sequence, hash_, timestamp))


def verify(public_key, anchor):
    """Tell whether the signature of ``anchor`` (:class:`Anchor`) is valid
    for ``public_key`` (Ed25519PublicKey or its hex text); the anchor's own
    ``public_key`` field is not trusted.  An anchor with a malformed field
    or signature is not valid (False).

    Raises :class:`AnchorKeyError` if ``public_key`` is a malformed text."""
    if isinstance(public_key, str):
        public_key = load_public_key(public_key)
    signature = anchor.signature
    if not (isinstance(signature, str) and len(signature) == 128
            and _HEX.match(signature)):
        return False
    try:
        public_key.verify(bytes.fromhex(signature), message(
                anchor.chain, anchor.sequence, anchor.hash,
                anchor.timestamp))
    except (InvalidSignature, ValueError):
        return False
    return True


def format_line(anchor):
    "Return the anchor file line (str, ending with a line feed) of anchor."
    return json.dumps(anchor._asdict(), sort_keys=True,
        separators=(',', ':'), ensure_ascii=True) + '\n'


def parse_line(line):
    """Return the :class:`Anchor` of one anchor file line (str).

    Raises ``ValueError`` if it is not a JSON object with exactly the
    anchor's keys, a str for each and an int sequence (the signature is
    not checked here: see :func:`verify`)."""
    try:
        values = json.loads(line)
    except ValueError as error:
        raise ValueError('not JSON (%s)' % error) from error
    if not isinstance(values, dict) or set(values) != set(FIELDS):
        raise ValueError('expected a JSON object with the keys %s'
            % ', '.join(FIELDS))
    for name in FIELDS:
        type_ = int if name == 'sequence' else str
        if (not isinstance(values[name], type_)
                or isinstance(values[name], bool)):
            raise ValueError('%s is not a %s' % (name, type_.__name__))
    return Anchor(**values)


def read_file(path):
    """Read the anchor file ``path`` (str); return (anchors, errors): the
    :class:`Anchor` of each valid line in file order, and one text
    ``'line N: reason'`` per malformed line (blank lines are skipped).

    Raises ``OSError`` if the file cannot be read."""
    anchors, errors = [], []
    with open(path, encoding='utf-8', errors='replace') as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                anchors.append(parse_line(line))
            except ValueError as error:
                errors.append('line %s: %s' % (number, error))
    return anchors, errors


def append_file(path, anchors):
    """Append one line per anchor (list of :class:`Anchor`) to the file
    ``path`` (str), creating it and its directory if missing, in one write
    synced to disk.  Raises ``OSError`` if it cannot be written."""
    if not anchors:
        return
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    data = ''.join(format_line(a) for a in anchors).encode('ascii')
    # One write(2) on an O_APPEND file: concurrent writers do not
    # interleave their lines.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        while data:
            data = data[os.write(fd, data):]
        os.fsync(fd)
    finally:
        os.close(fd)
