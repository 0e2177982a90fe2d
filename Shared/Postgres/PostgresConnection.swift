internal import LibPQ
import Synchronization
import Tracing

/// A connection borrowed from a ``PostgresPool`` for the duration of a
/// ``PostgresPool/withConnection(file:line:_:)`` or
/// ``PostgresPool/withTransaction(isolation:retryOnSerializationFailure:file:line:_:)``
/// body. Using it after the body returned throws
/// ``PostgresError/Code/invalidUsage``.
///
/// Statements run one at a time; each is prepared once per connection and
/// then reused from a bounded cache.
public final class PostgresConnection: Sendable {
    let driver: ConnectionDriver
    /// Whether each statement gets a span (see ``PostgresPool/init(configuration:logger:metricsFactory:metricsDimensions:tracesStatements:)``).
    private let tracesStatements: Bool
    private let isBorrowed = Atomic<Bool>(true)
    private let hasCompletedStatement = Atomic<Bool>(false)

    init(driver: ConnectionDriver, tracesStatements: Bool) {
        self.driver = driver
        self.tracesStatements = tracesStatements
    }

    /// The process id of the server backend serving this connection.
    public var backendPID: Int32 { driver.backendPID }

    /// Runs `query` and returns its rows.
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let result = try await run(query)
        return (0..<result.rowCount).map { PostgresRow(result: result, row: $0) }
    }

    /// Runs `query` and returns the number of rows it inserted, updated,
    /// deleted or selected (0 for other statements).
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await run(query).affectedRows ?? 0
    }

    /// Runs `sql` with the simple query protocol: it may hold several
    /// statements separated by semicolons, and takes no parameters. For
    /// scripts such as migrations; never build `sql` from input.
    public func executeScript(_ sql: String) async throws {
        try checkBorrowed()
        try await driver.simpleQuery(sql)
        hasCompletedStatement.store(true, ordering: .relaxed)
    }

    private func run(_ query: PostgresQuery) async throws -> PQResult {
        try checkBorrowed()
        // Only inside a traced call: probes, relay polls and migrations would
        // otherwise each start a trace of their own.
        let result = tracesStatements && ServiceContext.current != nil ? try await traced(query) : try await driver.execute(query)
        hasCompletedStatement.store(true, ordering: .relaxed)
        return result
    }

    /// Runs `query` in a client span (a child of the current one) named by its operation (`SELECT`),
    /// with its SQL text: placeholders only, for values are always bound,
    /// never written into the text.
    private func traced(_ query: PostgresQuery) async throws -> PQResult {
        let operation = String(query.sql.drop(while: \.isWhitespace).prefix(while: \.isLetter)).uppercased()
        return try await withSpan(operation, ofKind: .client) { span in
            span.attributes["db.system"] = "postgresql"
            span.attributes["db.operation"] = operation
            span.attributes["db.statement"] = query.sql
            return try await driver.execute(query)
        }
    }

    /// Whether a statement completed during this borrow; if none did and
    /// the connection broke, the connection was stale when borrowed.
    var completedAnyStatement: Bool {
        hasCompletedStatement.load(ordering: .relaxed)
    }

    private func checkBorrowed() throws(PostgresError) {
        guard isBorrowed.load(ordering: .acquiring) else {
            throw PostgresError(code: .invalidUsage, serverMessage: "connection used after it was returned to the pool")
        }
    }

    /// Ends the borrow: later use throws.
    func endBorrow() {
        isBorrowed.store(false, ordering: .releasing)
    }
}
