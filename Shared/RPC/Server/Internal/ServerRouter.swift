/// Maps request paths to method handlers, and knows which services exist so
/// a wrong method and a wrong service get different messages.
struct ServerRouter: Sendable {
    struct Route: Sendable {
        let service: String
        let method: String
        let handler: RPCMethodHandler
    }

    private let routes: [String: Route]
    private let services: Set<String>
    let interceptors: [any RPCServerInterceptor]

    init(services: [RPCService], interceptors: [any RPCServerInterceptor]) {
        var routes: [String: Route] = [:]
        for service in services {
            for (name, handler) in service.methods {
                routes["/\(service.name)/\(name)"] = Route(service: service.name, method: name, handler: handler)
            }
        }
        self.routes = routes
        self.services = Set(services.map(\.name))
        self.interceptors = interceptors
    }

    /// The route for `path`, or the UNIMPLEMENTED error to answer with.
    func route(_ path: String) -> Result<Route, RPCError> {
        if let route = routes[path] { return .success(route) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else {
            return .failure(RPCError(.unimplemented, "malformed method path '\(path)'"))
        }
        if services.contains(String(parts[1])) {
            return .failure(RPCError(.unimplemented, "method '\(parts[2])' is not implemented by service '\(parts[1])'"))
        }
        return .failure(RPCError(.unimplemented, "service '\(parts[1])' is not implemented"))
    }
}
