# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The CJK TrueType font that our PDFs embed (labels, pick slips).

reportlab embeds a TrueType font as a subset (only the glyphs used, a
``ABCDEF+`` style name prefix, a ``/FontFile2`` stream) and writes a
ToUnicode map, so that the text extracted from the PDF equals what was
drawn.  It reads TrueType outlines only, not the CFF-based Noto CJK
OpenType fonts, hence the candidates below.  Plain functions, no ORM."""
import os

__all__ = ['CJK_FONTS', 'FontMissingError', 'find_cjk_font',
    'register_font', 'require_cjk_font', 'missing_glyphs']

# Candidate TrueType CJK fonts (reportlab reads TrueType outlines only,
# not the CFF-based Noto CJK OpenType fonts).
CJK_FONTS = (
    '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
    '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
    '/usr/share/fonts/truetype/arphic/uming.ttc',
    '/usr/share/fonts/truetype/arphic/ukai.ttc',
    '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
    )


class FontMissingError(ValueError):
    "No usable CJK TrueType font, or the font lacks a glyph."


def find_cjk_font(candidates=CJK_FONTS):
    """Return the path of an installed TrueType CJK font, or None.

    candidates: paths tried in order (default CJK_FONTS, first
    /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc of Debian's
    fonts-wqy-zenhei).
    """
    for path in candidates:
        if os.path.isfile(path):
            return path
    return None


def require_cjk_font(candidates=CJK_FONTS):
    """Return the path of the first installed font of ``candidates``.

    Raises :class:`FontMissingError` naming the paths tried when none is
    installed: a PDF with Chinese text is never drawn with boxes."""
    path = find_cjk_font(candidates)
    if path is None:
        raise FontMissingError('no CJK TrueType font found (tried %s); '
            'install fonts-wqy-zenhei' % ', '.join(candidates or ['nothing']))
    return path


def register_font(path, prefix='zt-label-'):
    """Register the TTF/TTC ``path`` (TTC: subfont 0) with reportlab and
    return its name (``prefix`` + file name without extension).

    Raises :class:`FontMissingError` when reportlab cannot read it."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    name = prefix + os.path.basename(path).rsplit('.', 1)[0]
    if name not in pdfmetrics.getRegisteredFontNames():
        kwargs = {'subfontIndex': 0} if path.endswith('.ttc') else {}
        try:
            pdfmetrics.registerFont(TTFont(name, path, **kwargs))
        except (TTFError, OSError) as error:
            raise FontMissingError('cannot read the font %s: %s'
                % (path, error)) from error
    return name


def missing_glyphs(name, texts):
    """Return the characters (sorted list of str) of ``texts`` that the
    registered font ``name`` has no glyph for (spaces and line breaks
    are never drawn as glyphs and are ignored)."""
    from reportlab.pdfbase import pdfmetrics

    glyphs = pdfmetrics.getFont(name).face.charToGlyph
    return sorted({c for t in texts for c in t
            if ord(c) not in glyphs and c not in ' \n\r\t'})


# The name labels.py used before the font logic moved here.
_register_font = register_font
