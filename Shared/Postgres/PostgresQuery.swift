import Foundation

/// A SQL statement with its parameters bound, never spliced into the text.
///
/// Written as a string literal with interpolation, every interpolated value
/// becomes a placeholder (`$1`, `$2`, …) and a bound parameter:
///
/// ```swift
/// let query: PostgresQuery = "SELECT id FROM products WHERE name = \(name)"
/// // sql: "SELECT id FROM products WHERE name = $1", one text parameter
/// ```
///
/// Text the program itself controls (never user input) can be inserted
/// with `\(unescaped:)`, and an identifier, quoted, with `\(identifier:)`.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation {
    /// The statement text, with `$n` placeholders.
    public var sql: String
    /// The parameters the placeholders refer to.
    public var bindings: PostgresBindings

    /// A query from statement text and the parameters its `$n` placeholders
    /// refer to. The text is used as given: never build it from input.
    public init(unsafeSQL sql: String, bindings: PostgresBindings = PostgresBindings()) {
        self.sql = sql
        self.bindings = bindings
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, bindings: stringInterpolation.bindings)
    }

    /// Builds a ``PostgresQuery`` from a string literal with interpolations.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql: String
        var bindings = PostgresBindings()

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Binds `value` (which may be an optional holding nil, for NULL)
        /// and inserts its placeholder.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            bindings.append(value)
            sql += "$\(bindings.count)"
        }

        /// Binds `value`, or NULL when it is nil, and inserts its placeholder.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            bindings.append(value)
            sql += "$\(bindings.count)"
        }

        /// Inserts `text` into the statement as is. Only for text the
        /// program controls, such as a table name from its configuration.
        public mutating func appendInterpolation(unescaped text: String) {
            sql += text
        }

        /// Writes `value` into the statement's text instead of binding it.
        /// For a `LIMIT`: bound, PostgreSQL's cached generic plan assumes it
        /// keeps a tenth of the rows and, looking dearer than a plan for the
        /// actual few, is never used, so every call is planned again;
        /// written, each value is its own statement with its own cached plan.
        public mutating func appendInterpolation(literal value: Int) {
            sql += String(value)
        }

        /// Inserts `name` as a quoted identifier (`"name"`, embedded quotes
        /// doubled), safe whatever it contains.
        public mutating func appendInterpolation(identifier name: String) {
            sql += PostgresQuery.quoteIdentifier(name)
        }
    }

    /// `name` as a quoted SQL identifier.
    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
