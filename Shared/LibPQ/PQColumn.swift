/// The description of one result column.
public struct PQColumn: Sendable, Hashable {
    /// The column name as the server reports it (`PQfname`).
    public let name: String
    /// The type OID of the column's values (`PQftype`).
    public let typeOID: UInt32
}
