# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Labels printed from the client: products (EAN-13, or GS1-128 with the
GTIN) and lots (GS1-128: GTIN and lot), as PDF or as ZPL for Zebra
printers.  The code printed is the product's stored identifier, checked and
never corrected (labels.py)."""
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.report import Report

from . import labels, zpl
from .exceptions import DeviceError
from .lookup import identifier_types


def product_gtin(product):
    """Return the GTIN (str of 8, 12, 13 or 14 digits) of ``product``: its
    first identifier of the scanned types made of digits, or None."""
    types = identifier_types()
    for identifier in product.identifiers:
        code = identifier.code or ''
        if identifier.type in types and code.isascii() and code.isdigit() \
                and len(code) in {8, 12, 13, 14}:
            return code
    return None


def product_label(product, lot=None):
    """Return the label (dict, see labels.py) of ``product`` (and ``lot``,
    stock.lot): EAN-13 for a 13-digit code without lot, else GS1-128 with
    (01) and (10).  Raises DeviceError when the product has no GTIN."""
    gtin = product_gtin(product)
    if not gtin:
        raise DeviceError(gettext(
                'zt_devices.msg_label_no_gtin', product=product.rec_name))
    lines = [product.rec_name]
    if product.code and product.code != product.rec_name:
        lines.append(product.code)
    if len(gtin) == 13 and lot is None:
        return {'kind': 'ean-13', 'code': gtin, 'lines': lines}
    ais = [('01', gtin.rjust(14, '0'))]
    if lot is not None:
        ais.append(('10', lot.number))
    return {'kind': 'gs1-128', 'ais': ais, 'lines': lines}


class LabelMixin:
    "A report of barcode labels; ``format`` is 'pdf' or 'zpl'."
    format = 'pdf'

    @classmethod
    def labels(cls, records):
        raise NotImplementedError

    @classmethod
    def render(cls, items):
        "Return the labels ``items`` printed (PDF bytes)."
        return labels.labels_pdf(items)

    @classmethod
    def execute(cls, ids, data):
        """Return ('pdf' or 'zpl', content, False, name) for the records
        ``ids`` after the report's access check.  Raises DeviceError for a
        record without GTIN and for a code the label refuses (a wrong
        check digit is never corrected)."""
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        action_id = data.get('action_id')
        if action_id is None:
            action, = ActionReport.search([
                    ('report_name', '=', cls.__name__)], limit=1)
        else:
            action = ActionReport(action_id)
        model = action.model or data.get('model')
        cls.check_access(action, model, ids)
        Model = pool.get(model)
        records = Model.browse(list(map(int, ids)))
        items = cls.labels(records)
        try:
            content = cls.render(items)
        except ValueError as exception:
            raise DeviceError(gettext(
                    'zt_devices.msg_label_refused', error=str(exception)))
        return (cls.format, content, False, action.name)


class ProductLabel(LabelMixin, Report):
    "Product Labels"
    __name__ = 'zt.device.label.product'

    @classmethod
    def labels(cls, products):
        return [product_label(p) for p in products]


class ZPLMixin:
    """ZPL labels: the lines are ASCII (a printer has no Chinese font unless
    one is installed on it: the product's code is printed instead of a
    name that is not ASCII), on a 100 x 50 mm label where a GS1-128 with
    a lot fits at 203 dpi."""
    format = 'zpl'
    size = (100, 50)

    @classmethod
    def render(cls, items):
        for item in items:
            item['lines'] = [line if line.isascii() else ''
                for line in item.get('lines', [])]
        return ''.join(zpl.label_zpl(i, size=cls.size) for i in items)


class ProductLabelZPL(ZPLMixin, ProductLabel):
    "Product Labels (ZPL)"
    __name__ = 'zt.device.label.product.zpl'


class LotLabel(LabelMixin, Report):
    "Lot Labels"
    __name__ = 'zt.device.label.lot'

    @classmethod
    def labels(cls, lots):
        return [product_label(lot.product, lot) for lot in lots]


class LotLabelZPL(ZPLMixin, LotLabel):
    "Lot Labels (ZPL)"
    __name__ = 'zt.device.label.lot.zpl'


