/// A pool configuration value is invalid. Names the setting, never the
/// connection string's contents (it may hold a password).
public struct PostgresConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The setting (or environment variable) that is invalid.
    public let setting: String
    /// What is wrong with it.
    public let reason: String

    /// An error naming `setting` and what is wrong with it.
    public init(setting: String, reason: String) {
        self.setting = setting
        self.reason = reason
    }

    public var description: String {
        "invalid database configuration: \(setting): \(reason)"
    }
}
