import Foundation
import WellKnownTypes

/// The text forms the proto3 JSON mapping gives some well-known types:
/// Timestamp (RFC 3339), Duration (`"1.5s"`), FieldMask (`"a.b,c"`), and
/// base64 for bytes.
enum WellKnownJSON {
    static let maxDurationSeconds: Int64 = 315_576_000_000

    // MARK: Any

    /// The message type a `google.protobuf.Any` type URL names: what follows
    /// its last '/' (`type.googleapis.com/pkg.Message`); nil when there is no
    /// '/' or no name after it.
    static func typeName(fromTypeURL url: String) -> String? {
        guard let slash = url.lastIndex(of: "/"), url.index(after: slash) < url.endIndex else { return nil }
        return String(url[url.index(after: slash)...])
    }

    // MARK: Timestamp

    static func formatTimestamp(seconds: Int64, nanos: Int32) -> String? {
        guard Google_Protobuf_Timestamp.validSeconds.contains(seconds), nanos >= 0, nanos <= 999_999_999 else {
            return nil
        }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        let time = String(format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", year, month, day,
                          secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60)
        return time + fraction(nanos) + "Z"
    }

    static func parseTimestamp(_ text: String) -> (seconds: Int64, nanos: Int32)? {
        let chars = Array(text.utf8)
        var index = 0
        func number(_ count: Int) -> Int64? {
            guard index + count <= chars.count else { return nil }
            var value: Int64 = 0
            for byte in chars[index..<(index + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            index += count
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < chars.count, characters.utf8.contains(chars[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2), expect("Tt"),
              let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour <= 23, minute <= 59,
              second <= 59, year >= 1 else { return nil }
        var nanos: Int64 = 0
        if index < chars.count, chars[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                guard digits < 9 else { return nil }
                nanos = nanos * 10 + Int64(chars[index] - 48)
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanos *= 10 }
        }
        var offset: Int64 = 0
        if expect("Zz") {
            // UTC
        } else if index < chars.count, chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-") {
            let sign: Int64 = chars[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = number(2), expect(":"), let offsetMinutes = number(2), offsetHours <= 23, offsetMinutes <= 59 else {
                return nil
            }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard index == chars.count else { return nil }
        let seconds = days(fromCivil: year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        guard Google_Protobuf_Timestamp.validSeconds.contains(seconds) else { return nil }
        return (seconds, Int32(nanos))
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `.123`, `.123456` or `.123456789` (the shortest of the three that is
    /// exact), or nothing for whole seconds.
    static func fraction(_ nanos: Int32) -> String {
        let nanos = abs(Int(nanos))
        if nanos == 0 { return "" }
        if nanos % 1_000_000 == 0 { return String(format: ".%03d", nanos / 1_000_000) }
        if nanos % 1000 == 0 { return String(format: ".%06d", nanos / 1000) }
        return String(format: ".%09d", nanos)
    }

    // MARK: Duration

    static func formatDuration(seconds: Int64, nanos: Int32) -> String? {
        guard seconds.magnitude <= UInt64(maxDurationSeconds), nanos.magnitude <= 999_999_999,
              seconds == 0 || nanos == 0 || (seconds < 0) == (nanos < 0) else { return nil }
        let negative = seconds < 0 || nanos < 0
        return (negative ? "-" : "") + String(seconds.magnitude) + fraction(nanos) + "s"
    }

    static func parseDuration(_ text: String) -> (seconds: Int64, nanos: Int32)? {
        guard text.hasSuffix("s") else { return nil }
        var body = Substring(text.dropLast())
        var negative = false
        if body.hasPrefix("-") {
            negative = true
            body = body.dropFirst()
        }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit),
              let seconds = Int64(whole), seconds <= maxDurationSeconds else { return nil }
        var nanos: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy(\.isASCIIDigit) else { return nil }
            nanos = Int64(fraction)! * Int64(pow(10, Double(9 - fraction.count)))
        }
        return negative ? (-seconds, Int32(-nanos)) : (seconds, Int32(nanos))
    }

    // MARK: FieldMask

    /// `update_mask.paths` → `updateMask.paths`; nil when the path would not
    /// come back the same (uppercase letters, `_` not before a lowercase letter).
    static func camelCasePath(_ path: String) -> String? {
        var result = ""
        var afterUnderscore = false
        for character in path {
            if character.isUppercase { return nil }
            if character == "_" {
                if afterUnderscore { return nil }
                afterUnderscore = true
                continue
            }
            if afterUnderscore {
                guard character.isLowercase else { return nil }
                result += character.uppercased()
                afterUnderscore = false
            } else {
                result.append(character)
            }
        }
        return afterUnderscore ? nil : result
    }

    /// `updateMask.paths` → `update_mask.paths`; nil for a path with `_`.
    static func snakeCasePath(_ path: String) -> String? {
        var result = ""
        for character in path {
            if character == "_" { return nil }
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    // MARK: Base64

    /// Standard or URL-safe base64, padded or not.
    static func decodeBase64(_ text: String) -> [UInt8]? {
        var normalized = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        switch normalized.utf8.count % 4 {
        case 1: return nil
        case 2: normalized += "=="
        case 3: normalized += "="
        default: break
        }
        return Data(base64Encoded: normalized).map { [UInt8]($0) }
    }

    static func encodeBase64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
