# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest

from ..rfid import (
    collapse, decode_sgtin96, encode_sgtin96, gtin_check_digit,
    sgtin96_tag_uri)

# GS1 EPC Tag Data Standard, annex E (encoding example of SGTIN-96):
# urn:epc:tag:sgtin-96:3.0614141.812345.6789 = 3074257BF7194E4000001A85,
# i.e. GTIN 80614141123458 (indicator 8) with serial 6789.
TDS_HEX = '3074257BF7194E4000001A85'
TDS_URI = 'urn:epc:tag:sgtin-96:3.0614141.812345.6789'
TDS_GTIN = '80614141123458'


def read(epc='E1', tid='A1', antenna=1, rssi=-60.0, time=0.0):
    return {'epc': epc, 'tid': tid, 'antenna': antenna, 'rssi': rssi,
        'time': time}


class SGTIN96TestCase(unittest.TestCase):
    "SGTIN-96 decode and encode (TDS 14.5.1)"

    def test_decode_tds_example(self):
        self.assertEqual(decode_sgtin96(TDS_HEX), (TDS_GTIN, '6789'))
        self.assertEqual(decode_sgtin96(TDS_HEX.lower()), (TDS_GTIN, '6789'))

    def test_tag_uri_tds_example(self):
        self.assertEqual(sgtin96_tag_uri(TDS_HEX), TDS_URI)

    def test_encode_tds_example(self):
        self.assertEqual(
            encode_sgtin96(TDS_GTIN, 6789, filter=3, company_prefix_length=7),
            TDS_HEX)
        self.assertEqual(
            encode_sgtin96(TDS_GTIN, '6789', filter=3), TDS_HEX)

    def test_round_trip_every_partition(self):
        gtin = '09506000134352'
        for length in range(6, 13):
            epc = encode_sgtin96(gtin, 274877906943, filter=1,
                company_prefix_length=length)
            self.assertEqual(decode_sgtin96(epc), (gtin, '274877906943'))
            uri = sgtin96_tag_uri(epc)
            self.assertEqual(len(uri.split(':')[-1].split('.')[1]), length)

    def test_serial_zero(self):
        epc = encode_sgtin96(TDS_GTIN, 0)
        self.assertEqual(decode_sgtin96(epc), (TDS_GTIN, '0'))

    def test_check_digit(self):
        # GS1 General Specifications 7.9.1 worked example: 629104150021|3
        self.assertEqual(gtin_check_digit('629104150021'), '3')
        self.assertEqual(gtin_check_digit('8061414112345'), '8')

    def test_decode_bad_header(self):
        with self.assertRaisesRegex(ValueError, 'header 0x31'):
            decode_sgtin96('3174257BF7194E4000001A85')

    def test_decode_bad_partition(self):
        # Partition bits 111 (7): 0x30, filter 011, partition 111.
        with self.assertRaisesRegex(ValueError, 'partition 7'):
            decode_sgtin96('307C257BF7194E4000001A85')

    def test_decode_bad_length_and_hex(self):
        with self.assertRaisesRegex(ValueError, 'expected 24'):
            decode_sgtin96(TDS_HEX[:-2])
        with self.assertRaisesRegex(ValueError, 'not a hexadecimal'):
            decode_sgtin96('3074257BF7194E4000001A8G')
        with self.assertRaises(ValueError):
            decode_sgtin96(None)

    def test_decode_company_prefix_too_large(self):
        # Partition 6 (6 digits, 20 bits): 0xFFFFF > 999999.
        epc = '%024X' % ((0x30 << 88) | (1 << 85) | (6 << 82)
            | (0xFFFFF << 62))
        with self.assertRaisesRegex(ValueError, 'more than 6'):
            decode_sgtin96(epc)

    def test_encode_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, 'check digit'):
            encode_sgtin96('80614141123459', 1)
        with self.assertRaisesRegex(ValueError, 'not 14 digits'):
            encode_sgtin96('8061414112345', 1)
        with self.assertRaisesRegex(ValueError, 'leading zeros'):
            encode_sgtin96(TDS_GTIN, '0123')
        with self.assertRaisesRegex(ValueError, 'leading zeros'):
            encode_sgtin96(TDS_GTIN, 'AB12')
        with self.assertRaisesRegex(ValueError, 'serial'):
            encode_sgtin96(TDS_GTIN, 1 << 38)
        with self.assertRaisesRegex(ValueError, 'filter'):
            encode_sgtin96(TDS_GTIN, 1, filter=8)
        with self.assertRaisesRegex(ValueError, 'company prefix length'):
            encode_sgtin96(TDS_GTIN, 1, company_prefix_length=5)


class CollapseTestCase(unittest.TestCase):
    "Collapse of the reads of one round"

    def test_duplicates_collapsed(self):
        tags, anomalies = collapse([
                read(time=1.0), read(time=0.5), read(time=2.0)])
        self.assertEqual(anomalies, [])
        self.assertEqual(tags, [{
                    'epc': 'E1', 'tid': 'A1', 'antenna': 1, 'rssi': -60.0,
                    'count': 3, 'first': 0.5, 'last': 2.0}])

    def test_strongest_antenna_wins(self):
        tags, _ = collapse([
                read(antenna=1, rssi=-70), read(antenna=3, rssi=-45.5),
                read(antenna=2, rssi=-50)])
        self.assertEqual((tags[0]['antenna'], tags[0]['rssi']), (3, -45.5))

    def test_tie_lowest_antenna(self):
        reads = [read(antenna=4, rssi=-50), read(antenna=2, rssi=-50),
            read(antenna=3, rssi=-50)]
        for order in [reads, reads[::-1]]:
            tags, _ = collapse(order)
            self.assertEqual(tags[0]['antenna'], 2)

    def test_shared_epc_anomaly(self):
        tags, anomalies = collapse([
                read(epc='e1', tid='b2'), read(epc='E1', tid='A1'),
                read(epc='E2', tid='C1')])
        self.assertEqual(anomalies, [{'epc': 'E1', 'tids': ['A1', 'B2']}])
        self.assertEqual([(t['epc'], t['tid']) for t in tags],
            [('E1', 'A1'), ('E1', 'B2'), ('E2', 'C1')])

    def test_empty_tid_not_an_anomaly(self):
        _, anomalies = collapse([read(tid=''), read(tid='A1')])
        self.assertEqual(anomalies, [])

    def test_order_deterministic(self):
        reads = [read(epc='E%d' % (i % 5), tid='A%d' % (i % 2),
                antenna=i % 4, rssi=-float(i % 7), time=float(i))
            for i in range(40)]
        self.assertEqual(collapse(reads), collapse(reversed(reads)))

    def test_empty(self):
        self.assertEqual(collapse([]), ([], []))

    def test_bad_reads(self):
        with self.assertRaisesRegex(ValueError, "read 0 misses 'rssi'"):
            collapse([{'epc': 'E1', 'tid': 'A1', 'antenna': 1,
                        'time': 0.0}])
        with self.assertRaisesRegex(ValueError, 'read 1 epc'):
            collapse([read(), read(epc='XYZ')])
        with self.assertRaisesRegex(ValueError, 'empty epc'):
            collapse([read(epc='')])
        with self.assertRaisesRegex(ValueError, 'antenna'):
            collapse([read(antenna=-1)])
        with self.assertRaisesRegex(ValueError, 'rssi'):
            collapse([read(rssi='-50')])
        with self.assertRaisesRegex(ValueError, 'misses'):
            collapse([None])
