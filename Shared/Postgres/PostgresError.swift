/// An error from the database, the connection or the pool.
///
/// Switch over ``code`` to map errors to responses: constraint violations
/// each have their own code, with the constraint, table and column names the
/// server reported.
///
/// ``description`` is safe to show to callers: it never contains SQL text,
/// parameter values or server messages (which may quote values).
/// ``debugDescription``, meant for logs, adds the SQL text and the server's
/// message, except messages of data exceptions (SQLSTATE class 22), which
/// quote input values; it never contains parameter values.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of error this is.
    public enum Code: Sendable, Hashable {
        /// 23505: a unique or primary-key constraint was violated.
        case uniqueViolation
        /// 23503: a foreign-key constraint was violated.
        case foreignKeyViolation
        /// 23514: a check constraint was violated.
        case checkViolation
        /// 23502: NULL was written to a NOT NULL column.
        case notNullViolation
        /// 40001: a serializable or repeatable-read transaction conflicted.
        case serializationFailure
        /// 40P01: the transaction was chosen as a deadlock victim.
        case deadlockDetected
        /// The connection broke or the server could not be reached
        /// (including SQLSTATE classes 08 and 57P01–57P03).
        case connectionLost
        /// No connection became free within the pool's acquire timeout.
        case poolExhausted
        /// A statement or lock wait exceeded its timeout (57014, 55P03).
        case timeout
        /// The pool was shut down.
        case poolShutDown
        /// The library was used in a way it does not support, such as a
        /// borrowed connection used after it was returned.
        case invalidUsage
        /// Any other server error, by SQLSTATE.
        case other(sqlState: String)
    }

    /// What kind of error this is.
    public let code: Code
    /// The SQLSTATE the server reported; nil for client-side errors.
    public let sqlState: String?
    /// The violated constraint, when the server named one.
    public let constraint: String?
    /// The schema of the table involved, when the server named one.
    public let schema: String?
    /// The table involved, when the server named one.
    public let table: String?
    /// The column involved, when the server named one.
    public let column: String?

    /// The server's or libpq's message, kept out of ``description``.
    let serverMessage: String?
    /// The statement text, kept out of ``description``.
    let sql: String?

    init(
        code: Code,
        sqlState: String? = nil,
        constraint: String? = nil,
        schema: String? = nil,
        table: String? = nil,
        column: String? = nil,
        serverMessage: String? = nil,
        sql: String? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.constraint = constraint
        self.schema = schema
        self.table = table
        self.column = column
        self.serverMessage = serverMessage
        self.sql = sql
    }

    /// Whether retrying the whole transaction may succeed.
    public var isTransient: Bool {
        code == .serializationFailure || code == .deadlockDetected
    }

    public var description: String {
        var text = "PostgresError.\(code.name)"
        var details: [String] = []
        if let sqlState { details.append("SQLSTATE \(sqlState)") }
        if let constraint { details.append("constraint \"\(constraint)\"") }
        if let table { details.append("table \"\(schema.map { "\($0)." } ?? "")\(table)\"") }
        if let column { details.append("column \"\(column)\"") }
        if !details.isEmpty { text += " (\(details.joined(separator: ", ")))" }
        if let explanation = code.explanation {
            text += ": \(explanation)"
        } else if code == .invalidUsage, let serverMessage {
            // Usage messages are the library's own fixed text.
            text += ": \(serverMessage)"
        }
        return text
    }

    public var debugDescription: String {
        var text = description
        if let serverMessage, code != .invalidUsage, sqlState?.hasPrefix("22") != true {
            text += "; message: \(serverMessage)"
        }
        if let sql { text += "; sql: \(sql)" }
        return text
    }
}

extension PostgresError.Code {
    /// Maps a server SQLSTATE to a code.
    init(sqlState: String) {
        switch sqlState {
        case "23505": self = .uniqueViolation
        case "23503": self = .foreignKeyViolation
        case "23514": self = .checkViolation
        case "23502": self = .notNullViolation
        case "40001": self = .serializationFailure
        case "40P01": self = .deadlockDetected
        case "57014", "55P03": self = .timeout
        case "57P01", "57P02", "57P03": self = .connectionLost
        case _ where sqlState.hasPrefix("08"): self = .connectionLost
        default: self = .other(sqlState: sqlState)
        }
    }

    var name: String {
        switch self {
        case .uniqueViolation: "uniqueViolation"
        case .foreignKeyViolation: "foreignKeyViolation"
        case .checkViolation: "checkViolation"
        case .notNullViolation: "notNullViolation"
        case .serializationFailure: "serializationFailure"
        case .deadlockDetected: "deadlockDetected"
        case .connectionLost: "connectionLost"
        case .poolExhausted: "poolExhausted"
        case .timeout: "timeout"
        case .poolShutDown: "poolShutDown"
        case .invalidUsage: "invalidUsage"
        case .other: "other"
        }
    }

    /// A fixed, value-free explanation for client-side errors.
    var explanation: String? {
        switch self {
        case .connectionLost: "the connection to the database was lost or could not be established"
        case .poolExhausted: "no database connection became available within the acquire timeout"
        case .poolShutDown: "the connection pool has been shut down"
        default: nil
        }
    }
}
