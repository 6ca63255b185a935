# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Readable print-outs of what an issue changed: the stock moves (as the
keeper sees them), the continental valuation (as the accountant sees it)
and the production's inputs (as production staff see them)."""


def report_issue(session, label, request_id):
    "Print the effects of the issued request ``request_id``."
    request = session.model('keeper', 'zt.issue.request')(request_id)
    moves = sorted(
        (m for line in request.lines for m in line.moves), key=lambda m: m.id)
    for move in moves:
        print("  %-4s %-10s   stock move %s: %g %s %s, %s -> %s, %s" % (
                '', 'keeper', move.id, move.quantity, move.unit.symbol,
                move.product.code, move.from_location.rec_name,
                move.to_location.rec_name, move.state), flush=True)
    report_accounting(session, [m.id for m in moves])
    report_production(session, request.production.id)


def report_accounting(session, move_ids):
    "Print the account moves whose origin is one of the stock moves."
    AccountMove = session.model('accountant', 'account.move')
    account_moves = AccountMove.find([
            ('origin', 'in', ['stock.move,%s' % i for i in move_ids]),
            ])
    if not account_moves:
        print("  %-4s %-10s   no account move found" % ('', 'accountant'))
    for account_move in sorted(account_moves, key=lambda m: m.id):
        print("  %-4s %-10s   account move %s (%s, %s, origin %s)" % (
                '', 'accountant', account_move.number or account_move.id,
                account_move.state, account_move.date,
                account_move.origin and account_move.origin.id), flush=True)
        for line in account_move.lines:
            print("  %-4s %-10s     %-48s debit %10s credit %10s" % (
                    '', '', line.account.rec_name[:48], line.debit,
                    line.credit))


def report_production(session, production_id):
    "Print the state of each input move of the production."
    production = session.model('staff', 'production')(production_id)
    states = ', '.join('%s %g %s' % (m.product.code, m.quantity, m.state)
        for m in production.inputs)
    print("  %-4s %-10s   production %s %s (%s) inputs: %s" % (
            '', 'staff', production.rec_name, production.product.code,
            production.state, states),
        flush=True)
