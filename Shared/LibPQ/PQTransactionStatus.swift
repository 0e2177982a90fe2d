import CLibPQ

/// The server-side transaction state of a connection, as libpq tracks it
/// from the ReadyForQuery messages (`PQtransactionStatus`).
public enum PQTransactionStatus: Sendable, Hashable {
    /// Idle, not inside a transaction block.
    case idle
    /// A command is in progress.
    case active
    /// Idle inside a valid transaction block.
    case inTransaction
    /// Idle inside a failed transaction block; only ROLLBACK will succeed.
    case inFailedTransaction
    /// The connection is bad.
    case unknown

    init(_ status: PGTransactionStatusType) {
        switch status {
        case PQTRANS_IDLE: self = .idle
        case PQTRANS_ACTIVE: self = .active
        case PQTRANS_INTRANS: self = .inTransaction
        case PQTRANS_INERROR: self = .inFailedTransaction
        default: self = .unknown
        }
    }
}
