import Foundation
import RPC

/// Checks for request fields that fail with INVALID_ARGUMENT and a message
/// naming the field and the rule, as the contract requires
/// (`"quantity must be between 1 and 99"`).
public enum Validate {
    /// A string whose length (in characters, after trimming whitespace when
    /// asked) is within `range`; returns the value to store.
    @discardableResult
    public static func text(_ value: String, _ field: String, length range: ClosedRange<Int>,
                            trimming: Bool = true) throws(RPCError) -> String {
        let text = trimming ? value.trimmingCharacters(in: .whitespacesAndNewlines) : value
        guard range.contains(text.count) else {
            if range.lowerBound == 0 {
                throw RPCError(.invalidArgument, "\(field) must be at most \(range.upperBound) characters")
            }
            if range.lowerBound == 1, text.isEmpty {
                throw RPCError(.invalidArgument, "\(field) is required (1-\(range.upperBound) characters)")
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

    /// A positive number.
    public static func positive<T: BinaryInteger>(_ value: T, _ field: String) throws(RPCError) {
        guard value > 0 else { throw RPCError(.invalidArgument, "\(field) must be greater than 0") }
    }

    /// A list whose length is within `range`.
    public static func count<C: Collection>(_ values: C, _ field: String, in range: ClosedRange<Int>) throws(RPCError) {
        guard range.contains(values.count) else {
            throw RPCError(.invalidArgument, "\(field) must have between \(range.lowerBound) and \(range.upperBound) entries, not \(values.count)")
        }
    }
}
