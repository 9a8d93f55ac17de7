/**
 * Which firmware a board ran, as its own boot said it: the version line, a line naming the build by a
 * hash (ESP-IDF's `ELF file SHA256:`, the profile's boot.build-id), and the board's identity line (a
 * MAC). A suite says it in its TAP (`# firmware: {...}`), so every report, rebuilt or not, names the
 * build each check was made on. The values are the board's bytes: bounded, and text only.
 */
export interface FirmwareSeen {
  version?: string;
  buildId?: string;
  identity?: string;
}

const FIELDS = ['version', 'buildId', 'identity'] as const;
/** Longer than any version, hash or MAC a board prints; a longer "version" is not kept whole. */
const MAX_FIELD = 96;

/** Only the known fields, strings cut to their bound; undefined when none is left. */
export function firmwareSeen(from: Record<string, unknown>): FirmwareSeen | undefined {
  const seen: FirmwareSeen = {};
  for (const field of FIELDS) {
    const value = from[field];
    if (typeof value === 'string' && value.length > 0) seen[field] = value.slice(0, MAX_FIELD);
  }
  return Object.keys(seen).length > 0 ? seen : undefined;
}

/** The TAP comment a suite writes, and its reading back (anything else is no firmware). */
export const firmwareComment = (seen: FirmwareSeen) => `firmware: ${JSON.stringify(seen)}`;
export function firmwareFromComment(line: string): FirmwareSeen | undefined {
  const m = /^#\s*firmware: (\{.*\})\s*$/.exec(line.trim());
  if (!m) return undefined;
  try {
    const parsed: unknown = JSON.parse(m[1]!);
    return typeof parsed === 'object' && parsed !== null ? firmwareSeen(parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** In words, for a report: `version 1.3.0, build 752f51807324979d, 24:0a:c4:27:88:e8`. */
export function describeFirmware(seen: FirmwareSeen | undefined): string {
  if (!seen) return 'not seen (no boot to its ready line in this suite)';
  return [
    seen.version ? `version ${seen.version}` : 'no version line',
    ...(seen.buildId ? [`build ${seen.buildId}`] : []),
    ...(seen.identity ? [seen.identity] : []),
  ].join(', ');
}

/** Whether two sightings name different builds: by build id where both have one, else by version. */
export function differentBuilds(a: FirmwareSeen | undefined, b: FirmwareSeen | undefined): boolean {
  if (!a || !b) return false;
  if (a.buildId && b.buildId) return a.buildId !== b.buildId;
  return a.version !== undefined && b.version !== undefined && a.version !== b.version;
}
