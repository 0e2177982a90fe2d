import CLibPQ

/// The fields of an error the server reported (an ErrorResponse), copied out
/// of the `PGresult` before it is cleared.
///
/// `detail` may quote row values (for example "Key (name)=(x) already
/// exists") and `message` may quote input values for data exceptions, so the
/// layers above decide what of this is safe to show.
public struct PQServerError: Sendable, Hashable {
    /// The five-character SQLSTATE code, e.g. `23505`.
    public let sqlState: String
    /// `ERROR`, `FATAL` or `PANIC` (not localized).
    public let severity: String
    /// The primary human-readable message.
    public let message: String
    /// An optional secondary message carrying more detail.
    public let detail: String?
    /// An optional suggestion what to do about the problem.
    public let hint: String?
    /// The schema of the object the error is about, when there is one.
    public let schemaName: String?
    /// The table the error is about, when there is one.
    public let tableName: String?
    /// The column the error is about, when there is one.
    public let columnName: String?
    /// The constraint the error is about, when there is one.
    public let constraintName: String?

    /// A server error from its fields.
    public init(
        sqlState: String,
        severity: String,
        message: String,
        detail: String? = nil,
        hint: String? = nil,
        schemaName: String? = nil,
        tableName: String? = nil,
        columnName: String? = nil,
        constraintName: String? = nil
    ) {
        self.sqlState = sqlState
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
        self.schemaName = schemaName
        self.tableName = tableName
        self.columnName = columnName
        self.constraintName = constraintName
    }

    init(copying result: OpaquePointer) {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        // libpq synthesizes results without SQLSTATE for client-side
        // failures (e.g. a lost connection); XX000 marks them as internal.
        self.init(
            sqlState: field("C") ?? "XX000",
            severity: field("V") ?? field("S") ?? "ERROR",
            message: field("M") ?? String(cString: PQresultErrorMessage(result)),
            detail: field("D"),
            hint: field("H"),
            schemaName: field("s"),
            tableName: field("t"),
            columnName: field("c"),
            constraintName: field("n")
        )
    }
}
