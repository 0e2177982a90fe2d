/// Turns PostgreSQL's binary `numeric` format into its exact decimal text.
///
/// The format is: digit count, weight (of the first digit, in powers of
/// 10000), sign, display scale, then base-10000 digits.
enum NumericFormatter {
    static func string(fromBinary bytes: ArraySlice<UInt8>) throws(PostgresDecodingError.Reason) -> String {
        var reader = BinaryReader(bytes)
        let count = Int(try reader.readInteger(as: Int16.self))
        let weight = Int(try reader.readInteger(as: Int16.self))
        let sign = try reader.readInteger(as: UInt16.self)
        let scale = Int(try reader.readInteger(as: Int16.self))
        guard count >= 0, scale >= 0 else { throw .malformedValue }
        var digits: [Int] = []
        for _ in 0..<count {
            let digit = Int(try reader.readInteger(as: Int16.self))
            guard (0..<10_000).contains(digit) else { throw .malformedValue }
            digits.append(digit)
        }
        switch sign {
        case 0xC000: return "NaN"
        case 0xD000: return "Infinity"
        case 0xF000: return "-Infinity"
        case 0x0000, 0x4000: break
        default: throw .malformedValue
        }

        func digit(at index: Int) -> Int {
            index >= 0 && index < digits.count ? digits[index] : 0
        }
        func padded(_ value: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: 4 - text.count) + text
        }

        var text = sign == 0x4000 ? "-" : ""
        if weight < 0 {
            text += "0"
        } else {
            text += String(digit(at: 0))
            for index in stride(from: 1, through: weight, by: 1) {
                text += padded(digit(at: index))
            }
        }
        if scale > 0 {
            var fraction = ""
            var index = weight + 1
            while fraction.count < scale {
                fraction += padded(digit(at: index))
                index += 1
            }
            text += "." + fraction.prefix(scale)
        }
        return text
    }
}
