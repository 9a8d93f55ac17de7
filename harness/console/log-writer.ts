/**
 * The readable log's own thread (started by log.ts): batches of `.bin` records in, rendered
 * (log-text.ts) and appended to the `.log`. Each batch is acknowledged, by its size, once its text
 * is in the file stream and the stream is under its high-water mark, so the console can stop
 * reading a board whose bytes come faster than the disk takes their text. `'end'` ends the file.
 */
import { createWriteStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { LogText } from './log-text.ts';

const WRITE_BUFFER = 1024 * 1024;

const port = parentPort!;
const { path } = workerData as { path: string };
const text = new LogText();
const file = createWriteStream(path, { flags: 'a', highWaterMark: WRITE_BUFFER });

port.on('message', (message: Uint8Array | 'end') => {
  if (message === 'end') {
    const last = text.end();
    if (last.length > 0) file.write(last);
    file.end(() => port.close());
    return;
  }
  const records = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  const rendered = text.render(records);
  const room = rendered.length === 0 || file.write(rendered);
  if (room) port.postMessage(records.length);
  else file.once('drain', () => port.postMessage(records.length));
});
