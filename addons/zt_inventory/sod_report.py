# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The conflict report of segregation of duties: every active user whose
groups grant both duties of an active rule (see doc/sod.rst)."""
import sys

from sql import Cast, Literal

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from . import sod_rules
from .sod import DUTY_SELECTION

# A row's id is rule id * KEY + user id: unique while user ids stay below.
KEY = 10 ** 7


class SoDConflict(ModelSQL, ModelView):
    "Segregation of Duties Conflict"
    __name__ = 'zt.sod.conflict'
    __string__ = "Segregation of Duties Conflict"
    user = fields.Many2One('res.user', "User", readonly=True)
    rule = fields.Many2One('zt.sod.rule', "Rule", readonly=True)
    first_duty = fields.Function(fields.Selection(
            DUTY_SELECTION, "First Duty"), 'get_rule_duty')
    second_duty = fields.Function(fields.Selection(
            DUTY_SELECTION, "Second Duty"), 'get_rule_duty')
    first_groups = fields.Function(fields.Char("First Duty Groups",
            help="The user's groups that grant the first duty; empty when "
            "every user may perform it."), 'get_groups')
    second_groups = fields.Function(fields.Char("Second Duty Groups",
            help="The user's groups that grant the second duty; empty when "
            "every user may perform it."), 'get_groups')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('user', 'ASC'), ('rule', 'ASC'), ('id', 'ASC')]

    @classmethod
    def holders(cls):
        """Return the conflicts as sod_rules.holders does: list of (user
        id, sod_rules.Rule, first group ids, second group ids)."""
        Rule = Pool().get('zt.sod.rule')
        return sod_rules.holders(
            Rule.active_rules(), Rule.duty_grants(), cls._user_groups())

    @classmethod
    def _user_groups(cls):
        """Return {user id: set of group ids} of every active user, with
        the groups they inherit and without inactive groups."""
        pool = Pool()
        Group = pool.get('res.group')
        User = pool.get('res.user')
        UserGroup = pool.get('res.user-res.group')
        user = User.__table__()
        group = Group.__table__()
        user_group = UserGroup.user_group_all_table()
        cursor = Transaction().connection.cursor()
        cursor.execute(*user.select(user.id,
                where=user.active == Literal(True)))
        result = {u: set() for u, in cursor}
        cursor.execute(*user_group
            .join(group, condition=user_group.group == group.id)
            .select(user_group.user, user_group.group,
                where=group.active == Literal(True)))
        for user_id, group_id in cursor:
            if user_id in result:
                result[user_id].add(group_id)
        return result

    @classmethod
    def table_query(cls):
        pool = Pool()
        Rule = pool.get('zt.sod.rule')
        User = pool.get('res.user')
        rule = Rule.__table__()
        user = User.__table__()
        holders = cls.holders()
        key = Cast(rule.id, 'BIGINT') * KEY + user.id
        condition = fields.SQL_OPERATORS['in'](
            key, [r.id * KEY + u for u, r, _, _ in holders])
        return rule.join(user, condition=condition).select(
            key.as_('id'), user.id.as_('user'), rule.id.as_('rule'))

    @classmethod
    def get_rule_duty(cls, conflicts, names):
        result = {n: {} for n in names}
        with without_check_access():
            for conflict in cls.browse(conflicts):
                for name in names:
                    result[name][conflict.id] = getattr(conflict.rule, name)
        return result

    @classmethod
    def get_groups(cls, conflicts, names):
        "Return the names of the groups held, comma separated, sorted."
        Group = Pool().get('res.group')
        held = {r.id * KEY + u: (first, second)
            for u, r, first, second in cls.holders()}
        result = {n: {} for n in names}
        with without_check_access():
            for conflict in conflicts:
                groups = held.get(conflict.id, ((), ()))
                for name in names:
                    ids = groups[0 if name == 'first_groups' else 1]
                    result[name][conflict.id] = ', '.join(sorted(
                            g.name for g in Group.browse(ids)))
        return result


def report_rows():
    """Return the conflict report in the current transaction: list of
    (user login, rule name, first duty groups, second duty groups), by
    login then rule."""
    Conflict = Pool().get('zt.sod.conflict')
    with without_check_access():
        rows = Conflict.search([])
        return sorted((r.user.login, r.rule.name, r.first_groups,
                r.second_groups) for r in rows)


def main(config_file, database, out=sys.stdout):
    """Run ``ztinv sod-report``: print one line per conflict of
    ``database`` (read as root) and a summary; return 0 when there is
    none, 1 otherwise."""
    from trytond import config
    config.update_etc(config_file)
    # Pool() registers the name: look before, as trytond's dispatcher does.
    loaded = database in Pool.database_list()
    pool = Pool(database)
    if not loaded:
        pool.init()
    with Transaction().start(database, 0, readonly=True):
        rows = report_rows()
    for login, rule, first, second in rows:
        print("%s\t%s\t%s\t%s" % (login, rule, first or '*',
                second or '*'), file=out)
    print("sod-report: %d conflict(s)" % len(rows), file=out)
    return 1 if rows else 0
