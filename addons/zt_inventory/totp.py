# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Time-based one-time passwords (TOTP) as a Tryton authentication method.

``[session] authentications = password+totp`` makes Tryton call
``res.user._login_totp`` once the password is right: it asks for the code
(``LoginException('totp_code', ...)``) of a user who has set one up or
whom a company requires to, and accepts each code once.  The secret is
sealed at rest (``[zt_inventory] totp_key``), never readable through RPC,
set only by the set-up wizard of the user themselves and cleared only by a
security officer's reset; both are recorded in the ledger, without the
secret.  See doc/access.rst, "One-time passwords"."""
import datetime as dt
import logging
import time

from sql import Null

from trytond import config
from trytond.exceptions import LoginException
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import totp_rules
from .exceptions import (
    TOTPCodeError, TOTPFieldError, TOTPRequiredError, TOTPResetError,
    TOTPSetupError)
from .refusal import refused
from .trace import utc_now

logger = logging.getLogger(__name__)

# The stored fields, written only by the methods below (plain SQL or a
# write under WRITE_CONTEXT, which RPC strips as it starts with '_').
TOTP_FIELDS = {'totp_secret', 'totp_pending', 'totp_last_step',
    'totp_setup_until'}
SECRET_FIELDS = {'totp_secret', 'totp_pending'}
WRITE_CONTEXT = '_zt_totp_write'
# The login parameter the client asks for.
PARAMETER = 'totp_code'


def totp_keys():
    """Return the sealing keys (list of bytes) of ``[zt_inventory]
    totp_key``.  Raise totp_rules.SealError for a malformed key."""
    return totp_rules.parse_keys(
        config.get('zt_inventory', 'totp_key', default=''))


def setup_hours():
    """Return how long (hours, float) a reset lets a user sign in without
    code to set one up: ``[zt_inventory] totp_setup_hours``, 24 by
    default."""
    return config.getfloat('zt_inventory', 'totp_setup_hours', default=24)


class User(metaclass=PoolMeta):
    __name__ = 'res.user'
    # Lazy: clients that read every eager field of a user (proteus, other
    # ERPs over XML-RPC) never ask for these, which nobody may read.
    totp_secret = fields.Char(
        "One-Time Password Secret", strip=False, readonly=True,
        loading='lazy', help="Sealed; never readable.")
    totp_pending = fields.Char(
        "Pending One-Time Password Secret", strip=False, readonly=True,
        loading='lazy',
        help="Shown once by the set-up, active after a first valid code.")
    totp_last_step = fields.Integer(
        "One-Time Password Last Step", readonly=True, loading='lazy',
        help="The time-step of the last code accepted: a code is accepted "
        "once.")
    totp_setup_until = fields.DateTime(
        "One-Time Password Set-Up Until", readonly=True,
        help="Until then (UTC) a user whom a company requires to use a "
        "one-time password may sign in without one to set it up.")
    totp_enabled = fields.Function(fields.Boolean(
            "One-Time Password",
            help="Signing in also asks for a one-time password."),
        'get_totp_enabled')
    totp_required = fields.Function(fields.Boolean(
            "One-Time Password Required",
            help="A group of the user is one of the groups that a company "
            "of the user requires to use a one-time password."),
        'get_totp_required')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'totp_reset': {
                    'icon': 'tryton-refresh',
                    },
                })

    def _ledger_warehouse(self):
        # Events about a user go to their company's chain (refusal.py).
        return None

    @classmethod
    def read(cls, ids, fields_names):
        # Like Tryton's password_hash: never out of the ORM, even for
        # root; the methods below read the column with plain SQL.
        result = super().read(ids, fields_names)
        cache = Transaction().get_cache().get(cls.__name__)
        for values in result:
            for name in SECRET_FIELDS & values.keys():
                values[name] = None
            if cache and values['id'] in cache:
                for name in SECRET_FIELDS:
                    cache[values['id']][name] = None
        return result

    @classmethod
    def copy(cls, users, default=None):
        default = dict(default or {})
        for name in TOTP_FIELDS:
            default[name] = None
        return super().copy(users, default=default)

    @classmethod
    def preprocess_values(cls, mode, values):
        if mode == 'create' and any(
                values.get(n) is not None for n in TOTP_FIELDS):
            cls._refuse_totp_fields([], sorted(
                    n for n in TOTP_FIELDS if values.get(n) is not None))
        return super().preprocess_values(mode, values)

    @classmethod
    def check_modification(cls, mode, users, values=None, external=False):
        super().check_modification(
            mode, users, values=values, external=external)
        if mode == 'write' and TOTP_FIELDS & set(values or {}):
            cls._refuse_totp_fields(users, sorted(TOTP_FIELDS & set(values)))

    @classmethod
    def _refuse_totp_fields(cls, users, names):
        "Refuse a write of ``names`` (TOTP_FIELDS) by anyone but this file."
        if Transaction().context.get(WRITE_CONTEXT):
            return
        raise refused(TOTPFieldError(gettext(
                    'zt_inventory.msg_user_totp_field',
                    field=cls._fields[names[0]].string)),
            users, model=cls.__name__)

    @classmethod
    def _totp_write(cls, users, values):
        "Write ``values`` (TOTP_FIELDS) on ``users``, whoever the caller."
        with without_check_access(), \
                Transaction().set_context(**{WRITE_CONTEXT: True}):
            cls.write(list(users), values)

    @classmethod
    def _totp_row(cls, user_id):
        """Return (secret, pending, last step) of ``user_id`` (sealed
        secrets or None), read with plain SQL."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.totp_secret, table.totp_pending, table.totp_last_step,
                where=table.id == user_id))
        return cursor.fetchone() or (None, None, None)

    @classmethod
    def get_totp_enabled(cls, users, name):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id, where=table.id.in_(
                    [u.id for u in users]) & (table.totp_secret != Null)))
        enabled = {i for i, in cursor}
        return {u.id: u.id in enabled for u in users}

    @classmethod
    def get_totp_required(cls, users, name):
        return {u.id: bool(cls._totp_requiring_groups(u.id)) for u in users}

    @classmethod
    def _totp_requiring_groups(cls, user_id):
        """Return the ids (set) of the groups of ``user_id`` (as
        get_groups sees them: implied and emergency groups included) that
        a company of the user (current or allowed) requires to use a
        one-time password."""
        Required = Pool().get('zt.company.totp.group')
        transaction = Transaction()
        user = cls(user_id)
        with without_check_access():
            companies = {c.id for c in user.companies}
            if user.company:
                companies.add(user.company.id)
        if not companies:
            return set()
        with transaction.set_user(user_id), transaction.reset_context():
            groups = cls.get_groups()
        with without_check_access():
            return {r.group.id for r in Required.search([
                        ('company', 'in', list(companies)),
                        ('group', 'in', list(groups)),
                        ])}

    def _totp_setup_open(self):
        "Tell whether a reset still lets the user sign in without code."
        return bool(self.totp_setup_until
            and self.totp_setup_until > utc_now())

    @classmethod
    def get_login(cls, login, parameters):
        """Refuse every login while ``[session] authentications`` names
        'totp' in some alternatives only: the others would skip the code
        (see totp_rules.totp_everywhere)."""
        if not totp_rules.totp_everywhere(config.get(
                    'session', 'authentications', default='password')):
            logger.error("[session] authentications: 'totp' must be in "
                "every alternative (e.g. password+totp,sms+totp) or in "
                "none; login refused")
            return None
        return super().get_login(login, parameters)

    @classmethod
    def _login_totp(cls, login, parameters):
        """Return the id of the user ``login`` (str) if the one-time
        password in ``parameters['totp_code']`` is right, or if the user
        has none and needs none; else None (a failed login).

        Raise LoginException to ask for the code, or for a new one when it
        was used already (counted as a failed login); TOTPRequiredError
        when a company requires a code and the user has none set up.
        Refusals are recorded in the ledger.  Used after a first method
        (``password+totp``) only: alone it would let in users without
        code on their login alone."""
        pool = Pool()
        LoginAttempt = pool.get('res.user.login.attempt')
        user_id = cls._get_login(login)[0]
        if not user_id:
            return None
        authentications = config.get(
            'session', 'authentications', default='password')
        if not totp_rules.second_factor_only(authentications):
            logger.error("[session] authentications: 'totp' must follow "
                "another method, e.g. password+totp; login refused")
            return None
        user = cls(user_id)
        secret, _, last_step = cls._totp_row(user_id)
        if secret is None:
            if not user.totp_required or user._totp_setup_open():
                return user_id
            raise cls._totp_login_refused(user, TOTPRequiredError(gettext(
                        'zt_inventory.msg_user_totp_required',
                        login=login)))
        if PARAMETER not in parameters:
            raise LoginException(PARAMETER, gettext(
                    'zt_inventory.msg_user_totp_code', login=login),
                type='char')
        try:
            secret = totp_rules.unseal(secret, totp_keys())
        except totp_rules.SealError as error:
            logger.error("one-time password of user %s cannot be "
                "opened: %s", user_id, error)
            return None
        status, step = totp_rules.check_code(
            secret, parameters[PARAMETER], time.time(), last_step)
        if status == totp_rules.VALID and cls._totp_use_step(user_id, step):
            return user_id
        if status == totp_rules.INVALID:
            cls._totp_login_refused(user, TOTPCodeError(gettext(
                        'zt_inventory.msg_user_totp_code_invalid')))
            return None
        # Replayed, or used by a concurrent login: the legitimate user only
        # has to wait for the next code, but it counts as a failure.
        LoginAttempt.add(login, parameters.get('device_cookie'))
        error = cls._totp_login_refused(user, TOTPCodeError(gettext(
                    'zt_inventory.msg_user_totp_code_reused')))
        raise LoginException(PARAMETER, error.message, type='char')

    @classmethod
    def _totp_use_step(cls, user_id, step):
        """Store ``step`` (int) as the last step of ``user_id`` unless it is
        not after the stored one; tell whether it was stored.  One
        conditional UPDATE: of two logins with the same code, the later
        one finds the step taken (on PostgreSQL it waits for the first,
        fails to serialize and is retried by the login loop)."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.totp_last_step], [step],
                where=(table.id == user_id)
                & ((table.totp_last_step == Null)
                    | (table.totp_last_step < step))))
        stored = cursor.rowcount == 1
        cls._totp_clear_cache([user_id])
        return stored

    @classmethod
    def _totp_clear_cache(cls, user_ids):
        transaction = Transaction()
        for cache in transaction.cache.values():
            if cls.__name__ in cache:
                for user_id in user_ids:
                    cache[cls.__name__].pop(user_id, None)

    @classmethod
    def _totp_login_refused(cls, user, error):
        """Record ``error`` (a UserError) refusing the login of ``user`` in
        the ledger, as done by that user, and return it."""
        with Transaction().set_user(user.id):
            return refused(error, [user])

    @classmethod
    def totp_prepare(cls, user):
        """Give ``user`` (the current user) a new pending secret, to be
        shown once and activated by :meth:`totp_activate`.  Raise
        TOTPSetupError if the user has one already (only a security
        officer's reset clears it) or the sealing key is wrong."""
        secret, _, _ = cls._totp_row(user.id)
        if secret is not None:
            raise refused(TOTPSetupError(gettext(
                        'zt_inventory.msg_user_totp_enabled')), [user])
        keys = cls._totp_checked_keys()
        if not keys:
            logger.warning("one-time password secrets are stored "
                "unencrypted: set [zt_inventory] totp_key")
        pending = totp_rules.seal(totp_rules.new_secret(), keys)
        cls._totp_write([user], {'totp_pending': pending})

    @classmethod
    def _totp_checked_keys(cls):
        try:
            return totp_keys()
        except totp_rules.SealError as error:
            logger.error("%s", error)
            raise TOTPSetupError(gettext('zt_inventory.msg_user_totp_key'))

    def _totp_pending_secret(self):
        """Return the pending secret (str, plain) of the user; raise
        TOTPSetupError if there is none or it cannot be opened."""
        _, pending, _ = self._totp_row(self.id)
        if pending is None:
            raise TOTPSetupError(gettext(
                    'zt_inventory.msg_user_totp_no_pending'))
        try:
            return totp_rules.unseal(pending, self._totp_checked_keys())
        except totp_rules.SealError as error:
            logger.error("pending one-time password of user %s cannot be "
                "opened: %s", self.id, error)
            raise TOTPSetupError(gettext('zt_inventory.msg_user_totp_key'))

    def totp_pending_uri(self):
        "Return the otpauth:// URI (str) of the user's pending secret."
        issuer = self.company.rec_name if self.company else 'Tryton'
        return totp_rules.provisioning_uri(
            self._totp_pending_secret(), self.login, issuer)

    @classmethod
    def totp_activate(cls, user, code):
        """Make the pending secret of ``user`` (the current user) active if
        ``code`` (str) is its current code; record it in the ledger.
        Raise TOTPCodeError (recorded) for a wrong code, TOTPSetupError
        when there is nothing to activate."""
        secret = user._totp_pending_secret()
        status, step = totp_rules.check_code(secret, code, time.time(), None)
        if status != totp_rules.VALID:
            raise refused(TOTPCodeError(gettext(
                        'zt_inventory.msg_user_totp_code_invalid')), [user])
        _, pending, _ = cls._totp_row(user.id)
        cls._totp_write([user], {
                'totp_secret': pending,
                'totp_pending': None,
                'totp_last_step': step,
                'totp_setup_until': None,
                })
        cls._totp_ledger([user], 'totp_enabled', {})

    @classmethod
    @ModelView.button
    def totp_reset(cls, users):
        """Clear the one-time password of ``users`` and let them sign in
        without code for ``[zt_inventory] totp_setup_hours`` to set up a
        new one; recorded in the ledger.  The button is for security
        officers; nobody resets their own (TOTPResetError, recorded)."""
        transaction = Transaction()
        if transaction.user in {u.id for u in users}:
            raise refused(TOTPResetError(gettext(
                        'zt_inventory.msg_user_totp_reset_own')),
                [u for u in users if u.id == transaction.user])
        until = utc_now() + dt.timedelta(hours=setup_hours())
        cls._totp_write(users, {
                'totp_secret': None,
                'totp_pending': None,
                'totp_last_step': None,
                'totp_setup_until': until,
                })
        cls._totp_ledger(users, 'totp_reset', {
                'setup_until': until.isoformat(sep=' ')})

    @classmethod
    def _totp_ledger(cls, users, event, payload):
        """Append 'res.user.<event>' for each of ``users`` to the chain of
        the user's company (else the caller's), with the login and
        ``payload`` (dict, never a secret)."""
        Entry = Pool().get('zt.ledger.entry')
        context_company = Transaction().context.get('company')
        events = []
        for user in users:
            company = user.company or context_company
            if not company:
                logger.warning("%s of user %s not recorded: no company",
                    event, user.id)
                continue
            events.append({
                    'company': company,
                    'warehouse': None,
                    'event': '%s.%s' % (cls.__name__, event),
                    'record': user,
                    'payload': dict(payload, login=user.login),
                    })
        Entry.append(events)


class UserTOTPSetupShow(ModelView):
    "Set Up One-Time Password"
    __name__ = 'zt.user.totp.setup.show'
    __string__ = "Set Up One-Time Password"
    qr = fields.Binary("QR Code", readonly=True)
    uri = fields.Char(
        "Key", readonly=True,
        help="Shown this once: scan the QR code or copy this key into an "
        "authenticator app.")
    code = fields.Char(
        "Code", required=True, strip=True,
        help="The 6 digits the app shows now, to prove it is set up.")


class UserTOTPSetup(Wizard):
    """Set up a one-time password for the current user: a new secret shown
    once (QR code and otpauth:// URI), active after a first valid code."""
    __name__ = 'zt.user.totp.setup'
    start = StateTransition()
    show = StateView('zt.user.totp.setup.show',
        'zt_inventory.user_totp_setup_show_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Activate", 'activate', 'tryton-ok', default=True),
            ])
    activate = StateTransition()

    @property
    def _user(self):
        # Whatever the context says, the user sets up their own.
        return Pool().get('res.user')(Transaction().user)

    def transition_start(self):
        Pool().get('res.user').totp_prepare(self._user)
        return 'show'

    def default_show(self, fields):
        uri = self._user.totp_pending_uri()
        return {'uri': uri, 'qr': totp_rules.qr_png(uri), 'code': None}

    def transition_activate(self):
        Pool().get('res.user').totp_activate(self._user, self.show.code)
        return 'end'
