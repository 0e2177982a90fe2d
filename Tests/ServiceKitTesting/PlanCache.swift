import Postgres
import Testing

/// What PostgreSQL's plan cache did with the statements a service prepared.
public enum PlanCache {
    /// One prepared statement and how often each kind of plan ran it.
    public struct Statement: Sendable, CustomStringConvertible {
        public let sql: String
        public let genericPlans: Int
        public let customPlans: Int
        public var executions: Int { genericPlans + customPlans }
        public var description: String {
            "\(customPlans) custom / \(genericPlans) generic plans: " + sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
    }

    /// The statements prepared on the connection that runs this query:
    /// with a pool of one connection, every statement the service ran.
    public static func statements(on pool: PostgresPool) async throws -> [Statement] {
        try await pool.query("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements").map {
            let (sql, generic, custom) = try $0.decode((String, Int, Int).self)
            return Statement(sql: sql, genericPlans: generic, customPlans: custom)
        }
    }

    /// Expects every statement run at least `warmUp` times on `pool`'s one
    /// connection to have moved to a cached generic plan: PostgreSQL plans
    /// the first five executions for their parameters, then keeps a generic
    /// plan only when it looks no dearer, so a statement still planned per
    /// call after that pays its planning (often more than its execution)
    /// every time. `replanned` names statements (by how their SQL ends)
    /// that are planned per call on purpose; each must be among those run,
    /// so the list cannot go stale.
    public static func expectGenericPlans(on pool: PostgresPool, warmUp: Int = 10, replanned: [String] = [],
                                          sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let hot = try await statements(on: pool).filter { $0.executions >= warmUp }
        #expect(!hot.isEmpty, "no statement ran \(warmUp) times on the pool's connection", sourceLocation: sourceLocation)
        for statement in hot where !replanned.contains(where: statement.sql.hasSuffix) {
            #expect(statement.customPlans <= 5, "planned on every call: \(statement)", sourceLocation: sourceLocation)
        }
        for ending in replanned {
            #expect(hot.contains { $0.sql.hasSuffix(ending) }, "no hot statement ends with \"\(ending)\"",
                    sourceLocation: sourceLocation)
        }
    }
}
