# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class RuleValidationError(ValidationError):
    "A rule's condition or action is not valid for its trigger."


class BOMExcessReasonError(ValidationError):
    "A line beyond the bill of materials is submitted without a reason."


class ChannelSecretError(UserError):
    "A channel's secret cannot be sealed or opened with the configured key."
