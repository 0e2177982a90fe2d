/// Arrays use the binary array format: dimension count, has-NULL flag,
/// element type, then per dimension its length and lower bound, then each
/// element as a length (-1 for NULL) and its bytes. Being binary, element
/// values need no quoting or escaping.
extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresDataType: PostgresDataType { Element.postgresArrayDataType }

    public func encode(into buffer: inout [UInt8]) {
        Int32(isEmpty ? 0 : 1).appendBigEndian(to: &buffer)
        Int32(contains(where: \.isPostgresNull) ? 1 : 0).appendBigEndian(to: &buffer)
        Element.postgresDataType.rawValue.appendBigEndian(to: &buffer)
        guard !isEmpty else { return }
        Int32(count).appendBigEndian(to: &buffer)
        Int32(1).appendBigEndian(to: &buffer)
        for element in self {
            if element.isPostgresNull {
                Int32(-1).appendBigEndian(to: &buffer)
            } else {
                // The length is known once the element is written: reserve
                // its place, then fill it in.
                let lengthOffset = buffer.count
                Int32(0).appendBigEndian(to: &buffer)
                let start = buffer.count
                element.encode(into: &buffer)
                Int32(buffer.count - start).storeBigEndian(into: &buffer, at: lengthOffset)
            }
        }
    }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    /// Decodes one-dimensional (or empty) arrays whose element type the
    /// element's Swift type can decode. NULL elements need optional elements.
    public init(postgresValue bytes: ArraySlice<UInt8>, type: PostgresDataType) throws(PostgresDecodingError.Reason) {
        guard type.isArray else { throw .typeMismatch }
        var reader = BinaryReader(bytes)
        let dimensions: Int32 = try reader.readInteger()
        _ = try reader.readInteger(as: Int32.self)  // has-NULL flag; each element says so itself
        let elementType = PostgresDataType(rawValue: try reader.readInteger())
        switch dimensions {
        case 0:
            self = []
            return
        case 1:
            break
        default:
            throw .typeMismatch
        }
        let count = Int(try reader.readInteger(as: Int32.self))
        _ = try reader.readInteger(as: Int32.self)  // lower bound
        guard count >= 0 else { throw .malformedValue }
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            let length = Int(try reader.readInteger(as: Int32.self))
            let value = length < 0 ? nil : try reader.readBytes(length)
            elements.append(try Element.decode(value, type: elementType))
        }
        guard reader.isAtEnd else { throw .malformedValue }
        self = elements
    }
}
