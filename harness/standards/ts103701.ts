/**
 * ETSI TS 103 701 V1.1.1 (2021-08): the 29 IXIT items (implementation extra information for testing,
 * Annex C) a supplier gives the lab, and the provisions whose test groups cite each. The ids and the
 * citing provisions are from the test-case text (testofthings/toolsaf, tdsaf/data/etsi_ts_103_701.txt);
 * the names from ouspg/tcsfw, not checked against Annex C itself (REFERENCE.md 1.4).
 */
export interface IxitKind {
  id: string;
  name: string;
  provisions: readonly string[];
}

export const ASSESSMENT = 'ETSI TS 103 701 V1.1.1';

const range = (clause: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${clause}-${from + i}`);

export const IXIT: readonly IxitKind[] = [
  { id: '1-AuthMech', name: 'Authentication mechanisms', provisions: [...range('5.1', 1, 5), '5.5-4', '5.5-5'] },
  {
    id: '2-UserInfo',
    name: 'User information',
    provisions: [
      '5.1-4',
      '5.2-1',
      '5.2-2',
      '5.3-13',
      '5.3-14',
      '5.3-16',
      '5.8-3',
      '5.11-3',
      '5.11-4',
      '5.12-2',
      '5.12-3',
      '6-1',
      '6-5',
    ],
  },
  { id: '3-VulnTypes', name: 'Relevant vulnerabilities', provisions: ['5.2-2'] },
  { id: '4-Conf', name: 'Confirmations', provisions: ['5.2-2', '5.2-3', '5.3-8', '5.5-8', '5.6-9'] },
  { id: '5-VulnMon', name: 'Vulnerability monitoring', provisions: ['5.2-3'] },
  { id: '6-SoftComp', name: 'Software components', provisions: ['5.3-1', '5.3-3', '5.3-4', '5.3-5', '5.5-3'] },
  { id: '7-UpdMech', name: 'Update mechanisms', provisions: [...range('5.3', 2, 7), ...range('5.3', 9, 12)] },
  { id: '8-UpdProc', name: 'Update procedures', provisions: ['5.3-8'] },
  { id: '9-ReplSup', name: 'Replacement support', provisions: ['5.3-15'] },
  { id: '10-SecParam', name: 'Security parameters', provisions: [...range('5.4', 1, 4), '5.5-6', '5.5-7'] },
  {
    id: '11-ComMech',
    name: 'Communication mechanisms',
    provisions: ['5.5-1', '5.5-5', '5.5-6', '5.5-7', '5.8-1', '5.8-2', '5.9-3', '5.13-1'],
  },
  { id: '12-NetSecImpl', name: 'Network and security implementations', provisions: ['5.5-2'] },
  { id: '13-SoftServ', name: 'Software services', provisions: ['5.5-4', '5.5-5', '5.6-5'] },
  { id: '14-SecMgmt', name: 'Secure management processes', provisions: ['5.5-8'] },
  { id: '15-Intf', name: 'Interfaces', provisions: range('5.6', 1, 4) },
  { id: '16-CodeMin', name: 'Code minimization', provisions: ['5.6-6'] },
  { id: '17-PrivlCtrl', name: 'Privilege control', provisions: ['5.6-7'] },
  { id: '18-AccCtrl', name: 'Access control', provisions: ['5.6-8'] },
  { id: '19-SecDev', name: 'Secure development processes', provisions: ['5.6-9'] },
  { id: '20-SecBoot', name: 'Secure boot mechanisms', provisions: ['5.7-1', '5.7-2'] },
  { id: '21-PersData', name: 'Personal data', provisions: ['5.8-1', '5.8-2', '5.11-2', '6-1', '6-2', '6-3', '6-4'] },
  { id: '22-ExtSens', name: 'External sensors', provisions: ['5.8-3'] },
  { id: '23-ResMech', name: 'Resilience mechanisms', provisions: ['5.9-1', '5.9-2'] },
  { id: '24-TelData', name: 'Telemetry data', provisions: ['5.10-1', '6-4', '6-5'] },
  { id: '25-DelFunc', name: 'Deletion functionalities', provisions: range('5.11', 1, 4) },
  { id: '26-UserDec', name: 'User decisions', provisions: ['5.12-1', '5.12-2'] },
  { id: '27-UserIntf', name: 'User interfaces', provisions: ['5.13-1'] },
  { id: '28-ExtAPI', name: 'External APIs', provisions: ['5.13-1'] },
  { id: '29-InpVal', name: 'Data input validation', provisions: ['5.13-1'] },
];
