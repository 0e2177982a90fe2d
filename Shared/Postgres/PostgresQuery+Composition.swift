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
    /// contains (dollar-quoted strings use `$$` or `$tag$`).
    private static func renumbering(_ sql: String, by offset: Int) -> String {
        var result = ""
        result.reserveCapacity(sql.utf8.count + 8)
        var scalars = sql.unicodeScalars[...]
        while let dollar = scalars.firstIndex(of: "$") {
            result.unicodeScalars += scalars[..<dollar]
            var digitsEnd = scalars.index(after: dollar)
            while digitsEnd < scalars.endIndex, ("0"..."9").contains(scalars[digitsEnd]) {
                digitsEnd = scalars.index(after: digitsEnd)
            }
            let digits = String(scalars[scalars.index(after: dollar)..<digitsEnd])
            if let number = Int(digits) {
                result += "$\(number + offset)"
            } else {
                result += "$"
            }
            scalars = scalars[(digits.isEmpty ? scalars.index(after: dollar) : digitsEnd)...]
        }
        result.unicodeScalars += scalars
        return result
    }
}
