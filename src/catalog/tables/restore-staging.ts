// The row of the restore-staging table: an operator restore being carried through the log in
// chunks (commands.ts SnapshotRestoreCommand; applied by snapshot-restore.ts). At most one row.

export interface RestoreStaging {
  readonly ID: string;
  /** The state bytes received so far, in order; chunk i is seq i. */
  readonly Chunks: readonly Uint8Array[];
  /** Sum of the chunks' lengths. */
  readonly Bytes: number;
}

export const restoreStagingPrimaryKey = (staging: RestoreStaging): string => staging.ID;
