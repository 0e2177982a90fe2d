import Foundation
import Postgres
import Protobuf
import RPC

/// Client-chosen keys that make a create safe to retry: the first request
/// with a key runs and its response is stored with it, in one transaction;
/// a repeat of the same request gets that response back without running
/// again; the key reused with a different request is refused. Needs
/// ``ServiceKitTable/idempotencyKeys``.
///
/// The key row is inserted first, so of concurrent identical requests one
/// runs and the others wait for its commit and return its response; if it
/// fails, its key disappears with its rollback and the next one runs.
public struct IdempotencyKeys: Sendable {
    /// The request field carrying the key, named in errors.
    public let field: String
    /// How long keys are kept.
    public var retention: Duration

    public init(field: String = "idempotency_key", retention: Duration = .seconds(7 * 24 * 3600)) {
        self.field = field
        self.retention = retention
    }

    /// Runs `body` in a transaction once per (`scope`, `key`), or returns
    /// the response stored for them.
    ///
    /// - Parameters:
    ///   - scope: whose keys these are (a customer): keys of different
    ///     scopes never collide.
    ///   - key: the client's key, 1–128 characters.
    ///   - request: what the key is bound to; the same key with a different
    ///     request fails with FAILED_PRECONDITION.
    ///   - body: the create, run in the transaction that stores the key.
    public func run<Response: ProtobufMessage>(
        scope: String, key: String, request: some ProtobufMessage, on pool: PostgresPool,
        _ body: (PostgresConnection) async throws -> Response
    ) async throws -> Response {
        try Validate.text(key, field, length: 1...128)
        let requestBytes = Data(try request.serializedBytes())
        return try await pool.withTransaction { transaction in
            let inserted = try await transaction.query("""
                INSERT INTO idempotency_keys (scope, key, request_hash) VALUES (\(scope), \(key), sha256(\(requestBytes)))
                ON CONFLICT (scope, key) DO NOTHING RETURNING 1
                """)
            if inserted.isEmpty {
                guard let stored: Response = try await stored(scope: scope, key: key, requestBytes: requestBytes, on: transaction) else {
                    // Pruned between the two statements: rare; let the client retry.
                    throw RPCError(.aborted, "\(field) '\(key)' changed while in use; retry the request")
                }
                return stored
            }
            let response = try await body(transaction)
            try await transaction.execute("""
                UPDATE idempotency_keys SET response = \(Data(try response.serializedBytes()))
                WHERE scope = \(scope) AND key = \(key)
                """)
            return response
        }
    }

    /// The response stored for (`scope`, `key`) without waiting for or
    /// running anything: nil when the key is unused (or its request is
    /// still running). Lets a retry be answered before work that must not
    /// hold the transaction open (an upstream call) is repeated.
    public func storedResponse<Response: ProtobufMessage>(
        scope: String, key: String, request: some ProtobufMessage, on pool: PostgresPool
    ) async throws -> Response? {
        try Validate.text(key, field, length: 1...128)
        let requestBytes = Data(try request.serializedBytes())
        return try await pool.withConnection { try await stored(scope: scope, key: key, requestBytes: requestBytes, on: $0) }
    }

    /// The committed response of a key; FAILED_PRECONDITION when the key
    /// belongs to a different request.
    private func stored<Response: ProtobufMessage>(scope: String, key: String, requestBytes: Data,
                                                   on connection: PostgresConnection) async throws -> Response? {
        let rows = try await connection.query("""
            SELECT request_hash = sha256(\(requestBytes)), response FROM idempotency_keys
            WHERE scope = \(scope) AND key = \(key)
            """)
        guard let row = rows.first else { return nil }
        let (sameRequest, stored) = try row.decode((Bool, Data?).self)
        guard sameRequest else {
            throw RPCError(.failedPrecondition, "\(field) '\(key)' was already used with a different request")
        }
        return try stored.map { try Response(serializedBytes: $0) }
    }

    /// Deletes keys older than ``retention``; returns how many.
    @discardableResult
    public func prune(on pool: PostgresPool) async throws -> Int {
        try await pool.execute("""
            DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => \(Double(retention.components.seconds)))
            """, idempotent: true)
    }
}
