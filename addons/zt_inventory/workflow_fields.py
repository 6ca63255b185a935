# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Fields that only the workflow methods set.

Tryton does not enforce ``readonly`` on the server: a caller from outside
(RPC, import) could otherwise write ``state`` and skip every check."""
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.transaction import Transaction, check_access, without_check_access

from .exceptions import WorkflowFieldError


def check_workflow_fields(Model, values, names, creating=True):
    """Raise :class:`WorkflowFieldError` if ``values`` (dict) sets one of
    ``names`` (set of field names of ``Model``) to a value: None and an
    empty list pass, and the ``draft`` state when ``creating`` (a new or
    copied record; a write of ``draft`` would undo the workflow without
    its checks: its buttons reset a record)."""
    for name in sorted(set(values) & names):
        value = values[name]
        if value is None or value == [] or (creating
                and name == 'state' and value == 'draft'):
            continue
        names = Model.__names__(field=name)
        raise WorkflowFieldError(gettext(
                'zt_inventory.msg_workflow_field',
                field=names['field'], model=names['model']))


def check_line_actions(Line, actions, names):
    """Apply :func:`check_workflow_fields` to the values that One2Many
    ``actions`` (list of tuples, Tryton's create/write syntax) give to
    ``Line``: nested writes are not checked as coming from outside."""
    for action in actions or []:
        if action[0] == 'create':
            for values in action[1]:
                check_workflow_fields(Line, values, names)
        elif action[0] == 'write':
            for values in action[2::2]:
                check_workflow_fields(Line, values, names)


class WorkflowFieldsMixin:
    """Refuse a value of the fields that only the workflow sets (by default
    ``state``; see :meth:`_outside_workflow_fields`) from a caller from
    outside: in a write (RPC, import) and in a creation, where the created
    records are checked (Tryton runs ``preprocess_values`` without access
    checks, so it cannot tell an outside caller).  The refusal is recorded
    in the ledger (an access error: see refusal.watch)."""
    __slots__ = ()

    @classmethod
    def _outside_workflow_fields(cls):
        "Return the names (set) of the fields set by the workflow only."
        return {'state'}

    # Check the write record rules when the workflow changes the state,
    # whoever calls (buttons run without access checks, and Tryton checks
    # only the read rules before a button).
    _rule_on_transition = True

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if (mode == 'write' and values and 'state' in values
                and cls._rule_on_transition):
            cls.check_transition_rule(records)
        if not external:
            return
        names = cls._outside_workflow_fields()
        if mode == 'write' and values:
            check_workflow_fields(cls, values, names, creating=False)
        elif mode == 'create':
            for record in records:
                check_workflow_fields(cls,
                    {n: getattr(record, n, None) for n in names}, names)

    @classmethod
    def check_transition_rule(cls, records):
        """Raise Tryton's :class:`AccessError` unless the acting user's write
        record rules allow every record of ``records`` (root and users
        without rules pass): a workflow button, which runs without access
        checks, still acts only on records the user may write (e.g. a
        keeper in their warehouses only)."""
        pool = Pool()
        Rule = pool.get('ir.rule')
        transaction = Transaction()
        if not transaction.user or not records:
            return
        with check_access():
            domain = Rule.domain_get(cls.__name__, mode='write')
        if not domain:
            return
        ids = {r.id for r in records}
        with without_check_access():
            allowed = {r.id for r in cls.search(
                        [('id', 'in', list(ids)), domain])}
        refused = sorted(ids - allowed)
        if refused:
            RuleGroup = pool.get('ir.rule.group')
            User = pool.get('res.user')
            with without_check_access():
                rules = RuleGroup.search([
                        ('model', '=', cls.__name__),
                        ('perm_write', '=', True),
                        ('groups', 'in', list(User.get_groups())),
                        ])
            raise AccessError(gettext('ir.msg_write_rule_error',
                    ids=', '.join(map(str, refused[:5])),
                    rules='\n'.join(sorted(r.name for r in rules)),
                    **cls.__names__()))
