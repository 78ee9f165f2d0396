import type { Shape } from './routes/schema';
import type * as S from './routes/shapes';

/**
 * The API's shapes as TypeScript types, for its clients (the console, the CLI, member systems written in
 * TypeScript): each is the type of a schema in routes/shapes.ts, the same schema the server validates with and
 * the OpenAPI document names under `components.schemas`. Never write one of these by hand in a client.
 */
export type User = Shape<typeof S.User>;
export type Session = Shape<typeof S.Session>;
export type MutualTlsProvisioned = Shape<typeof S.MutualTlsProvisioned>;
export type RouteStop = Shape<typeof S.RouteStop>;
export type LegInput = Shape<typeof S.LegInput>;
export type CommittedLegs = Shape<typeof S.CommittedLegs>;
export type SweepResult = Shape<typeof S.SweepResult>;
export type CaseLeg = Shape<typeof S.CaseLeg>;
export type Case = Shape<typeof S.Case>;
export type PersonRef = Shape<typeof S.PersonRef>;
export type TimelineEntry = Shape<typeof S.TimelineEntry>;
export type Break = Shape<typeof S.Break>;
export type CommittedBreak = Shape<typeof S.CommittedBreak>;
export type BreaksPage = Shape<typeof S.BreaksPage>;
export type OpenCase = Shape<typeof S.OpenCase>;
export type ViewQuery = Shape<typeof S.ViewQuery>;
export type QueueItem = Shape<typeof S.QueueItem>;
export type QueuePage = Shape<typeof S.QueuePage>;
export type SavedView = Shape<typeof S.SavedView>;
export type SavedViews = Shape<typeof S.SavedViews>;
export type People = Shape<typeof S.People>;
export type BulkAssignResult = Shape<typeof S.BulkAssignResult>;
export type Dashboard = Shape<typeof S.Dashboard>;
export type AuditBreaksPage = Shape<typeof S.AuditBreaksPage>;
export type VerifyReport = Shape<typeof S.VerifyReport>;
export type ProvenanceEntry = Shape<typeof S.ProvenanceEntry>;
export type Provenance = Shape<typeof S.Provenance>;
export type StatementLine = Shape<typeof S.StatementLine>;
export type StatementReport = Shape<typeof S.StatementReport>;
export type Health = Shape<typeof S.Health>;
export type IndexedEvent = Shape<typeof S.IndexedEvent>;
export type Problem = Shape<typeof S.Problem>;
export type BlacklistMember = Shape<typeof S.BlacklistMember>;
export type BlacklistUploadResult = Shape<typeof S.BlacklistUploadResult>;
export type BlacklistUploadAnswer = Shape<typeof S.BlacklistUploadAnswer>;
export type BlacklistBulkReport = Shape<typeof S.BlacklistBulkReport>;
export type BlacklistEntryHit = Shape<typeof S.BlacklistEntryHit>;
export type BlacklistQueryAnswer = Shape<typeof S.BlacklistQueryAnswer>;
export type BlacklistSubjectReportAnswer = Shape<typeof S.BlacklistSubjectReportAnswer>;
export type BlacklistEntryRecord = Shape<typeof S.BlacklistEntryRecord>;
export type BlacklistEntryView = Shape<typeof S.BlacklistEntryView>;
export type BlacklistPolicy = Shape<typeof S.BlacklistPolicy>;
export type BlacklistPolicyVersion = Shape<typeof S.BlacklistPolicyVersion>;
export type BlacklistProposal = Shape<typeof S.BlacklistProposal>;
export type BlacklistProposalStep = Shape<typeof S.BlacklistProposalStep>;
export type BlacklistAllowance = Shape<typeof S.BlacklistAllowance>;
export type BlacklistConfirmAnswer = Shape<typeof S.BlacklistConfirmAnswer>;
export type BlacklistDispute = Shape<typeof S.BlacklistDispute>;
export type BlacklistDisputeAnswer = Shape<typeof S.BlacklistDisputeAnswer>;
export type BlacklistEvidenceRequest = Shape<typeof S.BlacklistEvidenceRequest>;
export type BlacklistEvidenceRequestAnswer = Shape<typeof S.BlacklistEvidenceRequestAnswer>;
export type BlacklistPurgeAnswer = Shape<typeof S.BlacklistPurgeAnswer>;
export type BlacklistReceivedEvidence = Shape<typeof S.BlacklistReceivedEvidence>;
