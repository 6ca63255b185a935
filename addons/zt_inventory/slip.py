# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The printed pick slip of a material issue request: layout only.

:func:`slip_pdf` draws a slip from plain content (no ORM) on an A4 page
(or more) or on an 80 mm receipt roll (one page as long as the content).
Every text is drawn with the embedded CJK TrueType font of
:mod:`pdf_font` (subset, with a ToUnicode map: the text extracted from
the PDF equals the content, punctuation included); the QR code (payload
of :mod:`slip_code`) and the Code 128 of the request number are embedded
as PNG images at a whole number of pixels per module so that a scanner or
zxing-cpp reads them back.  The fixed labels are in :data:`LABELS`, in
English and Simplified Chinese, so that the slip never depends on the
translations of the .po files.

Content (dict) keys, every text a str ('' when empty):
    number, state (a zt.issue.request state code), company, warehouse,
    production, from_location, requester, keeper, note, printed_by,
    printed_at (date and time text, in the company's time zone),
    timezone (its name), qr (the QR text),
    lines: list of dicts: code, name, lot, quantity (float, in unit),
        unit (the UoM symbol),
    approvals: list of dicts: level (manager/production/finance),
        decision (approved/rejected), approver, date (text, company
        time zone).
"""
import io

from . import pdf_font

__all__ = ['LABELS', 'FORMATS', 'labels', 'slip_pdf', 'qr_png',
    'code128_png', 'format_quantity', 'wrap']

LABELS = {
    'en': {
        'title': "Pick Slip", 'number': "Request", 'state': "State",
        'company': "Company", 'warehouse': "Warehouse",
        'production': "Production", 'from_location': "From Location",
        'requester': "Requested By", 'keeper': "Issued By",
        'note': "Note", 'lines': "Lines", 'code': "Code",
        'product': "Product", 'lot': "Lot", 'quantity': "Quantity",
        'approvals': "Approvals", 'level': "Level", 'decision': "Decision",
        'approver': "Approver", 'date': "Date",
        'printed': "Printed by %(user)s at %(date)s (%(timezone)s)",
        'verify': "Scan the QR code to check this slip against the ledger.",
        'draft': "Draft", 'waiting': "Waiting", 'approved': "Approved",
        'rejected': "Rejected", 'done': "Done", 'cancelled': "Cancelled",
        'manager': "Department Manager", 'production_level':
        "Production Manager", 'finance': "Finance Director", 'none': "-",
        },
    'zh_CN': {
        'title': "领料单", 'number': "申请单号", 'state': "状态",
        'company': "公司", 'warehouse': "仓库", 'production': "生产单",
        'from_location': "发料库位", 'requester': "申请人",
        'keeper': "发料人", 'note': "备注", 'lines': "明细", 'code': "编码",
        'product': "物料", 'lot': "批次", 'quantity': "数量",
        'approvals': "审批", 'level': "级别", 'decision': "结果",
        'approver': "审批人", 'date': "时间",
        'printed': "打印人 %(user)s，打印时间 %(date)s（%(timezone)s）",
        'verify': "扫描二维码可与台账核对本单。",
        'draft': "草稿", 'waiting': "待审批", 'approved': "已批准",
        'rejected': "已驳回", 'done': "已发料", 'cancelled': "已取消",
        'manager': "部门经理", 'production_level': "生产经理",
        'finance': "财务总监", 'none': "-",
        },
    }

# Page formats: (width mm, height mm or None for a roll, margin mm,
# font size pt, QR size mm).
FORMATS = {
    'a4': (210, 297, 15, 10, 30),
    '80mm': (80, None, 4, 8, 34),
    }


def labels(lang):
    """Return the fixed labels (dict) for the Tryton language code
    ``lang`` (str or None): Simplified Chinese for a code starting with
    'zh', English otherwise."""
    return LABELS['zh_CN' if (lang or '').startswith('zh') else 'en']


def format_quantity(quantity):
    """Return ``quantity`` (float or Decimal) as text without a trailing
    zero or exponent: 3.0 -> '3', 2.5 -> '2.5', 0.001 -> '0.001'."""
    text = ('%.6f' % float(quantity)).rstrip('0').rstrip('.')
    return '0' if text in ('-0', '') else text


def wrap(text, font, size, width):
    """Return ``text`` (str) broken into lines (list of str) no wider
    than ``width`` points in ``font`` at ``size`` pt: at its line breaks,
    then at the last space that fits, else between any two characters
    (Chinese has no spaces).  A word is never lost: every character of
    ``text`` but the line breaks and the spaces at a break is kept."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines = []
    for paragraph in text.splitlines() or ['']:
        line = ''
        for char in paragraph:
            if stringWidth(line + char, font, size) <= width or not line:
                line += char
                continue
            cut = line.rfind(' ')
            if cut > 0 and char != ' ':
                lines.append(line[:cut])
                line = line[cut + 1:] + char
            else:
                lines.append(line.rstrip(' '))
                line = '' if char == ' ' else char
        lines.append(line)
    return lines


def qr_png(text, module_px=4):
    """Return the QR code of ``text`` (str) as PNG bytes (error
    correction M, quiet zone of 4 modules, ``module_px`` pixels a
    module), with segno."""
    import segno

    out = io.BytesIO()
    segno.make_qr(text, error='m').save(out, kind='png', scale=module_px,
        border=4)
    return out.getvalue()


def code128_png(text, dpi=300):
    """Return the Code 128 symbol of ``text`` (printable ASCII) as PNG
    bytes, bars only, X dimension 0.25 mm rounded to whole pixels at
    ``dpi``, 10 mm high, quiet zones of 10 modules, with python-barcode.
    Raises ValueError for characters Code 128 cannot encode."""
    from barcode import Code128
    from barcode.writer import ImageWriter

    if not text or not all(32 <= ord(c) < 127 for c in text):
        raise ValueError('Code 128 of %r: printable ASCII only' % (text,))
    module_mm = max(1, round(0.25 * dpi / 25.4)) * 25.4 / dpi
    symbol = Code128(text, writer=ImageWriter(format='PNG', mode='L',
            dpi=dpi))
    image = symbol.render({
            'module_width': module_mm, 'module_height': 10.0,
            'quiet_zone': 10 * module_mm, 'write_text': False,
            'margin_top': 0, 'margin_bottom': 0,
            })
    out = io.BytesIO()
    image.save(out, format='PNG', dpi=(dpi, dpi))
    return out.getvalue()


class _Tape:
    """The slip as a vertical list of blocks (height pt, operations), the
    y of an operation counted down from the block's top; cut into pages
    by :meth:`render`, a block never split."""

    def __init__(self, font, size, width):
        self.font, self.size, self.width = font, size, width
        self.blocks = []

    def text(self, text, x=0, size=None, width=None):
        "Add ``text`` wrapped to ``width`` (default: what is left of x)."
        size = size or self.size
        width = width or self.width - x
        for line in wrap(text, self.font, size, width):
            self.blocks.append((size * 1.35, [('text', x, size, line)]))

    def row(self, cells, size=None):
        """Add one table row: ``cells`` is a list of (x, width, text),
        each cell wrapped in its column; the row is as high as its
        highest cell."""
        size = size or self.size
        ops, height = [], 0
        for x, width, text in cells:
            lines = wrap(text, self.font, size, width - 2)
            for i, line in enumerate(lines):
                ops.append(('line_text', x, size, line, i * size * 1.35))
            height = max(height, len(lines) * size * 1.35)
        self.blocks.append((height, ops))

    def image(self, png, width, height, x=0):
        "Add the PNG ``png`` drawn ``width`` x ``height`` points at ``x``."
        self.blocks.append((height + 4, [('image', x, png, width, height)]))

    def rule(self):
        "Add a thin horizontal line across the width."
        self.blocks.append((6, [('rule',)]))

    def space(self, height):
        self.blocks.append((height, []))

    def height(self):
        return sum(h for h, _ in self.blocks)

    def render(self, canvas, page_height, margin, left):
        "Draw the blocks on ``canvas``, a new page when one is full."
        from reportlab.lib.utils import ImageReader

        top = page_height - margin
        y = top
        for height, ops in self.blocks:
            # 0.01 pt: the roll's height is the sum of the blocks.
            if y - height < margin - 0.01 and y < top:
                canvas.showPage()
                y = top
            for op in ops:
                if op[0] in ('text', 'line_text'):
                    _, x, size, line = op[:4]
                    shift = op[4] if op[0] == 'line_text' else 0
                    canvas.setFont(self.font, size)
                    canvas.drawString(left + x, y - shift - size, line)
                elif op[0] == 'image':
                    _, x, png, width, image_height = op
                    canvas.drawImage(ImageReader(io.BytesIO(png)),
                        left + x, y - image_height, width=width,
                        height=image_height)
                elif op[0] == 'rule':
                    canvas.setLineWidth(0.5)
                    canvas.line(left, y - 3, left + self.width, y - 3)
            y -= height
        canvas.showPage()


def _texts(content, names):
    "Every text of ``content`` drawn on the slip (list of str)."
    texts = [str(content.get(k) or '') for k in (
            'number', 'company', 'warehouse', 'production', 'from_location',
            'requester', 'keeper', 'note', 'printed_by', 'printed_at',
            'timezone')]
    for line in content.get('lines') or []:
        texts += [str(line.get(k) or '') for k in ('code', 'name', 'lot',
                'unit')]
    for approval in content.get('approvals') or []:
        texts += [str(approval.get(k) or '') for k in ('approver', 'date')]
    return texts + list(names.values())


def _layout(content, names, tape, page):
    "Fill ``tape`` with the slip's blocks for the page format ``page``."
    from PIL import Image
    from reportlab.lib.units import mm

    _, _, _, size, qr_mm = FORMATS[page]
    none = names['none']
    narrow = page == '80mm'
    tape.text(names['title'], size=size + 6)
    qr = qr_png(content['qr'])
    tape.image(qr, qr_mm * mm, qr_mm * mm)
    code = code128_png(content['number'])
    bars = Image.open(io.BytesIO(code))
    bar_w = min(tape.width, bars.size[0] * 72 / 300)
    tape.image(code, bar_w, 10 * mm)
    header = [
        ('number', content['number']),
        ('state', names.get(content['state'], content['state'])),
        ('company', content.get('company')),
        ('warehouse', content.get('warehouse')),
        ('production', content.get('production')),
        ('from_location', content.get('from_location')),
        ('requester', content.get('requester')),
        ('keeper', content.get('keeper')),
        ]
    key_w = tape.width * (0.35 if narrow else 0.25)
    for key, value in header:
        tape.row([(0, key_w, names[key]),
                (key_w, tape.width - key_w, value or none)], size=size)
    tape.rule()
    tape.text(names['lines'], size=size + 1)
    _lines(content, names, tape, size, narrow)
    tape.rule()
    tape.text(names['approvals'], size=size + 1)
    _approvals(content, names, tape, size, narrow)
    tape.rule()
    tape.text(names['note'], size=size + 1)
    tape.text(content.get('note') or none, size=size)
    tape.rule()
    tape.text(names['printed'] % {
            'user': content.get('printed_by') or none,
            'date': content.get('printed_at') or none,
            'timezone': content.get('timezone') or 'UTC',
            }, size=size - 1)
    tape.text(names['verify'], size=size - 1)


def _lines(content, names, tape, size, narrow):
    "Add the lines' table (A4) or one block per line (80 mm)."
    w = tape.width
    if narrow:
        for line in content.get('lines') or []:
            tape.text(line.get('code') or names['none'], size=size)
            tape.text(line.get('name') or '', x=8, size=size)
            quantity = '%s %s' % (format_quantity(line['quantity']),
                line.get('unit') or '')
            lot = line.get('lot')
            tape.text('%s: %s' % (names['quantity'], quantity.strip())
                + ('  %s: %s' % (names['lot'], lot) if lot else ''),
                x=8, size=size)
        return
    columns = [0, 0.18 * w, 0.62 * w, 0.80 * w, w]
    titles = ['code', 'product', 'lot', 'quantity']
    widths = [b - a for a, b in zip(columns, columns[1:])]
    tape.row([(x, cw, names[t]) for x, cw, t in
            zip(columns, widths, titles)], size=size)
    for line in content.get('lines') or []:
        quantity = '%s %s' % (format_quantity(line['quantity']),
            line.get('unit') or '')
        values = [line.get('code') or names['none'], line.get('name') or '',
            line.get('lot') or '', quantity.strip()]
        tape.row(list(zip(columns, widths, values)), size=size)


def _approvals(content, names, tape, size, narrow):
    "Add the approvals: level, decision, approver and date each."
    w = tape.width
    approvals = content.get('approvals') or []
    if not approvals:
        tape.text(names['none'], size=size)
    for approval in approvals:
        level = approval.get('level')
        level = names.get('production_level' if level == 'production'
            else level, level or '')
        decision = names.get(approval.get('decision'),
            approval.get('decision') or '')
        values = [level, decision, approval.get('approver') or '',
            approval.get('date') or '']
        if narrow:
            tape.text('%s %s' % tuple(values[:2]), size=size)
            tape.text('%s  %s' % tuple(values[2:]), x=8, size=size)
        else:
            columns = [0, 0.28 * w, 0.43 * w, 0.70 * w, w]
            widths = [b - a for a, b in zip(columns, columns[1:])]
            tape.row(list(zip(columns, widths, values)), size=size)


def slip_pdf(content, page='a4', lang='en', fonts=pdf_font.CJK_FONTS):
    """Return the pick slip of ``content`` (dict, see the module
    docstring) as PDF bytes.

    page: 'a4' (210 x 297 mm, more pages if the lines need them) or
    '80mm' (a receipt roll 80 mm wide, one page as long as the slip);
    lang: Tryton language code of the fixed labels (see :func:`labels`);
    fonts: candidate paths of the CJK TrueType font (see pdf_font).

    Raises ValueError for an unknown page format or a number Code 128
    cannot carry, :class:`pdf_font.FontMissingError` when no font of
    ``fonts`` is installed or it lacks a glyph of the content (nothing is
    drawn with boxes), and :class:`slip_code.SlipCodeError`-free: the QR
    text is taken as given."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    if page not in FORMATS:
        raise ValueError('unknown page format %r: use %s'
            % (page, ' or '.join(sorted(FORMATS))))
    width, height, margin, size, _ = FORMATS[page]
    path = pdf_font.require_cjk_font(fonts)
    font = pdf_font.register_font(path, prefix='zt-slip-')
    names = labels(lang)
    missing = pdf_font.missing_glyphs(font, _texts(content, names))
    if missing:
        raise pdf_font.FontMissingError('the font %s has no glyph for %s'
            % (path, ' '.join(repr(c) for c in missing)))
    tape = _Tape(font, size, (width - 2 * margin) * mm)
    _layout(content, names, tape, page)
    page_height = (height * mm if height
        else tape.height() + 2 * margin * mm)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width * mm, page_height), invariant=1)
    canvas.setTitle('%s %s' % (names['title'], content['number']))
    tape.render(canvas, page_height, margin * mm, margin * mm)
    canvas.save()
    return out.getvalue()


def read_codes(data):
    """Return the barcodes printed on the PDF ``data`` (bytes): a list of
    (format name, text), e.g. ('QRCode', 'ZTSLIP1|...') and ('Code128',
    number), read from the PDF's embedded images with pypdf and
    zxing-cpp, pages in order.  Raises ValueError when ``data`` is not a
    PDF pypdf can read."""
    import pypdf
    import zxingcpp

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = list(reader.pages)
    except (pypdf.errors.PyPdfError, OSError, ValueError) as error:
        raise ValueError('not a readable PDF: %s' % error) from error
    found = []
    for page in pages:
        for image in page.images:
            for code in zxingcpp.read_barcodes(image.image):
                found.append((code.format.name, code.text))
    return found


def read_slip_qr(data):
    """Return the QR text of the pick slip PDF ``data`` (bytes): the first
    QR code whose text starts with the slip prefix.  Raises ValueError
    when the PDF is unreadable or carries no slip QR code."""
    from .slip_code import PREFIX

    for format_, text in read_codes(data):
        if format_ == 'QRCode' and text.startswith(PREFIX + '|'):
            return text
    raise ValueError('no pick slip QR code (%s|...) found in the PDF'
        % PREFIX)
