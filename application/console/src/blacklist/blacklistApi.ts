// The blacklist routes as the pages call them; the shapes are the node's own (routes/blacklist*Shapes.ts).
import { ApiFailure, authHeader, call, sessionEnded } from '../api';

export type {
  BlacklistAllowance,
  BlacklistMember,
  BlacklistBulkProgress,
  BlacklistBulkReport,
  BlacklistEntryView,
  BlacklistPolicyVersion,
  BlacklistProposal,
  BlacklistProposalStep,
  BlacklistQueryAnswer,
  BlacklistSubjectReportAnswer,
  BlacklistUploadAnswer,
} from '../../../src/http/apiTypes';
export type {
  BlacklistAlertT as BlacklistAlert,
  BlacklistAlertsT as BlacklistAlerts,
  BlacklistContributionsT as BlacklistContributions,
  BlacklistDisputeListT as BlacklistDisputeList,
  BlacklistListedDisputeT as BlacklistListedDispute,
  BlacklistWatchAddedT as BlacklistWatchAdded,
  BlacklistWatchlistT as BlacklistWatchlist,
} from '../../../src/http/routes/blacklistWatchShapes';
export { DISPUTE_BOXES, type DisputeBox } from '../../../src/http/routes/blacklistWatchShapes';
export { call };

/** The identifier types, in the order the forms offer them. */
export { SUBJECT_TYPES } from '../../../../chaincode/src/core/subject';

/** An event the console's live stream turns a `blacklist-alert` into (live.ts), for the banner and the list. */
export const ALERT_EVENT = 'tallystick:blacklist-alert';

/**
 * A bulk file sent with XMLHttpRequest, whose upload reports progress (fetch does not): `onProgress(sent, total)`
 * while the bytes go, then the node's report once it has checked and posted every line. `headers`: the upload's
 * `Upload-Id`, under which the node reports its own progress meanwhile (GET /v1/blacklist/bulk-uploads/{id}).
 */
export function uploadWithProgress<T>(
  path: string,
  file: Blob,
  onProgress: (sent: number, total: number) => void,
  headers: Readonly<Record<string, string>> = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('content-type', 'text/csv');
    for (const [k, v] of Object.entries({ ...authHeader(), ...headers })) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    };
    xhr.onerror = () => {
      reject(new Error('the node could not be reached'));
    };
    xhr.onload = () => {
      let payload: unknown = {};
      try {
        payload = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: reported below by status
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(payload as T);
        return;
      }
      if (xhr.status === 401) sessionEnded();
      const p = payload as { code?: string; detail?: string };
      reject(new ApiFailure(p.code ?? `HTTP_${String(xhr.status)}`, p.detail ?? xhr.statusText, xhr.status));
    };
    xhr.send(file);
  });
}
