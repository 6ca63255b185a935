# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Break-glass access: requested with a justification, approved by another
security officer, in force until it ends (even without the scheduled task),
every ledger entry of the user marked meanwhile, then reviewed.  Refusals
are recorded in the ledger."""
import datetime as dt
import json
import time
from unittest import mock

from trytond.model.exceptions import AccessError, ValidationError
from trytond.model.modelview import AccessButtonError
from trytond.modules.zt_inventory import emergency as emergency_module
from trytond.modules.zt_inventory import ledger_verify
from trytond.modules.zt_inventory.exceptions import (
    ActorError, EmergencyJustificationError, EmergencySelfApprovalError,
    RequestStateError, WorkflowFieldError)
from trytond.modules.zt_inventory.trace import utc_now
from trytond.pool import Pool
from trytond.tests.test_tryton import CONTEXT, DB_NAME, USER, with_transaction
from trytond.transaction import Transaction, TransactionError

from .tools import DBTestCase, World, acting, savepoint

JUSTIFICATION = "Night shift: the manager is unreachable, line 2 stops."
SECURITY_OFFICER = 'zt_inventory.group_security_officer'


def group_id(name):
    "The id of the group ``name`` of zt_inventory."
    return Pool().get('ir.model.data').get_id('zt_inventory', name)


def emergency_world():
    "The World of tools.py with two security officers and an auditor."
    w = World.build()
    w.security = w.create_user('security', [SECURITY_OFFICER])
    w.security2 = w.create_user('security2', [SECURITY_OFFICER])
    w.auditor = w.create_user('auditor', ['zt_inventory.group_auditor'])
    return w


def create_access(actor, group='group_department_manager', **values):
    "Create as ``actor`` a draft access (for themselves) to ``group``."
    Access = Pool().get('zt.emergency.access')
    values.setdefault('justification', JUSTIFICATION)
    with acting(actor):
        access, = Access.create([dict(values, group=group_id(group))])
    return Access(access.id)


def step(access, user, button):
    "Click ``button`` on ``access`` as ``user``; return the access."
    Access = Pool().get('zt.emergency.access')
    with acting(user):
        getattr(Access, button)([Access(access.id)])
    return Access(access.id)


def approved_access(w, user, group='group_department_manager', **values):
    "An access of ``user`` requested and approved by ``w.security``."
    access = step(create_access(user, group, **values), user, 'request')
    return step(access, w.security, 'approve')


def groups_of(user):
    "The groups (set of ids) ``user`` holds now."
    with acting(user):
        return set(Pool().get('res.user').get_groups())


def payloads(event, **domain):
    "The payloads (dicts) of the ledger entries ``event``."
    Entry = Pool().get('zt.ledger.entry')
    return [json.loads(e.payload) for e in Entry.search(
            [('event', '=', event)]
            + [(k, '=', v) for k, v in domain.items()])]


class EmergencyAccessTestCase(DBTestCase):
    "Test break-glass access"

    def can_decide(self, w, user, request):
        "Tell whether ``user`` may click the manager's Approve / Reject."
        Request = Pool().get('zt.issue.request')
        try:
            with acting(user):
                Request.decide([Request(request.id)])
        except AccessButtonError:
            return False
        return True

    @with_transaction()
    def test_justification_required(self):
        "Without a justification, or too short, or too long: nothing saved"
        Access = Pool().get('zt.emergency.access')
        w = emergency_world()
        for values, error in [
                ({'justification': None}, ValidationError),
                ({'justification': "  urgent, sorry  "},
                    EmergencyJustificationError),
                ({'duration': dt.timedelta(0)},
                    EmergencyJustificationError),
                ({'duration': dt.timedelta(hours=25)},
                    EmergencyJustificationError),
                ]:
            with self.subTest(values=values):
                with self.assertRaises(error) as cm, savepoint():
                    create_access(w.keeper, **values)
                self.assertTrue(cm.exception.message)
                self.assertEqual(Access.search([]), [])

    @with_transaction()
    def test_granted_used_expired_reviewed(self):
        "Granted, used (entries marked), expired without cron, reviewed"
        pool = Pool()
        Access = pool.get('zt.emergency.access')
        Notification = pool.get('res.notification')
        w = emergency_world()
        manager = group_id('group_department_manager')
        waiting = w.submit(w.create_request([(w.mat_b, 1)]))
        self.assertFalse(self.can_decide(w, w.keeper, waiting))

        access = create_access(w.keeper)
        self.assertEqual(
            (access.user, access.duration, access.state),
            (w.keeper, dt.timedelta(hours=4), 'draft'))
        access = step(access, w.keeper, 'request')
        self.assertEqual((access.state, access.requested_by),
            ('requested', w.keeper))
        self.assertEqual(
            {n.user for n in Notification.search(
                    [('model', '=', 'zt.emergency.access')])},
            {w.security, w.security2})
        self.assertNotIn(manager, groups_of(w.keeper))

        access = step(access, w.security, 'approve')
        self.assertEqual((access.state, access.approved_by),
            ('approved', w.security))
        self.assertEqual(
            access.expires_at, access.approved_at + dt.timedelta(hours=4))
        self.assertTrue(access.in_force)
        self.assertEqual(Access.active_for_user(w.keeper.id), [access])
        self.assertIn(manager, groups_of(w.keeper))
        self.assertTrue(self.can_decide(w, w.keeper, waiting))
        self.assertEqual(
            Access.search([('in_force', '=', True)]), [access])

        # Used: every entry the keeper appends meanwhile is marked.
        issued, = w.issue([w.approved_request([(w.mat_b, 2)])])
        self.assertEqual(issued.state, 'done')
        Entry = pool.get('zt.ledger.entry')
        keeper_entries = Entry.search([
                ('user', '=', w.keeper.id),
                ('event', 'not like', 'zt.emergency.access.%'),
                ])
        self.assertTrue(keeper_entries)
        for entry in keeper_entries:
            self.assertEqual(
                json.loads(entry.payload)['emergency_access'], [access.id])
        for entry in Entry.search([('user', '=', w.manager.id)]):
            self.assertNotIn('emergency_access', json.loads(entry.payload))
        requested, = payloads('zt.emergency.access.requested')
        approved, = payloads('zt.emergency.access.approved')
        self.assertEqual(requested['justification'], JUSTIFICATION)
        self.assertEqual(
            (approved['grantee'], approved['group'], approved['state'],
                approved['expires_at']),
            (w.keeper.id, manager, ['requested', 'approved'],
                access.expires_at.isoformat()))

        # Its end passes: the group is gone before the cron runs.
        later = utc_now() + dt.timedelta(hours=4, seconds=1)
        with mock.patch.object(emergency_module, 'utc_now',
                return_value=later):
            self.assertNotIn(manager, groups_of(w.keeper))
            self.assertFalse(self.can_decide(w, w.keeper, waiting))
            self.assertEqual(Access(access.id).state, 'approved')
            self.assertFalse(Access(access.id).in_force)
            self.assertEqual(Access.active_for_user(w.keeper.id), [])
            self.assertEqual(Access.expire_accesses(), [access])
        access = Access(access.id)
        self.assertEqual(access.state, 'expired')
        self.assertEqual(len(payloads('zt.emergency.access.expired')), 1)
        self.assertEqual(
            len(Notification.search([('user', '=', w.security2.id)])), 2)
        with acting(w.security2):
            to_review = Access.search(
                [('state', 'in', ['expired', 'revoked'])])
            self.assertEqual(to_review, [access])
            Access.write(to_review, {'review_comment': "Approvals only."})
        access = step(access, w.security2, 'review')
        self.assertEqual((access.state, access.reviewed_by),
            ('reviewed', w.security2))
        reviewed, = payloads('zt.emergency.access.reviewed')
        self.assertEqual(reviewed['review_comment'], "Approvals only.")

    @with_transaction()
    def test_expiry_in_real_time(self):
        "An access of a few seconds ends by itself; the cron then marks it"
        Access = Pool().get('zt.emergency.access')
        w = emergency_world()
        keeper = group_id('group_warehouse_keeper')
        # Seconds enough for a loaded machine to check it before its end.
        access = approved_access(w, w.requester, 'group_warehouse_keeper',
            duration=dt.timedelta(seconds=3))
        self.assertIn(keeper, groups_of(w.requester))
        while utc_now() < access.expires_at:
            time.sleep(0.1)
        self.assertNotIn(keeper, groups_of(w.requester))
        self.assertEqual(Access(access.id).state, 'approved')
        self.assertEqual(Access.expire_accesses(), [access])

    @with_transaction()
    def test_revoke(self):
        "A security officer ends an access now; it waits for its review"
        Access = Pool().get('zt.emergency.access')
        w = emergency_world()
        access = approved_access(w, w.keeper)
        access = step(access, w.security2, 'revoke')
        self.assertEqual((access.state, access.revoked_by),
            ('revoked', w.security2))
        self.assertLessEqual(access.expires_at, utc_now())
        self.assertNotIn(
            group_id('group_department_manager'), groups_of(w.keeper))
        self.assertEqual(Access.expire_accesses(), [])
        self.assertEqual(len(payloads('zt.emergency.access.revoked')), 1)

    @with_transaction()
    def test_visibility_and_fields(self):
        """Users see their own accesses, officers and the auditor all; the
        grantee writes neither the workflow fields nor the review"""
        Access = Pool().get('zt.emergency.access')
        w = emergency_world()
        access = approved_access(w, w.keeper)
        for user, seen in [(w.keeper, [access]), (w.director, []),
                (w.security2, [access]), (w.auditor, [access])]:
            with acting(user):
                self.assertEqual(Access.search([]), seen, user.login)
        with acting(w.director), self.assertRaises(AccessError), \
                savepoint():
            create_access(w.director, user=w.keeper.id)
        with acting(w.keeper):
            for values, error in [
                    ({'expires_at': utc_now() + dt.timedelta(days=9)},
                        WorkflowFieldError),
                    ({'review_comment': "all fine"}, AccessError),
                    ({'justification': JUSTIFICATION + '!'},
                        RequestStateError),
                    ]:
                with self.assertRaises(error), savepoint():
                    Access.write([Access(access.id)], values)
        with acting(w.auditor), self.assertRaises(AccessError), \
                savepoint():
            Access.write([Access(access.id)], {'review_comment': "x"})

    @with_transaction()
    def test_configured_duration(self):
        "The default duration comes from the configuration"
        Configuration = Pool().get('zt.inventory.configuration')
        w = emergency_world()
        config = Configuration(1)
        config.emergency_duration = dt.timedelta(hours=2)
        config.save()
        self.assertEqual(
            create_access(w.keeper).duration, dt.timedelta(hours=2))
        config.emergency_duration = dt.timedelta(hours=30)
        with self.assertRaises(EmergencyJustificationError), savepoint():
            config.save()


class EmergencyRefusalTestCase(DBTestCase):
    "Test that refused steps of break-glass access are recorded"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with Transaction().start(DB_NAME, USER, context=CONTEXT) as t:
            w = emergency_world()
            own = step(create_access(w.security, 'group_warehouse_keeper'),
                w.security, 'request')
            keeper = step(create_access(w.keeper), w.keeper, 'request')
            ended = step(approved_access(w, w.requester,
                    'group_warehouse_keeper'), w.security, 'revoke')
            cls.ids = {'own': own.id, 'keeper': keeper.id,
                'ended': ended.id}
            cls.users = {u.login: u.id for u in [w.security, w.security2,
                    w.keeper, w.requester, w.manager]}
            cls.users['admin'] = USER
            t.commit()

    def call(self, login, func, check_access=True):
        """Run ``func(Access)`` as ``login`` (or root) in its own
        transaction, committed like the dispatcher does."""
        extras = {}
        user = self.users.get(login, 0)
        while True:
            with Transaction().start(
                    DB_NAME, user, context=CONTEXT, **extras) as t:
                pool = Pool()
                Access = pool.get('zt.emergency.access')
                try:
                    if check_access:
                        with acting(pool.get('res.user')(user)):
                            func(Access)
                    else:
                        func(Access)
                except TransactionError as error:
                    t.rollback()
                    error.fix(extras)
                    continue
                t.commit()
                return

    def refusals(self, name, logins):
        """(login, error) of the refusals by ``logins`` recorded for the
        access ``name`` (or a creation or a button, record id 0)."""
        with Transaction().start(DB_NAME, USER, context=CONTEXT):
            Entry = Pool().get('zt.ledger.entry')
            return [(e.user.login, json.loads(e.payload)['error'])
                for e in Entry.search([
                        ('event', '=', 'zt.emergency.access.refused'),
                        ('record', 'in', [0, self.ids[name]]),
                        ('user.login', 'in', logins),
                        ], order=[('id', 'ASC')])]

    def state(self, name):
        with Transaction().start(DB_NAME, USER, context=CONTEXT):
            return Pool().get('zt.emergency.access')(self.ids[name]).state

    def click(self, button, name):
        def func(Access):
            getattr(Access, button)([Access(self.ids[name])])
        return func

    def test_own_approval(self):
        "A security officer approving their own request: refused, recorded"
        with self.assertRaises(EmergencySelfApprovalError) as cm:
            self.call('security', self.click('approve', 'own'))
        self.assertIn('security', cm.exception.message)
        self.assertEqual(self.refusals('own', ['security']),
            [('security', 'EmergencySelfApprovalError')])
        self.assertEqual(self.state('own'), 'requested')

    def test_approval_by_others(self):
        """The grantee, a manager, the administrator and root may not
        approve: refused, recorded"""
        with self.assertRaises(AccessButtonError):
            self.call('keeper', self.click('approve', 'keeper'))
        with self.assertRaises(AccessError):
            # The record rule hides the keeper's access from the manager.
            self.call('manager', self.click('approve', 'keeper'))
        for login in ['admin', 'root']:
            with self.assertRaises(ActorError):
                self.call(login, self.click('approve', 'keeper'),
                    check_access=False)
        self.assertEqual(self.refusals(
                'keeper', ['keeper', 'manager', 'admin', 'root']), [
                ('keeper', 'AccessButtonError'),
                ('manager', 'AccessError'),
                ('admin', 'ActorError'),
                ('root', 'ActorError'),
                ])
        self.assertEqual(self.state('keeper'), 'requested')

    def test_review_by_others(self):
        """Only a security officer, other than the grantee, reviews; the
        review needs a comment; the ledger still verifies"""
        def comment(Access):
            Access.write([Access(self.ids['ended'])],
                {'review_comment': "Nothing done under it."})
        with self.assertRaises(AccessButtonError):
            self.call('requester', self.click('review', 'ended'))
        with self.assertRaises(ActorError):
            self.call('admin', self.click('review', 'ended'),
                check_access=False)
        with self.assertRaises(EmergencyJustificationError):
            self.call('security2', self.click('review', 'ended'),
                check_access=False)
        self.assertEqual(self.state('ended'), 'revoked')
        self.call('security2', comment)
        self.call('security2', self.click('review', 'ended'))
        self.assertEqual(self.state('ended'), 'reviewed')
        self.assertEqual(self.refusals(
                'ended', ['requester', 'admin', 'security2']), [
                ('requester', 'AccessButtonError'),
                ('admin', 'ActorError'),
                ])
        with Transaction().start(DB_NAME, USER, context=CONTEXT) as t:
            _, _, problems = ledger_verify.verify(t.connection)
        self.assertEqual(problems, [])
