/// Whether `bytes` is well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF) and free of NUL, which protobuf-c's
/// NUL-terminated strings cannot carry.
enum StringCheck {
    case valid
    case invalidUTF8
    case containsNUL

    init(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                if lead == 0 { self = .containsNUL; return }
                index += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: self = .invalidUTF8; return
            }
            guard index + length <= count else { self = .invalidUTF8; return }
            let second = bytes[index + 1]
            guard second >= lower && second <= upper else { self = .invalidUTF8; return }
            for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
                self = .invalidUTF8
                return
            }
            index += length
        }
        self = .valid
    }
}
