# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class ActorError(AccessError):
    "The acting user may not act (no employee, wrong group, not supervisor)."


class SegregationOfDutiesError(AccessError):
    "The actor already holds another role in the request's chain."


class ApprovalRequiredError(UserError):
    "A request lacks an approval that its current values require."


class RequestStateError(UserError):
    "A request is not in the state the action needs (e.g. already done)."


class BOMExceededError(ValidationError):
    "A request asks for more than the production order still needs."


class ScanError(UserError):
    "What was scanned does not match the requests."


class StockUnavailableError(UserError):
    "Not enough stock to issue without going negative."


class ProductionIssuedError(UserError):
    "A production with issued inputs may not be cancelled or reset."


class WorkflowFieldError(AccessError):
    "A caller from outside sets a field that only the workflow sets."


class LedgerAppendOnlyError(AccessError):
    "A ledger entry or chain is written or deleted outside of an append."


class LedgerAnchorError(UserError):
    "The ledger heads cannot be anchored: signing key or anchor file."


class ProductionInputsNotIssuedError(UserError):
    "A production would consume inputs that no issue request issued."


class TransferStateError(UserError):
    "A transfer is not in a state where it may be approved."


class EmergencySelfApprovalError(SegregationOfDutiesError):
    "Someone would approve, reject or review their own emergency access."


class EmergencyJustificationError(ValidationError):
    "An emergency access lacks a justification, a duration or a review."


class SoDRuleError(ValidationError):
    "A segregation-of-duties rule does not name two different duties."


class TOTPRequiredError(AccessError):
    "A company requires a one-time password and the user has none set up."


class TOTPCodeError(UserError):
    "A one-time password is wrong or was used already."


class TOTPSetupError(UserError):
    "A one-time password cannot be set up or activated now."


class TOTPResetError(AccessError):
    "Someone would reset their own one-time password."


class TOTPFieldError(AccessError):
    "A one-time password field is written outside of set-up and reset."
