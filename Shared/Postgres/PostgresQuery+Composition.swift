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
