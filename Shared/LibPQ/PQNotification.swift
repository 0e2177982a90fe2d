/// One asynchronous notification (`NOTIFY`) received on a connection that
/// executed `LISTEN`, copied out of libpq's `PGnotify`.
public struct PQNotification: Sendable, Hashable {
    /// The channel the notification was sent on.
    public let channel: String
    /// The payload string; empty when none was given.
    public let payload: String
    /// The process id of the notifying server backend.
    public let backendPID: Int32
}
