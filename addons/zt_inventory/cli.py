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
    demo.add_argument('-c', '--config', dest='config_file', required=True,
        metavar='CONFIG', help="trytond configuration file")
    demo.add_argument('-d', '--database', dest='database', required=True,
        metavar='DATABASE', help="name of the demo database")
    demo.add_argument('--no-serve', dest='serve', action='store_false',
        help="stop the server after the scenario")
    verify = commands.add_parser('verify',
        help="recompute every ledger chain from the database",
        description="Read every ledger entry straight from the database and "
        "recompute its chain; exit 0 when all holds, 1 and the broken "
        "entries otherwise.")
    add_database_options(verify)
    return parser


def add_database_options(parser):
    "Add trytond-admin's ``-c CONFIG -d DATABASE`` options to ``parser``."
    parser.add_argument('-c', '--config', dest='config_file', required=True,
        metavar='CONFIG', help="trytond configuration file")
    parser.add_argument('-d', '--database', dest='database', required=True,
        metavar='DATABASE', help="name of the database")


def main(argv=None):
    "Entry point of the ``ztinv`` console script."
    options = build_parser().parse_args(argv)
    if options.command == 'demo':
        from .demo import run
        sys.exit(run(options.config_file, options.database, options.serve))
    elif options.command == 'verify':
        from .ledger_verify import main as verify
        sys.exit(verify(options.config_file, options.database))


if __name__ == '__main__':
    main()
