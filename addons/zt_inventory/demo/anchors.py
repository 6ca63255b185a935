# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The signed anchors of the demo: a signing key in the demo folder (made
once), a fresh anchor file per demo database, the heads anchored at the end
of the scenario."""
import os

from .server import DemoError

SECTION = 'zt_inventory'


def prepare():
    """Create the key of ``[zt_inventory] ledger_key`` if it is missing and
    remove the anchor file of the previous demo database (just dropped: its
    anchors name chains that are gone).  Does nothing without
    ``ledger_key``.  Raises :class:`DemoError` if the key cannot be
    created."""
    from trytond import config

    from ..anchor_sign import generate_key, public_key_text
    path = config.get(SECTION, 'ledger_key')
    if not path:
        return
    try:
        key = generate_key(path)
    except FileExistsError:
        pass
    except OSError as error:
        raise DemoError("cannot create the signing key %s: %s"
            % (path, error))
    else:
        print("  signing key %s created, public key %s"
            % (path, public_key_text(key)), flush=True)
    anchor_file = config.get(SECTION, 'anchor_file')
    if anchor_file and os.path.exists(anchor_file):
        print("  removing the anchor file of the previous demo database "
            "%s" % anchor_file, flush=True)
        os.remove(anchor_file)


def anchor(config_file, database):
    """Anchor the chain heads of ``database`` as ``ztinv anchor`` does and
    print them; return the anchor file (str) to verify with, or None.
    Without ``ledger_key`` in ``config_file`` nothing is anchored.  Raises
    :class:`DemoError` if anchoring fails."""
    from trytond import config

    from ..cli import anchor as run_anchor
    if not config.get(SECTION, 'ledger_key'):
        print("Anchors: skipped, %s has no [%s] ledger_key"
            % (config_file, SECTION), flush=True)
        return None
    print("Anchors: ztinv anchor -c %s -d %s" % (config_file, database),
        flush=True)
    if run_anchor(config_file, database):
        raise DemoError("the ledger heads could not be anchored")
    return config.get(SECTION, 'anchor_file') or None
