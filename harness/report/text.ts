/**
 * Text from a run folder made safe to show: terminal sequences (CSI, OSC, two-byte ESC) and other
 * control bytes removed, then escaped for HTML or XML. Device output reaches reports only through here.
 */
import { matchableText } from '../console/escape.ts';

// OSC (ESC ] ... BEL or ESC \): window titles, hyperlinks; matchableText removes CSI and the rest.
const OSC = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g;

export function plain(text: string): string {
  return matchableText(text.replace(OSC, ''));
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For HTML text and attribute values alike. */
export function html(text: string): string {
  return plain(text).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** For XML 1.0 (JUnit): the same, with the characters XML cannot hold at all left out. */
export function xml(text: string): string {
  return html(text).replace(/[^\t\n\r\x20-\ud7ff\ue000-\ufffd]/gu, '');
}
