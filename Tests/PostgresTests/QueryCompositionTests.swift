import Postgres
import Testing

extension PostgresTests {
    @Suite struct QueryComposition {
        @Test func appendedFragmentsRenumberTheirPlaceholders() {
            var query: PostgresQuery = "SELECT \(Int64(1)) WHERE a = \(Int64(2))"
            query.append(" AND b = \("x") AND c = \(Int64(3))")
            query.append(" AND d = ANY(\([Int64(4)])) AND e = 'a$b' AND f = $$raw$$")
            #expect(query.sql == "SELECT $1 WHERE a = $2 AND b = $3 AND c = $4 AND d = ANY($5) AND e = 'a$b' AND f = $$raw$$")
            #expect(query.bindings.count == 5)
            let joined: PostgresQuery = "SELECT \(Int64(1))" + " + \(Int64(2))"
            #expect(joined.sql == "SELECT $1 + $2")
            // Numbers past one digit, beside text that is not ASCII.
            var wide: PostgresQuery = "SELECT 'café'"
            for value in 1...10 { wide.append(", \(Int64(value)) AS «n»") }
            #expect(wide.sql == "SELECT 'café'" + (1...10).map { ", $\($0) AS «n»" }.joined())
        }

        @Test func oneValueIsAScalarSeveralAnArrayAndLimitsAreWritten() async throws {
            var one: PostgresQuery = "SELECT n FROM generate_series(1, 9) AS n WHERE "
            one.append(.column("n", isAnyOf: [Int64(3)]))
            #expect(one.sql == "SELECT n FROM generate_series(1, 9) AS n WHERE n = $1")
            var several: PostgresQuery = "SELECT n FROM generate_series(1, 9) AS n WHERE n > \(Int64(0)) AND "
            several.append(.column("n", isAnyOf: [Int64(3), 5, 42]))
            several.append(" ORDER BY n LIMIT \(literal: 5)")
            #expect(several.sql == "SELECT n FROM generate_series(1, 9) AS n WHERE n > $1 AND n = ANY($2) ORDER BY n LIMIT 5")
            #expect(several.bindings.count == 2)
            try await TestDatabase.withPool { pool in
                let found = try await pool.query(one).map { try $0.decode(Int64.self, at: 0) }
                let foundSeveral = try await pool.query(several).map { try $0.decode(Int64.self, at: 0) }
                #expect(found == [3] && foundSeveral == [3, 5])
            }
        }

        @Test func composedQueriesRunWithTheirValuesBound() async throws {
            try await TestDatabase.withPool { pool in
                var query: PostgresQuery = "SELECT count(*)::bigint FROM generate_series(1, \(Int64(20))) AS n WHERE true"
                for bound in [Int64(5), Int64(12)] { query.append(" AND n <> \(bound)") }
                query.append(" AND n <= \(Int64(15)) AND \("'; DROP TABLE x; --") IS NOT NULL")
                let count = try #require(try await pool.query(query).first).decode(Int64.self, at: 0)
                #expect(count == 13)
            }
        }
    }
}
