# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import Pool

from . import (
    alert, configuration, engine, event, ir, issue_request, notification,
    product, rule, stock)

__all__ = ['register']


def register():
    Pool.register(
        ir.Rule,
        ir.Cron,
        notification.Channel,
        rule.Rule,
        rule.Condition,
        rule.Action,
        rule.ActionUser,
        rule.ActionChannel,
        engine.Rule,
        event.Event,
        alert.Alert,
        alert.AlertRecord,
        alert.AlertUser,
        notification.Notification,
        notification.Attempt,
        configuration.Configuration,
        product.Template,
        product.Product,
        issue_request.IssueRequest,
        issue_request.IssueRequestLine,
        issue_request.Inventory,
        stock.Move,
        module='zt_rules', type_='model')
