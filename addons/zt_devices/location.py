# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval

from . import profile as profiles
from .exceptions import ProfileError


class Location(metaclass=PoolMeta):
    __name__ = 'stock.location'

    zt_unsigned_scans = fields.Boolean("Accept Unsigned Scans",
        states={'invisible': Eval('type') != 'warehouse'},
        help="Accept keyboard-wedge scans typed into the client (the issue "
        "wizard, the PDA page), marked unsigned.  Without it, only signed "
        "scans from registered devices are accepted in this warehouse.")
    zt_typed_gs_substitute = fields.Char("GS Substitute of Typed Scans",
        states={
            'invisible': ((Eval('type') != 'warehouse')
                | ~Eval('zt_unsigned_scans')),
            },
        help="What the warehouse's keyboard-wedge scanners type instead of "
        "the GS (FNC1) separator, which a browser cannot receive, e.g. | "
        "(escapes such as \\x1e allowed).")

    @classmethod
    def default_zt_unsigned_scans(cls):
        return False

    @classmethod
    def validate_fields(cls, locations, field_names):
        super().validate_fields(locations, field_names)
        if field_names and 'zt_typed_gs_substitute' not in field_names:
            return
        for location in locations:
            try:
                location.zt_typed_profile()
            except ValueError as exception:
                raise ProfileError(gettext(
                        'zt_devices.msg_device_profile_invalid',
                        device=location.rec_name, error=str(exception)))

    def zt_typed_profile(self):
        """Return the profile.Profile of scans typed in this warehouse: the
        default one with the warehouse's GS substitute.  Raises ValueError
        for a substitute the parser cannot use."""
        return profiles.profile_from_dict({
                'name': 'typed',
                'gs_substitute': self.zt_typed_gs_substitute or None,
                })
