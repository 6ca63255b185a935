# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The operator command line ``ztinv``."""
import argparse
import sys


def build_parser():
    "Return the argparse parser of ``ztinv`` with its subcommands."
    parser = argparse.ArgumentParser(prog='ztinv',
        description="zt-inventory operator commands")
    commands = parser.add_subparsers(dest='command', metavar='COMMAND')
    commands.required = True
    demo = commands.add_parser('demo',
        help="(re)create a demo database, play the demo scenario and serve",
        description="Create the demo database DATABASE (an existing one is "
        "recreated), load the demo data, play the approval and issue "
        "scenario over XML-RPC and keep the server running.")
    add_database_options(demo)
    demo.add_argument('--no-serve', dest='serve', action='store_false',
        help="stop the server after the scenario")
    verify = commands.add_parser('verify',
        help="recompute every ledger chain from the database",
        description="Read every ledger entry straight from the database and "
        "recompute its chain; exit 0 when all holds, 1 and the broken "
        "entries otherwise.")
    add_database_options(verify)
    verify.add_argument('--anchors', dest='anchor_file', metavar='FILE',
        help="also check the signed anchors of this anchor file (a copy "
        "kept out of the server's reach)")
    for name, help_ in [
            ('parse-scan', "parse a scanner's raw output as the server "
                "would (module zt_devices; no database)"),
            ('bridge', "read scanners and RFID readers, sign their scans "
                "and send them to the server (module zt_devices)"),
            ]:
        delegated = commands.add_parser(name, help=help_, add_help=False)
        delegated.add_argument('arguments', nargs=argparse.REMAINDER)
    keygen = commands.add_parser('keygen',
        help="create the Ed25519 key that signs the ledger anchors",
        description="Create a new Ed25519 private key in PATH (PEM, mode "
        "0600; an existing file is never overwritten) and print its public "
        "key.  Set [zt_inventory] ledger_key to PATH.")
    keygen.add_argument('-o', '--output', dest='path', required=True,
        metavar='PATH', help="file of the new private key")
    anchor = commands.add_parser('anchor',
        help="sign and record the head of every ledger chain",
        description="Sign the head of every ledger chain with the key of "
        "[zt_inventory] ledger_key, record the anchors in the database and "
        "append them to [zt_inventory] anchor_file (what the daily cron "
        "task does).")
    add_database_options(anchor)
    trace = commands.add_parser('trace',
        help="print the chain of custody of a product or a lot",
        description="Print every ledger entry of the stock moves of the "
        "product (and lot) in time order: quantity, locations, document, "
        "person, device and the entry's hash (recomputed).")
    add_database_options(trace)
    trace.add_argument('--product', required=True, metavar='CODE',
        help="the product's code")
    trace.add_argument('--lot', metavar='LOT', help="the lot's number")
    trace.add_argument('--format', choices=['table', 'json'],
        default='table', help="output format (default: table)")
    slip = commands.add_parser('slip',
        help="print the pick slip of an issue request to a PDF file",
        description="Write the pick slip of the issue request NUMBER "
        "(QR code of its number and last ledger hash, Code 128 of its "
        "number) to FILE.pdf.  Exit 0, 1 when it cannot be printed or "
        "FILE.pdf cannot be written (no file is written), 2 for an unknown "
        "request.")
    add_database_options(slip)
    slip.add_argument('--request', required=True, metavar='NUMBER',
        help="the request's number")
    slip.add_argument('-o', '--output', required=True, metavar='FILE.pdf',
        help="the PDF file to write")
    from .slip import LABELS
    slip.add_argument('--lang', default='en', choices=sorted(LABELS),
        help="language of the labels: %s (default: en)"
        % ' or '.join(sorted(LABELS)))
    slip.add_argument('--format', dest='page', choices=['a4', '80mm'],
        default='a4', help="page: A4 (default) or an 80 mm roll")
    verify_slip = commands.add_parser('verify-slip',
        help="check a printed pick slip against the ledger",
        description="Read the QR code of the pick slip FILE.pdf (or the "
        "text of --qr) and compare it with the request's ledger: exit 0 "
        "when nothing was recorded since printing, 1 otherwise with the "
        "reason.")
    add_database_options(verify_slip)
    slip_source = verify_slip.add_mutually_exclusive_group(required=True)
    slip_source.add_argument('pdf', nargs='?', metavar='FILE.pdf',
        help="the printed slip as PDF")
    slip_source.add_argument('--qr', metavar='TEXT',
        help="the text of the slip's QR code, as scanned")
    sod_report = commands.add_parser('sod-report',
        help="list the users whose groups break a segregation-of-duties "
        "rule",
        description="Print one line per active user and active rule whose "
        "two duties the user's groups grant: login, rule, groups granting "
        "each duty ('*': every user).  Exit 0 when there is none, 1 "
        "otherwise.")
    add_database_options(sod_report)
    rules = commands.add_parser('rules',
        help="evaluate the inventory rules now (module zt_rules)",
        description="Process the pending rule events and evaluate the "
        "scheduled rules now, as the cron and the queue do, then deliver "
        "the due notifications.  Exit 0, or 1 when --rule names no active "
        "rule.")
    add_database_options(rules)
    rules.add_argument('--rule', metavar='NAME',
        help="only the active rule of this name")
    return parser


def add_database_options(parser):
    "Add trytond-admin's ``-c CONFIG -d DATABASE`` options to ``parser``."
    parser.add_argument('-c', '--config', dest='config_file', required=True,
        metavar='CONFIG', help="trytond configuration file")
    parser.add_argument('-d', '--database', dest='database', required=True,
        metavar='DATABASE', help="name of the database")


def keygen(path, out=sys.stdout, err=sys.stderr):
    """Run ``ztinv keygen``: create the anchor signing key in ``path``
    and print its public key (hex); return the exit code."""
    from .anchor_sign import generate_key, public_key_text
    try:
        key = generate_key(path)
    except FileExistsError:
        print("ztinv keygen: error: %s exists; a key is never overwritten"
            % path, file=err)
        return 1
    except OSError as error:
        print("ztinv keygen: error: %s: %s" % (path, error), file=err)
        return 1
    print(public_key_text(key), file=out)
    return 0


def anchor(config_file, database, out=sys.stdout, err=sys.stderr):
    """Run ``ztinv anchor``: anchor every chain head of ``database`` as
    root, committed; print one line per anchor; return the exit code."""
    from trytond import config
    config.update_etc(config_file)
    from trytond.exceptions import UserError

    from .ledger_anchor import anchor_database
    try:
        anchors = anchor_database(database)
    except UserError as error:
        print("ztinv anchor: error: %s" % error.message, file=err)
        return 1
    for a in anchors:
        print("anchor chain %s head %s %s at %s" % (
                a.chain, a.sequence, a.hash, a.timestamp), file=out)
    print("anchor: %d chain head(s) signed" % len(anchors), file=out)
    return 0


# Subcommands of other modules that parse their own arguments and need no
# database of ours: the rest of the command line is theirs.
DELEGATED = {
    'parse-scan': ('trytond.modules.zt_devices.cli_parse', 'zt_devices'),
    'bridge': ('trytond.modules.zt_devices.bridge.main', 'zt_devices'),
    }


def delegate(name, argv):
    "Run the delegated subcommand ``name`` with ``argv``; exit with its code."
    import importlib
    module_name, module = DELEGATED[name]
    try:
        command = importlib.import_module(module_name)
    except ImportError:
        print("ztinv %s: error: the module %s is not installed" % (
                name, module), file=sys.stderr)
        sys.exit(2)
    sys.exit(command.main(argv))


def main(argv=None):
    "Entry point of the ``ztinv`` console script."
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] in DELEGATED:
        delegate(args[0], args[1:])
    options = build_parser().parse_args(argv)
    try:
        dispatch(options)
    except Exception as error:
        from .ledger_verify import DatabaseUnavailable
        if not isinstance(error, DatabaseUnavailable):
            raise
        print("ztinv %s: error: %s" % (options.command, error),
            file=sys.stderr)
        sys.exit(2)


def dispatch(options):
    "Run the subcommand of the parsed ``options``; exits with its code."
    if options.command in {'anchor', 'sod-report', 'rules'}:
        # The same checks as the read-only commands, before any write.
        from .ledger_verify import connect
        connect(options.config_file, options.database).close()
    if options.command == 'demo':
        from .demo import run
        sys.exit(run(options.config_file, options.database, options.serve))
    elif options.command == 'verify':
        from .ledger_verify import main as verify
        sys.exit(verify(options.config_file, options.database,
                anchor_file=options.anchor_file))
    elif options.command == 'keygen':
        sys.exit(keygen(options.path))
    elif options.command == 'anchor':
        sys.exit(anchor(options.config_file, options.database))
    elif options.command == 'sod-report':
        from .sod_report import main as sod_report
        sys.exit(sod_report(options.config_file, options.database))
    elif options.command == 'rules':
        try:
            from trytond.modules.zt_rules.cli import main as rules
        except ImportError:
            print("ztinv rules: error: the module zt_rules is not installed",
                file=sys.stderr)
            sys.exit(2)
        sys.exit(rules(options.config_file, options.database, options.rule))
    elif options.command == 'slip':
        from .slip_report import main_slip
        sys.exit(main_slip(options.config_file, options.database,
                options.request, options.output, options.lang, options.page))
    elif options.command == 'verify-slip':
        from .slip_report import main_verify
        sys.exit(main_verify(options.config_file, options.database,
                options.pdf, options.qr))
    elif options.command == 'trace':
        from .ledger_trace import main as trace
        sys.exit(trace(options.config_file, options.database,
                options.product, options.lot, options.format))


if __name__ == '__main__':
    main()
