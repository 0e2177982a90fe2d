/// The isolation level a transaction runs at.
public enum PostgresIsolationLevel: Sendable, Hashable {
    /// Each statement sees data committed before it began (the default).
    case readCommitted
    /// The transaction sees one snapshot; conflicting writes fail with
    /// ``PostgresError/Code/serializationFailure``.
    case repeatableRead
    /// Transactions behave as if run one after another; conflicts fail
    /// with ``PostgresError/Code/serializationFailure``.
    case serializable

    var sql: String {
        switch self {
        case .readCommitted: "READ COMMITTED"
        case .repeatableRead: "REPEATABLE READ"
        case .serializable: "SERIALIZABLE"
        }
    }
}
