import Foundation
import RPC

/// Checks for request fields that fail with INVALID_ARGUMENT and a message
/// naming the field and the rule, as the contract requires
/// (`"quantity must be between 1 and 99"`).
public enum Validate {
    /// A string whose length (in Unicode code points, as the contract and
    /// PostgreSQL's char_length count them, after trimming whitespace) is
    /// within `range`; returns the trimmed value to store.
    @discardableResult
    public static func text(_ value: String, _ field: String, length range: ClosedRange<Int>) throws(RPCError) -> String {
        let text = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard range.contains(text.unicodeScalars.count) else {
            if range.lowerBound == 0 {
                throw RPCError(.invalidArgument, "\(field) must be at most \(range.upperBound) characters")
            }
            throw RPCError(.invalidArgument, "\(field) must be between \(range.lowerBound) and \(range.upperBound) characters")
        }
        return text
    }

    /// A number within `range`.
    public static func number<T: BinaryInteger>(_ value: T, _ field: String, in range: ClosedRange<T>) throws(RPCError) {
        guard range.contains(value) else {
            throw RPCError(.invalidArgument, "\(field) must be between \(range.lowerBound) and \(range.upperBound)")
        }
    }

    /// An identifier: positive.
    public static func id(_ value: Int64, _ field: String) throws(RPCError) {
        guard value > 0 else { throw RPCError(.invalidArgument, "\(field) must be positive") }
    }

    /// A positive quantity, such as a price.
    public static func positive<T: BinaryInteger>(_ value: T, _ field: String) throws(RPCError) {
        guard value > 0 else { throw RPCError(.invalidArgument, "\(field) must be greater than 0") }
    }

    /// A list whose length is within `range`, as the contract words it:
    /// "ids must contain between 1 and 1000 ids", or "ids must contain at
    /// most 1000 ids" when the list may be empty.
    public static func count<C: Collection>(_ values: C, _ field: String, in range: ClosedRange<Int>) throws(RPCError) {
        guard range.contains(values.count) else {
            if range.lowerBound == 0 {
                throw RPCError(.invalidArgument, "\(field) must contain at most \(range.upperBound) \(field)")
            }
            throw RPCError(.invalidArgument, "\(field) must contain between \(range.lowerBound) and \(range.upperBound) \(field)")
        }
    }
}
