/**
 * What a board's own USB device exposes, judged from its descriptors: a DFU interface (class 0xFE,
 * subclass 0x01: firmware can be read or written over USB) or any interface the profile does not
 * allow (a vendor debug bridge, USB-JTAG) is a finding.
 */
export interface UsbAlternate {
  interfaceClass: number;
  interfaceSubclass: number;
  interfaceProtocol: number;
  interfaceName?: string;
}

export interface UsbDeviceShape {
  vendorId: number;
  productId: number;
  serialNumber?: string | null;
  productName?: string | null;
  configurations: {
    configurationValue: number;
    interfaces: { interfaceNumber: number; alternates: UsbAlternate[] }[];
  }[];
}

export interface AllowedInterface {
  class: number;
  subclass?: number;
  protocol?: number;
}

export interface InterfaceFinding {
  configuration: number;
  interface: number;
  class: string;
  name?: string;
  problem: string;
}

const DFU = { class: 0xfe, subclass: 0x01 };
const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

export function inspectInterfaces(
  device: UsbDeviceShape,
  allowed: AllowedInterface[],
): { interfaces: string[]; findings: InterfaceFinding[] } {
  const interfaces: string[] = [];
  const findings: InterfaceFinding[] = [];
  for (const configuration of device.configurations) {
    for (const iface of configuration.interfaces) {
      for (const alt of iface.alternates) {
        const klass = `${hex(alt.interfaceClass)}/${hex(alt.interfaceSubclass)}/${hex(alt.interfaceProtocol)}`;
        interfaces.push(
          `${configuration.configurationValue}.${iface.interfaceNumber} ${klass}${alt.interfaceName ? ` "${alt.interfaceName}"` : ''}`,
        );
        const where = {
          configuration: configuration.configurationValue,
          interface: iface.interfaceNumber,
          class: klass,
          ...(alt.interfaceName ? { name: alt.interfaceName } : {}),
        };
        if (alt.interfaceClass === DFU.class && alt.interfaceSubclass === DFU.subclass) {
          findings.push({ ...where, problem: 'a DFU interface: firmware can be read or replaced over USB' });
        } else if (
          !allowed.some(
            (a) =>
              a.class === alt.interfaceClass &&
              (a.subclass ?? alt.interfaceSubclass) === alt.interfaceSubclass &&
              (a.protocol ?? alt.interfaceProtocol) === alt.interfaceProtocol,
          )
        ) {
          findings.push({
            ...where,
            problem:
              alt.interfaceClass === 0xff
                ? 'a vendor-specific interface the profile does not allow (a debug bridge?)'
                : 'an interface the profile does not allow',
          });
        }
      }
    }
  }
  return { interfaces, findings };
}
