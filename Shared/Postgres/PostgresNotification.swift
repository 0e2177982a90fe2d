/// A notification received on a channel the pool listens to.
public struct PostgresNotification: Sendable, Hashable {
    /// The channel it was sent on.
    public let channel: String
    /// The payload; empty when none was given.
    public let payload: String
    /// The server process of the session that sent it.
    public let senderPID: Int32

    /// A notification with the given fields.
    public init(channel: String, payload: String, senderPID: Int32) {
        self.channel = channel
        self.payload = payload
        self.senderPID = senderPID
    }
}
