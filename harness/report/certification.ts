/**
 * What an assessor works through, for the whole run: each board's every provision with its status, the
 * PSTI requirements read from them, the IXIT items filled and missing, whose declarations were used, and
 * whether the folder is signed. One value, given to evidence.json and report.html alike.
 */
import type { LoadedDeclarations } from '../config/declarations.ts';
import { STANDARD } from '../standards/en303645.ts';
import { ASSESSMENT } from '../standards/ts103701.ts';
import { type IxitStatus, ixitStatus } from './ixit.ts';
import type { LabResult } from './lab.ts';
import { boardProvisions, type ProvisionStatus, type PstiStatus, pstiStatus } from './provision-status.ts';
import type { Algorithm, SigningKey } from './signature.ts';

export interface BoardCertification {
  board: string;
  provisions: ProvisionStatus[];
  psti: PstiStatus[];
  ixit: IxitStatus[];
}

export interface Certification {
  standard: string;
  assessment: string;
  /** The declarations file used, as shown; none: every provision no check decided is open. */
  declarations?: {
    file: string;
    product?: string;
    manufacturer?: string;
    /** Local documents it names that are not in the pack: `<document>: <why>` (declared-documents.ts). */
    notInPack?: string[];
  };
  signature: { algorithm: Algorithm; fingerprint: string } | 'unsigned';
  boards: BoardCertification[];
}

export function certification(
  boards: string[],
  lab: LabResult[],
  declarations: LoadedDeclarations | undefined,
  signer: Pick<SigningKey, 'algorithm' | 'fingerprint'> | undefined,
): Certification {
  const d = declarations?.config;
  return {
    standard: STANDARD,
    assessment: ASSESSMENT,
    ...(declarations
      ? {
          declarations: {
            file: declarations.file,
            ...(d?.product ? { product: d.product } : {}),
            ...(d?.manufacturer ? { manufacturer: d.manufacturer } : {}),
          },
        }
      : {}),
    signature: signer ? { algorithm: signer.algorithm, fingerprint: signer.fingerprint } : 'unsigned',
    boards: boards.map((board) => {
      const provisions = boardProvisions(board, lab, declarations);
      return {
        board,
        provisions,
        psti: pstiStatus(provisions),
        ixit: ixitStatus(board, lab, declarations, provisions),
      };
    }),
  };
}
