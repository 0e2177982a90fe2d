internal import LibPQ

/// The parameters of a statement, encoded in the binary format as they are
/// appended.
public struct PostgresBindings: Sendable {
    var parameters = PQParameters()

    /// No parameters.
    public init() {}

    /// The number of parameters.
    public var count: Int { parameters.count }

    /// The declared type of each parameter.
    public var dataTypes: [PostgresDataType] {
        parameters.types.map(PostgresDataType.init(rawValue:))
    }

    /// Appends a parameter; an optional holding nil binds NULL.
    public mutating func append<Value: PostgresEncodable>(_ value: Value) {
        if value.isPostgresNull {
            parameters.appendNull(type: Value.postgresDataType.rawValue)
        } else {
            parameters.append(type: Value.postgresDataType.rawValue) { value.encode(into: &$0) }
        }
    }

    /// Appends every parameter of `other`, after these.
    public mutating func append(contentsOf other: PostgresBindings) {
        parameters.append(contentsOf: other.parameters)
    }
}
