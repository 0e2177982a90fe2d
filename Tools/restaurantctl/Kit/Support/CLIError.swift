import RPC

/// How restaurantctl ends, and what it prints when it fails.
///
/// | exit | meaning |
/// | --- | --- |
/// | 0 | OK (for `health`: the service is SERVING) |
/// | 1 | a local failure: unreadable file, invalid JSON, a value that does not fit the message type, unknown service/method/symbol, bad descriptors; or `health` answered but not SERVING |
/// | 2 | a usage error: unknown option, missing or malformed argument (bad ADDR, duration, size, header) |
/// | 64 + code | the call failed with gRPC status `code`: CANCELLED = 65, UNKNOWN = 66, INVALID_ARGUMENT = 67, DEADLINE_EXCEEDED = 68, NOT_FOUND = 69, ALREADY_EXISTS = 70, PERMISSION_DENIED = 71, RESOURCE_EXHAUSTED = 72, FAILED_PRECONDITION = 73, ABORTED = 74, OUT_OF_RANGE = 75, UNIMPLEMENTED = 76, INTERNAL = 77, UNAVAILABLE = 78, DATA_LOSS = 79, UNAUTHENTICATED = 80 |
public enum CLIError: Error, Sendable, CustomStringConvertible {
    /// Something went wrong on this side: exit 1, `error: <message>`.
    case local(String)
    /// The command line is wrong: exit 2, `error: <message>` plus usage.
    case usage(String)
    /// A call failed with a gRPC status: exit 64 + code, `ERROR: <CODE>: <message>`.
    case rpc(RPCError)
    /// End with this exit code, printing nothing more.
    case silent(Int32)

    public static let localFailure: Int32 = 1
    public static let usageFailure: Int32 = 2
    public static let statusBase: Int32 = 64

    public static func exitCode(for code: RPCStatus.Code) -> Int32 {
        code == .ok ? 0 : statusBase + Int32(code.rawValue)
    }

    public var exitCode: Int32 {
        switch self {
        case .local: Self.localFailure
        case .usage: Self.usageFailure
        case let .rpc(error): Self.exitCode(for: error.code)
        case let .silent(code): code
        }
    }

    /// The line printed on stderr (nil for `.silent`).
    public var message: String? {
        switch self {
        case let .local(message), let .usage(message): "error: \(message)"
        case let .rpc(error): Self.statusLine(error.code, error.message)
        case .silent: nil
        }
    }

    /// `ERROR: NOT_FOUND: product 42 not found`.
    public static func statusLine(_ code: RPCStatus.Code, _ message: String) -> String {
        message.isEmpty ? "ERROR: \(code.name)" : "ERROR: \(code.name): \(message)"
    }

    public var description: String { message ?? "exit \(exitCode)" }

    /// The exit-code table shown in `--help`.
    public static let helpTable = """
        EXIT STATUS
          0        OK (health: the service is SERVING)
          1        local failure: unreadable file, invalid JSON, a value that does
                   not fit the message type, unknown service/method/symbol, bad
                   descriptors; health: answered but not SERVING
          2        usage error: unknown option, missing or malformed argument
                   (bad ADDR, duration, size or header)
          64+code  the RPC failed with gRPC status code, printed on stderr as
                   'ERROR: <CODE>: <message>':
                   65 CANCELLED           73 FAILED_PRECONDITION
                   66 UNKNOWN             74 ABORTED
                   67 INVALID_ARGUMENT    75 OUT_OF_RANGE
                   68 DEADLINE_EXCEEDED   76 UNIMPLEMENTED
                   69 NOT_FOUND           77 INTERNAL
                   70 ALREADY_EXISTS      78 UNAVAILABLE (e.g. connection refused)
                   71 PERMISSION_DENIED   79 DATA_LOSS
                   72 RESOURCE_EXHAUSTED  80 UNAUTHENTICATED
        """
}
