import RPC

/// Requires `authorization: Bearer <token>` on the methods of the
/// protected services that change data: without one, UNAUTHENTICATED; with
/// one not in `tokens`, PERMISSION_DENIED. Reads (methods whose `.proto`
/// says `option idempotency_level = NO_SIDE_EFFECTS`) stay open, and so do
/// other services (health, reflection).
public struct BearerTokenInterceptor: RPCServerInterceptor {
    private let tokens: [[UInt8]]
    private let protectedServices: Set<String>

    /// - Parameters:
    ///   - tokens: the accepted tokens (`AUTH_TOKENS`).
    ///   - protectedServices: the fully qualified services whose writes need a token.
    public init(tokens: Set<String>, protectedServices: Set<String>) {
        self.tokens = tokens.map { Array($0.utf8) }
        self.protectedServices = protectedServices
    }

    public func intercept(context: RPCServerContext, next: () async throws -> Void) async throws {
        guard context.idempotency != .noSideEffects, protectedServices.contains(context.service) else {
            return try await next()
        }
        guard let header = context.metadata["authorization"] else {
            throw RPCError(.unauthenticated, "\(context.method) changes data and needs 'authorization: Bearer <token>'")
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix) else {
            throw RPCError(.unauthenticated, "the authorization header must be 'Bearer <token>'")
        }
        let presented = Array(header.dropFirst(prefix.count).utf8)
        // Compare against every token without stopping early, so timing does
        // not reveal how much of a token matched.
        var accepted = false
        for token in tokens where Self.constantTimeEquals(token, presented) { accepted = true }
        guard accepted else {
            throw RPCError(.permissionDenied, "the bearer token is not accepted for \(context.method)")
        }
        try await next()
    }

    private static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
