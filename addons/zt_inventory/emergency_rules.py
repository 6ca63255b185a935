# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Rules of break-glass (emergency) access, without the ORM.

An emergency access grants one group to one user from its approval until
``expires_at`` (naive UTC).  Whether it is in force is computed from that
time, never only from a state flipped later by a scheduled task: an access
whose time has passed grants nothing, even if it still reads 'approved'."""
import datetime as dt

# The duration of an access when the configuration names none.
DEFAULT_DURATION = dt.timedelta(hours=4)
# No access lasts longer: break-glass is for an emergency, not for a shift
# pattern; a longer need is a change of roles.
MAX_DURATION = dt.timedelta(hours=24)
# A justification says what happened and why the access is needed.
MIN_JUSTIFICATION = 20

# Conflicts of the one who decides on (approves, rejects, reviews) an access.
GRANTEE = 'grantee'
REQUESTER = 'requester'


def justification_ok(text, minimum=MIN_JUSTIFICATION):
    """Tell whether ``text`` (str or None) is a justification: at least
    ``minimum`` characters once leading and trailing blanks are removed."""
    return len((text or '').strip()) >= minimum


def duration_ok(duration, maximum=MAX_DURATION):
    """Tell whether ``duration`` (timedelta or None) may be granted: more
    than zero and at most ``maximum``."""
    return duration is not None and dt.timedelta(0) < duration <= maximum


def expiry(approved_at, duration):
    """Return when an access approved at ``approved_at`` (naive UTC
    datetime) for ``duration`` (timedelta) ends (naive UTC datetime).
    Raises ``ValueError`` for a duration that :func:`duration_ok` refuses."""
    if not duration_ok(duration):
        raise ValueError('duration out of range: %r' % (duration,))
    return approved_at + duration


def in_force(state, expires_at, now):
    """Tell whether an access in ``state`` (str) ending at ``expires_at``
    (naive UTC datetime or None) grants its group at ``now`` (naive UTC):
    approved and not yet at its end."""
    return state == 'approved' and expires_at is not None \
        and now < expires_at


def grants(rows, now):
    """Return what the approved accesses ``rows`` (iterable of ``(access
    id, group id, expires_at)``) of one user grant at ``now`` (naive UTC):
    ``(access ids, group ids, until)``, the ids as sorted tuples of int and
    ``until`` the first end (naive UTC) among those in force, or None when
    none is: the result holds until then."""
    active = [(int(a), int(g), e) for a, g, e in rows
        if in_force('approved', e, now)]
    until = min((e for _, _, e in active), default=None)
    return (tuple(sorted({a for a, _, _ in active})),
        tuple(sorted({g for _, g, _ in active})), until)


def decision_conflicts(actor, grantee, requester):
    """Return why ``actor`` may not decide on an access of ``grantee``
    requested by ``requester`` (any comparable ids, e.g. user ids): a list
    of :data:`GRANTEE` and :data:`REQUESTER`, empty when free.  Nobody
    approves, rejects or reviews their own emergency access."""
    conflicts = []
    if actor == grantee:
        conflicts.append(GRANTEE)
    if requester is not None and actor == requester:
        conflicts.append(REQUESTER)
    return conflicts


def due(state, expires_at, now):
    """Tell whether the scheduled task should mark an access in ``state``
    ending at ``expires_at`` (naive UTC or None) expired at ``now``."""
    return state == 'approved' and expires_at is not None \
        and expires_at <= now
