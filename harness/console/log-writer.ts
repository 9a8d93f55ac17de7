/**
 * The readable logs' own thread (log-thread.ts starts one a process): for each open log, batches of
 * `.bin` records in, rendered (log-text.ts) and appended to its `.log`. Each batch is acknowledged,
 * by its size, once its text is in the file stream and the stream is under its high-water mark, so
 * the console can stop reading a board whose bytes come faster than the disk takes their text. A
 * log whose file fails is dropped with the error said; the others go on.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { LogText } from './log-text.ts';
import type { WriterReply, WriterRequest } from './log-thread.ts';

const WRITE_BUFFER = 1024 * 1024;

const port = parentPort!;
const logs = new Map<number, { text: LogText; file: WriteStream }>();
const reply = (message: WriterReply) => port.postMessage(message);

port.on('message', (request: WriterRequest) => {
  if (request.op === 'open') {
    const file = createWriteStream(request.path, { flags: 'a', highWaterMark: WRITE_BUFFER });
    file.on('error', (error) => {
      if (logs.delete(request.id)) reply({ id: request.id, failed: `${request.path}: ${error.message}` });
    });
    logs.set(request.id, { text: new LogText(), file });
    return;
  }
  const log = logs.get(request.id);
  if (!log) return; // failed already: its end was said then
  if (request.op === 'end') {
    const last = log.text.end();
    if (last.length > 0) log.file.write(last);
    // An error the file met (its open, a write) comes first, as a failure; else the end, once closed.
    log.file.once('close', () => {
      if (logs.delete(request.id)) reply({ id: request.id, ended: true });
    });
    log.file.end();
    return;
  }
  const records = Buffer.from(request.records.buffer, request.records.byteOffset, request.records.byteLength);
  const rendered = log.text.render(records);
  const acked = { id: request.id, acked: records.length };
  if (rendered.length === 0 || log.file.write(rendered)) reply(acked);
  else log.file.once('drain', () => reply(acked));
});
reply({ ready: true });
