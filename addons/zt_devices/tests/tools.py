# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""World builders for the ORM tests of zt_devices: zt_inventory's world
plus a device administrator, a bridge user and enrolled devices."""
import base64

from trytond.modules.zt_inventory.tests.tools import World, acting, run_wizard
from trytond.pool import Pool

from .. import signing

__all__ = ['DevicesWorld', 'gs1_raw']


def gs1_raw(gtin14, lot=None, serial=None, expiry=None, identifier=b']d2'):
    """Return the raw bytes of a GS1 DataMatrix scan (AIM identifier, then
    the element strings with GS after each variable-length field)."""
    data = b'01' + gtin14.encode()
    if expiry:
        data += b'17' + expiry.encode()
    fields = []
    if serial:
        fields.append(b'21' + serial.encode())
    if lot:
        fields.append(b'10' + lot.encode())
    return identifier + data + b'\x1d'.join(fields)


class DevicesWorld(World):

    @classmethod
    def build(cls, **kwargs):
        world = super().build(**kwargs)
        world.add_device_people()
        world.keys = {}
        return world

    def add_device_people(self):
        self.device_admin = self.create_user(
            'device_admin', ['zt_devices.group_device_admin'])
        self.bridge = self.create_user(
            'bridge', ['zt_devices.group_device_bridge'])

    def allow_unsigned(self, allow=True):
        self.warehouse.zt_unsigned_scans = allow
        self.warehouse.save()

    def register(self, code, **values):
        "Register the device ``code`` as the device administrator."
        Device = Pool().get('zt.device')
        with acting(self.device_admin):
            device, = Device.create([dict({
                            'name': code.title(),
                            'code': code,
                            'warehouse': self.warehouse.id,
                            'company': self.company.id,
                            }, **values)])
        return Device(device.id)

    def enrolment_code(self, device):
        "Show the enrolment code of ``device`` as the device administrator."
        with acting(self.device_admin):
            result = run_wizard('zt.device.enrolment', [device], 'show')
        return result['view']['defaults']['code']

    def enrol(self, device):
        """Register-and-enrol: a new key for ``device``, enrolled by the
        bridge with a fresh enrolment code.  Returns the device."""
        Device = Pool().get('zt.device')
        private_pem, public_b64 = signing.generate_key()
        self.keys[device.code] = signing.load_private(private_pem)
        code = self.enrolment_code(device)
        with acting(self.bridge):
            Device.enrol(code, public_b64)
        return Device(device.id)

    def event(self, device, counter, raw, badge=None, time=None, key=None):
        "A signed event of ``device`` (dict)."
        key = key or self.keys[device.code]
        badge = self.keeper_employee.badge_code if badge is None else badge
        return signing.make_event(
            key, device.code, counter, raw, badge=badge or None, time=time)

    def send(self, events, user=None):
        "Submit signed ``events`` as the bridge (or ``user``)."
        Scan = Pool().get('zt.device.scan')
        with acting(user or self.bridge):
            return Scan.submit_signed(events)


def b64(data):
    return base64.b64encode(data).decode('ascii')
