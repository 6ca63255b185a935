# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Product lookup of a parsed scan: an exact match on the identifier types
the configuration names, never a "closest" code."""
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import without_check_access

from .errors import ScanRefused


def gtin_forms(gtin):
    """Return the codes (list of str) under which the GTIN-14 ``gtin`` may be
    stored: itself and, for leading zeros, its GTIN-13, -12 and -8 forms
    (GS1 General Specifications 4.4: a GTIN is right-justified in 14
    digits)."""
    forms = [gtin]
    for length in (13, 12, 8):
        if gtin[:14 - length] == '0' * (14 - length):
            forms.append(gtin[14 - length:])
    return forms


def identifier_types():
    "The product identifier types (list of str) scans are matched on."
    Configuration = Pool().get('zt.inventory.configuration')
    types = Configuration(1).zt_scan_identifier_types
    return list(types or ['ean'])


def find_product(parsed):
    """Return the product.product whose identifier equals the scan's GTIN
    (``parsed['gtin']``, or the code itself for non-GS1 symbologies), or
    None when nothing matches (a badge, a location label).

    Raises :class:`ScanRefused` code 'product_ambiguous' when several
    products match: never pick one."""
    Identifier = Pool().get('product.identifier')
    if parsed.get('gtin'):
        codes = gtin_forms(parsed['gtin'])
    elif parsed.get('code'):
        codes = [parsed['code']]
    else:
        return None
    with without_check_access():
        identifiers = Identifier.search([
                ('code', 'in', codes),
                ('type', 'in', identifier_types()),
                ])
        products = {i.product for i in identifiers}
    if len(products) > 1:
        error = ScanRefused('product_ambiguous', gettext(
                'zt_devices.msg_scan_product_ambiguous', code=codes[0],
                products=', '.join(sorted(p.rec_name for p in products))))
        error.translated = True
        raise error
    return products.pop() if products else None
