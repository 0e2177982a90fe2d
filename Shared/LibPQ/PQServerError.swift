import CLibPQ

/// The fields of an error the server reported (an ErrorResponse), copied out
/// of the `PGresult` before it is cleared.
///
/// `message` may quote input values for data exceptions, so the layers
/// above decide whether it is safe to show.
public struct PQServerError: Sendable, Hashable {
    /// The five-character SQLSTATE code, e.g. `23505`.
    public let sqlState: String
    /// The primary human-readable message.
    public let message: String
    /// The schema of the object the error is about, when there is one.
    public let schemaName: String?
    /// The table the error is about, when there is one.
    public let tableName: String?
    /// The column the error is about, when there is one.
    public let columnName: String?
    /// The constraint the error is about, when there is one.
    public let constraintName: String?
    /// The server source function that reported the error: unlike the
    /// message, never localized, so it tells apart errors that share a
    /// SQLSTATE.
    public let sourceFunction: String?

    init(copying result: OpaquePointer) {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        // libpq synthesizes results without SQLSTATE for client-side
        // failures (e.g. a lost connection); XX000 marks them as internal.
        sqlState = field("C") ?? "XX000"
        message = field("M") ?? String(cString: PQresultErrorMessage(result))
        schemaName = field("s")
        tableName = field("t")
        columnName = field("c")
        constraintName = field("n")
        sourceFunction = field("R")
    }
}
