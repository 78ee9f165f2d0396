export { CertificateAuthority, FABRIC_ATTRIBUTE_OID, type Identity, type IdentityType } from './ca';
export { implicitCollection, type CollectionConfig } from './channel';
export { EndorsementError, TransactionInvalidError, type ValidationCode } from './errors';
export {
  EmbeddedNetwork,
  setCommitStepHook,
  type ChaincodeOptions,
  type CommitStep,
  type CommittedBlock,
  type CommittedTransaction,
  type EmbeddedNetworkOptions,
  type EvaluateRequest,
  type SubmitRequest,
  type SubmitResult,
} from './network';
export type { ContractClass } from './peer';
export { allOf, anyMember, anyOf, outOf, parsePolicy, signedBy, type Policy } from './policy';
