# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Every user-facing text of our modules has a zh_CN translation with the
same placeholders."""
import re
import unittest
from pathlib import Path
from xml.etree import ElementTree

import polib

ADDONS = Path(__file__).resolve().parent.parent / 'addons'
PLACEHOLDER = re.compile(r'%\([a-z_]+\)s')


def modules():
    return sorted(p.parent for p in ADDONS.glob('*/tryton.cfg'))


class TranslationTestCase(unittest.TestCase):

    def test_messages_translated(self):
        "Each ir.message of message.xml has a zh_CN msgstr"
        for module in modules():
            messages = module / 'message.xml'
            if not messages.exists():
                continue
            po = polib.pofile(str(module / 'locale' / 'zh_CN.po'))
            translated = {e.msgid: e.msgstr for e in po}
            tree = ElementTree.parse(messages)
            for record in tree.iter('record'):
                text = record.find("field[@name='text']").text
                with self.subTest(module=module.name, id=record.get('id')):
                    self.assertTrue(translated.get(text),
                        msg='no zh_CN translation for %r' % text)

    def test_po_complete(self):
        "Every zh_CN entry is translated, not fuzzy, with equal placeholders"
        for module in modules():
            po = polib.pofile(str(module / 'locale' / 'zh_CN.po'))
            for entry in po:
                with self.subTest(module=module.name, msgid=entry.msgid):
                    self.assertTrue(entry.msgstr)
                    self.assertNotIn('fuzzy', entry.flags)
                    self.assertEqual(
                        sorted(PLACEHOLDER.findall(entry.msgid)),
                        sorted(PLACEHOLDER.findall(entry.msgstr)))


if __name__ == '__main__':
    unittest.main()
