extension PostgresQuery {
    /// Appends `other`: its text after this query's, its `$n` placeholders
    /// renumbered to follow this query's parameters. Builds statements whose
    /// filters depend on the request, every value still bound:
    ///
    /// ```swift
    /// var query: PostgresQuery = "SELECT id FROM products WHERE archived_at IS NULL"
    /// if let category { query.append(" AND category_id = \(category)") }
    /// ```
    public mutating func append(_ other: PostgresQuery) {
        let offset = bindings.count
        sql += offset == 0 ? other.sql : Self.renumbering(other.sql, by: offset)
        bindings.append(contentsOf: other.bindings)
    }

    /// `column = $n` for one value, `column = ANY($n)` for several.
    ///
    /// A lookup of one row by a scalar gets a generic plan that PostgreSQL
    /// caches after five calls. With an array parameter its generic plan
    /// assumes ten elements and never looks cheaper than one made for the
    /// actual few, so `= ANY` is planned again on every call: a cost a batch
    /// shares among its values, but more than the lookup itself for one.
    /// `column` is SQL text and must come from the program, never a request.
    public static func column<Element: PostgresArrayElement>(_ column: String, isAnyOf values: [Element]) -> PostgresQuery {
        if values.count == 1 { return "\(unescaped: column) = \(values[0])" }
        return "\(unescaped: column) = ANY(\(values))"
    }

    /// The two queries joined, placeholders renumbered.
    public static func + (lhs: PostgresQuery, rhs: PostgresQuery) -> PostgresQuery {
        var joined = lhs
        joined.append(rhs)
        return joined
    }

    /// `sql` with every `$n` placeholder shifted by `offset`. Placeholders
    /// are the only `$` followed by digits that a program-built statement
    /// contains (dollar-quoted strings use `$$` or `$tag$`). Works on UTF-8
    /// bytes (`$` and digits are ASCII): queries are composed on every call.
    private static func renumbering(_ sql: String, by offset: Int) -> String {
        let bytes = sql.utf8
        guard bytes.contains(UInt8(ascii: "$")) else { return sql }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 8)
        var index = bytes.startIndex
        while let dollar = bytes[index...].firstIndex(of: UInt8(ascii: "$")) {
            result += bytes[index...dollar]
            let digitsStart = bytes.index(after: dollar)
            let digitsEnd = bytes[digitsStart...].firstIndex { !isDigit($0) } ?? bytes.endIndex
            if digitsStart < digitsEnd, let number = Int(Substring(bytes[digitsStart..<digitsEnd])) {
                result += String(number + offset).utf8
            }
            index = digitsEnd
        }
        result += bytes[index...]
        return String(decoding: result, as: UTF8.self)
    }
}
