/// The description of one result column.
public struct PQColumn: Sendable, Hashable {
    /// The column name as the server reports it (`PQfname`).
    public let name: String
    /// The type OID of the column's values (`PQftype`).
    public let typeOID: UInt32
    /// Whether values are in binary (`true`) or text format (`PQfformat`).
    public let isBinary: Bool
}
