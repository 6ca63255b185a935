# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The outbox delivers to real local receivers (HTTP webhooks, SMTP):
retries with back-off, an interrupted attempt resent with the same key,
secrets sealed and never in what is recorded (notification.py)."""
import datetime as dt
import email
import json
import logging

from cryptography.fernet import Fernet

from trytond.config import config
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from trytond.modules.zt_inventory.tests.tools import acting
from trytond.modules.zt_inventory.trace import utc_now

from .. import notification as notification_module
from .receivers import SMTPReceiver, WebhookReceiver
from .tools import RulesDBTestCase, RulesWorld, seed_rule

TOKEN = 'ACCESS-TOKEN-4f9a'
SECRET = 'SEC-signing-7c1e'


class NotificationTestCase(RulesDBTestCase):
    "Delivery of notifications"

    def setUp(self):
        super().setUp()
        self._key = config.get('zt_rules', 'secret_key', default=None)
        if not config.has_section('zt_rules'):
            config.add_section('zt_rules')
        config.set('zt_rules', 'secret_key', Fernet.generate_key().decode())

    def tearDown(self):
        config.set('zt_rules', 'secret_key', self._key or '')
        super().tearDown()

    def channel(self, w, type_, url, secret=None):
        Channel = Pool().get('zt.notification.channel')
        channel, = Channel.create([{'name': type_, 'company': w.company.id,
                    'type': type_, 'url': url, 'secret': secret}])
        return channel

    def notification(self, w, channel=None, recipients=None):
        "A notification of the frequent-movement rule to ``channel``."
        Notification = Pool().get('zt.notification')
        rule = seed_rule('rule_frequent_movement')
        notification, = Notification.create([{
                    'company': w.company.id, 'rule': rule.id,
                    'channel': channel.id if channel else None,
                    'recipients': recipients,
                    'subject': "Frequent movement: 螺丝",
                    'body': "4 moves within 24 h",
                    'next_attempt': utc_now(),
                    }])
        return notification

    def attempt(self, notification, now):
        """One delivery attempt at ``now`` in the test's transaction: claim,
        send, record (deliver() commits between them)."""
        Notification = Pool().get('zt.notification')
        if not Notification.claim(notification, now=now):
            return False
        outcome = Notification(notification.id).send()
        Notification.record(notification, outcome, now=now)
        return True

    @with_transaction()
    def test_webhook_delivered(self):
        "A JSON webhook receives the notification once, signed, with its key"
        Notification = Pool().get('zt.notification')
        w = RulesWorld.build()
        with WebhookReceiver([(200, {'ok': True})]) as receiver:
            channel = self.channel(w, 'webhook', receiver.url + '/hook',
                SECRET)
            notification = self.notification(w, channel)
            self.assertTrue(self.attempt(notification, utc_now()))
        notification = Notification(notification.id)
        self.assertEqual(notification.state, 'sent')
        request, = receiver.requests
        self.assertEqual(request['body']['id'], notification.key)
        self.assertEqual(request['headers']['idempotency-key'],
            notification.key)
        self.assertEqual(request['body']['subject'],
            "Frequent movement: 螺丝")
        self.assertTrue(request['headers']['x-zt-signature'].startswith(
                'sha256='))
        attempt, = notification.attempts
        self.assertEqual((attempt.success, attempt.status), (True, 200))

    @with_transaction()
    def test_retry_with_back_off(self):
        "A failing endpoint is retried later and succeeds; each try recorded"
        Notification = Pool().get('zt.notification')
        w = RulesWorld.build()
        now = utc_now()
        with WebhookReceiver([(500, {}), (503, {}), (200, {})]) as receiver:
            channel = self.channel(w, 'webhook', receiver.url)
            notification = self.notification(w, channel)
            self.assertTrue(self.attempt(notification, now))
            notification = Notification(notification.id)
            self.assertEqual(notification.state, 'pending')
            self.assertEqual(notification.next_attempt,
                now + dt.timedelta(seconds=60))
            # not due before its next attempt
            self.assertFalse(self.attempt(notification,
                    now + dt.timedelta(seconds=30)))
            self.assertTrue(self.attempt(notification,
                    now + dt.timedelta(seconds=60)))
            notification = Notification(notification.id)
            self.assertEqual(notification.next_attempt,
                now + dt.timedelta(seconds=60 + 120))
            self.assertTrue(self.attempt(notification,
                    now + dt.timedelta(seconds=180)))
        notification = Notification(notification.id)
        self.assertEqual(notification.state, 'sent')
        self.assertEqual(notification.attempt_count, 3)
        self.assertEqual([(a.success, a.status)
                for a in notification.attempts],
            [(False, 500), (False, 503), (True, 200)])
        self.assertEqual(len(receiver.delivered), 1)

    @with_transaction()
    def test_permanent_failure(self):
        "HTTP 404 will not heal: failed at once"
        Notification = Pool().get('zt.notification')
        w = RulesWorld.build()
        with WebhookReceiver([(404, {})]) as receiver:
            notification = self.notification(
                w, self.channel(w, 'webhook', receiver.url))
            self.attempt(notification, utc_now())
        self.assertEqual(Notification(notification.id).state, 'failed')

    @with_transaction()
    def test_crash_between_send_and_record(self):
        "An interrupted attempt is resent with the same key: one delivery"
        Notification = Pool().get('zt.notification')
        w = RulesWorld.build()
        now = utc_now()
        with WebhookReceiver() as receiver:
            notification = self.notification(
                w, self.channel(w, 'wecom', receiver.url + '?key=' + TOKEN))
            # claimed and sent, then the worker dies before recording
            self.assertTrue(Notification.claim(notification, now=now))
            self.assertTrue(Notification(notification.id).send().ok)
            self.assertEqual(
                Notification(notification.id).state, 'sending')
            later = now + dt.timedelta(minutes=5)
            self.assertNotIn(notification, Notification.due(later))
            self.assertFalse(self.attempt(notification, later))
            later = now + notification_module.STALE_SENDING
            self.assertIn(notification, Notification.due(later))
            self.assertTrue(self.attempt(notification, later))
        self.assertEqual(Notification(notification.id).state, 'sent')
        first, second = receiver.requests
        self.assertEqual(first['headers']['idempotency-key'],
            second['headers']['idempotency-key'])
        self.assertIn('ref: %s' % notification.key,
            second['body']['markdown']['content'])
        self.assertEqual(len(receiver.delivered), 1)

    @with_transaction()
    def test_dingtalk_secrets_never_recorded(self):
        "DingTalk's token and signing secret are sealed, never in a record"
        pool = Pool()
        Channel = pool.get('zt.notification.channel')
        Notification = pool.get('zt.notification')
        w = RulesWorld.build()
        with WebhookReceiver([(200, {'errcode': 310000,
                            'errmsg': 'sign not match ' + TOKEN})]
                ) as receiver, self.assertLogs(level=logging.DEBUG) as logs:
            logging.getLogger(__name__).debug("start")
            channel = self.channel(w, 'dingtalk',
                receiver.url + '/robot/send?access_token=' + TOKEN, SECRET)
            notification = self.notification(w, channel)
            self.attempt(notification, utc_now())
        request, = receiver.requests
        self.assertEqual(request['query']['access_token'], [TOKEN])
        self.assertIn('sign', request['query'])
        notification = Notification(notification.id)
        self.assertEqual(notification.state, 'failed')
        attempt, = notification.attempts
        self.assertNotIn(TOKEN, attempt.detail)
        self.assertIn('310000', attempt.detail)
        self.assertNotIn(TOKEN, '\n'.join(logs.output))
        # stored sealed: neither the token nor the secret is in the table
        table = Channel.__table__()
        sql_cursor = Transaction().connection.cursor()
        sql_cursor.execute(*table.select(
                table.url_sealed, table.secret_sealed, table.url_hint))
        stored = ' '.join(str(v) for v in sql_cursor.fetchone())
        self.assertNotIn(TOKEN, stored)
        self.assertNotIn(SECRET, stored)
        self.assertIn('access_token=***', stored)
        # the channel's creation is traced, without its credentials
        Entry = pool.get('zt.ledger.entry')
        entries = Entry.search([('model', '=', 'zt.notification.channel'),
                ('record', '=', channel.id)])
        self.assertTrue(entries)
        self.assertTrue(all(TOKEN not in e.payload and SECRET not in
                e.payload for e in entries))
        # nobody reads them back, not even a rule manager
        with acting(w.rule_admin):
            row, = Channel.read([channel.id], ['url', 'secret'])
            self.assertEqual((row['url'], row['secret']), ('***', '***'))
            row, = Channel.read([channel.id], ['url_sealed'])
            self.assertNotIn('url_sealed', row)

    @with_transaction()
    def test_email(self):
        "E-mail through Tryton's SMTP settings, Message-ID from the key"
        Notification = Pool().get('zt.notification')
        w = RulesWorld.build()
        with SMTPReceiver() as smtp:
            uri = config.get('email', 'uri')
            config.set('email', 'uri', smtp.uri)
            try:
                notification = self.notification(
                    w, recipients='supervisor@example.com')
                self.attempt(notification, utc_now())
            finally:
                config.set('email', 'uri', uri)
        notification = Notification(notification.id)
        self.assertEqual(notification.state, 'sent')
        (_, recipients, data), = smtp.messages
        self.assertEqual(recipients, ['<supervisor@example.com>'])
        message = email.message_from_bytes(data)
        self.assertEqual(message['Message-ID'],
            '<%s@zt-inventory>' % notification.key)
        self.assertEqual(message.get_payload(decode=True).decode().strip(),
            "4 moves within 24 h")

    @with_transaction()
    def test_queue_for_group(self):
        "An alert's notification goes to the group members' addresses"
        pool = Pool()
        Notification = pool.get('zt.notification')
        User = pool.get('res.user')
        w = RulesWorld.build()
        Move = pool.get('stock.move')
        User.write([w.supervisor], {'email': 'supervisor@example.com'})
        moves = []
        for _ in range(2):
            moves.append(w.move(w.mat_c, w.storage, w.production_location))
            moves.append(w.move(w.mat_c, w.supplier, w.storage))
        # one minute apart (the clock may tick between the moves, or not):
        # the world's receipt and the first 3 make 4 > 3, the 4th makes 5
        receipt, = Move.search([('product', '=', w.mat_c.id),
                ('from_location', '=', w.supplier.id),
                ('id', 'not in', [m.id for m in moves])])
        start = utc_now() - dt.timedelta(hours=1)
        for i, move in enumerate([receipt] + moves):
            w.set_effective_time([move], start + dt.timedelta(minutes=i))
        w.process_events()
        notification, = Notification.search([])
        self.assertEqual(notification.recipients, 'supervisor@example.com')
        self.assertEqual(notification.state, 'pending')
        # the notification tells the match that opened the alert (4 moves
        # within 24 hours); the alert's figures follow it to 5
        self.assertTrue(notification.body.endswith(': 4'),
            notification.body)
        self.assertEqual(json.loads(notification.alert.figures)[0]['actual'],
            '5')
