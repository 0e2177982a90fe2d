import Foundation
import Postgres
import Testing

extension PostgresTests {
    @Suite struct Codecs {
        @Test func everyTypeRoundTripsThroughBoundParameters() async throws {
            try await TestDatabase.withPool { pool in
                let uuid = UUID()
                let otherUUID = UUID()
                // Microsecond precision is what timestamptz keeps.
                let date = Date(timeIntervalSince1970: 1_700_000_000.123456)
                let data = Data([0, 1, 2, 0xFF, 0x5C, 0x27])
                let rows = try await pool.query(
                    """
                    SELECT \(Int(42)) AS i, \(Int32(-7)) AS i32, \(Int64.max) AS i64, \(3.25) AS d,
                           \(true) AS b, \("héllo 'wörld' \\ \"q\"") AS s, \(uuid) AS u, \(date) AS t,
                           \(data) AS bytes, \([Int64(1), -2, .max]) AS a64, \([Int32(3), 4]) AS a32,
                           \(["a", "b,c", "\"q\"", "NULL", "", "{}", "back\\slash"]) AS astr,
                           \([String?("x"), nil]) AS anull, \([Int64]()) AS aempty, \([uuid, otherUUID]) AS auuid,
                           \([UUID?.none, uuid]) AS auuidnull
                    """
                )
                let row = try #require(rows.first)
                #expect(try row.decode(Int.self, column: "i") == 42)
                #expect(try row.decode(Int32.self, column: "i32") == -7)
                #expect(try row.decode(Int64.self, column: "i64") == .max)
                #expect(try row.decode(Double.self, column: "d") == 3.25)
                #expect(try row.decode(Bool.self, column: "b") == true)
                #expect(try row.decode(String.self, column: "s") == "héllo 'wörld' \\ \"q\"")
                #expect(try row.decode(UUID.self, column: "u") == uuid)
                #expect(try row.decode(Date.self, column: "t") == date)
                #expect(try row.decode(Data.self, column: "bytes") == data)
                #expect(try row.decode([Int64].self, column: "a64") == [1, -2, .max])
                #expect(try row.decode([Int32].self, column: "a32") == [3, 4])
                #expect(try row.decode([String].self, column: "astr") == ["a", "b,c", "\"q\"", "NULL", "", "{}", "back\\slash"])
                #expect(try row.decode([String?].self, column: "anull") == ["x", nil])
                #expect(try row.decode([Int64].self, column: "aempty") == [])
                #expect(try row.decode([UUID].self, column: "auuid") == [uuid, otherUUID])
                #expect(try row.decode([UUID?].self, column: "auuidnull") == [nil, uuid])
                let (i, s) = try row.decode((Int, Int32).self)
                #expect(i == 42 && s == -7)
            }
        }

        @Test func nullsRoundTripAsOptionals() async throws {
            try await TestDatabase.withPool { pool in
                let rows = try await pool.query(
                    """
                    SELECT \(Int?.none) AS i, \(Int32?.none) AS i32, \(Int64?.none) AS i64, \(Double?.none) AS d,
                           \(Bool?.none) AS b, \(String?.none) AS s, \(UUID?.none) AS u, \(Date?.none) AS t,
                           \(Data?.none) AS bytes, \([Int64]?.none) AS a64, \([Int32]?.none) AS a32, \([String]?.none) AS astr
                    """
                )
                let row = try #require(rows.first)
                #expect(try row.decode(Int?.self, column: "i") == nil)
                #expect(try row.decode(Int32?.self, column: "i32") == nil)
                #expect(try row.decode(Int64?.self, column: "i64") == nil)
                #expect(try row.decode(Double?.self, column: "d") == nil)
                #expect(try row.decode(Bool?.self, column: "b") == nil)
                #expect(try row.decode(String?.self, column: "s") == nil)
                #expect(try row.decode(UUID?.self, column: "u") == nil)
                #expect(try row.decode(Date?.self, column: "t") == nil)
                #expect(try row.decode(Data?.self, column: "bytes") == nil)
                #expect(try row.decode([Int64]?.self, column: "a64") == nil)
                #expect(try row.decode([Int32]?.self, column: "a32") == nil)
                #expect(try row.decode([String]?.self, column: "astr") == nil)
                // A non-optional type refuses NULL, naming the column.
                let error = try #require(throws: PostgresDecodingError.self) { try row.decode(Int.self, column: "i") }
                #expect(error.reason == .unexpectedNull && error.column == "i" && error.columnIndex == 0)
            }
        }

        @Test func valuesStoredInTablesRoundTrip() async throws {
            try await TestDatabase.withPool { pool in
                let table = "codec_\(UUID().uuidString.prefix(8).lowercased())"
                try await pool.execute(
                    """
                    CREATE TABLE \(identifier: table) (
                        i int4, i64 int8, d float8, b bool, s text, u uuid, t timestamptz, bytes bytea,
                        a64 int8[], a32 int4[], astr text[], v varchar(20), n numeric(12,3)
                    )
                    """
                )
                let uuid = UUID()
                let date = Date(timeIntervalSince1970: 946_684_799.5)  // before the PostgreSQL epoch
                let inserted = try await pool.execute(
                    """
                    INSERT INTO \(identifier: table) VALUES
                    (\(Int32(1)), \(Int64.min), \(-0.5), \(false), \("ü"), \(uuid), \(date), \(Data()), \([Int64]()), \([Int32.min]), \(["x", "y z"]), \("var"), 1234.5),
                    (\(Int32?.none), \(Int64?.none), \(Double?.none), \(Bool?.none), \(String?.none), \(UUID?.none), \(Date?.none), \(Data?.none), \([Int64]?.none), \([Int32]?.none), \([String]?.none), NULL, NULL)
                    """
                )
                #expect(inserted == 2)
                let rows = try await pool.query("SELECT * FROM \(identifier: table) ORDER BY i NULLS LAST")
                #expect(rows.count == 2)
                #expect(try rows[0].decode(Int32.self, column: "i") == 1)
                #expect(try rows[0].decode(Int64.self, column: "i64") == .min)
                #expect(try rows[0].decode(Double.self, column: "d") == -0.5)
                #expect(try rows[0].decode(Bool.self, column: "b") == false)
                #expect(try rows[0].decode(String.self, column: "s") == "ü")
                #expect(try rows[0].decode(UUID.self, column: "u") == uuid)
                #expect(try rows[0].decode(Date.self, column: "t") == date)
                #expect(try rows[0].decode(Data.self, column: "bytes") == Data())
                #expect(try rows[0].decode([Int64].self, column: "a64") == [])
                #expect(try rows[0].decode([Int32].self, column: "a32") == [.min])
                #expect(try rows[0].decode([String].self, column: "astr") == ["x", "y z"])
                #expect(try rows[0].decode(String.self, column: "v") == "var")
                #expect(try rows[0].decode(String.self, column: "n") == "1234.500")
                #expect(try rows[0].decode(Double.self, column: "n") == 1234.5)
                for column in rows[1].columnNames {
                    #expect(try rows[1].decode(String?.self, column: column) == nil || column == "i")
                }
                try await pool.execute("DROP TABLE \(identifier: table)")
            }
        }

        @Test func timestamptzIsIndependentOfTheSessionTimeZone() async throws {
            try await TestDatabase.withPool { pool in
                try await pool.withConnection { connection in
                    try await connection.execute("SET TIME ZONE 'Asia/Kathmandu'")
                    let rows = try await connection.query(
                        "SELECT '2024-03-01 12:00:00+05:45'::timestamptz AS t, \(Date(timeIntervalSince1970: 0))::text AS text"
                    )
                    #expect(try rows[0].decode(Date.self, column: "t") == Date(timeIntervalSince1970: 1_709_273_700))
                    #expect(try rows[0].decode(String.self, column: "text") == "1970-01-01 05:30:00+05:30")
                }
            }
        }

        @Test(arguments: [
            "'; DROP TABLE x; --",
            "Robert'); DROP TABLE students;--",
            "\\'; SELECT 1; --",
            "$1 $2 \\x00",
            "\"quoted\" 'single' `back`",
            "ünïcødé 🍕 日本語",
            "E'\\\\'",
        ])
        func injectionAttemptsAreStoredVerbatim(_ hostile: String) async throws {
            try await TestDatabase.withPool { pool in
                let table = "inj_\(UUID().uuidString.prefix(8).lowercased())"
                try await pool.execute("CREATE TABLE \(identifier: table) (name text)")
                try await pool.execute("INSERT INTO \(identifier: table) (name) VALUES (\(hostile))")
                let rows = try await pool.query("SELECT name FROM \(identifier: table) WHERE name = \(hostile)")
                #expect(rows.count == 1)
                #expect(try rows[0].decode(String.self, column: "name") == hostile)
                try await pool.execute("DROP TABLE \(identifier: table)")
            }
        }

        @Test func interpolationBindsInsteadOfSplicing() {
            let name = "x'; DROP TABLE y; --"
            let query: PostgresQuery = "SELECT * FROM \(identifier: "we\"ird") WHERE name = \(name) AND id = \(Int64(1)) \(unescaped: "LIMIT 1")"
            #expect(query.sql == "SELECT * FROM \"we\"\"ird\" WHERE name = $1 AND id = $2 LIMIT 1")
            #expect(query.bindings.count == 2)
            #expect(query.bindings.dataTypes == [.text, .int8])
        }

        @Test func decodingIntoTheWrongTypeNamesTheColumn() async throws {
            try await TestDatabase.withPool { pool in
                let rows = try await pool.query("SELECT 1::int8 AS id, 'x'::text AS name, 5000000000::int8 AS big")
                let mismatch = try #require(throws: PostgresDecodingError.self) { try rows[0].decode(String.self, column: "id") }
                #expect(mismatch.column == "id" && mismatch.columnIndex == 0 && mismatch.reason == .typeMismatch)
                #expect("\(mismatch)".contains("\"id\"") && "\(mismatch)".contains("index 0"))
                let wrong = try #require(throws: PostgresDecodingError.self) { try rows[0].decode(Int.self, at: 1) }
                #expect(wrong.column == "name" && wrong.columnIndex == 1)
                let overflow = try #require(throws: PostgresDecodingError.self) { try rows[0].decode(Int32.self, column: "big") }
                #expect(overflow.reason == .outOfRange)
                let missing = try #require(throws: PostgresDecodingError.self) { try rows[0].decode(Int.self, column: "nope") }
                #expect(missing.reason == .missingColumn)
                let array = try #require(throws: PostgresDecodingError.self) { try rows[0].decode([Int64].self, column: "id") }
                #expect(array.reason == .typeMismatch)
            }
        }
    }
}
