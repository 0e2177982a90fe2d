// What the benchmark drivers share: a channel to the target, latency
// percentiles and waiting for a server to report SERVING.
import Foundation
import GRPCProtos
import RPC

/// A channel to `target`; exits 2, naming `tool`, when it is not an address.
public func openChannel(to target: String, tool: String) -> RPCChannel {
    do {
        return try RPCChannel(target: target)
    } catch {
        FileHandle.standardError.write(Data("\(tool): cannot use target \(target): \(error)\n".utf8))
        exit(2)
    }
}

/// The `p`th percentile (0–100) of ascending `sorted`, nearest rank.
public func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

/// Polls grpc.health.v1 for `service` until SERVING; exits 1, naming
/// `tool`, after `seconds`.
public func waitUntilServing(_ channel: RPCChannel, service: String, seconds: Int, tool: String) async {
    let health = Grpc_Health_V1_HealthClient(channel: channel)
    let deadline = ContinuousClock.now + .seconds(seconds)
    while (try? await health.check(.with { $0.service = service }, options: CallOptions(timeout: .seconds(2))).status) != .serving {
        if ContinuousClock.now > deadline {
            FileHandle.standardError.write(Data("\(tool): not SERVING after \(seconds) s\n".utf8))
            exit(1)
        }
        try? await Task.sleep(for: .milliseconds(200))
    }
}
