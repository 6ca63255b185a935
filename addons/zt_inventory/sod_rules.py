# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Segregation-of-duties rules, without the ORM.

A *duty* is a named step of a document (``'issue_request.request'``,
``'inventory.confirm'``...).  A *rule* names two duties that one person may
not both perform on the same document (or on linked documents: a purchase
and the supplier shipments that receive it).  A person is identified by a
user id and an employee id: two actors are the same person when they share
either one (root has no employee and is known by its user id; one employee
with two logins is one person).

``sod.py`` binds these functions to Tryton: it finds who performed which
duty on a record and which groups grant a duty."""
from collections import namedtuple

__all__ = ['DUTIES', 'Rule', 'Actor', 'Conflict', 'same_person',
    'check_duties', 'other_duty', 'conflicts', 'holders']

# The duties of this module, in the order of their documents' workflows
# (the order in which conflicts are reported).
REQUEST = 'issue_request.request'
APPROVE_MANAGER = 'issue_request.approve_manager'
APPROVE_FINANCE = 'issue_request.approve_finance'
APPROVE_PRODUCTION = 'issue_request.approve_production'
ISSUE = 'issue_request.issue'
COUNT = 'inventory.count'
CONFIRM_COUNT = 'inventory.confirm'
CONFIRM_PURCHASE = 'purchase.confirm'
RECEIVE = 'shipment_in.receive'
CREATE_TRANSFER = 'shipment_internal.create'
APPROVE_TRANSFER = 'shipment_internal.approve'
# Approval level (approval.MANAGER, approval.FINANCE) -> its duty.
APPROVE = {'manager': APPROVE_MANAGER, 'finance': APPROVE_FINANCE,
    'production': APPROVE_PRODUCTION}
DUTIES = (REQUEST, APPROVE_MANAGER, APPROVE_PRODUCTION, APPROVE_FINANCE,
    ISSUE, COUNT,
    CONFIRM_COUNT, CONFIRM_PURCHASE, RECEIVE, CREATE_TRANSFER,
    APPROVE_TRANSFER)

Rule = namedtuple('Rule', ['id', 'name', 'first', 'second',
        'emergency_override'])
Rule.__doc__ = """A rule: ``first`` and ``second`` are duty names (str);
``emergency_override`` (bool) tells whether an active emergency access
lets the actor perform a duty despite the rule."""

Actor = namedtuple('Actor', ['user', 'employee'])
Actor.__doc__ = """Who acts or acted: a user id and an employee id, either
may be None (root has no employee; a document may record only an
employee)."""

Conflict = namedtuple('Conflict', ['rule', 'duty', 'other', 'performer',
        'source'])
Conflict.__doc__ = """The actor may not perform ``duty`` because of
``rule``: they performed ``other`` (the rule's other duty) as
``performer`` (Actor) on ``source`` (whatever the caller attached to the
performer, e.g. the record; None if nothing)."""


def same_person(a, b):
    """Tell whether the actors ``a`` and ``b`` (Actor) are the same person:
    the same user or the same employee (None never matches)."""
    return ((a.user is not None and a.user == b.user)
        or (a.employee is not None and a.employee == b.employee))


def check_duties(first, second, duties=None):
    """Raise ``ValueError`` unless ``first`` and ``second`` (str) make a
    rule: two different duties, each in ``duties`` (collection of str) when
    given."""
    if first == second:
        raise ValueError('a rule needs two different duties: %r' % first)
    for duty in (first, second):
        if duties is not None and duty not in duties:
            raise ValueError('unknown duty: %r' % duty)


def other_duty(rule, duty):
    """Return the duty that ``rule`` pairs with ``duty``, or None when the
    rule does not name ``duty``."""
    if rule.first == duty:
        return rule.second
    if rule.second == duty:
        return rule.first
    return None


def conflicts(rules, duty, actor, performed, order=()):
    """Return the conflicts (list of Conflict) of ``actor`` (Actor) about to
    perform ``duty`` (str) on a document.

    ``rules``: the active rules (iterable of Rule); ``performed``: mapping
    duty -> iterable of ``(Actor, source)`` pairs, who already performed
    that duty on the document (or a linked one) and where.  A rule is
    symmetric: it forbids its second duty to whoever performed its first,
    and its first to whoever performed its second.  The list is sorted by
    the other duty's place in ``order`` (sequence of duty names; unknown
    duties last), then by rule id, and holds one conflict per rule (the
    first performer found).  An empty list means the actor may act."""
    rank = {d: i for i, d in enumerate(order)}
    found = []
    for rule in rules:
        other = other_duty(rule, duty)
        if other is None:
            continue
        for performer, source in performed.get(other, ()):
            if same_person(actor, performer):
                found.append(Conflict(rule, duty, other, performer, source))
                break
    found.sort(key=lambda c: (rank.get(c.other, len(rank)), c.rule.id))
    return found


def holders(rules, grants, user_groups):
    """Return who may perform both duties of a rule, from their groups: a
    list of ``(user, rule, first groups, second groups)`` sorted by user
    then rule id, the groups as sorted tuples of the user's groups that
    grant each duty.

    ``rules``: iterable of Rule; ``grants``: mapping duty -> the groups
    that grant it (set of ids), or None when every user may perform it
    (then the user's groups held for it are reported empty); a duty missing
    from ``grants`` is granted to nobody; ``user_groups``: mapping user
    -> the user's groups (iterable of ids, inherited ones included)."""
    result = []
    for user in sorted(user_groups):
        groups = set(user_groups[user])
        for rule in sorted(rules, key=lambda r: r.id):
            held = []
            for duty in (rule.first, rule.second):
                granting = grants.get(duty, set())
                if granting is None:
                    held.append(())
                elif groups & set(granting):
                    held.append(tuple(sorted(groups & set(granting))))
                else:
                    break
            else:
                result.append((user, rule, held[0], held[1]))
    return result
