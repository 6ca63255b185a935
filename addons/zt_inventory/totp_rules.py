# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Time-based one-time passwords (TOTP, RFC 6238): the plain logic.

No ORM import.  Codes are computed by pyotp (30-second time-steps, 6
digits, SHA-1: what every authenticator app reads from an otpauth:// URI);
this file adds what pyotp leaves to its caller: the time-step a code
matched, so that a code is accepted once (replay), the sealing of secrets
at rest, the QR code of the URI and the check of the ``[session]
authentications`` setting."""
import io
import re

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# RFC 6238 defaults, the only ones all authenticator apps support.
INTERVAL = 30
DIGITS = 6
# Steps accepted on each side of now: a code typed while the app shows the
# next one, or a device clock 30 s off.
VALID_WINDOW = 1
# 32 base32 characters: 160 bits, the HMAC-SHA1 key size of RFC 4226.
SECRET_LENGTH = 32

# Results of check_code.
VALID, INVALID, REPLAYED = 'valid', 'invalid', 'replayed'

SEALED, PLAIN = 'fernet:', 'plain:'


class SealError(ValueError):
    "A secret cannot be sealed or opened: bad, missing or wrong key."


def new_secret():
    "Return a new random secret (str, base32, SECRET_LENGTH characters)."
    return pyotp.random_base32(SECRET_LENGTH)


def step_at(timestamp):
    """Return the time-step (int) of ``timestamp`` (float, seconds since the
    epoch, UTC)."""
    return int(timestamp // INTERVAL)


def code_at(secret, timestamp):
    """Return the code (str of DIGITS digits) of ``secret`` at ``timestamp``
    (float, seconds since the epoch, UTC), as the authenticator app shows
    it."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).generate_otp(
        step_at(timestamp))


def normalize_code(code):
    """Return ``code`` (str, as typed) without spaces, or None unless it is
    DIGITS digits."""
    code = re.sub(r'\s+', '', str(code or ''))
    if len(code) == DIGITS and code.isascii() and code.isdigit():
        return code
    return None


def matching_step(secret, code, timestamp, window=VALID_WINDOW):
    """Return the time-step (int) within ``window`` steps of ``timestamp``
    (float, seconds since the epoch, UTC) whose code is ``code`` (str), or
    None.  Codes are compared in constant time; the latest step wins."""
    code = normalize_code(code)
    if code is None:
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    now = step_at(timestamp)
    found = None
    for step in range(now - window, now + window + 1):
        if pyotp.utils.strings_equal(code, totp.generate_otp(step)):
            found = step
    return found


def check_code(secret, code, timestamp, last_step):
    """Check ``code`` (str) for ``secret`` at ``timestamp`` (float, seconds
    since the epoch, UTC) given ``last_step`` (int or None), the time-step
    of the last code accepted for this secret.

    Return ``(VALID, step)`` for a code accepted now (the caller stores
    ``step`` as the new last step), ``(REPLAYED, step)`` for a right code
    whose step is not after the last one (used already, or older than a
    code used already), ``(INVALID, None)`` otherwise."""
    step = matching_step(secret, code, timestamp)
    if step is None:
        return INVALID, None
    if last_step is not None and step <= last_step:
        return REPLAYED, step
    return VALID, step


def provisioning_uri(secret, login, issuer):
    """Return the otpauth://totp/ URI (str) of ``secret`` for ``login``
    (str) at ``issuer`` (str, shown by the app), as read from a QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).\
        provisioning_uri(name=login, issuer_name=issuer)


def qr_png(uri, scale=5):
    """Return the PNG image (bytes) of the QR code of ``uri`` (str), with
    ``scale`` pixels per module."""
    buffer = io.BytesIO()
    segno.make(uri, error='m', micro=False).save(
        buffer, kind='png', scale=scale, border=4)
    return buffer.getvalue()


def parse_keys(value):
    """Return the Fernet keys (list of bytes) of the setting ``value`` (str
    or None): comma-separated keys, the first seals, all open (rotation).
    Raise SealError for a key that is not a Fernet key."""
    keys = [k.strip() for k in (value or '').split(',') if k.strip()]
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise SealError("[zt_inventory] totp_key: not a Fernet key "
                "(32 url-safe base64-encoded bytes)")
    return [k.encode() for k in keys]


def seal(secret, keys):
    """Return ``secret`` (str) as stored: encrypted and authenticated with
    the first of ``keys`` (list of Fernet keys, bytes) as 'fernet:<token>',
    or 'plain:<secret>' without keys."""
    if not keys:
        return PLAIN + secret
    return SEALED + MultiFernet([Fernet(k) for k in keys]).encrypt(
        secret.encode()).decode()


def unseal(stored, keys):
    """Return the secret (str) of ``stored`` (str, see :func:`seal`) with
    ``keys`` (list of Fernet keys, bytes).  Raise SealError when the keys
    cannot open it (no key, another key, altered token) or ``stored`` is
    not a sealed secret."""
    if stored.startswith(PLAIN):
        return stored[len(PLAIN):]
    if not stored.startswith(SEALED):
        raise SealError("not a sealed secret")
    if not keys:
        raise SealError("the secret is encrypted and no key is set")
    try:
        return MultiFernet([Fernet(k) for k in keys]).decrypt(
            stored[len(SEALED):].encode()).decode()
    except InvalidToken:
        raise SealError("no key opens the secret")


def totp_everywhere(authentications):
    """Tell whether ``authentications`` (str, Tryton's ``[session]
    authentications``) either never names 'totp' or names it in every
    alternative: an alternative without it (e.g. ``password+totp,password``)
    would let a user whom a company requires a code sign in without one."""
    alternatives = [[m.split('?', 1)[0].strip() for m in methods.split('+')]
        for methods in authentications.split(',')]
    with_totp = ['totp' in names for names in alternatives]
    return all(with_totp) or not any(with_totp)


def second_factor_only(authentications):
    """Tell whether 'totp' is never the first method of an alternative of
    ``authentications`` (str, Tryton's ``[session] authentications``: ','
    separates alternatives, '+' the methods all required, '?' options),
    so that a code is asked only of a user whom a first method (e.g.
    password) has already identified."""
    for methods in authentications.split(','):
        names = [m.split('?', 1)[0].strip() for m in methods.split('+')]
        if 'totp' in names and names.index('totp') == 0:
            return False
    return True
