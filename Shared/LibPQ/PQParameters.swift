/// Bound parameters for one statement, in libpq's binary parameter format.
///
/// All values share one contiguous buffer so a statement with many
/// parameters costs two allocations, not one per value.
public struct PQParameters: Sendable {
    /// The type OID of each parameter; 0 lets the server infer it.
    public private(set) var types: [UInt32] = []
    /// The binary encoding of all non-NULL values, back to back.
    private var buffer: [UInt8] = []
    /// Byte length of each value, or -1 for SQL NULL; values follow each
    /// other in `buffer`, so their offsets are the running sum.
    private var lengths: [Int32] = []

    /// No parameters.
    public init() {}

    /// The number of parameters.
    public var count: Int { types.count }

    /// Appends a NULL parameter of the given type.
    public mutating func appendNull(type: UInt32) {
        types.append(type)
        lengths.append(-1)
    }

    /// Appends a parameter whose binary value `encode` writes to the end of
    /// the shared buffer.
    public mutating func append(type: UInt32, encode: (inout [UInt8]) -> Void) {
        let start = buffer.count
        encode(&buffer)
        types.append(type)
        lengths.append(Int32(buffer.count - start))
    }

    /// Appends every parameter of `other`, after these.
    public mutating func append(contentsOf other: PQParameters) {
        types += other.types
        lengths += other.lengths
        buffer += other.buffer
    }

    /// Calls `body` with the C arrays libpq's `PQsend*` functions take:
    /// value pointers (NULL for SQL NULL), lengths and formats (all binary).
    func withCArrays<R>(
        _ body: (
            UnsafePointer<UnsafePointer<CChar>?>?,
            UnsafePointer<Int32>?,
            UnsafePointer<Int32>?
        ) throws -> R
    ) rethrows -> R {
        // A zero-length value still needs a non-NULL pointer (NULL means SQL
        // NULL), so never hand libpq the base address of an empty buffer.
        let storage = buffer.isEmpty ? [0] : buffer
        return try storage.withUnsafeBytes { bytes in
            let base = bytes.baseAddress!.assumingMemoryBound(to: CChar.self)
            // Scratch arrays on the stack: this runs once per statement.
            return try withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: count) { values in
                try withUnsafeTemporaryAllocation(of: Int32.self, capacity: count) { formats in
                    var offset = 0
                    for index in 0..<count {
                        let length = Int(lengths[index])
                        values[index] = length < 0 ? nil : base + offset
                        formats[index] = 1
                        offset += max(0, length)
                    }
                    return try lengths.withUnsafeBufferPointer { lengths in
                        try body(UnsafePointer(values.baseAddress), lengths.baseAddress, UnsafePointer(formats.baseAddress))
                    }
                }
            }
        }
    }
}
