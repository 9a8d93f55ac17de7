/**
 * ESP-IDF HTTPS OTA: the harness serves the image over HTTPS, with a server certificate for the
 * host the firmware expects, issued by the CA it trusts (the board's `tls:` trust material), and
 * has the firmware fetch it with the profile's `ota {url}` action (esp_https_ota in the firmware).
 * The board is then restarted and its boot log read (`App version:`); the second source is the
 * firmware's version command. That the board fetched the image at all is the control that the
 * path was live: an image never fetched proves nothing.
 */
import { createServer, type Server } from 'node:https';
import type { Board } from '../board.ts';
import { bootInLines } from '../boot-record.ts';
import { HilError } from '../util/errors.ts';
import { rsaKey } from '../tls/keys.ts';
import { issue } from '../wire/x509.ts';
import { fromBoot, type Running, sameVersion, type UpdatePath, versionByCommand } from './path.ts';
import type { Candidate } from './variants.ts';

/** esp_https_ota over a slow link: a few hundred KiB at 115200 baud-equivalent Wi-Fi is seconds, not minutes. */
const OTA_DEADLINE_MS = 120_000;
/** What the firmware's OTA said that explains a refusal: ESP_LOGE lines, and words of refusal. */
const SAID = /^E[ (]|error|fail|refus|reject|mismatch|less than|not bootable|older|same|invalid|abort/i;

export class EspOtaPath implements UpdatePath {
  readonly source = 'versionCommand';
  private readonly images = new Map<string, Buffer>();
  private readonly fetched = new Set<string>();
  /** Images whose whole body went out: what shows an image was delivered. */
  private readonly sent = new Set<string>();
  private served = 0;

  private constructor(
    private readonly board: Board,
    private readonly server: Server,
    private readonly base: string,
  ) {}

  static async open(board: Board): Promise<EspOtaPath> {
    if (!board.hasAction('ota'))
      throw board.failure('OTA', 'an ota action in the profile (the firmware command that fetches {url})', 'none');
    const trust = board.trust;
    if (!trust)
      throw board.failure('OTA server', "the board's TLS trust (tls: in the rig) to serve images over HTTPS", 'none');
    const leaf = await issue({
      commonName: trust.host,
      issuer: trust.root,
      key: rsaKey(trust.host),
      san: [trust.host],
    });
    let path: EspOtaPath | undefined;
    const server = createServer({ cert: leaf.certPem + trust.root.certPem, key: leaf.keyPem }, (req, res) => {
      const name = (req.url ?? '').replace(/^\//, '');
      const image = path?.images.get(name);
      if (!image) {
        res.writeHead(404).end();
        return;
      }
      path?.fetched.add(name);
      res.on('finish', () => path?.sent.add(name));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': image.length }).end(image);
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    path = new EspOtaPath(board, server, `https://${trust.host}:${port}`);
    return path;
  }

  async running(step: string): Promise<Running> {
    return this.restartAndRead(step);
  }

  /**
   * Serve the image, have the firmware fetch it, and read the boot it restarts into (the action's
   * answer runs on to the new app's prompt). A firmware that refuses answers without restarting;
   * it is then restarted, and must come back to what it ran.
   */
  async offer(image: Candidate, step: string) {
    const name = `image-${++this.served}.bin`;
    this.images.set(name, image.bytes);
    const answer = await this.board.action(
      'ota',
      { url: `${this.base}/${name}` },
      { timeout: OTA_DEADLINE_MS, acrossBoot: true },
    );
    this.images.delete(name);
    if (!this.fetched.has(name)) {
      throw new HilError({
        board: this.board.name,
        step: `${step}: OTA`,
        expected: `the firmware to fetch ${this.base}/${name}`,
        seen: `no request for it; the firmware said: ${answer.lines.slice(-4).join(' | ') || 'nothing'}`,
      });
    }
    const delivered = this.sent.has(name) ? `the firmware fetched all ${image.bytes.length} bytes` : undefined;
    this.sent.delete(name);
    const said = answer.lines
      .filter((l) => SAID.test(l))
      .slice(-4)
      .map((l) => l.slice(0, 200));
    const boot = bootInLines(this.board.profile, answer.lines);
    if (boot) {
      // The first boot of the new image: on trial until the firmware marks it valid. A bootloader that
      // turned it away at this boot says so in its lines.
      const pathVersion = boot.ready ? await versionByCommand(this.board) : undefined;
      const running = { ...fromBoot(boot), pathVersion, id: undefined, confirmed: false };
      const errors = running.updateLines.filter((l) => SAID.test(l));
      return { delivered, ...(errors.length ? { rejected: `at boot: ${errors.join(' | ')}` } : {}), running };
    }
    return {
      refusedAt: 'download',
      deviceSaid: said.join(' | ') || 'no restart',
      delivered,
      ...(said.length ? { rejected: `the firmware said: ${said.join(' | ')}` } : {}),
      running: await this.restartAndRead(step),
    };
  }

  runs(r: Running, image: Candidate): boolean {
    return sameVersion(r.bootVersion ?? r.pathVersion, image.info.version);
  }

  /** An image on trial is rolled back by ESP-IDF's bootloader at the next restart (it was never marked valid). */
  async restore(current: Candidate, last: Running, step: string): Promise<void> {
    if (last.confirmed && this.runs(last, current)) return;
    const after = await this.restartAndRead(`${step}: roll back`);
    if (this.runs(after, current)) return;
    throw new HilError({
      board: this.board.name,
      step: `${step}: back to the current image`,
      expected: `version ${current.info.version} after a restart (the image on trial rolled back)`,
      seen: after.bootVersion ?? 'no version line',
    });
  }

  /** Mark the running image valid (the profile's ota-confirm action, esp_ota_mark_app_valid_cancel_rollback), then restart. */
  async keep(_image: Candidate, step: string): Promise<Running> {
    if (this.board.hasAction('ota-confirm')) await this.board.action('ota-confirm', {});
    return this.restartAndRead(`${step}: after restart`);
  }

  /** An OTA cut short leaves a partition no otadata entry selects: nothing to clear. */
  async prepare(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async restartAndRead(step: string): Promise<Running> {
    const boot = await this.board.restart(`${step}: restart`);
    const pathVersion = boot.ready ? await versionByCommand(this.board) : undefined;
    return { ...fromBoot(boot), pathVersion, id: undefined, confirmed: boot.ready };
  }
}
