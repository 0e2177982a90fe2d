import Foundation

/// Money on the command line and on screen. The API counts integer cents
/// (`price_cents: 1250`); people type and read `12.50`.
///
/// Parsing is exact: the decimal text is turned into cents digit by digit,
/// never through floating point, so `19.99` is 1999 cents and never 1998.
public enum Money {
    /// Why an amount was rejected; the message names the amount and the rule.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Cents from `12.50`, `12.5`, `12`, `0.99`, `.99` or `$12.50`: at most
    /// two decimals, never negative.
    public static func parseCents(_ text: String) throws(ParseError) -> Int64 {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        let example = "expected an amount like 12.50, 12.5 or 12"
        guard !rest.isEmpty else { throw ParseError("empty amount: \(example)") }
        if rest.hasPrefix("-") {
            throw ParseError("'\(text)' is negative; amounts must be 0 or more")
        }
        if rest.hasPrefix("+") { rest = rest.dropFirst() }
        if rest.hasPrefix("$") { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        let isDigits = { (part: Substring) in part.allSatisfy { $0.isASCII && $0.isNumber } }
        guard isDigits(whole), isDigits(fraction), !(whole.isEmpty && fraction.isEmpty),
              parts.count == 1 || !fraction.isEmpty else {
            if rest.contains(",") {
                throw ParseError("'\(text)' is not an amount: use '.' for cents and no thousands separators (1234.50)")
            }
            throw ParseError("'\(text)' is not an amount: \(example)")
        }
        guard fraction.count <= 2 else {
            throw ParseError("'\(text)' has more than 2 decimal places; amounts are in whole cents (e.g. 12.50)")
        }
        var cents: Int64 = 0
        for digit in whole + fraction.padding(toLength: 2, withPad: "0", startingAt: 0) {
            let (times10, overflow1) = cents.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(digit.wholeNumberValue!))
            guard !overflow1, !overflow2 else { throw ParseError("'\(text)' is too large") }
            cents = sum
        }
        return cents
    }

    /// `$12.50`, `$0.99`, `$1,234.00` (and `-$3.00` should a negative ever appear).
    public static func format(cents: Int64, symbol: String = "$") -> String {
        let magnitude = cents.magnitude
        let whole = String(magnitude / 100)
        var grouped = ""
        for (offset, character) in whole.enumerated() {
            if offset > 0, (whole.count - offset) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        let fraction = magnitude % 100
        return (cents < 0 ? "-" : "") + symbol + grouped + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}

/// A yes/no value on the command line: true/false, yes/no, on/off, 1/0.
public enum BoolWord {
    public static func parse(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "y", "on", "1": true
        case "false", "no", "n", "off", "0": false
        default: nil
        }
    }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// For `@Option(transform:)`.
    static func transform(_ text: String) throws -> Bool {
        guard let value = parse(text) else { throw ParseError(description: "'\(text)' is not true or false (also: yes/no, on/off)") }
        return value
    }
}
