/// A call that ended with a status other than OK.
///
/// Handlers throw it to answer with a specific status; clients receive it
/// when a call fails. Any other error a handler throws becomes INTERNAL with
/// a generic message, so internals never reach the caller.
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: RPCStatus.Code
    public var message: String
    /// Trailing metadata sent (server) or received (client) with the status.
    public var metadata: Metadata

    public init(_ code: RPCStatus.Code, _ message: String, metadata: Metadata = Metadata()) {
        precondition(code != .ok, "RPCError cannot carry OK")
        self.code = code
        self.message = message
        self.metadata = metadata
    }

    public var status: RPCStatus { RPCStatus(code, message) }

    public var description: String { status.description }

    // Conveniences for the codes handlers use most.
    public static func invalidArgument(_ message: String) -> RPCError { RPCError(.invalidArgument, message) }
    public static func notFound(_ message: String) -> RPCError { RPCError(.notFound, message) }
    public static func alreadyExists(_ message: String) -> RPCError { RPCError(.alreadyExists, message) }
    public static func failedPrecondition(_ message: String) -> RPCError { RPCError(.failedPrecondition, message) }
    public static func unavailable(_ message: String) -> RPCError { RPCError(.unavailable, message) }
    public static func unimplemented(_ message: String) -> RPCError { RPCError(.unimplemented, message) }
    public static func unauthenticated(_ message: String) -> RPCError { RPCError(.unauthenticated, message) }
    public static func permissionDenied(_ message: String) -> RPCError { RPCError(.permissionDenied, message) }
    public static func resourceExhausted(_ message: String) -> RPCError { RPCError(.resourceExhausted, message) }
    public static func `internal`(_ message: String) -> RPCError { RPCError(.internal, message) }
}
