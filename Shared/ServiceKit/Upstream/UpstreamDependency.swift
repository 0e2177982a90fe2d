/// A service this one calls, named by the variable holding its address.
public struct UpstreamDependency: Sendable, Hashable {
    /// The environment variable with its `host:port` (`CATALOG_ADDR`).
    public var variable: String
    /// The gRPC service it serves, for messages (`CatalogService`).
    public var service: String
    /// A required upstream stops the service at start when its variable is
    /// unset; an optional one is simply not called.
    public var required: Bool
    /// The longest a call to it may take; the caller's remaining deadline
    /// shortens it.
    public var timeout: Duration

    public init(variable: String, service: String, required: Bool, timeout: Duration = .seconds(2)) {
        self.variable = variable
        self.service = service
        self.required = required
        self.timeout = timeout
    }
}
