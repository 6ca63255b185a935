# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Issue requests under the rules: the approval steps beyond the
department manager come from the rules (the seed's over-limit rule
replaces the configured threshold), and a line beyond the bill of
materials may be submitted with a reason when a rule adds an approval step
for it."""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from trytond.modules.zt_inventory import approval as approval_rules

from .exceptions import BOMExcessReasonError


class IssueRequest(metaclass=PoolMeta):
    __name__ = 'zt.issue.request'

    def required_levels(self):
        """Return the approval levels (tuple of str): the department
        manager, then the levels the matching rules 'issue_request.
        submitted' add, in the rules' order, each once.  The configured
        threshold of zt_inventory is no longer used: the seed rule
        'Over limit' holds it."""
        Rule = Pool().get('zt.rule')
        levels = [approval_rules.MANAGER]
        for _, level, _ in Rule.approval_levels(self):
            if level not in levels:
                levels.append(level)
        return tuple(levels)

    @classmethod
    def bom_excess_allowed(cls, line):
        """A line beyond the bill of materials may be submitted when it
        gives a reason and a rule adds an approval step to the request
        (fail closed: without such a rule it is refused as before)."""
        Rule = Pool().get('zt.rule')
        if not line.excess_reason:
            return False
        return any(level != approval_rules.MANAGER
            for _, level, result in Rule.approval_levels(line.request)
            if any(f.get('field') == 'excess_lines' and f['result']
                for f in result.figures))

    @classmethod
    def check_bom(cls, requests):
        """Ask for a reason first for each line beyond the bill of
        materials when a rule would add an approval step for it."""
        Rule = Pool().get('zt.rule')
        for request in requests:
            excesses = cls.bom_excesses(request)
            if not excesses:
                continue
            covered = any(
                any(f.get('field') == 'excess_lines' for f in r.figures)
                for _, _, r in Rule.approval_levels(request))
            for line, remaining in excesses:
                if covered and not line.excess_reason:
                    raise BOMExcessReasonError(gettext(
                            'zt_rules.msg_bom_excess_reason',
                            request=request.rec_name,
                            product=line.product.rec_name,
                            remaining=remaining,
                            unit=line.product.default_uom.rec_name))
        super().check_bom(requests)

    @classmethod
    def wait(cls, requests):
        super().wait(requests)
        cls.record_rule_levels(requests)
        Pool().get('zt.rule.event').queue(
            'issue_request.submitted', requests)

    @classmethod
    def record_rule_levels(cls, requests):
        """Append a ledger entry 'zt.issue.request.rules' per request with
        the rules that add approval steps and their figures (which rule,
        with which values, made the request need whom)."""
        pool = Pool()
        Rule = pool.get('zt.rule')
        Entry = pool.get('zt.ledger.entry')
        events = []
        for request in requests:
            matched = Rule.approval_levels(request)
            events.append({
                    'company': request.company,
                    'warehouse': request.production.warehouse,
                    'event': 'zt.issue.request.rules',
                    'record': request,
                    'payload': {
                        'action': 'submitted',
                        'number': request.number,
                        'levels': list(request.required_levels()),
                        'rules': [{
                                'rule': rule.id,
                                'name': rule.name,
                                'level': level,
                                'figures': result.figures,
                                } for rule, level, result in matched],
                        },
                    })
        Entry.append(events)

    @classmethod
    def approve(cls, requests):
        super().approve(requests)
        Pool().get('zt.rule.event').queue(
            'issue_request.approved', requests)


class IssueRequestLine(metaclass=PoolMeta):
    __name__ = 'zt.issue.request.line'
    excess_reason = fields.Text("Reason beyond the Bill of Materials",
        states={
            'readonly': Eval('request_state', 'draft') != 'draft',
            },
        help="Why more is needed than the production's bill of materials "
        "still needs; a rule then adds an approval step.")
    request_state = fields.Function(fields.Selection(
            'get_request_states', "Request State"),
        'on_change_with_request_state')

    @classmethod
    def get_request_states(cls):
        Request = Pool().get('zt.issue.request')
        return Request.fields_get(['state'])['state']['selection']

    @fields.depends('request', '_parent_request.state')
    def on_change_with_request_state(self, name=None):
        return self.request.state if self.request else 'draft'


class Inventory(metaclass=PoolMeta):
    __name__ = 'stock.inventory'

    @classmethod
    def confirm(cls, inventories):
        super().confirm(inventories)
        Pool().get('zt.rule.event').queue('inventory.done', inventories)
