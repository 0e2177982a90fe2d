/// Reads PostgreSQL's binary wire formats (network byte order) from a value's
/// bytes, failing with ``PostgresDecodingError/Reason/malformedValue`` on
/// truncated input.
struct BinaryReader {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { bytes.isEmpty }

    mutating func readInteger<T: FixedWidthInteger>(as: T.Type = T.self) throws(PostgresDecodingError.Reason) -> T {
        let size = MemoryLayout<T>.size
        guard bytes.count >= size else { throw .malformedValue }
        var value: T = 0
        for byte in bytes.prefix(size) {
            value = value << 8 | T(truncatingIfNeeded: byte)
        }
        bytes.removeFirst(size)
        return value
    }

    mutating func readBytes(_ count: Int) throws(PostgresDecodingError.Reason) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count >= count else { throw .malformedValue }
        let value = bytes.prefix(count)
        bytes.removeFirst(count)
        return value
    }
}
