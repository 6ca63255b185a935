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
from trytond.transaction import without_check_access

from trytond.modules.zt_inventory import approval as approval_rules
from trytond.modules.zt_inventory.exceptions import WorkflowFieldError

from .exceptions import BOMExcessReasonError, ExcessReasonStateError


class IssueRequest(metaclass=PoolMeta):
    __name__ = 'zt.issue.request'
    zt_rule_levels = fields.MultiSelection([
            ('production', "Production Manager"),
            ('finance', "Finance Director"),
            ], "Levels Required by Rules", readonly=True,
        help="The approval steps the rules required when the request was "
        "submitted or last changed: a later change of a rule never "
        "removes them from a submitted request.")

    @classmethod
    def copy(cls, requests, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('zt_rule_levels', None)
        return super().copy(requests, default=default)

    @classmethod
    def check_outside_values(cls, vlist, creating=True):
        "The levels required by rules are set by the workflow only."
        super().check_outside_values(vlist, creating=creating)
        for values in vlist:
            if 'zt_rule_levels' in values and not (
                    creating and not values['zt_rule_levels']):
                # Even clearing it is refused: that would lower the levels.
                names = cls.__names__(field='zt_rule_levels')
                raise WorkflowFieldError(gettext(
                        'zt_inventory.msg_workflow_field',
                        field=names['field'], model=names['model']))

    def required_levels(self):
        """Return the approval levels (tuple of str, in the order of
        approval.LEVELS): the department manager, the levels the matching
        rules 'issue_request.submitted' add now, and those they required
        when the request was submitted or last changed (a rule edited or
        deactivated since never lowers a submitted request).  The configured
        threshold of zt_inventory is no longer used: the seed rule 'Over
        limit' holds it."""
        Rule = Pool().get('zt.rule')
        levels = {approval_rules.MANAGER}
        levels.update(level for _, level, _ in Rule.approval_levels(self))
        if self.state != 'draft':
            levels.update(self.zt_rule_levels or ())
        return tuple(level for level in approval_rules.LEVELS
            if level in levels)

    @classmethod
    def freeze_rule_levels(cls, requests):
        "Store the levels the rules require now, added to those stored."
        for request in requests:
            levels = set(request.zt_rule_levels or ()) | set(
                request.required_levels())
            levels.discard(approval_rules.MANAGER)
            # A workflow field: written by the workflow, not by the caller.
            with without_check_access():
                super(IssueRequest, cls).write([request], {
                        'zt_rule_levels': sorted(levels)})

    @classmethod
    def reset_approvals(cls, requests, changes):
        """A change of a submitted request's lines: check the bill of
        materials again (a larger quantity needs a reason and its step)
        and add the levels the rules now require."""
        super().reset_approvals(requests, changes)
        cls.check_bom(requests)
        cls.freeze_rule_levels(requests)

    @classmethod
    def draft(cls, requests):
        super().draft(requests)
        with without_check_access():
            super(IssueRequest, cls).write(list(requests),
                {'zt_rule_levels': None})

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
        cls.freeze_rule_levels(requests)
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
                        'reasons': {str(line.id): line.excess_reason
                            for line in request.lines
                            if line.excess_reason},
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
    def check_modification(cls, mode, lines, values=None, external=False):
        """The reason beyond the bill of materials is part of what was
        submitted and approved: refused once the request left draft."""
        super().check_modification(
            mode, lines, values=values, external=external)
        if (mode == 'write' and 'excess_reason' in (values or {})
                or mode == 'create'):
            for line in lines:
                if mode == 'create' and not line.excess_reason:
                    continue
                if line.request.state != 'draft':
                    raise ExcessReasonStateError(gettext(
                            'zt_rules.msg_excess_reason_state',
                            request=line.request.rec_name))

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
