import Foundation
import Logging
import Postgres

/// Everything a service reads from its environment (README,
/// "Configuration"). Parsing fails on the first bad value with a
/// ``ConfigurationError`` naming the variable.
public struct ServiceConfiguration: Sendable {
    /// `LISTEN_ADDR`: where the gRPC server listens (default `0.0.0.0:<port>`);
    /// port 0 takes a free one, which the runner announces.
    public var listenHost: String
    public var listenPort: Int
    /// `DATABASE_URL`, `DB_SCHEMA` (default: the service's schema) and the
    /// `DB_POOL_*` settings.
    public var database: PostgresConfiguration
    /// `AUTH_TOKENS`: bearer tokens accepted for mutating calls.
    public var authTokens: Set<String>
    /// `METRICS_ADDR`: where Prometheus metrics are served; none when unset;
    /// port 0 as for `LISTEN_ADDR`.
    public var metricsAddress: (host: String, port: Int)?
    /// `LOG_LEVEL` (default info).
    public var logLevel: Logger.Level
    /// The addresses of other services this one calls (`RATING_ADDR`, …),
    /// by variable name; absent when unset.
    public var upstreams: [String: String]
    /// `UPSTREAM_TOKEN`: the bearer token this service presents to the
    /// services it calls (one of their `AUTH_TOKENS`); nil when unset.
    public var upstreamToken: String?
    /// `MIGRATION_LOCK_TIMEOUT_MS` (default 2000) and
    /// `MIGRATION_STATEMENT_TIMEOUT_S` (default 600): how long a migration
    /// statement may wait for a lock (live queries queue behind it that
    /// long at most) and run.
    public var migrationLimits: PostgresMigrator.Limits
    /// Whether spans are made and exported: `OTEL_EXPORTER_OTLP_ENDPOINT` (or
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; swift-otel reads the
    /// rest of the `OTEL_*` settings itself.
    public var tracing: Bool

    /// Reads the configuration of `service` from `environment`.
    /// - Parameters:
    ///   - upstreams: the services this one calls; a required one whose
    ///     variable is unset is a configuration error.
    public init(service: String, defaultPort: Int, schema: String, upstreams dependencies: [UpstreamDependency] = [],
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        (listenHost, listenPort) = try Self.address(environment["LISTEN_ADDR"] ?? "0.0.0.0:\(defaultPort)",
                                                   variable: "LISTEN_ADDR", defaultHost: "0.0.0.0", listening: true)
        var databaseEnvironment = environment
        if databaseEnvironment["DB_SCHEMA"] == nil { databaseEnvironment["DB_SCHEMA"] = schema }
        do {
            database = try PostgresConfiguration(environment: databaseEnvironment, applicationName: "\(service)-service")
        } catch {
            throw ConfigurationError(variable: error.setting, problem: error.reason)
        }
        authTokens = Set((environment["AUTH_TOKENS"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty })
        if let metrics = environment["METRICS_ADDR"], !metrics.isEmpty {
            metricsAddress = try Self.address(metrics, variable: "METRICS_ADDR", defaultHost: "0.0.0.0",
                                          listening: true)
        } else {
            metricsAddress = nil
        }
        let level = environment["LOG_LEVEL"]?.lowercased() ?? "info"
        guard let parsed = Logger.Level(rawValue: level) else {
            throw ConfigurationError(variable: "LOG_LEVEL", problem: "'\(level)' is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        logLevel = parsed
        var upstreams: [String: String] = [:]
        for dependency in dependencies {
            let variable = dependency.variable
            guard let value = environment[variable], !value.isEmpty else {
                guard !dependency.required else {
                    throw ConfigurationError(variable: variable, problem: "is required: the host:port of \(dependency.service)")
                }
                continue
            }
            _ = try Self.address(value, variable: variable, defaultHost: nil)
            upstreams[variable] = value
        }
        self.upstreams = upstreams
        upstreamToken = environment["UPSTREAM_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        tracing = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].contains {
            !(environment[$0] ?? "").isEmpty
        }
        migrationLimits = PostgresMigrator.Limits()
        if let milliseconds = try Self.positiveInteger(environment, "MIGRATION_LOCK_TIMEOUT_MS") {
            migrationLimits.lockTimeout = .milliseconds(milliseconds)
        }
        if let seconds = try Self.positiveInteger(environment, "MIGRATION_STATEMENT_TIMEOUT_S") {
            migrationLimits.statementTimeout = .seconds(seconds)
        }
    }

    private static func positiveInteger(_ environment: [String: String], _ variable: String) throws(ConfigurationError) -> Int? {
        guard let value = environment[variable], !value.isEmpty else { return nil }
        guard let number = Int(value), number > 0 else {
            throw ConfigurationError(variable: variable, problem: "'\(value)' is not a positive whole number")
        }
        return number
    }

    /// Parses `host:port` (or `:port` when a default host is allowed). An
    /// address to listen on may have port 0 (any free port); one to call may not.
    static func address(_ value: String, variable: String, defaultHost: String?,
                        listening: Bool = false) throws(ConfigurationError) -> (String, Int) {
        guard let colon = value.lastIndex(of: ":") else {
            throw ConfigurationError(variable: variable, problem: "'\(value)' is not host:port")
        }
        var host = String(value[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty {
            guard let defaultHost else { throw ConfigurationError(variable: variable, problem: "'\(value)' has no host") }
            host = defaultHost
        }
        let lowest = listening ? 0 : 1
        guard let port = Int(value[value.index(after: colon)...]), (lowest...65535).contains(port) else {
            throw ConfigurationError(variable: variable, problem: "'\(value)' has no valid port (\(lowest)-65535)")
        }
        return (host, port)
    }
}
