# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Scan test vectors copied from public test suites (values only).

Each vector is (raw bytes, profile name, expected) where expected is a
dict of parse_scan fields that must match, or a str: the code of the
expected refusal.  A comment says where a vector departs from its
source and why (our policy is stricter: see gs1.py).
GS1 element strings get ']C1' in front so that they are read as GS1
whatever the guessing rules for unidentified data.
"""
import datetime as dt

D = dt.date

# jodal/biip, tests/gs1_messages/test_messages.py
BIIP_MESSAGES = [
    (b']C1010703206980498815210526100329', 'default', {
            'gtin': '07032069804988', 'best_before': D(2021, 5, 26),
            'lot': '0329'}),
    # biip accepts it; the GRAI (8003) check digit is wrong: 0707132400102
    # gives 1, not 2 (GS1 General Specifications 7.9.1).
    (b']C1800307071324001022085952', 'default', 'check_digit'),
    # biip reads lot '032915210526' (its test says "consuming the best
    # before date"): a merged lot, refused.
    (b']C1010703206980498810032915210526', 'default', 'gs_missing'),
    (b']C10107032069804988100329\x1d15210526', 'default', {
            'lot': '0329', 'best_before': D(2021, 5, 26)}),
    # biip with separator_chars ['|']: our profile 'pipe-gs'.
    (b'0107032069804988100329|15210526', 'pipe-gs', {
            'symbology': 'gs1', 'lot': '0329',
            'best_before': D(2021, 5, 26),
            'code': '0107032069804988100329\x1d15210526'}),
    # biip: unparsed 'aaa'; for us the too long lot also reads as
    # (10)222222222222222222 followed by (22)22aaa: GS missing.
    (b']C11022222222222222222222aaa', 'default', 'gs_missing'),
    # biip: '85' left over (a GTIN-13 really); (7011) needs HHMM.
    (b']C1701103020185', 'default', 'length'),
    (b']C115210526100329\x1d', 'default', {
            'best_before': D(2021, 5, 26), 'lot': '0329'}),
    (b']C115210526\x1d100329', 'default', {
            'best_before': D(2021, 5, 26), 'lot': '0329'}),
    (b']C10107032069804988100329\x1d\x1d15210526', 'default', {
            'lot': '0329', 'best_before': D(2021, 5, 26)}),
    (b']C17230EM123\x1d7231EM456\x1d7232EM789', 'default', {
            'ais': [['7230', 'EM123'], ['7231', 'EM456'],
                ['7232', 'EM789']]}),
    ]

# jodal/biip, tests/gs1_messages/test_element_strings.py
BIIP_ELEMENTS = [
    (b']C100373400306809981733', 'default', {
            'ais': [['00', '373400306809981733']]}),
    (b']C10107032069804988', 'default', {'gtin': '07032069804988'}),
    (b']C1100329', 'default', {'lot': '0329'}),
    (b']C14101234567890128', 'default', {
            'ais': [['410', '1234567890128']]}),
    (b']C17011030102', 'default', {'ais': [['7011', '030102']]}),
    (b']C170110301021430', 'default', {'ais': [['7011', '0301021430']]}),
    # biip only notes these check digit errors (gln_error, gtin_error,
    # sscc_error); we refuse them.
    (b']C14101234567890127', 'default', 'check_digit'),
    (b']C10107032069804987', 'default', 'check_digit'),
    (b']C100376130321109103421', 'default', 'check_digit'),
    (b']C101123', 'default', 'length'),
    (b']C13100123', 'default', 'length'),
    (b']C111030201', 'default', {'production_date': D(2003, 2, 1)}),
    (b']C112030201', 'default', {'ais': [['12', '030201']]}),
    (b']C115030201', 'default', {'best_before': D(2003, 2, 1)}),
    (b']C117030201', 'default', {'expiry': D(2003, 2, 1)}),
    (b']C143240701029999', 'default', {'ais': [['4324', '0701029999']]}),
    (b']C143240701021430', 'default', {'ais': [['4324', '0701021430']]}),
    (b']C14326070102', 'default', {'ais': [['4326', '070102']]}),
    (b']C170030701021415', 'default', {'ais': [['7003', '0701021415']]}),
    (b']C17006030102', 'default', {'ais': [['7006', '030102']]}),
    (b']C17007030102', 'default', {'ais': [['7007', '030102']]}),
    (b']C1800800010214', 'default', {'ais': [['8008', '00010214']]}),
    (b']C18008000102141516', 'default', {
            'ais': [['8008', '000102141516']]}),
    (b']C111120230', 'default', 'date'),
    (b']C115990229', 'default', 'date'),
    # Day 00 is the last day of the month (GS1 General Specifications).
    (b']C115200200', 'default', {'best_before': D(2020, 2, 29)}),
    (b']C115210200', 'default', {'best_before': D(2021, 2, 28)}),
    (b']C117211200', 'default', {'expiry': D(2021, 12, 31)}),
    (b']C13105123456', 'default', {'quantities': {'3105': '1.23456'}}),
    (b']C13114123456', 'default', {'quantities': {'3114': '12.3456'}}),
    (b']C13150123456', 'default', {'quantities': {'3150': '123456'}}),
    (b']C13661123456', 'default', {'quantities': {'3661': '12345.6'}}),
    (b']C13302023456', 'default', {'quantities': {'3302': '234.56'}}),
    (b']C13372123456', 'default', {'quantities': {'3372': '1234.56'}}),
    ]

# arthurdejong/python-stdnum, tests/test_gs1_128.doctest
STDNUM_GS1_128 = [
    (b']C1013842587609507417181119371', 'default', {
            'gtin': '38425876095074', 'expiry': D(2018, 11, 19),
            'count': 1}),
    (b']C1029841234567890831020017233732', 'default', {
            'gtin': None, 'quantities': {'3102': '17.23'}, 'count': 32}),
    (b']C102984123456789083103017230\x1d3732', 'default', {
            'quantities': {'3103': '17.230'}, 'count': 32}),
    # stdnum pads the lot with spaces; a space is not in GS1 CSET 82.
    (b']C1015842587609784310123456              171811193718',
        'default', 'format'),
    (b'|0158425876097843|10123456|171811193718', 'pipe-gs', {
            'gtin': '58425876097843', 'lot': '123456',
            'expiry': D(2018, 11, 19), 'count': 18}),
    # stdnum does not know AI 03; GS1 (and biip) do.
    (b']C10338425876095074', 'default', {
            'ais': [['03', '38425876095074']]}),
    (b']C13105033333', 'default', {'quantities': {'3105': '0.33333'}}),
    (b']C13100033333', 'default', {'quantities': {'3100': '33333'}}),
    (b']C111181119', 'default', {'production_date': D(2018, 11, 19)}),
    (b']C170031811191245', 'default', {'ais': [['7003', '1811191245']]}),
    (b']C17007181119181121', 'default', {
            'ais': [['7007', '181119181121']]}),
    (b']C1800818111912', 'default', {'ais': [['8008', '18111912']]}),
    (b']C10138425876095079', 'default', 'check_digit'),
    (b']C130aa', 'default', 'format'),
    ]

# arthurdejong/python-stdnum, tests/test_ean.doctest
STDNUM_EAN = [
    (b'7501031311309', 'default', {
            'symbology': 'ean-13', 'gtin': '07501031311309'}),
    (b']E075010313113', 'default', 'length'),
    (b']E0750103AAAA309', 'default', 'symbology'),
    (b'7501031311308', 'default', 'check_digit'),
    ]

# gs1/gs1-syntax-engine, src/c-lib/scandata.c
# (test_scandata_processScanData, test_scandata_validateParity,
# test_scandata_generateScanData).  The engine always requires a
# symbology identifier: profile 'aim'.
SYNTAX_ENGINE = [
    (b'ABC', 'aim', 'symbology'),
    (b']', 'aim', 'symbology'),
    (b']X', 'aim', 'symbology'),
    (b']XX', 'aim', 'symbology'),
    (b']e0', 'aim', 'empty'),
    # The engine accepts empty plain data; an empty scan names nothing.
    (b']Q1', 'aim', 'empty'),
    (b']Q1TESTING', 'aim', {'symbology': 'qr', 'code': 'TESTING'}),
    (b']Q1^TESTING', 'aim', {'symbology': 'qr', 'code': '^TESTING'}),
    (b']Q3', 'aim', 'empty'),
    (b']Q3011231231231233310ABC123\x1d99TESTING', 'aim', {
            'symbology': 'gs1-qr', 'gtin': '12312312312333',
            'lot': 'ABC123'}),
    # GS1 Digital Link URIs are kept as plain text (not parsed here).
    (b']Q1https://example.com/01/12312312312333?99=TEST', 'aim', {
            'symbology': 'qr', 'gtin': None,
            'code': 'https://example.com/01/12312312312333?99=TEST'}),
    (b']d1TESTING', 'aim', {'symbology': 'datamatrix', 'code': 'TESTING'}),
    (b']d2', 'aim', 'empty'),
    (b']d2011231231231233310ABC123\x1d99TESTING', 'aim', {
            'symbology': 'gs1-datamatrix', 'gtin': '12312312312333',
            'lot': 'ABC123', 'code': '011231231231233310ABC123\x1d99TESTING'}),
    (b']e0011231231231233310ABC123\x1d99TESTING\x1d98XYZ', 'aim', {
            'symbology': 'gs1', 'lot': 'ABC123',
            'ais': [['01', '12312312312333'], ['10', 'ABC123'],
                ['99', 'TESTING'], ['98', 'XYZ']]}),
    # 99 is 1999 per GS1 7.12 until the end of 2048.
    (b']e0011231231231233310ABC123\x1d1199122598TESTING\x1d97XYZ', 'aim', {
            'production_date': D(1999, 12, 25),
            'ais': [['01', '12312312312333'], ['10', 'ABC123'],
                ['11', '991225'], ['98', 'TESTING'], ['97', 'XYZ']]}),
    (b']C1', 'aim', 'empty'),
    (b']C1011231231231233310ABC123\x1d99TESTING', 'aim', {
            'symbology': 'gs1-128', 'gtin': '12312312312333'}),
    (b']E0', 'aim', 'empty'),
    (b']E0123456789012', 'aim', 'length'),
    (b']E012345678901234', 'aim', 'length'),
    (b']E01234ABC890123', 'aim', 'symbology'),
    (b']E02112345678901', 'aim', 'check_digit'),
    (b']E02112345678900', 'aim', {
            'symbology': 'ean-13', 'gtin': '02112345678900',
            'code': '2112345678900'}),
    (b']E02112345678900|]e099COMPOSITE\x1d98XYZ', 'aim', {
            'symbology': 'ean-13', 'gtin': '02112345678900',
            'ais': [['01', '02112345678900'], ['99', 'COMPOSITE'],
                ['98', 'XYZ']]}),
    (b']E4', 'aim', 'empty'),
    (b']E41234567', 'aim', 'length'),
    (b']E4123456789', 'aim', 'length'),
    (b']E412ABC678', 'aim', 'symbology'),
    (b']E402345674', 'aim', 'check_digit'),
    (b']E402345673', 'aim', {'symbology': 'ean-8',
            'gtin': '00000002345673'}),
    (b']E402345673|]e099COMPOSITE\x1d98XYZ', 'aim', {
            'symbology': 'ean-8', 'gtin': '00000002345673',
            'ais': [['01', '00000002345673'], ['99', 'COMPOSITE'],
                ['98', 'XYZ']]}),
    (b']E00416000336108', 'aim', {'symbology': 'upc-a',
            'gtin': '00416000336108'}),
    (b']E00001234000057', 'aim', {'symbology': 'upc-a',
            'gtin': '00001234000057'}),
    # validateParity vectors, sent without identifier (profile default).
    (b'2112233789657', 'default', {'symbology': 'ean-13'}),
    (b'2112233789658', 'default', 'check_digit'),
    (b'416000336108', 'default', {'symbology': 'upc-a',
            'gtin': '00416000336108'}),
    (b'416000336107', 'default', 'check_digit'),
    # Valid as EAN-8 and as UPC-E (023456000080): only an identifier
    # tells which.
    (b'02345680', 'default', 'ambiguous'),
    (b']E402345680', 'default', {'symbology': 'ean-8',
            'gtin': '00000002345680'}),
    (b'02345689', 'default', 'check_digit'),
    # A valid GTIN-14 that also reads as (240)12345678905.
    (b'24012345678905', 'default', 'ambiguous'),
    # With a wrong GTIN check digit it is element strings, but without
    # GS (240)12345678909 also reads (240)12345678 (90)9: refused.
    (b'24012345678909', 'default', 'gs_missing'),
    (b'24012345678909\x1d', 'default', {'symbology': 'gs1',
            'ais': [['240', '12345678909']]}),
    ]

ALL = BIIP_MESSAGES + BIIP_ELEMENTS + STDNUM_GS1_128 + STDNUM_EAN \
    + SYNTAX_ENGINE
