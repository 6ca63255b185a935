# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""One-time passwords at sign-in (``[session] authentications =
password+totp``): set-up by the user, reset by a security officer, the
login itself through ``res.user.get_login`` as the server calls it, and
the secret that nobody reads.  The plain logic: test_totp_rules.py."""
import datetime as dt
import json
import time
from contextlib import contextmanager
from urllib.parse import parse_qs, urlparse

from cryptography.fernet import Fernet

from trytond import config
from trytond.exceptions import LoginException
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import create_company
from trytond.modules.zt_inventory.exceptions import (
    TOTPCodeError, TOTPFieldError, TOTPRequiredError, TOTPResetError,
    TOTPSetupError)
from trytond.modules.zt_inventory.totp_rules import code_at
from trytond.modules.zt_inventory.trace import utc_now
from trytond.pool import Pool
from trytond.tests.test_tryton import CONTEXT, DB_NAME, USER, with_transaction
from trytond.transaction import Transaction

from .tools import DBTestCase, acting, savepoint

PASSWORD = 'Totp-Test-Password-2026'
OFFICER = 'zt_inventory.group_security_officer'
MANAGER = 'zt_inventory.group_department_manager'


@contextmanager
def setting(section, option, value):
    "Set ``[section] option`` of the server configuration for the block."
    if not config.has_section(section):
        config.add_section(section)
    saved = config.get(section, option, default=None)
    config.set(section, option, value)
    try:
        yield
    finally:
        # Empty reads as unset for the options set here.
        config.set(section, option, '' if saved is None else saved)


def password_totp():
    "The server configured with ``password+totp``."
    return setting('session', 'authentications', 'password+totp')


def create_user(company, login, groups=()):
    "A user of ``company`` with the password and the groups (xml ids)."
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    user, = User.create([{
                'login': login,
                'name': login.title(),
                'password': PASSWORD,
                'groups': [('add', [
                            ModelData.get_id(*g.split('.')) for g in groups])],
                'companies': [('add', [company.id])],
                'company': company.id,
                }])
    return user


def require(company, group):
    "Make ``company`` require one-time passwords of ``group`` (xml id)."
    pool = Pool()
    Company = pool.get('company.company')
    ModelData = pool.get('ir.model.data')
    Company.write([company], {'totp_required_groups': [
                ('add', [ModelData.get_id(*group.split('.'))])]})


def wizard_step(user, session_id, data, state):
    "Execute ``state`` of the set-up wizard as ``user``, as over RPC."
    Wizard = Pool().get('zt.user.totp.setup', type='wizard')
    with acting(user), Transaction().set_context(_check_access=False):
        return Wizard.execute(session_id, data, state)


def start_setup(user):
    """Start the set-up wizard as ``user``: return (session id, secret
    read from the otpauth:// URI shown, the view's defaults)."""
    Wizard = Pool().get('zt.user.totp.setup', type='wizard')
    with acting(user), Transaction().set_context(_check_access=False):
        session_id, start, _ = Wizard.create()
    result = wizard_step(user, session_id, {}, start)
    defaults = result['view']['defaults']
    secret, = parse_qs(urlparse(defaults['uri']).query)['secret']
    return session_id, secret, defaults


def set_up(user, at=None):
    """Set up a one-time password for ``user`` with the wizard, activated
    with the code of ``at`` (UTC timestamp, now by default); return the
    secret."""
    session_id, secret, _ = start_setup(user)
    code = code_at(secret, time.time() if at is None else at)
    wizard_step(user, session_id, {'show': {'code': code}}, 'activate')
    return secret


def next_code(secret):
    "The code of the next time-step (not yet used, within the window)."
    return code_at(secret, time.time() + 30)


def stored(user, column):
    "The raw column of ``user`` in the database (plain SQL)."
    User = Pool().get('res.user')
    table = User.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.select(
            getattr(table, column), where=table.id == user.id))
    return cursor.fetchone()[0]


def attempts(login):
    return Pool().get('res.user.login.attempt').count(login, None)


class TOTPTestCase(DBTestCase):
    "Test one-time passwords"

    def setUp(self):
        super().setUp()
        key = Fernet.generate_key().decode()
        context = setting('zt_inventory', 'totp_key', key)
        context.__enter__()
        self.addCleanup(context.__exit__, None, None, None)

    def world(self):
        company = create_company()
        return (company, create_user(company, 'cfo', [MANAGER]),
            create_user(company, 'clerk'),
            create_user(company, 'security', [OFFICER]))

    @with_transaction()
    def test_code_asked_then_checked(self):
        """An enrolled user: no code -> asked; wrong code refused; right
        code accepted; the same code again refused and counted"""
        User = Pool().get('res.user')
        _, cfo, _, _ = self.world()
        secret = set_up(cfo)
        with password_totp():
            with self.assertRaises(LoginException) as cm:
                User.get_login('cfo', {'password': PASSWORD})
            error = cm.exception
            self.assertEqual((error.name, error.type), ('totp_code', 'char'))
            self.assertIn('cfo', error.message)

            code = next_code(secret)
            wrong = '%06d' % ((int(code) + 1) % 10 ** 6)
            self.assertIsNone(User.get_login(
                    'cfo', {'password': PASSWORD, 'totp_code': wrong}))
            self.assertEqual(attempts('cfo'), 1)
            self.assertIsNone(User.get_login(
                    'cfo', {'password': PASSWORD, 'totp_code': 'abcdef'}))

            self.assertEqual(User.get_login(
                    'cfo', {'password': PASSWORD, 'totp_code': code}),
                cfo.id)
            self.assertEqual(attempts('cfo'), 0)

            with self.assertRaises(LoginException) as cm:
                User.get_login(
                    'cfo', {'password': PASSWORD, 'totp_code': code})
            self.assertEqual(cm.exception.name, 'totp_code')
            self.assertIn('used already', cm.exception.message)
            self.assertEqual(attempts('cfo'), 1)

    @with_transaction()
    def test_wrong_password_never_asks_code(self):
        "A wrong password fails before the code is asked"
        User = Pool().get('res.user')
        _, cfo, _, _ = self.world()
        set_up(cfo)
        with password_totp():
            self.assertIsNone(User.get_login('cfo', {'password': 'wrong'}))

    @with_transaction()
    def test_setup_code_not_reused_at_login(self):
        "The code that activated the set-up does not sign in"
        User = Pool().get('res.user')
        _, cfo, _, _ = self.world()
        now = time.time()
        secret = set_up(cfo, at=now)
        with password_totp(), self.assertRaises(LoginException) as cm:
            User.get_login('cfo', {
                    'password': PASSWORD,
                    'totp_code': code_at(secret, now)})
        self.assertIn('used already', cm.exception.message)

    @with_transaction()
    def test_not_required_password_only(self):
        "A user neither required nor enrolled signs in with the password"
        User = Pool().get('res.user')
        company, cfo, clerk, _ = self.world()
        require(company, MANAGER)
        with password_totp():
            self.assertEqual(
                User.get_login('clerk', {'password': PASSWORD}), clerk.id)
            self.assertFalse(User(clerk.id).totp_required)
            self.assertTrue(User(cfo.id).totp_required)

    @with_transaction()
    def test_required_without_setup_refused(self):
        """A required user without set-up is refused, saying whom to ask;
        after a reset, the password alone lets them in to set it up"""
        User = Pool().get('res.user')
        company, cfo, _, security = self.world()
        require(company, MANAGER)
        with password_totp():
            with self.assertRaises(TOTPRequiredError) as cm:
                User.get_login('cfo', {'password': PASSWORD})
            self.assertIn('security officer', cm.exception.message)
            with acting(security):
                User.totp_reset([User(cfo.id)])
            self.assertEqual(
                User.get_login('cfo', {'password': PASSWORD}), cfo.id)
            secret = set_up(User(cfo.id))
            with self.assertRaises(LoginException):
                User.get_login('cfo', {'password': PASSWORD})
            self.assertEqual(User.get_login('cfo', {
                        'password': PASSWORD,
                        'totp_code': next_code(secret)}), cfo.id)

    @with_transaction()
    def test_setup_window_ends(self):
        "The window a reset opens ends: then the required user is refused"
        User = Pool().get('res.user')
        company, cfo, _, security = self.world()
        require(company, MANAGER)
        with acting(security):
            User.totp_reset([User(cfo.id)])
        cursor = Transaction().connection.cursor()
        table = User.__table__()
        cursor.execute(*table.update([table.totp_setup_until],
                [utc_now() - dt.timedelta(seconds=1)],
                where=table.id == cfo.id))
        with password_totp(), self.assertRaises(TOTPRequiredError):
            User.get_login('cfo', {'password': PASSWORD})

    @with_transaction()
    def test_totp_alone_refused(self):
        "totp as a first method lets nobody in, required or not"
        User = Pool().get('res.user')
        _, _, clerk, _ = self.world()
        for value in ['totp', 'totp+password', 'password+totp,totp']:
            with self.subTest(value=value), \
                    setting('session', 'authentications', value):
                self.assertIsNone(
                    User.get_login('clerk', {'password': PASSWORD}))

    @with_transaction()
    def test_setup_wizard(self):
        """The set-up shows the key once with its QR code, activates on a
        valid code only, is recorded without the secret, and cannot
        replace an active one"""
        pool = Pool()
        Entry = pool.get('zt.ledger.entry')
        User = pool.get('res.user')
        _, cfo, _, _ = self.world()
        session_id, secret, defaults = start_setup(cfo)
        self.assertTrue(defaults['uri'].startswith('otpauth://totp/'))
        self.assertTrue(defaults['qr'].startswith(b'\x89PNG'))
        pending = stored(cfo, 'totp_pending')
        self.assertTrue(pending.startswith('fernet:'))
        self.assertNotIn(secret, pending)
        self.assertFalse(User(cfo.id).totp_enabled)

        code = code_at(secret, time.time())
        wrong = '%06d' % ((int(code) + 1) % 10 ** 6)
        with self.assertRaises(TOTPCodeError), savepoint():
            wizard_step(cfo, session_id, {'show': {'code': wrong}},
                'activate')
        self.assertFalse(User(cfo.id).totp_enabled)
        wizard_step(cfo, session_id, {'show': {'code': code}}, 'activate')
        self.assertTrue(User(cfo.id).totp_enabled)
        self.assertEqual(stored(cfo, 'totp_secret'), pending)
        self.assertIsNone(stored(cfo, 'totp_pending'))

        entry, = Entry.search([('event', '=', 'res.user.totp_enabled')])
        self.assertEqual((entry.user, entry.record), (cfo, cfo.id))
        self.assertEqual(json.loads(entry.payload), {'login': 'cfo'})
        self.assertNotIn(secret, entry.payload)

        with self.assertRaises(TOTPSetupError), savepoint():
            start_setup(cfo)
        self.assertEqual(stored(cfo, 'totp_secret'), pending)

    @with_transaction()
    def test_reset_by_security_officer_only(self):
        """Only a security officer resets, never their own; the reset is
        recorded without the secret"""
        pool = Pool()
        Entry = pool.get('zt.ledger.entry')
        User = pool.get('res.user')
        _, cfo, clerk, security = self.world()
        set_up(cfo)
        for user in [clerk, User(1)]:
            with self.subTest(user=user.login), \
                    self.assertRaises(AccessButtonError), acting(user):
                User.totp_reset([User(cfo.id)])
        set_up(security)
        with self.assertRaises(TOTPResetError), acting(security):
            User.totp_reset([User(security.id), User(cfo.id)])
        self.assertTrue(User(cfo.id).totp_enabled)
        self.assertTrue(User(security.id).totp_enabled)

        with acting(security):
            User.totp_reset([User(cfo.id)])
        cfo = User(cfo.id)
        self.assertFalse(cfo.totp_enabled)
        self.assertIsNone(stored(cfo, 'totp_last_step'))
        self.assertGreater(cfo.totp_setup_until,
            utc_now() + dt.timedelta(hours=23))
        entry, = Entry.search([('event', '=', 'res.user.totp_reset')])
        self.assertEqual((entry.user, entry.record), (security, cfo.id))
        payload = json.loads(entry.payload)
        self.assertEqual(payload['login'], 'cfo')
        self.assertEqual(set(payload), {'login', 'setup_until'})

    @with_transaction()
    def test_secret_never_readable(self):
        """The secret is not readable nor searchable over RPC, not even by
        the administrator, and internal reads get None"""
        User = Pool().get('res.user')
        _, cfo, _, security = self.world()
        set_up(cfo)
        for user, name in [(User(1), 'totp_secret'),
                (security, 'totp_secret'), (cfo, 'totp_secret'),
                (User(1), 'totp_pending'), (User(1), 'totp_last_step')]:
            with self.subTest(user=user.login, field=name):
                with acting(user), self.assertRaises(AccessError):
                    User.read([cfo.id], [name])
                with acting(user), self.assertRaises(AccessError):
                    User.search([(name, '!=', None)])
        with acting(User(1)):
            value, = User.read([cfo.id], ['totp_enabled'])
            self.assertTrue(value['totp_enabled'])
        self.assertIsNone(User.read([cfo.id], ['totp_secret'])[0][
                'totp_secret'])
        self.assertIsNone(User(cfo.id).totp_secret)
        self.assertTrue(stored(cfo, 'totp_secret'))

    @with_transaction()
    def test_secret_never_written(self):
        """Nobody, root included, writes the fields but set-up and reset;
        a copy starts without; nothing persisted"""
        User = Pool().get('res.user')
        _, cfo, _, _ = self.world()
        set_up(cfo)
        secret = stored(cfo, 'totp_secret')
        for values in [{'totp_secret': None}, {'totp_last_step': 0},
                {'totp_setup_until': dt.datetime(2100, 1, 1)}]:
            with self.subTest(values=values):
                with acting(User(1)), self.assertRaises(AccessError), \
                        savepoint():
                    User.write([User(cfo.id)], values)
                with self.assertRaises(TOTPFieldError), savepoint():
                    User.write([User(cfo.id)], values)
        with self.assertRaises(TOTPFieldError), savepoint():
            User.create([{'login': 'forged', 'totp_secret': 'plain:AAAA'}])
        self.assertFalse(User.search([('login', '=', 'forged')]))
        self.assertEqual(stored(cfo, 'totp_secret'), secret)
        copy, = User.copy([User(cfo.id)], default={'login': 'cfo2'})
        self.assertIsNone(stored(copy, 'totp_secret'))
        self.assertFalse(copy.totp_enabled)

    @with_transaction()
    def test_sealing_key(self):
        """A secret sealed with a key opens with it (even rotated behind a
        new one) but with no other: then the login fails"""
        User = Pool().get('res.user')
        _, cfo, _, _ = self.world()
        old = config.get('zt_inventory', 'totp_key')
        secret = set_up(cfo)
        new = Fernet.generate_key().decode()
        with password_totp():
            with setting('zt_inventory', 'totp_key', '%s,%s' % (new, old)):
                self.assertEqual(User.get_login('cfo', {
                            'password': PASSWORD,
                            'totp_code': next_code(secret)}), cfo.id)
            with setting('zt_inventory', 'totp_key', new):
                self.assertIsNone(User.get_login('cfo', {
                            'password': PASSWORD,
                            'totp_code': code_at(secret, time.time() + 60)}))
            with setting('zt_inventory', 'totp_key', 'bad'), \
                    self.assertRaises(TOTPSetupError):
                start_setup(User(1))

    @with_transaction()
    def test_policy_recorded(self):
        "Each group added to or removed from the policy is recorded"
        pool = Pool()
        Company = pool.get('company.company')
        Entry = pool.get('zt.ledger.entry')
        company, _, _, _ = self.world()
        require(company, MANAGER)
        group, = company.totp_required_groups
        Company.write([company], {
                'totp_required_groups': [('remove', [group.id])]})
        events = [(e.event, json.loads(e.payload)['group_id'])
            for e in Entry.search(
                [('model', '=', 'zt.company.totp.group')],
                order=[('id', 'ASC')])]
        self.assertEqual(events, [
                ('zt.company.totp.group.create', group.id),
                ('zt.company.totp.group.delete', group.id)])


class TOTPRefusalTestCase(DBTestCase):
    """Refused sign-ins are recorded in the ledger as done by the user
    (committed like the server's login, one transaction per attempt)"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with setting('zt_inventory', 'totp_key', ''), \
                Transaction().start(DB_NAME, USER, context=CONTEXT) as t:
            company = create_company()
            cfo = create_user(company, 'cfo', [MANAGER])
            create_user(company, 'lead', [MANAGER])
            require(company, MANAGER)
            cls.secret = set_up(cfo)
            cls.users = {'cfo': cfo.id}
            t.commit()

    def login(self, login, parameters):
        """Call get_login in its own transaction, committed unless it
        raises another error than LoginException (as security.login)."""
        with password_totp(), \
                Transaction().start(DB_NAME, 0, context=CONTEXT) as t:
            User = Pool().get('res.user')
            try:
                result = User.get_login(login, parameters)
            except LoginException:
                t.commit()
                raise
            t.commit()
            return result

    def refusals(self):
        "The (login, error) of the refusals recorded."
        with Transaction().start(DB_NAME, USER, context=CONTEXT):
            Entry = Pool().get('zt.ledger.entry')
            return sorted((e.user.login, json.loads(e.payload)['error'])
                for e in Entry.search([('event', '=', 'res.user.refused')]))

    def test_refusals_recorded(self):
        "A wrong code, a replayed one and a missing set-up are recorded"
        code = next_code(self.secret)
        wrong = '%06d' % ((int(code) + 1) % 10 ** 6)
        self.assertIsNone(self.login(
                'cfo', {'password': PASSWORD, 'totp_code': wrong}))
        self.assertEqual(self.login(
                'cfo', {'password': PASSWORD, 'totp_code': code}),
            self.users['cfo'])
        with self.assertRaises(LoginException):
            self.login('cfo', {'password': PASSWORD, 'totp_code': code})
        with self.assertRaises(TOTPRequiredError):
            self.login('lead', {'password': PASSWORD})
        self.assertEqual(self.refusals(), [
                ('cfo', 'TOTPCodeError'), ('cfo', 'TOTPCodeError'),
                ('lead', 'TOTPRequiredError')])
