# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""How an emergency access takes effect in the models of others: the user's
groups, the record rules of the accesses, the marks of the ledger entries
and the default duration in the configuration (see emergency.py)."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from . import emergency_rules as rules
from .exceptions import EmergencyJustificationError


class Configuration(metaclass=PoolMeta):
    __name__ = 'zt.inventory.configuration'
    emergency_duration = fields.TimeDelta("Emergency Access Duration",
        help="How long an emergency access lasts by default, at most "
        "24 hours; empty: 4 hours.")

    @classmethod
    def default_emergency_duration(cls, **pattern):
        return rules.DEFAULT_DURATION

    @classmethod
    def validate_fields(cls, configurations, field_names):
        super().validate_fields(configurations, field_names)
        for configuration in configurations:
            duration = configuration.emergency_duration
            if duration is not None and not rules.duration_ok(duration):
                raise EmergencyJustificationError(gettext(
                        'zt_inventory.msg_emergency_duration',
                        hours=rules.MAX_DURATION // dt.timedelta(hours=1)))


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def get_groups(cls):
        """Add the groups of the user's emergency accesses in force now to
        the groups of Tryton (the access and rule caches are keyed by the
        groups, so they follow)."""
        groups = super().get_groups()
        transaction = Transaction()
        if '_groups' in transaction.context:
            return groups
        Access = Pool().get('zt.emergency.access')
        _, extra = Access.granted(transaction.user)
        if not set(extra) <= set(groups):
            groups = tuple(sorted(set(groups) | set(extra)))
        return groups


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        if model_name == 'zt.emergency.access':
            context['user_id'] = Transaction().user
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if 'zt.emergency.access' in model_names:
            key = (*key, Transaction().user)
        return key


class LedgerEntry(metaclass=PoolMeta):
    __name__ = 'zt.ledger.entry'

    @classmethod
    def _payload_marks(cls, user):
        """Mark the entries of a user who holds emergency accesses now:
        ``{'emergency_access': [access ids]}``."""
        marks = super()._payload_marks(user)
        ids, _ = Pool().get('zt.emergency.access').granted(user)
        if ids:
            marks = dict(marks, emergency_access=list(ids))
        return marks
