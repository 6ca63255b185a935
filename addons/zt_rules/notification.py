# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The outbox of the rules' notifications: channels (e-mail, DingTalk,
WeCom, JSON webhooks) with their secrets sealed, and notifications that a
cron and the queue deliver with retries and back-off, each attempt
recorded.  A notification keeps one idempotency key for every attempt: a
receiver that sees it twice (a crash between sending and recording) can
drop the second copy."""
import datetime as dt
import logging
import uuid

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.sendmail import send_message
from trytond.transaction import Transaction

from trytond.modules.zt_inventory import totp_rules
from trytond.modules.zt_inventory.trace import utc_now

from . import delivery
from .exceptions import ChannelSecretError

logger = logging.getLogger(__name__)
# A notification still 'sending' after this long was interrupted (a crash
# between the send and its record): it is tried again with the same key.
STALE_SENDING = dt.timedelta(minutes=10)
ENV_PREFIX = 'env:'


def secret_keys():
    """Return the Fernet keys (list of bytes) of ``[zt_rules] secret_key``
    (comma-separated, the first seals).  Raise ChannelSecretError if one is
    malformed."""
    try:
        return totp_rules.parse_keys(
            config.get('zt_rules', 'secret_key', default=''))
    except totp_rules.SealError:
        raise ChannelSecretError(gettext('zt_rules.msg_channel_key'))


class Channel(DeactivableMixin, ModelSQL, ModelView):
    "Notification Channel"
    __name__ = 'zt.notification.channel'
    __string__ = "Notification Channel"
    name = fields.Char("Name", required=True)
    company = fields.Many2One('company.company', "Company", required=True)
    type = fields.Selection([
            ('email', "E-mail"),
            ('dingtalk', "DingTalk Robot"),
            ('wecom', "WeCom Robot"),
            ('webhook', "JSON Webhook"),
            ], "Type", required=True)
    url = fields.Function(fields.Char("URL",
            states={
                'required': Eval('type') != 'email',
                'invisible': Eval('type') == 'email',
                },
            help="The robot's webhook address with its token; stored "
            "encrypted and never shown again.  'env:NAME' reads it from "
            "the server's environment variable NAME instead."),
        'get_masked', setter='set_sealed')
    secret = fields.Function(fields.Char("Signing Secret",
            states={
                'invisible': Eval('type') == 'email',
                },
            help="DingTalk's signing secret (加签) or the key of the "
            "webhook's X-ZT-Signature; stored encrypted, never shown."),
        'get_masked', setter='set_sealed')
    url_sealed = fields.Char("URL (sealed)", readonly=True)
    secret_sealed = fields.Char("Secret (sealed)", readonly=True)
    url_hint = fields.Char("Address", readonly=True,
        help="The address without its secret parts.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # The sealed values never leave the server, not even to root.
        for name in ['url_sealed', 'secret_sealed']:
            getattr(cls, name).loading = 'lazy'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def read(cls, ids, fields_names):
        if Transaction().check_access and (
                {'url_sealed', 'secret_sealed'} & set(fields_names)):
            fields_names = [f for f in fields_names
                if f not in {'url_sealed', 'secret_sealed'}]
        return super().read(ids, fields_names)

    @classmethod
    def on_modification(cls, mode, channels, field_names=None):
        """Append a ledger entry 'zt.notification.channel.<mode>' per
        channel: name, type, address without credentials, whether a secret
        is set, active (redirecting a rule's notifications is traced)."""
        pool = Pool()
        Entry = pool.get('zt.ledger.entry')
        super().on_modification(mode, channels, field_names=field_names)
        Entry.append([{
                    'company': c.company,
                    'warehouse': None,
                    'event': 'zt.notification.channel.%s' % mode,
                    'record': c,
                    'payload': {
                        'name': c.name,
                        'type': c.type,
                        'address': c.url_hint,
                        'secret_set': bool(c.secret_sealed),
                        'active': c.active,
                        'fields': sorted(field_names or []),
                        },
                    } for c in channels])

    def get_masked(self, name):
        return '***' if getattr(self, '%s_sealed' % name) else None

    @classmethod
    def set_sealed(cls, channels, name, value):
        "Seal ``value`` (or keep an 'env:NAME' reference) in <name>_sealed."
        if value == '***':
            return
        values = {'%s_sealed' % name: cls.seal(value) if value else None}
        if name == 'url':
            values['url_hint'] = (delivery.redact_url(value)
                if value and not value.startswith(ENV_PREFIX) else value)
        cls.write(channels, values)

    @classmethod
    def seal(cls, value):
        """Return ``value`` as stored: 'env:NAME' as is, otherwise sealed
        with [zt_rules] secret_key.  Raise ChannelSecretError without a
        key: a secret is never stored in clear."""
        if value.startswith(ENV_PREFIX):
            return value
        keys = secret_keys()
        if not keys:
            raise ChannelSecretError(gettext('zt_rules.msg_channel_no_key'))
        return totp_rules.seal(value, keys)

    def _open(self, name):
        import os
        stored = getattr(self, '%s_sealed' % name)
        if not stored:
            return None
        if stored.startswith(ENV_PREFIX):
            value = os.environ.get(stored[len(ENV_PREFIX):])
            if not value:
                raise ChannelSecretError(gettext(
                        'zt_rules.msg_channel_env',
                        channel=self.rec_name,
                        variable=stored[len(ENV_PREFIX):]))
            return value
        try:
            return totp_rules.unseal(stored, secret_keys())
        except totp_rules.SealError:
            raise ChannelSecretError(gettext(
                    'zt_rules.msg_channel_key_open', channel=self.rec_name))

    def open_url(self):
        "Return the clear URL (str); only for delivery, never logged."
        return self._open('url')

    def open_secret(self):
        "Return the clear signing secret (str or None)."
        return self._open('secret')


class Notification(ModelSQL, ModelView):
    "Notification"
    __name__ = 'zt.notification'
    __string__ = "Notification"
    _rec_name = 'subject'
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    alert = fields.Many2One(
        'zt.alert', "Alert", readonly=True, ondelete='CASCADE')
    rule = fields.Many2One('zt.rule', "Rule", readonly=True)
    channel = fields.Many2One(
        'zt.notification.channel', "Channel", readonly=True,
        ondelete='RESTRICT')
    recipients = fields.Text("Recipients", readonly=True,
        help="E-mail addresses, one per line.")
    subject = fields.Char("Subject", readonly=True)
    body = fields.Text("Body", readonly=True)
    key = fields.Char("Idempotency Key", required=True, readonly=True,
        help="The same on every attempt: receivers drop repeats.")
    state = fields.Selection([
            ('pending', "Pending"),
            ('sending', "Sending"),
            ('sent', "Sent"),
            ('failed', "Failed"),
            ], "State", required=True, readonly=True, sort=False)
    attempt_count = fields.Integer("Attempts", readonly=True)
    next_attempt = fields.DateTime("Next Attempt", readonly=True,
        help="In UTC.")
    sending_since = fields.DateTime("Sending since", readonly=True)
    sent_at = fields.DateTime("Sent at", readonly=True, help="In UTC.")
    attempts = fields.One2Many(
        'zt.notification.attempt', 'notification', "Attempts",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'DESC')]
        t = cls.__table__()
        cls._sql_constraints += [
            ('key_unique', Unique(t, t.key),
                'zt_rules.msg_notification_key_unique'),
            ]

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_attempt_count(cls):
        return 0

    @classmethod
    def default_key(cls):
        return str(uuid.uuid4())

    @classmethod
    def queue(cls, alert, rule, subject, body, group=None, users=(),
            channels=()):
        """Create the notifications of ``alert`` (or of a report when
        None): one e-mail to the addresses of ``group``'s and ``users``'
        members when they have any, one per ``channels``; and ask the
        queue to deliver them after the commit.  Returns them."""
        pool = Pool()
        User = pool.get('res.user')
        recipients = set(users)
        if group:
            recipients |= set(User.search([('groups', '=', group.id)]))
        emails = sorted({u.email for u in recipients if u.email})
        vlist = []
        base = {
            'company': alert.company.id if alert else (
                rule.company.id if rule.company
                else Transaction().context.get('company')),
            'alert': alert.id if alert else None,
            'rule': rule.id,
            'subject': subject,
            'body': body,
            'next_attempt': utc_now(),
            }
        if emails:
            vlist.append(dict(base, recipients='\n'.join(emails),
                    key=cls.default_key()))
        for channel in channels:
            if channel.type == 'email':
                continue
            vlist.append(dict(base, channel=channel.id,
                    key=cls.default_key()))
        notifications = cls.create(vlist)
        if notifications:
            cls.__queue__.deliver(notifications)
        return notifications

    def message(self):
        "Return the delivery.Message of the notification."
        return delivery.Message(
            subject=self.subject or '', body=self.body or '', key=self.key,
            data={
                'rule': self.rule.name if self.rule else None,
                'alert': self.alert.id if self.alert else None,
                'company': self.company.rec_name,
                })

    @classmethod
    def due(cls, now=None):
        """Return the notifications to try now: pending ones whose next
        attempt has come, and ones left 'sending' longer than
        STALE_SENDING (an interrupted attempt)."""
        now = now or utc_now()
        return cls.search(['OR', [
                    ('state', '=', 'pending'),
                    ('next_attempt', '<=', now),
                    ], [
                    ('state', '=', 'sending'),
                    ('sending_since', '<=', now - STALE_SENDING),
                    ]], order=[('id', 'ASC')])

    @classmethod
    def claim(cls, notification, now=None):
        """Mark ``notification`` as being sent, if it is still due (a
        conditional UPDATE: two workers never send it both); return True if
        this caller claimed it."""
        now = now or utc_now()
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.state, table.sending_since, table.attempt_count],
                ['sending', now, table.attempt_count + 1],
                where=(table.id == notification.id)
                & (((table.state == 'pending') & (table.next_attempt <= now))
                    | ((table.state == 'sending')
                        & (table.sending_since <= now - STALE_SENDING)))))
        claimed = cursor.rowcount == 1
        if claimed:
            cls._clear_cache()
        return claimed

    @classmethod
    def _clear_cache(cls):
        # The claim is plain SQL: invalidate the records the transaction
        # cached, as ModelStorage.write does.
        Transaction().cache.clear()

    def send(self):
        """Send the notification once; return delivery.Outcome.  Never
        raises for a delivery failure, and never puts a secret in the
        outcome's detail."""
        message = self.message()
        try:
            if self.channel:
                url = self.channel.open_url()
                secret = self.channel.open_secret()
                request = delivery.build_request(
                    self.channel.type, url, secret, message)
                outcome = delivery.send(request)
                return outcome._replace(detail=delivery.redact(
                        outcome.detail, [url, secret]))
            sender = (config.get('email', 'from')
                or 'zt-inventory@localhost')
            email = delivery.build_email(message.subject, message.body,
                message.key, sender, (self.recipients or '').split('\n'))
            send_message(email, sender,
                [r for r in (self.recipients or '').split('\n') if r],
                strict=True)
            return delivery.Outcome(True, None, "e-mail accepted", False)
        except ChannelSecretError as error:
            return delivery.Outcome(False, None, str(error), False)
        except Exception as error:
            return delivery.Outcome(False, None,
                '%s: %s' % (type(error).__name__, error), True)

    @classmethod
    def record(cls, notification, outcome, now=None):
        """Record the attempt's ``outcome`` and set the next state: sent,
        pending again at delivery.next_attempt, or failed after
        delivery.MAX_ATTEMPTS or an error that will not heal."""
        pool = Pool()
        Attempt = pool.get('zt.notification.attempt')
        now = now or utc_now()
        notification = cls(notification.id)
        Attempt.create([{
                    'notification': notification.id,
                    'date': now,
                    'success': outcome.ok,
                    'status': outcome.status,
                    'detail': (outcome.detail or '')[:500],
                    }])
        if outcome.ok:
            values = {'state': 'sent', 'sent_at': now}
        elif (not outcome.retry
                or notification.attempt_count >= delivery.MAX_ATTEMPTS):
            values = {'state': 'failed'}
            logger.warning('notification %s failed after %s attempts',
                notification.id, notification.attempt_count)
        else:
            aware = now.replace(tzinfo=dt.timezone.utc)
            values = {
                'state': 'pending',
                'next_attempt': delivery.next_attempt(
                    notification.attempt_count, aware).astimezone(
                    dt.timezone.utc).replace(tzinfo=None),
                }
        values['sending_since'] = None
        cls.write([notification], values)

    @classmethod
    def deliver(cls, notifications=None):
        """Deliver ``notifications`` (every due one when None), each in its
        own transactions: claim and commit, send, record and commit.  Run
        by the queue after the notifications' commit and by the cron."""
        transaction = Transaction()
        if notifications is None:
            notifications = cls.due()
        ids = [n.id for n in notifications]
        for id_ in ids:
            with transaction.new_transaction() as claim:
                if not cls.claim(cls(id_)):
                    continue
                claim.commit()
            outcome = cls(id_).send()
            with transaction.new_transaction() as record:
                cls.record(cls(id_), outcome)
                record.commit()

    @classmethod
    def deliver_due(cls):
        "Cron: deliver every due notification."
        cls.deliver()


class Attempt(ModelSQL, ModelView):
    "Notification Attempt"
    __name__ = 'zt.notification.attempt'
    __string__ = "Notification Attempt"
    notification = fields.Many2One(
        'zt.notification', "Notification", required=True,
        ondelete='CASCADE', readonly=True)
    date = fields.DateTime("Date", readonly=True, help="In UTC.")
    success = fields.Boolean("Success", readonly=True)
    status = fields.Integer("HTTP Status", readonly=True)
    detail = fields.Char("Detail", readonly=True,
        help="The answer or the error, without secrets.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]
        cls.__access__.add('notification')
