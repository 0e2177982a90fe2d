import Logging
import Postgres
import RPC

/// Turns a store's ``StoreError`` into its status, and database errors that
/// reach the RPC layer into statuses:
/// unique → ALREADY_EXISTS, foreign key → FAILED_PRECONDITION, check or not
/// null → INVALID_ARGUMENT, pool exhausted or connection lost → UNAVAILABLE,
/// timeout → DEADLINE_EXCEEDED, anything else → INTERNAL with a generic
/// message. Details go to the log, never to the caller.
///
/// Handlers catch the errors they can describe better (a unique name
/// taken, say); this is the net under them.
public struct StoreErrorInterceptor: RPCServerInterceptor {
    public init() {}

    public func intercept(context: RPCServerContext, next: () async throws -> Void) async throws {
        do {
            try await next()
        } catch let error as StoreError {
            throw error.rpcError
        } catch let error as PostgresError {
            throw Self.status(for: error, logger: context.logger)
        } catch let error as PostgresDecodingError {
            context.logger.error("stored data does not decode", metadata: ["error": "\(error)"])
            throw RPCError(.internal, "internal error")
        }
    }

    static func status(for error: PostgresError, logger: Logger) -> RPCError {
        switch error.code {
        case .uniqueViolation:
            return RPCError(.alreadyExists, "already exists" + (error.constraint.map { " (\($0))" } ?? ""))
        case .foreignKeyViolation:
            return RPCError(.failedPrecondition, "a referenced record does not exist or is still in use" + (error.constraint.map { " (\($0))" } ?? ""))
        case .checkViolation, .notNullViolation:
            return RPCError(.invalidArgument, "a value is out of range" + (error.constraint.map { " (\($0))" } ?? ""))
        case .poolExhausted, .connectionLost:
            logger.warning("database unavailable", metadata: ["error": "\(error)"])
            return RPCError(.unavailable, "the database is unavailable; retry later")
        case .timeout:
            return RPCError(.deadlineExceeded, "the database did not answer in time")
        case .serializationFailure, .deadlockDetected:
            return RPCError(.aborted, "the request conflicted with a concurrent change; retry it")
        default:
            logger.error("database error", metadata: ["error": "\(String(reflecting: error))"])
            return RPCError(.internal, "internal error")
        }
    }
}
