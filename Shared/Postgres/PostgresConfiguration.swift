internal import LibPQ
import Foundation

/// How a ``PostgresPool`` connects and how it manages its connections.
///
/// Every setting has a default; ``PostgresPool/init(configuration:logger:)``
/// validates them and throws a ``PostgresConfigurationError`` naming the
/// first invalid one.
public struct PostgresConfiguration: Sendable {
    /// A `postgresql://` URL or a libpq keyword/value string
    /// (`host=… dbname=…`), as in `DATABASE_URL`.
    public var connectionString: String
    /// The service's schema. When set it is first on every connection's
    /// `search_path` (then `public`), and migrations record themselves in it.
    public var schema: String?
    /// The `application_name` connections report (see `pg_stat_activity`).
    public var applicationName: String
    /// How long establishing one connection may take (libpq's
    /// `connect_timeout`, whole seconds, at least 2).
    public var connectTimeout: Duration
    /// Connections kept open even when idle.
    public var minConnections: Int
    /// The most connections open at once.
    public var maxConnections: Int
    /// How long a borrower waits for a connection before
    /// ``PostgresError/Code/poolExhausted``.
    public var acquireTimeout: Duration
    /// Connections are closed and replaced after about this long (each gets
    /// up to 10% less, at random, so they do not all expire together).
    public var maxLifetime: Duration
    /// Idle connections above ``minConnections`` are closed after this long.
    public var idleTimeout: Duration
    /// A connection idle longer than this is checked (an empty statement)
    /// before it is handed out, like SQLAlchemy's `pool_pre_ping`.
    public var healthCheckAfterIdle: Duration
    /// When set, a borrow held longer than this is logged with where it was
    /// borrowed.
    public var leakDetectionThreshold: Duration?
    /// Prepared statements cached per connection.
    public var statementCacheCapacity: Int
    /// The first delay before reconnecting after a failed connection
    /// attempt; it doubles per further failure up to ``maxReconnectDelay``.
    public var initialReconnectDelay: Duration
    /// The longest delay between connection attempts.
    public var maxReconnectDelay: Duration

    /// A configuration with the defaults: 2–10 connections, 5 s acquire
    /// timeout, 30 min lifetime, 10 min idle timeout, liveness check after
    /// 1 s idle, 10 s connect timeout, 128 cached statements.
    public init(connectionString: String, schema: String? = nil, applicationName: String = "swift-postgres") {
        self.connectionString = connectionString
        self.schema = schema
        self.applicationName = applicationName
        self.connectTimeout = .seconds(10)
        self.minConnections = 2
        self.maxConnections = 10
        self.acquireTimeout = .seconds(5)
        self.maxLifetime = .seconds(30 * 60)
        self.idleTimeout = .seconds(10 * 60)
        self.healthCheckAfterIdle = .seconds(1)
        self.leakDetectionThreshold = nil
        self.statementCacheCapacity = 128
        self.initialReconnectDelay = .milliseconds(100)
        self.maxReconnectDelay = .seconds(5)
    }

    /// A configuration read from environment variables: `DATABASE_URL`
    /// (required), `DB_SCHEMA`, `DB_POOL_MIN`, `DB_POOL_MAX`,
    /// `DB_POOL_ACQUIRE_TIMEOUT_MS`, `DB_POOL_MAX_LIFETIME_S` and
    /// `DB_POOL_IDLE_TIMEOUT_S`; unset ones keep their defaults. Throws a
    /// ``PostgresConfigurationError`` naming the variable that is invalid.
    public init(environment: [String: String], applicationName: String) throws(PostgresConfigurationError) {
        guard let url = environment["DATABASE_URL"], !url.isEmpty else {
            throw PostgresConfigurationError(setting: "DATABASE_URL", reason: "not set")
        }
        self.init(connectionString: url, schema: environment["DB_SCHEMA"], applicationName: applicationName)
        func integer(_ name: String) throws(PostgresConfigurationError) -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw PostgresConfigurationError(setting: name, reason: "not a non-negative integer")
            }
            return value
        }
        if let value = try integer("DB_POOL_MIN") { minConnections = value }
        if let value = try integer("DB_POOL_MAX") { maxConnections = value }
        if let value = try integer("DB_POOL_ACQUIRE_TIMEOUT_MS") { acquireTimeout = .milliseconds(value) }
        if let value = try integer("DB_POOL_MAX_LIFETIME_S") { maxLifetime = .seconds(value) }
        if let value = try integer("DB_POOL_IDLE_TIMEOUT_S") { idleTimeout = .seconds(value) }
        let environmentNames = [
            "minConnections": "DB_POOL_MIN", "maxConnections": "DB_POOL_MAX",
            "acquireTimeout": "DB_POOL_ACQUIRE_TIMEOUT_MS", "maxLifetime": "DB_POOL_MAX_LIFETIME_S",
            "idleTimeout": "DB_POOL_IDLE_TIMEOUT_S", "schema": "DB_SCHEMA", "connectionString": "DATABASE_URL",
        ]
        do {
            try validate()
        } catch {
            throw PostgresConfigurationError(setting: environmentNames[error.setting] ?? error.setting, reason: error.reason)
        }
    }

    /// Checks every setting; throws for the first invalid one.
    public func validate() throws(PostgresConfigurationError) {
        func check(_ condition: Bool, _ setting: String, _ reason: String) throws(PostgresConfigurationError) {
            if !condition { throw PostgresConfigurationError(setting: setting, reason: reason) }
        }
        do {
            try PQConnection.validate(connectionString: connectionString)
        } catch {
            // libpq's parse message names the offending part, not the password.
            throw PostgresConfigurationError(setting: "connectionString", reason: error.message)
        }
        if let schema {
            try check(!schema.isEmpty && !schema.contains("\0"), "schema", "must be a non-empty name")
        }
        try check(!applicationName.contains("\0"), "applicationName", "must not contain NUL")
        try check(connectTimeout >= .seconds(1), "connectTimeout", "must be at least 1 second")
        try check(minConnections >= 0, "minConnections", "must not be negative")
        try check(maxConnections >= 1, "maxConnections", "must be at least 1")
        try check(minConnections <= maxConnections, "minConnections", "must not exceed maxConnections")
        try check(acquireTimeout > .zero, "acquireTimeout", "must be positive")
        try check(maxLifetime > .zero, "maxLifetime", "must be positive")
        try check(idleTimeout > .zero, "idleTimeout", "must be positive")
        try check(healthCheckAfterIdle >= .zero, "healthCheckAfterIdle", "must not be negative")
        if let leakDetectionThreshold {
            try check(leakDetectionThreshold > .zero, "leakDetectionThreshold", "must be positive")
        }
        try check(statementCacheCapacity >= 1, "statementCacheCapacity", "must be at least 1")
        try check(initialReconnectDelay > .zero, "initialReconnectDelay", "must be positive")
        try check(maxReconnectDelay >= initialReconnectDelay, "maxReconnectDelay", "must not be below initialReconnectDelay")
    }

    /// The libpq connection parameters: the connection string first, then
    /// settings that override whatever it says.
    func connectionParameters(applicationName: String) -> [(keyword: String, value: String)] {
        let seconds = max(2, Int((connectTimeout + .milliseconds(999)).components.seconds))
        var parameters: [(keyword: String, value: String)] = [
            ("dbname", connectionString),
            ("application_name", applicationName),
            ("connect_timeout", String(seconds)),
            ("client_encoding", "UTF8"),
        ]
        if let schema {
            // `options` are server settings for the session; backslash
            // escapes spaces and backslashes in the value.
            let path = PostgresQuery.quoteIdentifier(schema) + ",public"
            let escaped = path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: " ", with: "\\ ")
            parameters.append(("options", "-c search_path=\(escaped)"))
        }
        return parameters
    }
}

extension PostgresConfiguration {
    /// How long to wait before the next connection attempt after
    /// `failures` (1 or more) consecutive failed ones: doubling from
    /// `initialReconnectDelay` up to `maxReconnectDelay`, then cut by a
    /// random part of up to half, which spreads the reconnects of many
    /// service replicas.
    func reconnectDelay(afterFailures failures: Int) -> Duration {
        let exponent = min(failures - 1, 16)
        let base = min(maxReconnectDelay, initialReconnectDelay * (1 << exponent))
        return base * Double.random(in: 0.5...1.0)
    }
}
