/**
 * A TLS server for one scenario, with a tap in front: a TCP listener takes the client's bytes,
 * keeps the ClientHello, and relays everything to a Node TLS server on another loopback port. The
 * verdict comes from the wire: did the handshake complete, and did application data arrive.
 */
import { createServer as createNetServer, connect, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureVersion, type TLSSocket } from 'node:tls';

export interface ListenerOptions {
  chainPem: string;
  keyPem: string;
  /** OpenSSL refuses SHA-1 and RSA-1024 certificates and TLS 1.0 at its default security level. */
  weak?: boolean;
  versions?: { min: SecureVersion; max: SecureVersion };
}

export interface ConnectionRecord {
  connected: boolean;
  clientHello?: Buffer;
  handshake: boolean;
  protocol?: string;
  cipher?: string;
  data: string;
  error?: string;
  ms: number;
}

const MAX_DATA = 4096;

export class ScenarioListener {
  private readonly started = Date.now();
  private readonly record: ConnectionRecord = { connected: false, handshake: false, data: '', ms: 0 };
  private settled: (() => void) | undefined;
  private readonly done = new Promise<void>((resolve) => (this.settled = resolve));
  private readonly sockets = new Set<Socket>();
  private connectedAt: number | undefined;

  private constructor(
    private readonly front: Server,
    private readonly tls: Server,
  ) {}

  static async start(options: ListenerOptions): Promise<{ listener: ScenarioListener; port: number }> {
    const tlsServer = createTlsServer({
      cert: options.chainPem,
      key: options.keyPem,
      ...(options.weak ? { ciphers: 'DEFAULT:@SECLEVEL=0' } : {}),
      ...(options.versions ? { minVersion: options.versions.min, maxVersion: options.versions.max } : {}),
    });
    const front = createNetServer();
    const listener = new ScenarioListener(front, tlsServer);
    tlsServer.on('secureConnection', (socket: TLSSocket) => listener.onSecure(socket));
    tlsServer.on('tlsClientError', (error) => listener.finish(error.message));
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const backPort = (tlsServer.address() as { port: number }).port;
    front.on('connection', (client) => listener.relay(client, backPort));
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    return { listener, port: (front.address() as { port: number }).port };
  }

  /**
   * Resolves when the client has finished (closed, failed, or sent data), or at the deadline. The
   * wire stays the judge: the wait ends sooner only once `backAtPrompt` has resolved (the device says
   * it is done), `graceMs` more have passed, and no connection was ever made or is in progress, so a
   * device that connects in the background is still caught.
   */
  async result(
    deadlineMs: number,
    early?: { backAtPrompt: Promise<unknown>; graceMs: number },
  ): Promise<ConnectionRecord> {
    const timer = setTimeout(
      () => this.finish(this.record.connected ? undefined : `no connection within ${deadlineMs} ms`),
      deadlineMs,
    );
    let grace: NodeJS.Timeout | undefined;
    let settled = false;
    void early?.backAtPrompt.then(() => {
      // A prompt that comes after the result must not arm a timer that would hold the process open.
      if (settled) return;
      grace = setTimeout(() => {
        if (!this.record.connected) {
          this.finish(`no connection: the device was back at its prompt and made none for ${early.graceMs} ms`);
        }
      }, early.graceMs);
    });
    await this.done;
    settled = true;
    clearTimeout(timer);
    clearTimeout(grace);
    return { ...this.record };
  }

  /** Milliseconds from the listener's start to the device's first connection, once it connected. */
  get connectedAfterMs(): number | undefined {
    return this.connectedAt === undefined ? undefined : this.connectedAt - this.started;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(
      [this.front, this.tls].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  }

  private relay(client: Socket, backPort: number): void {
    this.record.connected = true;
    this.connectedAt ??= Date.now();
    const back = connect(backPort, '127.0.0.1');
    for (const s of [client, back]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      if (!this.record.clientHello) this.record.clientHello = chunk.subarray(0, 16 * 1024);
    });
    client.pipe(back);
    back.pipe(client);
    client.on('close', () => {
      back.destroy();
      // Give the TLS server a moment to report how the handshake ended.
      setTimeout(() => this.finish(), 50);
    });
  }

  private onSecure(socket: TLSSocket): void {
    this.record.handshake = true;
    this.record.protocol = socket.getProtocol() ?? undefined;
    this.record.cipher = socket.getCipher()?.standardName;
    socket.on('data', (chunk: Buffer) => {
      if (this.record.data.length < MAX_DATA) this.record.data += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('end', () => this.finish());
  }

  private finish(error?: string): void {
    if (error && !this.record.error) this.record.error = error;
    this.record.ms = Date.now() - this.started;
    this.settled?.();
  }
}
