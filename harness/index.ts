/** The harness's public API: everything a suite may use. */
export { useBoard, type SuiteContext, type CheckDetail } from './suite.ts';
export { Board, type BootRecord } from './board.ts';
export { HilError } from './errors.ts';
export type { BoardProfile } from './config/load.ts';
// debug-interfaces
export { debugPortOf, tryDebugPort } from './probes/swd-jtag.ts';
export { probeConsole } from './probes/console-probe.ts';
export { downloadEntry } from './probes/boot-strap.ts';
export { probeEspRom } from './probes/esp-rom.ts';
export { probeStm32Loader } from './probes/stm32-loader.ts';
export { inspectInterfaces } from './usb/descriptors.ts';
export { findUsbDevice } from './usb/find.ts';
// tls-pinning
export { fromPem, rsaKey } from './wire/x509.ts';
export { buildScenarios } from './tls/scenarios.ts';
export { ScenarioListener, type Outcome } from './tls/listener.ts';
export { legacyVersions, parseClientHello, weakSuites, VERSION_NAMES } from './wire/client-hello.ts';
