import Foundation
import RPC

/// The id of the request being handled, carried across services in
/// `x-request-id` so one user action can be followed through every log.
public enum RequestID {
    /// The current task's request id.
    @TaskLocal public static var current: String?

    static let header = "x-request-id"
}

/// Takes the caller's `x-request-id` (or makes one), echoes it in the
/// response headers, and makes it ``RequestID/current`` for the handler.
public struct RequestIDServerInterceptor: RPCServerInterceptor {
    public init() {}

    public func intercept(context: RPCServerContext, next: () async throws -> Void) async throws {
        let presented = context.metadata[RequestID.header].map { String($0.prefix(128)) }
        let id = presented.flatMap { $0.isEmpty ? nil : $0 } ?? UUID.random().uuidString.lowercased()
        context.addInitialMetadata(RequestID.header, id)
        try await RequestID.$current.withValue(id) { try await next() }
    }
}

/// Sends ``RequestID/current`` as `x-request-id` on calls made while
/// handling a request.
public struct RequestIDClientInterceptor: RPCClientInterceptor {
    public init() {}

    public func intercept(context: RPCClientCallContext, next: (RPCClientCallContext) async throws -> Void) async throws {
        guard let id = RequestID.current, context.metadata[RequestID.header] == nil else { return try await next(context) }
        var context = context
        context.metadata.add(RequestID.header, id)
        try await next(context)
    }
}
