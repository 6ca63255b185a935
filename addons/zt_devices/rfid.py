# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""RFID reads: collapsing an inventory round and SGTIN-96 EPCs.

Plain logic, no ORM.  Sources: GS1 EPC Tag Data Standard (TDS) 1.13+,
section 14.5.1 (SGTIN-96) with its partition table (table 14-2); GS1
General Specifications section 7.9.1 (GTIN check digit).
"""
import re

__all__ = ['collapse', 'decode_sgtin96', 'encode_sgtin96',
    'sgtin96_tag_uri']

SGTIN96_HEADER = 0x30
# TDS table 14-2: partition -> (company prefix bits, digits,
# item reference and indicator bits, digits); the two always add up to
# 44 bits and 13 digits.
PARTITIONS = {
    0: (40, 12, 4, 1),
    1: (37, 11, 7, 2),
    2: (34, 10, 10, 3),
    3: (30, 9, 14, 4),
    4: (27, 8, 17, 5),
    5: (24, 7, 20, 6),
    6: (20, 6, 24, 7),
    }
SERIAL_BITS = 38
MAX_SERIAL = (1 << SERIAL_BITS) - 1
_HEX = re.compile(r'[0-9A-Fa-f]*\Z')
_DIGITS = re.compile(r'[0-9]+\Z')


def _check_hex(name, value, length=None):
    if not isinstance(value, str) or not _HEX.match(value):
        raise ValueError('%s %r is not a hexadecimal string' % (name, value))
    if length is not None and len(value) != length:
        raise ValueError('%s %r has %d hex digits, expected %d'
            % (name, value, len(value), length))
    return value.upper()


def collapse(reads):
    """Collapse the raw reads of one inventory round into tags.

    reads: iterable of dicts {'epc': hex str, 'tid': hex str ('' when the
    reader did not read the TID), 'antenna': int >= 0, 'rssi': float dBm,
    'time': float seconds}.

    Returns (tags, anomalies):
    - tags: one dict per (epc, tid) {'epc', 'tid' (upper-case hex),
      'antenna', 'rssi' (of the strongest read: highest rssi, ties go to
      the lowest antenna number), 'count' (number of reads), 'first',
      'last' (times)}, sorted by (epc, tid);
    - anomalies: one dict {'epc', 'tids': sorted list} per EPC seen with
      more than one TID, sorted by epc.  A TID is burnt in by the chip
      maker, so one EPC on two chips means a cloned or copied EPC: the
      caller must not count it (the scan parser refuses it with code
      'rfid_shared_epc').  Tags of such EPCs stay in `tags` so that the
      caller can show them.  Empty TIDs do not count as a second TID.

    Raises ValueError naming the bad read when a key is missing or has a
    bad type or value.
    """
    groups = {}
    for index, read in enumerate(reads):
        epc, tid, antenna, rssi, time = _check_read(index, read)
        tag = groups.get((epc, tid))
        if tag is None:
            groups[(epc, tid)] = {
                'epc': epc, 'tid': tid, 'antenna': antenna, 'rssi': rssi,
                'count': 1, 'first': time, 'last': time,
                }
            continue
        tag['count'] += 1
        tag['first'] = min(tag['first'], time)
        tag['last'] = max(tag['last'], time)
        # Compare (rssi, -antenna) so that the result does not depend on
        # the order in which the reader reported the reads.
        if (rssi, -antenna) > (tag['rssi'], -tag['antenna']):
            tag['antenna'], tag['rssi'] = antenna, rssi
    tags = [groups[k] for k in sorted(groups)]
    tids = {}
    for epc, tid in groups:
        if tid:
            tids.setdefault(epc, set()).add(tid)
    anomalies = [{'epc': epc, 'tids': sorted(tids[epc])}
        for epc in sorted(tids) if len(tids[epc]) > 1]
    return tags, anomalies


def _check_read(index, read):
    try:
        epc, tid = read['epc'], read['tid']
        antenna, rssi, time = read['antenna'], read['rssi'], read['time']
    except (KeyError, TypeError) as exception:
        raise ValueError('read %d misses %s' % (index, exception))
    epc = _check_hex('read %d epc' % index, epc)
    if not epc:
        raise ValueError('read %d has an empty epc' % index)
    tid = _check_hex('read %d tid' % index, tid)
    if (not isinstance(antenna, int) or isinstance(antenna, bool)
            or antenna < 0):
        raise ValueError('read %d antenna %r is not an integer >= 0'
            % (index, antenna))
    for name, value in [('rssi', rssi), ('time', time)]:
        if (not isinstance(value, (int, float)) or isinstance(value, bool)
                or value != value):
            raise ValueError('read %d %s %r is not a number'
                % (index, name, value))
    return epc, tid, antenna, float(rssi), time


def gtin_check_digit(digits):
    """Return the GS1 check digit (str) of a string of data digits.

    Weights 3 and 1 alternate from the rightmost data digit (GS1 General
    Specifications 7.9.1).
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1)
        for i, d in enumerate(reversed(digits)))
    return str(-total % 10)


def _unpack(epc_hex):
    epc_hex = _check_hex('EPC', epc_hex, 24)
    value = int(epc_hex, 16)
    header = value >> 88
    if header != SGTIN96_HEADER:
        raise ValueError('EPC %s has header 0x%02X, not 0x30 (SGTIN-96)'
            % (epc_hex, header))
    filter_ = (value >> 85) & 0x7
    partition = (value >> 82) & 0x7
    if partition not in PARTITIONS:
        raise ValueError('EPC %s has partition %d, valid are 0 to 6'
            % (epc_hex, partition))
    cp_bits, cp_digits, ir_bits, ir_digits = PARTITIONS[partition]
    company = (value >> (SERIAL_BITS + ir_bits)) & ((1 << cp_bits) - 1)
    item = (value >> SERIAL_BITS) & ((1 << ir_bits) - 1)
    serial = value & MAX_SERIAL
    if company >= 10 ** cp_digits or item >= 10 ** ir_digits:
        raise ValueError('EPC %s: company prefix %d or item reference %d '
            'has more than %d or %d digits'
            % (epc_hex, company, item, cp_digits, ir_digits))
    return (filter_, '%0*d' % (cp_digits, company),
        '%0*d' % (ir_digits, item), serial)


def decode_sgtin96(epc_hex):
    """Return (gtin14, serial) of an SGTIN-96 EPC.

    epc_hex: 24 hex digits (96 bits, either case).  Layout (TDS 14.5.1):
    header 8 bits (0x30), filter 3, partition 3, company prefix and item
    reference 44 together (split by the partition table), serial 38.
    gtin14: 14 digits, indicator digit (first digit of the item
    reference) + company prefix + rest of the item reference + check
    digit (GS1 General Specifications 7.9.1).  serial: decimal str
    without leading zeros.

    Raises ValueError for a wrong length, non-hex digits, another header,
    partition 7, or a field with more digits than its partition allows.
    """
    _, company, item, serial = _unpack(epc_hex)
    digits = item[0] + company + item[1:]
    return digits + gtin_check_digit(digits), str(serial)


def sgtin96_tag_uri(epc_hex):
    """Return the EPC tag URI of an SGTIN-96 EPC.

    e.g. 'urn:epc:tag:sgtin-96:3.0614141.812345.6789' (TDS 12.3.2);
    raises ValueError as decode_sgtin96.
    """
    filter_, company, item, serial = _unpack(epc_hex)
    return 'urn:epc:tag:sgtin-96:%d.%s.%s.%d' % (
        filter_, company, item, serial)


def encode_sgtin96(gtin14, serial, filter=1, company_prefix_length=7):
    """Return the SGTIN-96 EPC (24 upper-case hex digits) of a GTIN.

    gtin14: 14 digits with a valid check digit.  serial: int or decimal
    str without leading zeros, 0 to 2**38 - 1 (SGTIN-96 holds only such
    serials; others need SGTIN-198).  filter: 0 to 7 (1 = point of sale
    trade item).  company_prefix_length: 6 to 12 digits; it selects the
    partition and cannot be derived from the GTIN alone (it comes from
    the GS1 member organisation), but decoding gives the same GTIN and
    serial whatever length was used.

    Raises ValueError naming the bad argument.
    """
    if not isinstance(gtin14, str) or not re.match(r'[0-9]{14}\Z', gtin14):
        raise ValueError('GTIN %r is not 14 digits' % (gtin14,))
    if gtin_check_digit(gtin14[:13]) != gtin14[13]:
        raise ValueError('GTIN %s has a wrong check digit, expected %s'
            % (gtin14, gtin_check_digit(gtin14[:13])))
    serial = _check_serial(serial)
    if (not isinstance(filter, int) or isinstance(filter, bool)
            or not 0 <= filter <= 7):
        raise ValueError('filter %r is not 0 to 7' % (filter,))
    partitions = {v[1]: k for k, v in PARTITIONS.items()}
    if company_prefix_length not in partitions:
        raise ValueError('company prefix length %r is not 6 to 12'
            % (company_prefix_length,))
    partition = partitions[company_prefix_length]
    cp_bits, cp_digits, ir_bits, _ = PARTITIONS[partition]
    company = int(gtin14[1:1 + cp_digits])
    item = int(gtin14[0] + gtin14[1 + cp_digits:13])
    value = SGTIN96_HEADER
    for field, bits in [(filter, 3), (partition, 3), (company, cp_bits),
            (item, ir_bits), (serial, SERIAL_BITS)]:
        value = (value << bits) | field
    return '%024X' % value


def _check_serial(serial):
    if isinstance(serial, int) and not isinstance(serial, bool):
        number = serial
    elif (isinstance(serial, str) and _DIGITS.match(serial)
            and (serial == '0' or not serial.startswith('0'))):
        number = int(serial)
    else:
        raise ValueError('serial %r is not a number without leading zeros '
            '(SGTIN-96)' % (serial,))
    if not 0 <= number <= MAX_SERIAL:
        raise ValueError('serial %r is not 0 to %d (SGTIN-96)'
            % (serial, MAX_SERIAL))
    return number
