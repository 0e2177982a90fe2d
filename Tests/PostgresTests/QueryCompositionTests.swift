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
