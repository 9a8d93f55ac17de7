"""Round trips on an echo PTY through pyserial (+pexpect) or labgrid, for perf/console-rtt.ts.

Usage: /usr/bin/python3 perf/python/console_rtt.py pyserial|pexpect|labgrid PTY COUNT
Prints one round-trip time in milliseconds per line: a line sent, its echo awaited.
Debian packages: python3-serial, python3-pexpect, python3-labgrid.
"""
import sys
import time


def pyserial_rtts(path, count):
    import serial

    port = serial.Serial(path, 115200, timeout=2)
    try:
        for i in range(count):
            line = b"ping %d\n" % i
            started = time.perf_counter()
            port.write(line)
            echoed = port.readline()
            elapsed = time.perf_counter() - started
            if echoed != line:
                raise SystemExit("pyserial: expected %r, read %r" % (line, echoed))
            yield elapsed
    finally:
        port.close()


def pexpect_rtts(path, count):
    import serial
    from pexpect import fdpexpect

    port = serial.Serial(path, 115200, timeout=2)
    child = fdpexpect.fdspawn(port.fileno(), timeout=2)
    try:
        for i in range(count):
            started = time.perf_counter()
            child.send(b"ping %d\n" % i)
            child.expect(b"ping %d\n" % i)
            yield time.perf_counter() - started
    finally:
        port.close()


def labgrid_rtts(path, count):
    from labgrid import Target
    from labgrid.driver import SerialDriver
    from labgrid.resource import RawSerialPort

    target = Target("bench")
    RawSerialPort(target, None, port=path, speed=115200)
    driver = SerialDriver(target, None)
    target.activate(driver)
    try:
        for i in range(count):
            started = time.perf_counter()
            driver.write(b"ping %d\n" % i)
            driver.expect(b"ping %d\n" % i, timeout=2)
            yield time.perf_counter() - started
    finally:
        target.deactivate(driver)


TOOLS = {"pyserial": pyserial_rtts, "pexpect": pexpect_rtts, "labgrid": labgrid_rtts}

if __name__ == "__main__":
    tool, path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for rtt in TOOLS[tool](path, count):
        print("%.4f" % (rtt * 1000))
