/// The ports a service binary took, as it announces them on standard output
/// once bound (`listening grpc=127.0.0.1:43121 metrics=off`): a test starts
/// a service with port 0 and reads them here, so no port is picked first
/// and taken by someone else before the service binds it.
public struct AnnouncedPorts: Sendable, Equatable {
    public let grpc: Int
    /// nil when the service serves no metrics.
    public let metrics: Int?

    /// The announcement in `output`; nil until the service has printed it.
    public init?(output: String) {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }) else { return nil }
        var ports: [Substring: Int] = [:]
        for field in line.split(separator: " ").dropFirst() {
            let parts = field.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let port = parts[1].split(separator: ":").last.flatMap({ Int($0) }) else { continue }
            ports[parts[0]] = port
        }
        guard let grpc = ports["grpc"] else { return nil }
        self.grpc = grpc
        metrics = ports["metrics"]
    }
}
