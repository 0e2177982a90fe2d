/// A bad or missing setting, named by its environment variable, that stops
/// a service at start.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The environment variable, such as `LISTEN_ADDR`.
    public let variable: String
    /// What is wrong with it.
    public let problem: String

    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }
}
