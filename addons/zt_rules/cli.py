# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""``ztinv rules``: run now what the rules' cron and queue run."""
import sys

from trytond.pool import Pool
from trytond.transaction import Transaction


def run(rule_name=None, out=None):
    """In the current transaction: process the pending events and evaluate
    the scheduled rules (only the active rule named ``rule_name`` when
    given; its pending events are then still consumed), print one line per
    rule, and deliver the due notifications afterwards.  Returns the exit
    code: 0, or 1 when ``rule_name`` names no active rule."""
    out = out or sys.stdout
    pool = Pool()
    Rule = pool.get('zt.rule')
    Event = pool.get('zt.rule.event')
    rules = Rule.search([])
    if rule_name:
        rules = [r for r in rules if r.name == rule_name]
        if not rules:
            print("ztinv rules: error: no active rule named %r"
                % rule_name, file=out)
            return 1
    selected = rules[0] if rule_name else None
    events = Event.process(rule=selected)
    print("rules: %d pending event(s) processed" % events, file=out)
    scheduled = [r for r in rules if r.trigger in {'hourly', 'daily'}]
    for rule in scheduled:
        counts = Rule.run_schedule(rule.trigger, [rule])
        print("rule %s (%s): %d match(es)" % (
                rule.name, rule.trigger, counts[rule]), file=out)
    return 0


def main(config_file, database, rule_name=None, out=None):
    """Run ``ztinv rules`` on ``database`` as root and commit; then deliver
    the notifications that are due (each in its own transactions)."""
    from trytond import config
    out = out or sys.stdout
    if config_file:
        config.update_etc(config_file)
    loaded = database in Pool.database_list()
    pool = Pool(database)
    if not loaded:
        pool.init()
    with Transaction().start(database, 0) as transaction:
        code = run(rule_name, out=out)
        if code:
            transaction.rollback()
            return code
        transaction.commit()
    with Transaction().start(database, 0) as transaction:
        Notification = pool.get('zt.notification')
        due = Notification.due()
        Notification.deliver(due)
        sent = Notification.search([
                ('id', 'in', [n.id for n in due]),
                ('state', '=', 'sent'),
                ], count=True)
        print("rules: %d notification(s) due, %d sent" % (len(due), sent),
            file=out)
        transaction.commit()
    return code
