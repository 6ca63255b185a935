# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Delivery of notifications (delivery.py) against a real HTTP receiver on
127.0.0.1: payloads, signatures checked by the receiver, answers, retries,
redaction of credentials and the receiver's deduplication."""
import base64
import calendar
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import os
import socket
import threading
import time
import unittest
from decimal import Decimal
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

from trytond.modules.zt_rules import delivery

UTC = dt.timezone.utc
KEY = '2f1c7f9e-8a4b-4c1d-9e2f-3a5b6c7d8e9f'
TOKEN = 'tok3n0f7hedingtalkr0b0t'
WECOM_KEY = '693a91f6-7fff-4bc4-97a0-0ec2sifa5aaa'
SECRET = 'SECd1ngta1ks3cr3tf0rs1gn1ng'
HOOK_SECRET = 'h00k-s3cr3t'
OK = {'errcode': 0, 'errmsg': 'ok'}


def setUpModule():
    # The receiver is local: no proxy of the environment in between.
    patcher = mock.patch.dict(os.environ, {'no_proxy': '127.0.0.1'})
    patcher.start()
    unittest.addModuleCleanup(patcher.stop)


class Step:
    "One scripted answer of the receiver."

    def __init__(self, status=200, answer=OK, delay=0):
        self.status = status
        # A dict (JSON), bytes, or a function of the request record.
        self.answer = answer
        self.delay = delay

    def body(self, record):
        answer = self.answer
        if callable(answer):
            answer = answer(record)
        if isinstance(answer, dict):
            answer = json.dumps(answer).encode('utf-8')
        return answer


class Receiver:
    """What the robot or webhook receiver does: record every request,
    check signatures, answer per a script, and process each idempotency
    key once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.script = []
        self.default = Step()
        self.requests = []
        # Idempotency key -> payload, only the first processed.
        self.delivered = {}
        self.processed = threading.Semaphore(0)
        self.dingtalk_secret = None
        self.webhook_secret = None

    def handle(self, record):
        with self.lock:
            self.requests.append(record)
            step = self.script.pop(0) if self.script else self.default
        refusal = self.refusal(record)
        if refusal:
            return refusal, 0
        status, body = step.status, step.body(record)
        if 200 <= status < 300 and json.loads(body or b'{}').get(
                'errcode', 0) == 0:
            key = (record['headers'].get('Idempotency-Key')
                or json.loads(record['body']).get('id'))
            with self.lock:
                self.delivered.setdefault(key, json.loads(record['body']))
            self.processed.release()
        return (status, body), step.delay

    def refusal(self, record):
        "Return the answer refusing a bad signature, None if it is good."
        if self.dingtalk_secret is not None:
            query = record['query']
            timestamp = query.get('timestamp', '')
            expected = base64.b64encode(hmac.new(
                    self.dingtalk_secret.encode('utf-8'),
                    f'{timestamp}\n{self.dingtalk_secret}'.encode('utf-8'),
                    hashlib.sha256).digest()).decode('ascii')
            fresh = (timestamp.isdigit()
                and abs(time.time() * 1000 - int(timestamp)) < 3600 * 1000)
            if not (fresh and hmac.compare_digest(
                        query.get('sign', ''), expected)):
                record['sign_ok'] = False
                return 200, json.dumps({
                        'errcode': 310000, 'errmsg': 'sign not match',
                        }).encode('utf-8')
            record['sign_ok'] = True
        if self.webhook_secret is not None:
            expected = 'sha256=' + hmac.new(
                self.webhook_secret.encode('utf-8'), record['body'],
                hashlib.sha256).hexdigest()
            given = record['headers'].get('X-ZT-Signature', '')
            record['sign_ok'] = hmac.compare_digest(given, expected)
            if not record['sign_ok']:
                return 401, b'{"error": "bad signature"}'
        return None

    def wait_processed(self, timeout=5):
        return self.processed.acquire(timeout=timeout)


class Handler(http.server.BaseHTTPRequestHandler):

    def do_POST(self):
        length = int(self.headers.get('Content-Length', 0))
        parts = urlsplit(self.path)
        record = {
            'path': parts.path,
            'raw_path': self.path,
            'query': dict(parse_qsl(parts.query)),
            'headers': self.headers,
            'body': self.rfile.read(length),
            }
        (status, body), delay = self.server.receiver.handle(record)
        time.sleep(delay)
        try:
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header('Location', '/elsewhere')
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            # The sender gave up (timeout): nobody reads the answer.
            pass

    def log_message(self, format, *args):
        pass


class DeliveryTestCase(unittest.TestCase):
    "Each test with its own receiver on a free port of 127.0.0.1."

    def setUp(self):
        self.receiver = Receiver()
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        server.receiver = self.receiver
        thread = threading.Thread(
            target=server.serve_forever, kwargs={'poll_interval': 0.05},
            daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.base = 'http://127.0.0.1:%s' % server.server_address[1]

    def message(self, body="库存低于安全库存：螺丝 M4，现有 12，安全库存 50",
            key=KEY, data=None):
        return delivery.Message(
            subject="安全库存预警", body=body, key=key,
            data=data if data is not None else {
                'rule': "safety stock", 'alert': 42})

    def dingtalk(self, secret=SECRET, **kwargs):
        url = self.base + '/robot/send?access_token=' + TOKEN
        return delivery.build_request(
            'dingtalk', url, secret, self.message(**kwargs))

    def wecom(self, **kwargs):
        url = self.base + '/cgi-bin/webhook/send?key=' + WECOM_KEY
        return delivery.build_request(
            'wecom', url, None, self.message(**kwargs))

    def webhook(self, secret=HOOK_SECRET, now=None, **kwargs):
        return delivery.build_request(
            'webhook', self.base + '/hooks/zt', secret,
            self.message(**kwargs), now=now)

    def assertNoCredential(self, text, *credentials):
        for credential in credentials:
            self.assertNotIn(credential, text)


class PayloadTestCase(DeliveryTestCase):

    def test_dingtalk_payload_and_signature(self):
        "DingTalk gets the markdown message, signed as 加签 documents."
        self.receiver.dingtalk_secret = SECRET
        request = self.dingtalk()
        outcome = delivery.send(request)

        self.assertEqual(outcome, delivery.Outcome(
                True, 200, "HTTP 200 errcode 0", False))
        record, = self.receiver.requests
        self.assertTrue(record['sign_ok'])
        self.assertEqual(record['path'], '/robot/send')
        self.assertEqual(record['query']['access_token'], TOKEN)
        self.assertEqual(
            record['headers']['Content-Type'],
            'application/json; charset=utf-8')
        self.assertEqual(record['headers']['Idempotency-Key'], KEY)
        self.assertIn("安全库存".encode('utf-8'), record['body'])
        self.assertEqual(json.loads(record['body']), {
                'msgtype': 'markdown',
                'markdown': {
                    'title': "安全库存预警",
                    'text': "库存低于安全库存：螺丝 M4，现有 12，安全库存 50"
                    "\n\nref: " + KEY,
                    },
                })

    def test_dingtalk_timestamp_from_now(self):
        "The timestamp is the milliseconds of now; sign is URL-encoded."
        now = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
        request = delivery.build_request(
            'dingtalk', self.base + '/robot/send?access_token=' + TOKEN,
            SECRET, self.message(), now=now)

        query = dict(parse_qsl(urlsplit(request.url).query))
        expected = calendar.timegm(now.timetuple()) * 1000 + 678
        self.assertEqual(query['timestamp'], str(expected))
        self.assertEqual(query['access_token'], TOKEN)
        digest = hmac.new(
            SECRET.encode(), f'{expected}\n{SECRET}'.encode(),
            hashlib.sha256).digest()
        self.assertEqual(query['sign'], base64.b64encode(digest).decode())
        # '+', '/' and '=' of base64 travel percent-encoded.
        raw_sign = urlsplit(request.url).query.rpartition('sign=')[2]
        self.assertNotRegex(raw_sign, r'[+/=]')

    def test_dingtalk_wrong_secret(self):
        "A refused signature (errcode 310000) will not heal: no retry."
        self.receiver.dingtalk_secret = SECRET
        outcome = delivery.send(self.dingtalk(secret='SECwrong'))

        self.assertFalse(outcome.ok)
        self.assertFalse(outcome.retry)
        self.assertEqual(outcome.status, 200)
        self.assertIn("310000", outcome.detail)
        self.assertEqual(self.receiver.delivered, {})

    def test_dingtalk_without_secret(self):
        "Without a secret the url is left as it is."
        request = self.dingtalk(secret=None)
        self.assertEqual(
            request.url, self.base + '/robot/send?access_token=' + TOKEN)
        self.assertTrue(delivery.send(request).ok)

    def test_wecom_payload(self):
        "WeCom gets the subject in bold, the body and the ref line."
        outcome = delivery.send(self.wecom())

        self.assertTrue(outcome.ok)
        record, = self.receiver.requests
        self.assertEqual(record['query']['key'], WECOM_KEY)
        self.assertEqual(record['headers']['Idempotency-Key'], KEY)
        self.assertEqual(json.loads(record['body']), {
                'msgtype': 'markdown',
                'markdown': {
                    'content': "**安全库存预警**\n"
                    "库存低于安全库存：螺丝 M4，现有 12，安全库存 50"
                    "\n\nref: " + KEY,
                    },
                })

    def test_wecom_truncation(self):
        "A long Chinese body is cut within 4096 bytes, keeping the ref."
        for prefix in ['', 'a', 'ab']:
            with self.subTest(prefix=prefix):
                request = self.wecom(body=prefix + "库存" * 3000)
                content = json.loads(request.body)['markdown']['content']
                size = len(content.encode('utf-8'))
                self.assertLessEqual(size, 4096)
                self.assertGreater(size, 4096 - 4)
                self.assertTrue(content.startswith("**安全库存预警**\n"))
                self.assertTrue(content.endswith("…\n\nref: " + KEY))
        self.assertTrue(delivery.send(request).ok)
        self.assertEqual(len(self.receiver.delivered), 1)

    def test_wecom_fits_exactly(self):
        "A content of exactly 4096 bytes is not cut."
        fixed = len(f"**安全库存预警**\n\n\nref: {KEY}".encode('utf-8'))
        body = 'x' * (4096 - fixed)
        content = json.loads(self.wecom(body=body).body)[
            'markdown']['content']
        self.assertEqual(len(content.encode('utf-8')), 4096)
        self.assertIn(body, content)
        self.assertNotIn("…", content)

    def test_webhook_payload_and_signature(self):
        "The generic webhook gets the JSON document, signed over its bytes."
        self.receiver.webhook_secret = HOOK_SECRET
        self.receiver.default = Step(204, b'')
        now = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
        request = self.webhook(now=now, data={
                'rule': "安全库存", 'quantity': Decimal('12.50'),
                'date': dt.date(2026, 3, 4)})
        outcome = delivery.send(request)

        self.assertEqual(outcome, delivery.Outcome(
                True, 204, "HTTP 204", False))
        record, = self.receiver.requests
        self.assertTrue(record['sign_ok'])
        self.assertEqual(
            record['headers']['X-ZT-Timestamp'],
            str(calendar.timegm(now.timetuple())))
        self.assertIn("安全库存".encode('utf-8'), record['body'])
        self.assertEqual(json.loads(record['body']), {
                'id': KEY,
                'subject': "安全库存预警",
                'body': "库存低于安全库存：螺丝 M4，现有 12，安全库存 50",
                'data': {
                    'rule': "安全库存", 'quantity': '12.50',
                    'date': '2026-03-04'},
                'sent_at': '2026-03-04T05:06:07+00:00',
                })
        self.assertEqual(list(self.receiver.delivered), [KEY])

    def test_webhook_wrong_secret(self):
        "The receiver refuses a bad signature with 401: no retry."
        self.receiver.webhook_secret = HOOK_SECRET
        outcome = delivery.send(self.webhook(secret='other'))

        self.assertEqual(outcome.status, 401)
        self.assertFalse(outcome.ok)
        self.assertFalse(outcome.retry)

    def test_webhook_unsigned(self):
        "Without a secret there is no signature header."
        request = self.webhook(secret=None)
        self.assertNotIn('X-ZT-Signature', request.headers)
        self.assertNotIn('X-ZT-Timestamp', request.headers)

    def test_not_serialisable(self):
        "Data JSON cannot encode is refused before sending."
        with self.assertRaises(TypeError):
            self.webhook(data={'bad': object()})

    def test_invalid_arguments(self):
        "Unknown channel, non-http url, naive now and bad key: ValueError."
        message = self.message()
        for channel, url, now, msg in [
                ('sms', self.base, None, message),
                ('webhook', 'ftp://127.0.0.1/x', None, message),
                ('webhook', 'file:///etc/passwd', None, message),
                ('webhook', 'http:///path', None, message),
                ('webhook', self.base, dt.datetime(2026, 1, 1), message),
                ('webhook', self.base, None, message._replace(key='')),
                ('webhook', self.base, None,
                    message._replace(key='a\r\nX-Evil: 1')),
                ]:
            with self.subTest(channel=channel, url=url, key=msg.key):
                with self.assertRaises(ValueError):
                    delivery.build_request(channel, url, None, msg, now=now)
        self.assertEqual(self.receiver.requests, [])


class AnswerTestCase(DeliveryTestCase):

    def test_errcode_retry(self):
        "A 200 with another errcode (rate limit) is not ok, retried."
        self.receiver.default = Step(answer={
                'errcode': 130101, 'errmsg': 'send too fast'})
        outcome = delivery.send(self.dingtalk(secret=None))

        self.assertEqual(outcome, delivery.Outcome(
                False, 200, "HTTP 200 errcode 130101: send too fast", True))

    def test_wecom_invalid_key(self):
        "WeCom 93000 (invalid webhook key) will not heal: no retry."
        self.receiver.default = Step(answer={
                'errcode': 93000, 'errmsg': 'invalid webhook url'})
        outcome = delivery.send(self.wecom())

        self.assertFalse(outcome.ok)
        self.assertFalse(outcome.retry)

    def test_robot_answer_without_errcode(self):
        "A robot's 200 without errcode (a proxy page) is not ok."
        self.receiver.default = Step(answer=b'<html>portal</html>')
        outcome = delivery.send(self.wecom())

        self.assertFalse(outcome.ok)
        self.assertTrue(outcome.retry)

    def test_http_500_then_ok(self):
        "500 twice, then 200: retried, then delivered once."
        self.receiver.script = [
            Step(500, b'oops'), Step(503, {'errmsg': 'busy'})]
        request = self.webhook()
        outcomes = [delivery.send(request) for _ in range(3)]

        self.assertEqual(
            [(o.ok, o.status, o.retry) for o in outcomes],
            [(False, 500, True), (False, 503, True), (True, 200, False)])
        self.assertEqual(outcomes[1].detail, "HTTP 503: busy")
        self.assertEqual(len(self.receiver.requests), 3)
        self.assertEqual(list(self.receiver.delivered), [KEY])

    def test_http_4xx(self):
        "404 and the like will not heal; 408 and 429 may."
        for status, retry in [
                (400, False), (401, False), (403, False), (404, False),
                (410, False), (408, True), (429, True)]:
            with self.subTest(status=status):
                self.receiver.script = [Step(status, b'{}')]
                outcome = delivery.send(self.webhook())
                self.assertEqual(
                    (outcome.ok, outcome.status, outcome.retry),
                    (False, status, retry))

    def test_redirect_not_followed(self):
        "A redirection is a configuration error: not followed, no retry."
        self.receiver.script = [Step(302, b'')]
        outcome = delivery.send(self.webhook())

        self.assertEqual(
            (outcome.ok, outcome.status, outcome.retry), (False, 302, False))
        self.assertEqual(len(self.receiver.requests), 1)

    def test_timeout_then_resend_delivered_once(self):
        "A receiver slower than the timeout: retried; its dedup keeps one."
        self.receiver.script = [Step(delay=1.5)]
        request = self.webhook()
        started = time.monotonic()
        outcome = delivery.send(request, timeout=0.3)

        self.assertLess(time.monotonic() - started, 1.4)
        self.assertEqual(outcome, delivery.Outcome(
                False, None, "timeout after 0.3 s", True))
        # The slow receiver processed it all the same.
        self.assertTrue(self.receiver.wait_processed())
        self.assertTrue(delivery.send(request).ok)
        self.assertEqual(len(self.receiver.requests), 2)
        self.assertEqual(list(self.receiver.delivered), [KEY])

    def test_connection_refused(self):
        "Nobody listening: a network error, retried."
        with socket.socket() as closed:
            closed.bind(('127.0.0.1', 0))
            port = closed.getsockname()[1]
        url = f'http://127.0.0.1:{port}/robot/send?access_token={TOKEN}'
        request = delivery.build_request(
            'dingtalk', url, SECRET, self.message())
        outcome = delivery.send(request, timeout=2)

        self.assertFalse(outcome.ok)
        self.assertIsNone(outcome.status)
        self.assertTrue(outcome.retry)
        self.assertIn("network error", outcome.detail)
        sign = dict(parse_qsl(urlsplit(request.url).query))['sign']
        self.assertNoCredential(outcome.detail, TOKEN, SECRET, sign)

    def test_detail_without_credentials(self):
        "Answers echoing the url do not bring its credentials to detail."
        def echo(record):
            return {'errcode': 310000, 'errmsg': "refused " + record[
                    'raw_path'] + " " + json.dumps(record['query'])}
        for make in [self.dingtalk, self.wecom]:
            with self.subTest(channel=make.__name__):
                request = make()
                sign = dict(parse_qsl(urlsplit(request.url).query)).get(
                    'sign', TOKEN)
                self.receiver.script = [Step(answer=echo), Step(
                        500, lambda r: {'errmsg': r['raw_path']})]
                for outcome in [
                        delivery.send(request), delivery.send(request)]:
                    self.assertFalse(outcome.ok)
                    self.assertIn(delivery.MASK, outcome.detail)
                    self.assertLessEqual(len(outcome.detail), 200)
                    self.assertNoCredential(
                        outcome.detail, TOKEN, WECOM_KEY, SECRET, sign)

    def test_resend_after_crash(self):
        "Sent, then the worker dies before its commit and sends again."
        request = self.dingtalk(secret=None)
        first = delivery.send(request)
        # The rebuilt request of the next try carries the same key.
        second = delivery.send(self.dingtalk(secret=None))

        self.assertTrue(first.ok and second.ok)
        self.assertEqual(len(self.receiver.requests), 2)
        self.assertEqual(
            {r['headers']['Idempotency-Key']
                for r in self.receiver.requests}, {KEY})
        self.assertEqual(list(self.receiver.delivered), [KEY])

    def test_bad_timeout(self):
        with self.assertRaises(ValueError):
            delivery.send(self.webhook(), timeout=0)


class RedactTestCase(unittest.TestCase):

    def test_redact_url(self):
        "Credentials of the query and user information are masked."
        self.assertEqual(
            delivery.redact_url(
                'https://user:pw@oapi.dingtalk.com/robot/send'
                '?access_token=abc&timestamp=1&sign=x%2By&lang=zh#frag'),
            'https://oapi.dingtalk.com/robot/send'
            '?access_token=***&timestamp=***&sign=***&lang=***')
        # any name may hold a credential
        self.assertEqual(
            delivery.redact_url('https://hook.example/h?client_secret=C'
                '&api-key=A'),
            'https://hook.example/h?client_secret=***&api-key=***')
        self.assertEqual(
            delivery.redact_url(
                'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?KEY=k'
                '&Token=t&secret=s'),
            'https://qyapi.weixin.qq.com/cgi-bin/webhook/send'
            '?KEY=***&Token=***&secret=***')
        self.assertEqual(
            delivery.redact_url('http://example.com/hook'),
            'http://example.com/hook')

    def test_redact(self):
        "Each non-empty secret is masked, also URL-encoded."
        self.assertEqual(
            delivery.redact("a s3cr/t b s3cr%2Ft c", ['s3cr/t', '', None]),
            "a *** b *** c")
        self.assertEqual(delivery.redact("abcdef", ['abc', 'abcdef']), "***")

    def test_url_secrets(self):
        self.assertEqual(
            sorted(set(delivery.url_secrets(
                        'http://u:p@h/x?access_token=t&sign=a%2Bb&q=1'))),
            ['a%2Bb', 'a+b', 'p', 't', 'u'])


class ScheduleTestCase(unittest.TestCase):
    now = dt.datetime(2026, 1, 1, tzinfo=UTC)

    def delays(self, attempts, **kwargs):
        return [
            (delivery.next_attempt(n, self.now, **kwargs)
                - self.now).total_seconds()
            for n in attempts]

    def test_sequence_and_cap(self):
        "60 s doubled after each failed try, capped at 6 hours."
        self.assertEqual(
            self.delays(range(1, 11)),
            [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600])
        self.assertEqual(self.delays([1000]), [21600])
        self.assertEqual(
            self.delays([1, 2, 3], base=10, factor=3, cap=50), [10, 30, 50])

    def test_max_attempts(self):
        "The tries between the first and the last take about two hours."
        total = sum(self.delays(range(1, delivery.MAX_ATTEMPTS)))
        self.assertEqual(delivery.MAX_ATTEMPTS, 8)
        self.assertEqual(total, 7620)

    def test_jitter(self):
        "Jitter only shortens the delay."
        for delay in self.delays([3] * 50, jitter=0.5):
            self.assertGreaterEqual(delay, 120)
            self.assertLessEqual(delay, 240)

    def test_aware_result(self):
        when = delivery.next_attempt(
            1, dt.datetime(2026, 1, 1, 8, tzinfo=dt.timezone(
                    dt.timedelta(hours=8))))
        self.assertEqual(
            when.astimezone(UTC), dt.datetime(2026, 1, 1, 0, 1, tzinfo=UTC))

    def test_invalid(self):
        for args, kwargs in [
                ((0, self.now), {}),
                ((1, dt.datetime(2026, 1, 1)), {}),
                ((1, self.now), {'jitter': 2}),
                ]:
            with self.subTest(args=args, kwargs=kwargs):
                with self.assertRaises(ValueError):
                    delivery.next_attempt(*args, **kwargs)


class EmailTestCase(unittest.TestCase):

    def test_build_email(self):
        "Message-ID and idempotency header from the key, UTF-8 text."
        msg = delivery.build_email(
            "安全库存预警\n螺丝", "库存低于安全库存：螺丝 M4", KEY,
            'zt@example.com', ['a@example.com', 'b@example.com'])

        parsed = email.message_from_bytes(
            msg.as_bytes(), policy=email.policy.default)
        self.assertEqual(parsed['Message-ID'], f'<{KEY}@zt-inventory>')
        self.assertEqual(parsed['X-ZT-Idempotency-Key'], KEY)
        self.assertEqual(parsed['Subject'], "安全库存预警 螺丝")
        self.assertEqual(parsed['From'], 'zt@example.com')
        self.assertEqual(parsed['To'], 'a@example.com, b@example.com')
        self.assertEqual(parsed.get_content_charset(), 'utf-8')
        self.assertEqual(
            parsed.get_content().strip(), "库存低于安全库存：螺丝 M4")
        # 7-bit clean: RFC 2047 subject, base64 body.
        msg.as_bytes().decode('ascii')

    def test_bad_key(self):
        with self.assertRaises(ValueError):
            delivery.build_email("s", "b", "a b", 'zt@example.com', [])
