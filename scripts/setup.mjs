#!/usr/bin/env node
// Installs everything hil needs on a fresh Debian machine with Node 20:
// the npm packages (npm ci), then the Debian packages, each only when it is missing.
import { spawnSync } from 'node:child_process';

const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
if (npm.status !== 0) process.exit(npm.status ?? 1);

// zx is one of the packages npm ci just installed.
const { $, which, fs } = await import('zx');
$.verbose = true;

/** Debian package -> the command or file that shows it is installed. */
const DEBIAN = {
  socat: 'socat', // PTYs for the virtual rig's consoles and instruments
  'qemu-system-arm': 'qemu-system-arm', // QEMU boards (rigs/qemu.yaml)
  'firmware-microbit-micropython': '/usr/share/firmware-microbit-micropython/firmware.hex', // real firmware for it
  'u-boot-qemu': '/usr/lib/u-boot/qemu_arm/u-boot.bin', // U-Boot under QEMU (rigs/uboot.yaml)
  openocd: 'openocd', // reaching SWD/JTAG ports (debug-interfaces)
  gcc: 'gcc', // builds the virtual board's TLS client
  'libmbedtls-dev': '/usr/include/mbedtls/ssl.h', // Mbed TLS 2.28, the TLS library of ESP-IDF and FreeRTOS
  chromium: '/usr/bin/chromium', // the browser playwright-core drives: web UI logins, report.pdf (never a downloaded one)
  'poppler-utils': 'pdftotext', // the report tests read report.pdf's text back
  openssl: '/usr/bin/openssl', // the certification tests check the manifest's signature as a lab would
  ser2net: '/usr/sbin/ser2net', // network consoles (raw TCP and RFC 2217), as labgrid and LAVA labs serve them
  'gcc-arm-none-eabi': '/usr/bin/arm-none-eabi-gcc', // builds hil-target, our own Cortex-M3 firmware (boards/firmware)
  'binutils-arm-none-eabi': '/usr/bin/arm-none-eabi-objdump', // its basic blocks, for coverage-guided fuzzing
  stm32flash: '/usr/bin/stm32flash', // an independent AN3155 client for the virtual STM32 system bootloader
  // Real login servers the default-credentials tests start on ports of their own (their services are not used):
  nginx: '/usr/sbin/nginx', // limit_req's 503 in front of a web UI
  lighttpd: '/usr/sbin/lighttpd', // mod_auth Basic and Digest, with its delay before every 401
  'busybox-static': '/usr/share/doc/busybox-static/copyright', // telnetd and login, as on a camera (Debian's other busybox has no telnetd)
};

/**
 * With --perf, also the tools perf/console-rtt compares hil with (about 80 packages with their
 * dependencies, so not by default: no test needs them). Run with /usr/bin/python3.
 */
const PERF = {
  'python3-serial': '/usr/lib/python3/dist-packages/serial/__init__.py',
  'python3-pexpect': '/usr/lib/python3/dist-packages/pexpect/__init__.py',
  'python3-labgrid': '/usr/lib/python3/dist-packages/labgrid/__init__.py',
};
const wanted = process.argv.includes('--perf') ? { ...DEBIAN, ...PERF } : DEBIAN;

const missing = [];
for (const [pkg, needed] of Object.entries(wanted)) {
  const present = needed.startsWith('/') ? fs.existsSync(needed) : await which(needed, { nothrow: true });
  if (!present) missing.push(pkg);
}
if (missing.length > 0) {
  const root = process.getuid?.() === 0;
  const sudo = root ? [] : ['sudo'];
  console.log(`installing from Debian: ${missing.join(' ')}`);
  await $`${sudo} apt-get update -qq`;
  await $`${sudo} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing}`;
} else {
  console.log(`Debian packages present: ${Object.keys(wanted).join(', ')}`);
}

// The virtual board's TLS client: Mbed TLS used the way device firmware uses it.
const source = 'harness/virtual/tls-client/hil_tlsclient.c';
const binary = 'build/hil_tlsclient';
if (!fs.existsSync(binary) || fs.statSync(binary).mtimeMs < fs.statSync(source).mtimeMs) {
  fs.mkdirSync('build', { recursive: true });
  await $`gcc -O2 -Wall -Wextra -Werror -o ${binary} ${source} -lmbedtls -lmbedx509 -lmbedcrypto`;
  console.log(`built ${binary}`);
}

// hil-target: our own firmware for QEMU's netduino2 (STM32F205), with symbols, for the fuzz suite's
// coverage and as a second real C firmware for the QEMU rig (rigs/hil-target.yaml). -O1: branches stay
// branches, so the basic blocks read from the ELF are the program's own.
const firmwareDir = 'boards/firmware/hil-target';
const firmwareSources = ['startup.c', 'main.c', 'link.ld'].map((f) => `${firmwareDir}/${f}`);
const firmware = 'build/firmware/hil-target.elf';
if (!fs.existsSync(firmware) || firmwareSources.some((f) => fs.statSync(firmware).mtimeMs < fs.statSync(f).mtimeMs)) {
  fs.mkdirSync('build/firmware', { recursive: true });
  await $`arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -O1 -g -ffreestanding -nostdlib -Wall -Wextra -Werror -T ${firmwareDir}/link.ld -o ${firmware} ${firmwareDir}/startup.c ${firmwareDir}/main.c`;
  console.log(`built ${firmware}`);
}

// The harness compiled once (bin/compile.js); `hil` keeps it fresh from here on.
const { ensureCompiled } = await import('../bin/compile.js');
console.log(`compiled the harness to build/js (${await ensureCompiled()} files written)`);
