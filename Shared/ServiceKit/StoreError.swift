import RPC

/// A failure a store describes in the domain's terms (a category that does
/// not exist, a name already taken), so stores stay free of RPC statuses;
/// ``StoreErrorInterceptor`` answers with the matching status and the
/// message as written.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Something the request names does not exist (NOT_FOUND).
        case notFound
        /// What the request would create exists (ALREADY_EXISTS).
        case alreadyExists
        /// The current state does not allow it (FAILED_PRECONDITION).
        case failedPrecondition
    }

    public let kind: Kind
    /// For the caller: names what was wrong, never internals.
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func notFound(_ message: String) -> StoreError { StoreError(.notFound, message) }
    public static func alreadyExists(_ message: String) -> StoreError { StoreError(.alreadyExists, message) }
    public static func failedPrecondition(_ message: String) -> StoreError { StoreError(.failedPrecondition, message) }

    /// The status a call that failed with it answers.
    public var rpcError: RPCError {
        switch kind {
        case .notFound: RPCError(.notFound, message)
        case .alreadyExists: RPCError(.alreadyExists, message)
        case .failedPrecondition: RPCError(.failedPrecondition, message)
        }
    }

    public var description: String { "\(kind): \(message)" }
}
