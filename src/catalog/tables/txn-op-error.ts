// The failure of one operation inside a transaction: caught per operation and reported with its
// position, while the transaction as a whole is undone.

export class TxnOpError extends Error {
  override readonly name = 'TxnOpError';
}

export function fail(message: string): never {
  throw new TxnOpError(message);
}
