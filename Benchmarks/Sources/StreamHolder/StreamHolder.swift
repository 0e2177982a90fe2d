import Foundation
import GRPCProtos
import RPC

/// Holds N concurrent server-streaming calls open on a server (default
/// 1000), prints `OPEN` once every call has its first response, keeps them
/// open for the given seconds, then lets them finish.
@main
struct StreamHolder {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let target = arguments.first else {
            FileHandle.standardError.write(Data("usage: StreamHolder HOST:PORT [CALLS] [SECONDS]\n".utf8))
            exit(2)
        }
        let calls = arguments.dropFirst().first.flatMap { Int($0) } ?? 1000
        let seconds = arguments.dropFirst(2).first.flatMap { Int32($0) } ?? 5
        let client = Grpc_Testing_TestServiceClient(channel: try RPCChannel(target: target))
        // Two responses: one now, one after `seconds`, so every call stays open.
        let request = Grpc_Testing_StreamingOutputCallRequest.with {
            $0.responseParameters = [.with { $0.size = 16 }, .with {
                $0.size = 16
                $0.intervalUs = seconds * 1_000_000
            }]
        }
        let opened = OpenCount(target: calls)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<calls {
                group.addTask {
                    var count = 0
                    for try await _ in client.streamingOutputCall(request) {
                        count += 1
                        if count == 1 { await opened.increment() }
                    }
                    return count
                }
            }
            var total = 0
            for try await count in group { total += count }
            FileHandle.standardOutput.write(Data("DONE \(total) responses\n".utf8))
        }
    }
}

actor OpenCount {
    let target: Int
    var value = 0

    init(target: Int) { self.target = target }

    func increment() {
        value += 1
        if value == target { FileHandle.standardOutput.write(Data("OPEN \(value)\n".utf8)) }
    }
}
