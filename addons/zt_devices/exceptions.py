# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class DeviceError(UserError):
    "A device cannot do what was asked (state, enrolment code, key)."


class DeviceAccessError(AccessError):
    "The user may not submit scans for a device or a warehouse."


class ProfileError(ValidationError):
    "A device's scanner profile holds a value the parser cannot use."


class UnsignedScanError(AccessError):
    "The warehouse accepts only signed scans from registered devices."


class ScanUseError(UserError):
    "Scans cannot be used for an issue (refused, used, another warehouse)."
