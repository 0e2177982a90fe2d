/// A PostgreSQL data type, identified by its type OID.
///
/// Only the built-in types this library encodes or decodes have names; any
/// other OID can still be represented with ``init(rawValue:)``.
public struct PostgresDataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The type's OID in `pg_type`.
    public let rawValue: UInt32

    /// The type with OID `rawValue`.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// No type (OID 0): as a parameter type it lets the server infer the
    /// type; decoding errors report it for a column that does not exist.
    public static let unspecified = PostgresDataType(rawValue: 0)
    /// `bool` (OID 16).
    public static let bool = PostgresDataType(rawValue: 16)
    /// `bytea` (OID 17).
    public static let bytea = PostgresDataType(rawValue: 17)
    /// `char` (OID 18).
    public static let char = PostgresDataType(rawValue: 18)
    /// `name` (OID 19).
    public static let name = PostgresDataType(rawValue: 19)
    /// `int8` (OID 20).
    public static let int8 = PostgresDataType(rawValue: 20)
    /// `int2` (OID 21).
    public static let int2 = PostgresDataType(rawValue: 21)
    /// `int4` (OID 23).
    public static let int4 = PostgresDataType(rawValue: 23)
    /// `text` (OID 25).
    public static let text = PostgresDataType(rawValue: 25)
    /// `oid` (OID 26).
    public static let oid = PostgresDataType(rawValue: 26)
    /// `json` (OID 114).
    public static let json = PostgresDataType(rawValue: 114)
    /// `xml` (OID 142).
    public static let xml = PostgresDataType(rawValue: 142)
    /// `float4` (OID 700).
    public static let float4 = PostgresDataType(rawValue: 700)
    /// `float8` (OID 701).
    public static let float8 = PostgresDataType(rawValue: 701)
    /// `unknown` (OID 705).
    public static let unknown = PostgresDataType(rawValue: 705)
    /// `bpchar` (OID 1042).
    public static let bpchar = PostgresDataType(rawValue: 1042)
    /// `varchar` (OID 1043).
    public static let varchar = PostgresDataType(rawValue: 1043)
    /// `date` (OID 1082).
    public static let date = PostgresDataType(rawValue: 1082)
    /// `timestamp` (OID 1114).
    public static let timestamp = PostgresDataType(rawValue: 1114)
    /// `timestamptz` (OID 1184).
    public static let timestamptz = PostgresDataType(rawValue: 1184)
    /// `numeric` (OID 1700).
    public static let numeric = PostgresDataType(rawValue: 1700)
    /// `uuid` (OID 2950).
    public static let uuid = PostgresDataType(rawValue: 2950)
    /// `jsonb` (OID 3802).
    public static let jsonb = PostgresDataType(rawValue: 3802)
    /// `bool[]` (OID 1000).
    public static let boolArray = PostgresDataType(rawValue: 1000)
    /// `int2[]` (OID 1005).
    public static let int2Array = PostgresDataType(rawValue: 1005)
    /// `int4[]` (OID 1007).
    public static let int4Array = PostgresDataType(rawValue: 1007)
    /// `text[]` (OID 1009).
    public static let textArray = PostgresDataType(rawValue: 1009)
    /// `varchar[]` (OID 1015).
    public static let varcharArray = PostgresDataType(rawValue: 1015)
    /// `int8[]` (OID 1016).
    public static let int8Array = PostgresDataType(rawValue: 1016)
    /// `float8[]` (OID 1022).
    public static let float8Array = PostgresDataType(rawValue: 1022)
    /// `uuid[]` (OID 2951).
    public static let uuidArray = PostgresDataType(rawValue: 2951)

    public var description: String {
        switch self {
        case .bool: "bool"
        case .bytea: "bytea"
        case .char: "char"
        case .name: "name"
        case .int8: "int8"
        case .int2: "int2"
        case .int4: "int4"
        case .text: "text"
        case .oid: "oid"
        case .json: "json"
        case .xml: "xml"
        case .float4: "float4"
        case .float8: "float8"
        case .unknown: "unknown"
        case .bpchar: "bpchar"
        case .varchar: "varchar"
        case .date: "date"
        case .timestamp: "timestamp"
        case .timestamptz: "timestamptz"
        case .numeric: "numeric"
        case .uuid: "uuid"
        case .jsonb: "jsonb"
        case .boolArray: "bool[]"
        case .int2Array: "int2[]"
        case .int4Array: "int4[]"
        case .textArray: "text[]"
        case .varcharArray: "varchar[]"
        case .int8Array: "int8[]"
        case .float8Array: "float8[]"
        case .uuidArray: "uuid[]"
        default: "oid \(rawValue)"
        }
    }

    /// Whether this is one of the built-in array types.
    var isArray: Bool {
        PostgresDataType.builtinArrayOIDs.contains(rawValue)
    }

    // bool, bytea, char, name, int8, int2, int4, text, oid, json, xml,
    // float4, float8, bpchar, varchar, date, timestamp, timestamptz,
    // numeric, uuid and jsonb arrays.
    private static let builtinArrayOIDs: Set<UInt32> = [
        1000, 1001, 1002, 1003, 1016, 1005, 1007, 1009, 1028, 199, 143,
        1021, 1022, 1014, 1015, 1182, 1115, 1185, 1231, 2951, 3807,
    ]
}
