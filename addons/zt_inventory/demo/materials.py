# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Master data of the demo factory: a small maker of motor control cabinets
and servo drive units.  Pure data, no Tryton import."""
from collections import namedtuple

from ..barcode import gtin_check_digit

Material = namedtuple('Material', [
        'code', 'en', 'zh', 'uom', 'abc', 'method', 'cost', 'lot'])

# GS1 China prefix 690-699; company prefix 6901234 is fictitious.
GTIN_PREFIX = '6901234'

# code, English, Chinese, unit symbol, ABC class, cost price method,
# cost price (CNY per unit), lot tracked
MATERIALS = [Material(*m) for m in [
    ('RM-1001', "Cabinet Enclosure 800x600x300", "控制柜箱体 800x600x300",
        'u', 'B', 'fixed', '1180.00', False),
    ('RM-1002', "Circuit Breaker 3P 63A", "三极断路器 63A",
        'u', 'B', 'average', '186.50', False),
    ('RM-1003', "AC Contactor 32A 220V", "交流接触器 32A 220V",
        'u', 'C', 'average', '94.80', False),
    ('RM-1004', "DIN Rail Terminal Block 4mm²", "导轨接线端子 4mm²",
        'u', 'C', 'fixed', '2.35', False),
    ('RM-1005', "Copper Wire BVR 4mm²", "铜芯软线 BVR 4mm²",
        'm', 'C', 'average', '8.60', True),
    ('RM-1006', "Hex Screw M6x20 Stainless", "不锈钢六角螺钉 M6x20",
        'u', 'C', 'fixed', '0.12', False),
    ('RM-1007', "Thermal Overload Relay", "热过载继电器",
        'u', 'B', 'average', '128.00', False),
    ('RM-1008', "Indicator Lamp 22mm Green", "指示灯 22mm 绿色",
        'u', 'C', 'fixed', '6.40', False),
    ('RM-1009', "Emergency Stop Button", "急停按钮",
        'u', 'C', 'fixed', '18.90', False),
    ('RM-1010', "Copper Busbar 30x5", "铜排 30x5",
        'kg', 'B', 'average', '78.00', True),
    ('RM-1011', "Cabinet Cooling Fan 120mm", "机柜散热风扇 120mm",
        'u', 'C', 'fixed', '36.00', False),
    ('RM-1012', "PLC CPU Module", "PLC 主控模块",
        'u', 'A', 'fixed', '3650.00', True),
    ('RM-2001', "AC Servo Motor 750W", "交流伺服电机 750W",
        'u', 'A', 'average', '2850.00', True),
    ('RM-2002', "IGBT Power Module 50A", "IGBT 功率模块 50A",
        'u', 'A', 'average', '420.00', True),
    ('RM-2003', "Servo Control PCB Assembly", "伺服控制电路板组件",
        'u', 'B', 'fixed', '680.00', True),
    ('RM-2004', "Aluminium Heat Sink 150mm", "铝散热器 150mm",
        'u', 'C', 'fixed', '45.00', False),
    ('RM-2005', "Encoder Cable 3m", "编码器电缆 3m",
        'u', 'B', 'fixed', '260.00', False),
    ('RM-2006', "Electrolytic Capacitor 470uF 450V", "电解电容 470uF 450V",
        'u', 'C', 'average', '12.80', True),
    ('RM-2007', "Drive Housing Die-Cast", "驱动器压铸外壳",
        'u', 'B', 'fixed', '155.00', False),
    ('RM-2008', "Thermal Grease 100g", "导热硅脂 100g",
        'u', 'C', 'fixed', '22.00', True),
    ('RM-2009', "Braking Resistor 100W", "制动电阻 100W",
        'u', 'C', 'fixed', '58.00', False),
    ('RM-2010', "LCD Operator Panel", "液晶操作面板",
        'u', 'B', 'fixed', '310.00', False),
    ('RM-3001', "Cold-Rolled Steel Sheet 1.5mm", "冷轧钢板 1.5mm",
        'kg', 'C', 'average', '5.60', True),
    ('RM-3002', "Epoxy Powder Coating RAL7035", "环氧粉末涂料 RAL7035",
        'kg', 'C', 'average', '32.00', True),
    ('RM-3003', "Cable Tie 4x200 (pack of 100)", "尼龙扎带 4x200（100条/包）",
        'u', 'C', 'fixed', '9.50', False),
    ('RM-3004', "Heat Shrink Tube 10mm", "热缩管 10mm",
        'm', 'C', 'fixed', '1.20', False),
    ('RM-3005', "Cable Gland PG16", "电缆防水接头 PG16",
        'u', 'C', 'fixed', '3.80', False),
    ('RM-3006', "Door Gasket EPDM", "EPDM 门密封条",
        'm', 'C', 'fixed', '6.90', False),
    ('RM-3007', "Nameplate Stainless Etched", "不锈钢蚀刻铭牌",
        'u', 'C', 'fixed', '15.00', False),
    ('RM-3008', "Packing Carton 5-Ply", "五层包装纸箱",
        'u', 'C', 'fixed', '11.00', False),
    ('RM-3009', "Wooden Pallet 1200x1000", "木托盘 1200x1000",
        'u', 'C', 'fixed', '85.00', False),
    ('RM-3010', "Solder Wire Sn63 0.8mm", "焊锡丝 Sn63 0.8mm",
        'kg', 'B', 'average', '210.00', True),
    ]]

# The product the browser test opens: it never gets a stock move.
NO_MOVE = Material('ZT-NOMOVE', "Spare Door Lock (never moved)",
    "备用门锁（从未移动）", 'u', 'C', 'fixed', '4.00', False)

# The rules of zt_rules find something in the demo (doc/rules.rst of
# zt_rules): a material received DEAD_STOCK_DAYS ago and never moved since
# (dead stock, more than 180 days), a material below its order point's
# minimal quantity (safety stock: one purchase request) and a material
# received twice today in small lots and issued twice (frequent movement:
# more than 3 moves in 24 hours).
DEAD_STOCK = Material('RM-4001', "Analog Panel Meter 96x96 (obsolete)",
    "指针式面板表 96x96（已停用）", 'u', 'C', 'fixed', '65.00', False)
DEAD_STOCK_DAYS = 200
# code, minimal quantity, target quantity (units) of the purchase order
# point in warehouse WH; the forecast is its receipt minus production 1.
ORDER_POINT = ('RM-1001', 8, 20)
# code, quantity of each of the two small receipts done today
FREQUENT = ('RM-1004', 100)

# The product categories (one per family, under the accounting category
# "原材料与产成品 Materials and Goods"): code prefix -> name.  The product
# that never moves (a spare door lock of the cabinet) is in RM-1's.
CATEGORIES = {
    'RM-1': "控制柜元件 Control Cabinet Components",
    'RM-2': "伺服驱动部件 Servo Drive Parts",
    'RM-3': "辅料与包装 Consumables and Packaging",
    'RM-4': "停用物料 Discontinued Materials",
    'FG-': "产成品 Finished Goods",
    }


def category_prefix(code):
    "Return the key of CATEGORIES (str) of the product ``code``."
    if code == NO_MOVE.code:
        return 'RM-1'
    prefix, = [p for p in CATEGORIES if code.startswith(p)]
    return prefix


FINISHED = [
    ('FG-1001', "Motor Control Cabinet MCC-200", "电机控制柜 MCC-200",
        '6800.00', [('RM-1001', 1), ('RM-1002', 3), ('RM-1003', 4),
            ('RM-1004', 20), ('RM-1005', 15), ('RM-1006', 40),
            ('RM-1008', 3), ('RM-1009', 1), ('RM-1011', 2)]),
    ('FG-2001', "Servo Drive Unit SD-750", "伺服驱动单元 SD-750",
        '7200.00', [('RM-2001', 1), ('RM-2002', 2), ('RM-2003', 1),
            ('RM-2004', 1), ('RM-2005', 1), ('RM-2006', 6),
            ('RM-2007', 1), ('RM-2008', 1)]),
    ]
# Finished product code -> quantity of its production order (in state
# waiting), in order: production 1, production 2.
# Warehouse keepers act only in the warehouses assigned to them: login ->
# warehouse codes.  WH is Tryton's default warehouse, WH2 the demo's second.
KEEPER_WAREHOUSES = {'keeper': ['WH'], 'keeper2': ['WH2'],
    'supervisor': ['WH', 'WH2']}
SECOND_WAREHOUSE = ('WH2', "二号仓库 Warehouse 2")

PRODUCTIONS = [('FG-1001', 5), ('FG-2001', 4)]

# login, name, role groups (joined by +), language, badge, supervisor login,
# password
USERS = [
    ('admin', "Administrator", None, 'en', 'BADGE-0000', None,
        'Admin-Demo-2026!'),
    # The department manager also edits the rules of zt_rules.
    ('manager', "王建国 Wang Jianguo (Dept. Manager)",
        'department_manager+rule_admin', 'zh_CN', 'BADGE-0003', None,
        'Manager-Demo-2026!'),
    ('staff', "李明 Li Ming (Production)", 'production_staff', 'zh_CN',
        'BADGE-0001', 'manager', 'Staff-Demo-2026!'),
    ('staff2', "赵磊 Zhao Lei (Production)", 'production_staff', 'en',
        'BADGE-0002', 'manager', 'Staff2-Demo-2026!'),
    # A workshop lead holds several roles: the server must still stop them
    # from approving their own request (segregation of duties); as
    # production manager they approve requests beyond the bill of materials
    # (a rule of zt_rules).
    ('lead', "孙涛 Sun Tao (Workshop Lead)",
        'production_staff+department_manager+production_manager', 'en',
        'BADGE-0011', 'manager', 'Lead-Demo-2026!'),
    ('keeper', "张伟 Zhang Wei (Warehouse)", 'warehouse_keeper', 'zh_CN',
        'BADGE-0004', None, 'Keeper-Demo-2026!'),
    ('keeper2', "郑强 Zheng Qiang (Warehouse 2)", 'warehouse_keeper', 'en',
        'BADGE-0012', None, 'Keeper2-Demo-2026!'),
    # Alerted by the rule on frequent movement; a senior keeper who may
    # open the flagged moves of both warehouses.
    ('supervisor', "马超 Ma Chao (Warehouse Supervisor)",
        'warehouse_keeper+warehouse_supervisor', 'zh_CN', 'BADGE-0013',
        None, 'Supervisor-Demo-2026!'),
    ('cfo', "陈静 Chen Jing (CFO)", 'finance_director', 'en',
        'BADGE-0005', None, 'Cfo-Demo-2026!'),
    ('purchaser', "刘洋 Liu Yang (Purchasing)", 'purchaser', 'en',
        'BADGE-0006', None, 'Purchaser-Demo-2026!'),
    ('sales', "杨帆 Yang Fan (Sales)", 'sales_assistant', 'en',
        'BADGE-0007', 'manager', 'Sales-Demo-2026!'),
    ('accountant', "黄丽 Huang Li (Accounting)", 'finance_accountant', 'en',
        'BADGE-0008', None, 'Accountant-Demo-2026!'),
    ('auditor', "周敏 Zhou Min (Internal Audit)", 'auditor', 'en',
        'BADGE-0009', None, 'Auditor-Demo-2026!'),
    # The security officer also registers and revokes devices.
    ('security', "吴强 Wu Qiang (Security)", 'security_officer+device_admin',
        'en', 'BADGE-0010', None, 'Security-Demo-2026!'),
    # The device bridge (ztinv bridge) enrols devices and sends their
    # signed scans; no person signs in as it.
    ('bridge', "设备网关 Device Bridge", 'device_bridge', 'en',
        'BADGE-0099', None, 'Bridge-Demo-2026!'),
    ]

# Tryton groups a role needs beyond its zt group (xml ids).  The zt groups
# carry the rights of the role matrix on stock, purchase and prices
# (doc/access.rst): a Tryton group such as stock.group_stock would add more.
EXTRA_GROUPS = {
    # Production orders are planned by the administrator in the demo; the
    # staff only request material (production.group_production would let
    # them create and write stock moves).
    'production_staff': [],
    'warehouse_keeper': [],
    'department_manager': [],
    'finance_director': ['account.group_account'],
    'purchaser': [],
    'sales_assistant': [],
    'finance_accountant': ['account.group_account'],
    'auditor': [],
    'security_officer': [],
    'production_manager': [],
    'warehouse_supervisor': [],
    'rule_admin': [],
    'device_admin': [],
    'device_bridge': [],
    }
# The module of a role's group when it is not zt_inventory.
ROLE_MODULES = {
    'warehouse_supervisor': 'zt_rules',
    'rule_admin': 'zt_rules',
    'device_admin': 'zt_devices',
    'device_bridge': 'zt_devices',
    }
# Devices of zt_devices: code, name, kind, warehouse code.  WH accepts
# unsigned (typed) scans too, for the issue wizard and the PDA page; WH2
# accepts only signed scans from registered devices.
DEVICES = [
    ('SCANNER-01', "扫描枪 Scanner 1", 'scanner', 'WH'),
    ('RFID-01', "RFID 读写器 Reader 1", 'rfid', 'WH2'),
    ]
UNSIGNED_SCAN_WAREHOUSES = ['WH']


def gtin(index):
    "Return the GTIN-13 (str) of the demo product number ``index`` (int)."
    digits = '%s%05d' % (GTIN_PREFIX, index)
    return digits + str(gtin_check_digit(digits))


# Every material of the demo by its code.
MATERIAL = {m.code: m for m in MATERIALS + [DEAD_STOCK]}
