# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""ztinv parse-scan: parse one raw scan and print it (no database).

    ztinv parse-scan [--profile NAME] [--profile-json FILE] RAW

RAW is written with escapes (escape.unescape: '\\x1d' or U+241D for GS).
Prints the parsed scan as JSON and exits 0, or "refused: <message>",
"hint: <hint>" and "code: <code>" and exits 1; exits 2 for a bad
argument, escape or profile.
"""
import argparse
import json
import sys

from .errors import ScanRefused
from .escape import unescape
from .parse import parse_scan, scan_to_json
from .profile import PROFILES, profile_from_dict

__all__ = ['main']


def _parser():
    parser = argparse.ArgumentParser(prog='ztinv parse-scan',
        description='Parse one raw scan with the zt_devices parser.')
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--profile', default='default',
        choices=sorted(PROFILES), help='built-in scanner profile')
    group.add_argument('--profile-json', metavar='FILE',
        help='JSON file of a profile (profile.profile_from_dict)')
    parser.add_argument('raw', metavar='RAW',
        help=r'the scan, with escapes such as \x1d for GS')
    return parser


def _profile(args):
    "Return the Profile chosen by args; raises ValueError or OSError."
    if not args.profile_json:
        return PROFILES[args.profile]
    with open(args.profile_json, encoding='utf-8') as file:
        return profile_from_dict(json.load(file))


def main(argv=None, out=None):
    """Run `ztinv parse-scan`; return the exit status (0, 1 or 2).

    argv: list of str (default sys.argv[1:]); out: text file for the
    result (default sys.stdout); usage errors go to sys.stderr.
    """
    out = out or sys.stdout
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else 2
    try:
        profile = _profile(args)
        raw = unescape(args.raw)
    except (ValueError, OSError) as exception:
        print('error: %s' % exception, file=sys.stderr)
        return 2
    try:
        scan = parse_scan(raw, profile)
    except ScanRefused as refusal:
        print('refused: %s' % refusal, file=out)
        print('hint: %s' % (refusal.hint or '-'), file=out)
        print('code: %s' % refusal.code, file=out)
        return 1
    print(json.dumps(scan_to_json(scan), sort_keys=True,
            ensure_ascii=False), file=out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
