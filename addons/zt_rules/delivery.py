# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Delivery of notifications to robots and webhooks: the plain logic.

No ORM import.  The outbox (an ORM model) stores each notification with
an idempotency key and calls, from its cron or queue worker, for each try:
``build_request`` (rebuilt on every try: DingTalk refuses a timestamp older
than one hour), ``send``, then ``next_attempt`` while ``Outcome.retry`` and
fewer than ``MAX_ATTEMPTS`` tries failed.

Delivery is at least once: a try whose answer is lost (timeout, crash
between send and commit) is sent again with the same key.  The generic
webhook's receiver deduplicates on ``Idempotency-Key`` (or the payload's
``id``); DingTalk and WeCom robots do not, so their text ends with a
``ref: <key>`` line that lets a reader see a repeat.

Sources:

- DingTalk, "自定义机器人安全设置 / 加签" (custom robot security settings,
  signing) and "自定义机器人发送群消息" (the markdown message):
  https://open.dingtalk.com/document/robots/customize-robot-security-settings
- WeCom, "群机器人配置说明" (group robot configuration),
  https://developer.work.weixin.qq.com/document/path/91770
"""
import base64
import datetime as dt
import decimal
import hashlib
import hmac
import http.client
import json
import random
import re
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import NamedTuple
from urllib.parse import quote_plus, unquote_plus, urlsplit, urlunsplit

CHANNELS = ('dingtalk', 'wecom', 'webhook')
# Channels answering HTTP 200 with {"errcode": ..., "errmsg": ...}.
ROBOT_CHANNELS = {'dingtalk', 'wecom'}
# Error codes that the same request will get again: giving up is right.
# DingTalk 310000: signature, keyword or IP whitelist refused; WeCom 93000:
# invalid webhook key.
PERMANENT_ERRCODES = {
    'dingtalk': {310000},
    'wecom': {93000},
    }
# WeCom: "markdown.content ... 最长不超过4096个字节，必须是utf8编码".
WECOM_MARKDOWN_BYTES = 4096
ELLIPSIS = '…'

# Query parameters whose values are credentials, compared in lower case.
SENSITIVE_PARAMETERS = {
    'access_token', 'key', 'sign', 'timestamp', 'token', 'secret',
    'apikey', 'api_key', 'sig', 'signature', 'code', 'password', 'auth'}
MASK = '***'

# The idempotency key goes into an HTTP header, a Message-ID and a
# markdown line: a UUID fits, control characters and spaces do not.
KEY_PATTERN = re.compile(r'[A-Za-z0-9._:-]{1,128}')

# Failed tries after which a notification is given up (state failed).
# With the defaults of next_attempt the last try is about 2 h 7 min after
# the first.
MAX_ATTEMPTS = 8
# Bytes of an answer read: enough for any errcode/errmsg.
MAX_ANSWER = 64 * 1024
DETAIL_LENGTH = 200
USER_AGENT = 'zt-inventory'

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


class Message(NamedTuple):
    "A notification as the outbox gives it."
    subject: str
    # Plain text or markdown.
    body: str
    # The idempotency key: a UUID, the same on every try.
    key: str
    # JSON-serialisable: rule name, alert id, figures (Decimal allowed).
    data: dict | None = None


class Request(NamedTuple):
    "An HTTP POST ready to send; the url holds credentials: never log it."
    url: str
    headers: dict
    body: bytes
    channel: str


class Outcome(NamedTuple):
    "The result of one try."
    ok: bool
    # The HTTP status, None when no answer came.
    status: int | None
    # Short, without any credential: for logs and the outbox record.
    detail: str
    # Whether a later try may succeed.
    retry: bool


def build_request(channel, url, secret, message, now=None):
    """Return the Request delivering ``message`` to ``channel`` at ``url``.

    ``channel`` is one of CHANNELS; ``url`` the http(s) webhook address
    with its credentials (DingTalk ``access_token``, WeCom ``key``);
    ``secret`` (str or None) signs the request: DingTalk "加签" adds the
    query parameters ``timestamp`` (milliseconds since the epoch) and
    ``sign`` (URL-encoded base64 of HMAC-SHA256 keyed by the secret over
    ``"{timestamp}\\n{secret}"``, as documented in DingTalk's
    "自定义机器人安全设置 / 加签"); the generic webhook adds
    ``X-ZT-Signature: sha256=<hex HMAC-SHA256 of the body>`` and
    ``X-ZT-Timestamp`` (seconds since the epoch, the instant of the body's
    ``sent_at``); WeCom has no signing ("群机器人配置说明"), its secret
    is the ``key`` of the url, and ``secret`` is ignored.  ``now`` is an
    aware datetime (UTC by default: the current time).

    Bodies are UTF-8 JSON (not ASCII-escaped); every request carries
    ``Content-Type: application/json; charset=utf-8`` and
    ``Idempotency-Key: <message.key>``.  The WeCom markdown content is cut
    on a character boundary to 4096 bytes, keeping the ``ref`` line.

    Raise ValueError for an unknown channel, a url that is not http(s), a
    naive ``now`` or a key that does not match KEY_PATTERN; TypeError for
    ``data`` that JSON cannot encode.
    """
    if channel not in CHANNELS:
        raise ValueError(f"Unknown channel {channel!r}.")
    _check_url(url)
    _check_key(message.key)
    now = _aware(now or dt.datetime.now(dt.timezone.utc))
    url, payload, headers = _BUILDERS[channel](url, secret, message, now)
    body = _dumps(payload)
    if channel == 'webhook' and secret:
        headers['X-ZT-Signature'] = 'sha256=' + hmac.new(
            secret.encode('utf-8'), body, hashlib.sha256).hexdigest()
    headers.update({
            'Content-Type': 'application/json; charset=utf-8',
            'Idempotency-Key': message.key,
            'User-Agent': USER_AGENT,
            })
    return Request(url, headers, body, channel)


def _build_dingtalk(url, secret, message, now):
    payload = {
        'msgtype': 'markdown',
        'markdown': {
            'title': _one_line(message.subject),
            'text': message.body + '\n\nref: ' + message.key,
            },
        }
    if secret:
        timestamp = str(milliseconds(now))
        url = _set_query(url, [
                ('timestamp', timestamp),
                ('sign', dingtalk_sign(secret, timestamp)),
                ])
    return url, payload, {}


def _build_wecom(url, secret, message, now):
    head = '**' + _one_line(message.subject) + '**\n' + message.body
    tail = '\n\nref: ' + message.key
    limit = WECOM_MARKDOWN_BYTES - len(tail.encode('utf-8'))
    if len(head.encode('utf-8')) > limit:
        head = truncate_utf8(
            head, limit - len(ELLIPSIS.encode('utf-8'))) + ELLIPSIS
    payload = {
        'msgtype': 'markdown',
        'markdown': {'content': head + tail},
        }
    return url, payload, {}


def _build_webhook(url, secret, message, now):
    payload = {
        'id': message.key,
        'subject': message.subject,
        'body': message.body,
        'data': message.data or {},
        'sent_at': now.astimezone(dt.timezone.utc).isoformat(
            timespec='seconds'),
        }
    headers = {}
    if secret:
        # The instant is also in the signed body (sent_at): a receiver
        # checks freshness there, the header only saves it parsing first.
        headers['X-ZT-Timestamp'] = str(int(now.timestamp()))
    return url, payload, headers


_BUILDERS = {
    'dingtalk': _build_dingtalk,
    'wecom': _build_wecom,
    'webhook': _build_webhook,
    }


def dingtalk_sign(secret, timestamp):
    """Return DingTalk's ``sign`` query value (str, already URL-encoded).

    ``timestamp`` is the str of milliseconds since the epoch sent along;
    DingTalk refuses one more than an hour away from its clock
    (errcode 310000).  Source: DingTalk "自定义机器人安全设置 / 加签".
    """
    digest = hmac.new(
        secret.encode('utf-8'), f'{timestamp}\n{secret}'.encode('utf-8'),
        hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def milliseconds(when):
    "Return the integer milliseconds since the epoch of aware ``when``."
    return (_aware(when) - EPOCH) // dt.timedelta(milliseconds=1)


def truncate_utf8(text, limit):
    """Return the longest prefix of ``text`` whose UTF-8 encoding fits in
    ``limit`` bytes (never a partial character).  Raise ValueError for a
    negative limit."""
    if limit < 0:
        raise ValueError("Negative limit.")
    # A cut inside a multi-byte sequence leaves only an incomplete tail,
    # which 'ignore' drops.
    return text.encode('utf-8')[:limit].decode('utf-8', 'ignore')


def send(request, timeout=10):
    """POST ``request`` (a Request) and return its Outcome.

    ``timeout`` (seconds, > 0) bounds the connection and each read.  No
    redirect is followed (urllib would turn the POST into a GET).  ``ok``
    is an HTTP 2xx answer whose JSON ``errcode``, if any, is 0; DingTalk
    and WeCom answers must carry one.  ``retry`` is False for what the
    same request will meet again: HTTP 3xx and 4xx but 408, 425 and 429,
    and PERMANENT_ERRCODES; True for network errors, timeouts, 408, 425,
    429, 5xx and other error codes.  ``detail`` is short and never holds
    the credentials of the url (see redact_url).  Raise ValueError for a
    timeout that is not positive; network errors are never raised.
    """
    if not timeout > 0:
        raise ValueError("The timeout must be positive.")
    secrets = url_secrets(request.url)
    http_request = urllib.request.Request(
        request.url, data=request.body, headers=request.headers,
        method='POST')
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(http_request, timeout=timeout) as response:
            status, answer = response.status, response.read(MAX_ANSWER)
    except urllib.error.HTTPError as error:
        with error:
            answer = _read_error(error)
        return _judge_error(request.channel, error.code, answer, secrets)
    except urllib.error.URLError as error:
        return _network_error(error.reason, timeout, secrets)
    except (OSError, http.client.HTTPException) as error:
        return _network_error(error, timeout, secrets)
    return _judge(request.channel, status, answer, secrets)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    "Make a redirection an HTTPError with its 3xx status."

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _read_error(error):
    try:
        return error.read(MAX_ANSWER)
    except (OSError, http.client.HTTPException):
        return b''


def _network_error(reason, timeout, secrets):
    if isinstance(reason, TimeoutError):
        detail = f"timeout after {timeout} s"
    elif isinstance(reason, str):
        detail = f"network error: {reason}"
    else:
        detail = f"network error: {type(reason).__name__}: {reason}"
    return Outcome(False, None, _clip(redact(detail, secrets)), True)


def _judge_error(channel, status, answer, secrets):
    if 300 <= status < 400:
        retry = False
    elif status in {408, 425, 429}:
        retry = True
    else:
        retry = not (400 <= status < 500)
    detail = f"HTTP {status}"
    errmsg = _answer(answer).get('errmsg')
    if errmsg:
        detail += f": {errmsg}"
    return Outcome(False, status, _clip(redact(detail, secrets)), retry)


def _judge(channel, status, answer, secrets):
    answer = _answer(answer)
    errcode = answer.get('errcode')
    if errcode is None:
        if channel in ROBOT_CHANNELS:
            # A proxy or captive portal, not the robot: nothing was sent.
            return Outcome(
                False, status, f"HTTP {status} without errcode", True)
        return Outcome(True, status, f"HTTP {status}", False)
    try:
        errcode = int(errcode)
    except (TypeError, ValueError):
        return Outcome(False, status, f"HTTP {status} bad errcode", True)
    detail = f"HTTP {status} errcode {errcode}"
    if errcode == 0:
        return Outcome(True, status, detail, False)
    errmsg = answer.get('errmsg')
    if errmsg:
        detail += f": {errmsg}"
    retry = errcode not in PERMANENT_ERRCODES.get(channel, ())
    return Outcome(False, status, _clip(redact(detail, secrets)), retry)


def _answer(answer):
    "Return the JSON object of an answer, an empty dict for anything else."
    try:
        value = json.loads(answer.decode('utf-8', 'replace'))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def redact_url(url):
    """Return ``url`` without its user information and fragment, the value
    of every query parameter replaced by ``***`` (a credential may hide
    under any name: client_secret, api-key...).  Credentials in the path
    are not recognised."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition('@')[2]
    query = '&'.join(_mask_parameter(p) for p in parts.query.split('&'))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ''))


def _sensitive(name):
    name = name.lower()
    return name in SENSITIVE_PARAMETERS or any(word in name for word in (
            'secret', 'token', 'key', 'sig', 'pass', 'auth'))


def _mask_parameter(parameter):
    name, equal, _ = parameter.partition('=')
    if equal:
        return name + '=' + MASK
    return parameter


def url_secrets(url):
    """Return the credentials (list of str) in ``url`` (to mask in texts):
    the values of its query parameters whose name is or contains a
    credential word (SENSITIVE_PARAMETERS, secret, token, key, sig, pass,
    auth), user name and password; raw and decoded."""
    parts = urlsplit(url)
    values = [parts.username, parts.password]
    for parameter in parts.query.split('&'):
        name, equal, value = parameter.partition('=')
        if equal and _sensitive(unquote_plus(name)):
            values += [value, unquote_plus(value)]
    return [v for v in values if v]


def redact(text, secrets):
    """Return ``text`` with each non-empty str of ``secrets`` replaced by
    ``***``, also in its URL-encoded form."""
    variants = set()
    for secret in secrets:
        if secret:
            variants.update({secret, quote_plus(secret)})
    # Longest first: a secret containing another is masked whole.
    for variant in sorted(variants, key=len, reverse=True):
        text = text.replace(variant, MASK)
    return text


def next_attempt(attempts, now, base=60, factor=2, cap=6 * 3600, jitter=0):
    """Return when (aware datetime) to try again after ``attempts`` (int,
    >= 1) failed tries, ``now`` being the aware datetime of the last one.

    The delay is ``base * factor ** (attempts - 1)`` seconds, at most
    ``cap`` seconds: 60, 120, 240 ... by default.  ``jitter`` (0 <= j <= 1)
    shortens the delay by a random fraction of up to ``j``.  It is 0 by
    default: one worker sends the outbox, so there is no herd to spread,
    and the schedule stays predictable for tests and for the operator
    reading it.  Raise ValueError for attempts < 1, a naive ``now`` or a
    jitter outside [0, 1].
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1.")
    if not 0 <= jitter <= 1:
        raise ValueError("jitter must be between 0 and 1.")
    delay = base
    for _ in range(attempts - 1):
        if delay >= cap:
            break
        delay *= factor
    delay = min(delay, cap)
    if jitter:
        delay *= 1 - jitter * random.random()
    return _aware(now) + dt.timedelta(seconds=delay)


def build_email(subject, body, key, sender, recipients):
    """Return an EmailMessage (UTF-8 subject and plain text body) from
    ``sender`` (str) to ``recipients`` (list of str), whose Message-ID is
    ``<key@zt-inventory>`` and header ``X-ZT-Idempotency-Key`` the key
    (the body in base64, the subject RFC 2047 encoded): a resent mail is
    recognisable as the same.  Tryton's sendmail adds the Date.  Raise
    ValueError for a key that does not match KEY_PATTERN.
    """
    _check_key(key)
    msg = EmailMessage()
    msg['Subject'] = _one_line(subject)
    msg['From'] = sender
    msg['To'] = ', '.join(recipients)
    msg['Message-ID'] = f'<{key}@zt-inventory>'
    msg['X-ZT-Idempotency-Key'] = key
    # base64: 7-bit clean for SMTP servers without 8BITMIME.
    msg.set_content(body, charset='utf-8', cte='base64')
    return msg


def _check_url(url):
    parts = urlsplit(url)
    if parts.scheme not in {'http', 'https'} or not parts.hostname:
        raise ValueError(f"Not an http(s) url: {redact_url(url)!r}.")


def _check_key(key):
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValueError("Invalid idempotency key.")


def _aware(when):
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("Naive datetime: give an aware (UTC) one.")
    return when


def _one_line(text):
    "Return text on one line: titles and mail subjects allow no newline."
    return ' '.join(text.split())


def _set_query(url, pairs):
    "Return url with the query parameters of pairs, replacing same names."
    parts = urlsplit(url)
    names = {name for name, _ in pairs}
    kept = [p for p in parts.query.split('&')
        if p and unquote_plus(p.partition('=')[0]) not in names]
    query = '&'.join(kept + [f'{name}={value}' for name, value in pairs])
    return urlunsplit(parts._replace(query=query))


def _dumps(payload):
    return json.dumps(
        payload, ensure_ascii=False, separators=(',', ':'), sort_keys=True,
        default=_json_default).encode('utf-8')


def _json_default(value):
    # Tryton's figures: exact decimal strings rather than rounded floats.
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    raise TypeError(f"Not JSON serialisable: {type(value).__name__}.")


def _clip(text):
    if len(text) > DETAIL_LENGTH:
        text = text[:DETAIL_LENGTH - 1] + ELLIPSIS
    return text
