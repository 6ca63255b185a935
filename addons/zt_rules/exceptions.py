# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError

from trytond.modules.zt_inventory.exceptions import (
    ActorError, BOMExceededError, RequestStateError)


class RuleValidationError(ValidationError):
    "A rule's condition or action is not valid for its trigger."


class BOMExcessReasonError(BOMExceededError):
    "A line beyond the bill of materials is submitted without a reason."


class ChannelSecretError(UserError):
    "A channel's secret cannot be sealed or opened with the configured key."


class ExcessReasonStateError(RequestStateError):
    "A line's reason beyond the bill of materials changes after submission."


class AlertActorError(ActorError):
    "Someone acts on an alert that is not addressed to them."
