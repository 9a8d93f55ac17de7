/**
 * A plain byte stream to an instrument or a loader: write, listen, close. Serial ports here (an
 * instrument's USB COM port, the STM32 boot UART at 8E1); TCP in tcp.ts. serialport (and its
 * native bindings) loads when a port opens: the power drivers that use this are loaded with every
 * rig (their config shapes make the rig schema), most of them to open nothing.
 */

export interface ByteStream {
  write(data: Buffer): Promise<void>;
  onData(listener: (chunk: Buffer) => void): void;
  close(): Promise<void>;
}

export async function serialStream(
  path: string,
  baudRate: number,
  parity: 'none' | 'even' = 'none',
): Promise<ByteStream> {
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path, baudRate, parity, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((error) => (error ? reject(new Error(`cannot open ${path}: ${error.message}`)) : resolve())),
  );
  port.on('error', () => undefined);
  return {
    write: (data) =>
      new Promise((resolve, reject) =>
        port.write(data, (e) => (e ? reject(e) : port.drain((d) => (d ? reject(d) : resolve())))),
      ),
    onData: (listener) => port.on('data', listener),
    close: () => new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
