internal import LibPQ

/// One row of a query result.
///
/// Decode columns by name or position into any ``PostgresDecodable`` type;
/// use an optional type for columns that may be NULL.
///
/// ```swift
/// let id = try row.decode(Int64.self, column: "id")
/// let (id, name) = try row.decode((Int64, String).self)
/// ```
public struct PostgresRow: Sendable {
    private let result: PQResult
    private let row: Int

    init(result: PQResult, row: Int) {
        self.result = result
        self.row = row
    }

    /// The column names, in order.
    public var columnNames: [String] {
        result.columns.map(\.name)
    }

    /// The number of columns.
    public var count: Int {
        result.columns.count
    }

    /// Decodes the column named `column` (the first, if several have that name).
    public func decode<Value: PostgresDecodable>(_ type: Value.Type, column: String) throws(PostgresDecodingError) -> Value {
        guard let index = result.columns.firstIndex(where: { $0.name == column }) else {
            throw PostgresDecodingError(
                column: column,
                columnIndex: -1,
                swiftType: "\(Value.self)",
                postgresType: .unspecified,
                reason: .missingColumn
            )
        }
        return try decode(type, at: index)
    }

    /// Decodes the column at `index`, counting from 0.
    public func decode<Value: PostgresDecodable>(_ type: Value.Type, at index: Int) throws(PostgresDecodingError) -> Value {
        guard result.columns.indices.contains(index) else {
            throw PostgresDecodingError(
                column: "#\(index)",
                columnIndex: index,
                swiftType: "\(Value.self)",
                postgresType: .unspecified,
                reason: .missingColumn
            )
        }
        let column = result.columns[index]
        let dataType = PostgresDataType(rawValue: column.typeOID)
        do {
            return try Value.decode(result.value(row: row, column: index), type: dataType)
        } catch {
            throw PostgresDecodingError(
                column: column.name,
                columnIndex: index,
                swiftType: "\(Value.self)",
                postgresType: dataType,
                reason: error
            )
        }
    }

    /// Decodes the row's leading columns, in order, into a tuple.
    public func decode<each Value: PostgresDecodable>(
        _ types: (repeat each Value).Type
    ) throws(PostgresDecodingError) -> (repeat each Value) {
        var index = 0
        func next<Next: PostgresDecodable>(_ type: Next.Type) throws(PostgresDecodingError) -> Next {
            defer { index += 1 }
            return try decode(type, at: index)
        }
        return (repeat try next((each Value).self))
    }
}
