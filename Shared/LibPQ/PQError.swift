/// A failure reported by libpq itself rather than by the server: the
/// connection could not be established, a message could not be sent, or the
/// socket went away.
///
/// The message is libpq's `PQerrorMessage`, which describes the connection
/// (host, port, reason). It never contains SQL text or parameter values.
public struct PQError: Error, Sendable, CustomStringConvertible {
    /// libpq's explanation, trimmed of its trailing newline.
    public let message: String

    /// Whether libpq considers the connection unusable after this failure.
    public let connectionIsBroken: Bool

    /// An error with libpq's message.
    public init(message: String, connectionIsBroken: Bool) {
        self.message = message
        self.connectionIsBroken = connectionIsBroken
    }

    public var description: String { message }
}
