import type { AuditLockMode } from '../app-config';

/** Props of the lake's buckets and their key (Storage). */
export interface StorageProps {
  /**
   * Delete the buckets, their objects and the messaging key with the stack. Takes effect only when
   * the context flag `destroyOnRemove` is true as well; the audit bucket is kept regardless (Object
   * Lock), and so is the data key that encrypts it.
   * @default false - everything is RETAINed on stack deletion
   */
  readonly destroyOnRemove?: boolean;
  /**
   * Days after which readings_history and rejected_readings data files, and received landing files, move to Glacier Instant
   * Retrieval (still read by Athena without a restore, at a fraction of the price).
   * @default 90
   */
  readonly historyColdAfterDays?: number;
  /**
   * Days a replaced or deleted landing object's previous version is kept.
   * @default 30
   */
  readonly landingNoncurrentVersionDays?: number;
  /**
   * Object Lock mode of the audit bucket's default retention.
   * @default 'GOVERNANCE' - privileged users can shorten retention (COMPLIANCE: nobody can)
   */
  readonly auditLockMode?: AuditLockMode;
  /**
   * Days an audit object is locked against deletion and overwrite.
   * @default 2557 - seven years
   */
  readonly auditRetentionDays?: number;
  /**
   * Days staged files under staging/ (commit requests too large for a message, the daily run's
   * state) are kept; by then every run that wrote them has finished or failed.
   * @default 7
   */
  readonly stagingExpirationDays?: number;
}
