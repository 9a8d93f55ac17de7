/**
 * ETSI EN 303 645 V2.1.1 (2020-06), clauses 5 and 6: every provision, with its modal verb (shall: M,
 * should: R), the conditions under which it applies (Annex B, Table B.1), and a short label of our own
 * wording, never the standard's prose. Sourced from the standard's text as reformatted in
 * strictdoc-project/strictdoc-templates (templates/ETSI-303645/EN/ETSI_EN_CYBER.sdoc, to 5.12-2) and
 * ouspg/tcsfw (5.12-3 on); Table B.1 from the one copy found, vsang181/EN-303-645---v2.1.1, where 5.3-10
 * reads "M (11, 12)" and is taken as conditional (its text begins "Where updates are delivered over a
 * network interface"). REFERENCE.md 1.1; the UK Code of Practice guideline n is clause 5.n; the UK PSTI
 * requirements and their deemed-compliance provisions are REFERENCE.md 1.3.
 */
export interface Provision {
  id: string;
  modal: 'M' | 'R';
  /** Annex B's condition numbers: the provision applies where they hold; absent when it always applies. */
  conditions?: number[];
  /** The same in words. */
  condition?: string;
  label: string;
}

export const STANDARD = 'ETSI EN 303 645 V2.1.1';

/** EN 303 645 V2.1.1 clause titles; the UK Code of Practice guideline n is clause 5.n. */
export const CLAUSES: Record<string, string> = {
  '5.1': 'No universal default passwords',
  '5.2': 'Implement a means to manage reports of vulnerabilities',
  '5.3': 'Keep software updated',
  '5.4': 'Securely store sensitive security parameters',
  '5.5': 'Communicate securely',
  '5.6': 'Minimize exposed attack surfaces',
  '5.7': 'Ensure software integrity',
  '5.8': 'Ensure that personal data is secure',
  '5.9': 'Make systems resilient to outages',
  '5.10': 'Examine system telemetry data',
  '5.11': 'Make it easy for users to delete user data',
  '5.12': 'Make installation and maintenance of devices easy',
  '5.13': 'Validate input data',
  '6': 'Data protection for consumer IoT',
};

/** Annex B's numbered conditions (Table B.1): a conditional provision applies where all of its hold. */
export const CONDITIONS: Record<number, string> = {
  1: 'passwords are used',
  2: 'pre-installed passwords are used',
  3: 'software components are not updateable',
  4: 'the device is constrained',
  5: 'the device is not constrained',
  6: 'telemetry data is collected',
  7: "personal data is processed on the basis of consumers' consent",
  8: 'the device allows user authentication',
  9: 'the device supports automatic updates or update notifications',
  10: 'a hard-coded unique per-device identity is used for security',
  11: 'updates are delivered over a network interface',
  12: 'an update mechanism is implemented',
  13: 'a debug interface is physically accessible',
};

const p = (id: string, modal: 'M' | 'R', label: string, conditions: number[] = []): Provision => ({
  id,
  modal,
  label,
  ...(conditions.length > 0
    ? { conditions, condition: conditions.map((n) => `(${n}) ${CONDITIONS[n]}`).join(' and ') }
    : {}),
});

export const PROVISIONS: readonly Provision[] = [
  p('5.1-1', 'M', 'Passwords unique per device or set by the user', [1]),
  p('5.1-2', 'M', 'Pre-installed passwords resist automated guessing', [2]),
  p('5.1-3', 'M', 'Best-practice cryptography for user authentication'),
  p('5.1-4', 'M', 'A simple way to change the authentication value', [8]),
  p('5.1-5', 'M', 'Brute force over network interfaces made impracticable', [5]),
  p('5.2-1', 'M', 'A published vulnerability disclosure policy'),
  p('5.2-2', 'R', 'Disclosed vulnerabilities acted on in time'),
  p('5.2-3', 'R', 'Vulnerabilities monitored through the support period'),
  p('5.3-1', 'R', 'All software components securely updateable'),
  p('5.3-2', 'M', 'An update mechanism for secure installation', [5]),
  p('5.3-3', 'M', 'Updates simple for the user to apply', [12]),
  p('5.3-4', 'R', 'Automatic update mechanisms', [12]),
  p('5.3-5', 'R', 'Updates checked for after start and periodically', [12]),
  p('5.3-6', 'R', 'Automatic updates on by default and configurable', [9, 12]),
  p('5.3-7', 'M', 'Best-practice cryptography in the update mechanism', [12]),
  p('5.3-8', 'M', 'Security updates are timely', [12]),
  p('5.3-9', 'R', 'Update authenticity and integrity verified', [12]),
  p('5.3-10', 'M', 'Network updates verified through a trust relationship', [11, 12]),
  p('5.3-11', 'R', 'The user told an update is needed', [12]),
  p('5.3-12', 'R', 'Update notifications say the update is needed', [12]),
  p('5.3-13', 'M', 'A published defined support period'),
  p('5.3-14', 'R', 'Why a non-updateable device has no updates, published', [3, 4]),
  p('5.3-15', 'R', 'A non-updateable device isolable and replaceable', [3, 4]),
  p('5.3-16', 'M', 'Model designation clearly recognisable'),
  p('5.4-1', 'M', 'Sensitive security parameters stored securely'),
  p('5.4-2', 'M', 'A hard-coded device identity resists tampering', [10]),
  p('5.4-3', 'M', 'No hard-coded critical security parameters in source'),
  p('5.4-4', 'M', 'Update and communication secrets unique per device'),
  p('5.5-1', 'M', 'Best-practice cryptography to communicate'),
  p('5.5-2', 'R', 'Reviewed or evaluated security implementations'),
  p('5.5-3', 'R', 'Cryptography and primitives updateable'),
  p('5.5-4', 'R', 'Network access to functions only after authentication'),
  p('5.5-5', 'M', 'Security configuration changes only after authentication'),
  p('5.5-6', 'R', 'Critical security parameters encrypted in transit'),
  p('5.5-7', 'M', 'Critical parameters confidential over remote interfaces'),
  p('5.5-8', 'M', 'Secure management of critical security parameters'),
  p('5.6-1', 'M', 'Unused network and logical interfaces disabled'),
  p('5.6-2', 'M', 'Little security information disclosed without authentication'),
  p('5.6-3', 'R', 'Physical interfaces not needlessly exposed'),
  p('5.6-4', 'M', 'A physically accessible debug interface disabled in software', [13]),
  p('5.6-5', 'R', 'Only the software services needed are enabled'),
  p('5.6-6', 'R', 'Code minimised to what is needed'),
  p('5.6-7', 'R', 'Software runs with least privilege'),
  p('5.6-8', 'R', 'Hardware-level memory access control'),
  p('5.6-9', 'R', 'A secure development process'),
  p('5.7-1', 'R', 'Software verified by secure boot'),
  p('5.7-2', 'R', 'An unauthorised software change alerts, connects no further'),
  p('5.8-1', 'R', 'Personal data confidential between device and services'),
  p('5.8-2', 'M', 'Sensitive personal data confidential in transit'),
  p('5.8-3', 'M', 'External sensing capabilities documented'),
  p('5.9-1', 'R', 'Resilience to network and power outages'),
  p('5.9-2', 'R', 'Works locally without network, recovers cleanly from power loss'),
  p('5.9-3', 'R', 'Connects to networks in an orderly, stable way'),
  p('5.10-1', 'R', 'Telemetry examined for security anomalies', [6]),
  p('5.11-1', 'M', 'User data can be erased from the device simply'),
  p('5.11-2', 'R', 'Personal data in associated services can be removed'),
  p('5.11-3', 'R', 'Users told how to delete their personal data'),
  p('5.11-4', 'R', 'Users get confirmation their data was deleted'),
  p('5.12-1', 'R', 'Installation and maintenance take few steps'),
  p('5.12-2', 'R', 'Guidance on setting the device up securely'),
  p('5.12-3', 'R', 'Guidance on checking the device is set up securely'),
  p('5.13-1', 'M', 'Input via user interfaces, APIs and networks validated'),
  p('6-1', 'M', 'Clear information on personal data processed'),
  p('6-2', 'M', 'Valid consent where processing rests on consent', [7]),
  p('6-3', 'M', 'Consent can be withdrawn at any time'),
  p('6-4', 'R', 'Telemetry processing of personal data kept minimal', [6]),
  p('6-5', 'M', 'Users told what telemetry is collected and why', [6]),
];

export const provision = (id: string): Provision | undefined => PROVISIONS.find((x) => x.id === id);

/** `5.6-4` → `5.6`; `6-2` → `6`. */
export const clauseOf = (provisionId: string) => provisionId.split('-')[0]!;

/** The UK Code of Practice guideline a clause 5 provision gives evidence for (none for clause 6). */
export const copGuideline = (provisionId: string): string | undefined => /^5\.(\d+)$/.exec(clauseOf(provisionId))?.[1];

/** The three UK PSTI requirements and the provisions that give deemed compliance (REFERENCE.md 1.3). */
export const PSTI = [
  { requirement: '1. Passwords unique per product or user-defined', provisions: ['5.1-1', '5.1-2'], bench: true },
  { requirement: '2. Information on how to report security issues', provisions: ['5.2-1'], bench: false },
  { requirement: '3. Information on the minimum security update period', provisions: ['5.3-13'], bench: false },
] as const;
