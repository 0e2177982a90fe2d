import ArgumentParser
import Foundation
import RPC

/// A duration on the command line: `2s`, `500ms`, `1.5s`, `1m`, `250us`,
/// `1h`; a bare number is seconds.
public struct DurationArgument: ExpressibleByArgument, Sendable, Hashable, CustomStringConvertible {
    public var duration: Duration
    public let text: String

    public init(_ duration: Duration, text: String) {
        self.duration = duration
        self.text = text
    }

    public init?(argument: String) {
        guard let duration = Self.parse(argument) else { return nil }
        self.init(duration, text: argument)
    }

    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(trimmed)
        var scale = 1.0
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            // "ms" before "s" and "m": take the longest matching suffix.
            let candidate = trimmed.dropLast(suffix.count)
            if Double(candidate) != nil {
                number = candidate
                scale = factor
                break
            }
        }
        guard let value = Double(number), value.isFinite, value >= 0, value * scale <= 1e9 else { return nil }
        let nanoseconds = (value * scale * 1e9).rounded()
        return .nanoseconds(Int64(nanoseconds))
    }

    public var description: String { text }
    public var defaultValueDescription: String { text }
}

/// A size in bytes: `4194304`, `4M`, `512K`, `16MiB`, `1G` (K = 1024 bytes).
public struct ByteSizeArgument: ExpressibleByArgument, Sendable, Hashable, CustomStringConvertible {
    public var bytes: Int
    public let text: String

    public init?(argument: String) {
        let trimmed = argument.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [("KIB", 1 << 10), ("MIB", 1 << 20), ("GIB", 1 << 30),
                                      ("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30),
                                      ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1)]
        var number = Substring(trimmed)
        var scale = 1
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = trimmed.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite, value >= 1, value * Double(scale) <= Double(Int32.max) else { return nil }
        self.bytes = Int(value * Double(scale))
        self.text = argument
    }

    public var description: String { text }
}

// Each command offers the output formats that fit it (its own `-o` type
// below), so `--help` lists only those.

/// `call -o`: json (indented; streams print one document per message),
/// jsonl (one compact document per line, for jq and scripts) or table
/// (aligned columns).
public enum CallOutput: String, ExpressibleByArgument, Sendable, CaseIterable {
    case json, jsonl, table
}

/// `list -o`: text, json or table.
public enum ListOutput: String, ExpressibleByArgument, Sendable, CaseIterable {
    case text, json, table
}

/// `describe -o` and `health -o`: text or json.
public enum TextOrJSON: String, ExpressibleByArgument, Sendable, CaseIterable {
    case text, json
}

/// A server address: `host:port`, `[::1]:port`, `dns:///host:port`.
public enum ServerAddress {
    /// Checks the syntax the runtime accepts, with a message saying what
    /// is wrong.
    public static func validate(_ text: String) -> String? {
        do {
            _ = try RPCTarget(parsing: text)
            return nil
        } catch {
            return "invalid address '\(text)': \(error.reason)"
        }
    }

    /// Whether an argument is meant as an address rather than a name
    /// (service, method and symbol names never contain ':').
    public static func looksLikeAddress(_ text: String) -> Bool {
        text.contains(":")
    }
}

/// `-H 'key: value'` metadata entries.
public enum HeaderArgument {
    /// Keys the transport owns; sending them as metadata is refused.
    static let reserved: Set<String> = ["content-type", "te", "user-agent", "host", "connection", "content-length",
                                         "transfer-encoding", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding"]

    /// Parses one header; `-bin` values are base64 (standard or URL-safe).
    public static func parse(_ text: String) -> Result<(key: String, value: HeaderValue), CLIError> {
        guard let colon = text.firstIndex(of: ":") else {
            return .failure(.usage("invalid header '\(text)': expected 'key: value'"))
        }
        let key = text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { return .failure(.usage("invalid header '\(text)': empty key")) }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
        guard key.allSatisfy({ allowed.contains($0) }) else {
            return .failure(.usage("invalid header key '\(key)': use lowercase letters, digits, '-', '_' and '.'"))
        }
        guard !reserved.contains(key), !key.hasPrefix("grpc-"), !key.hasPrefix(":") else {
            return .failure(.usage("header '\(key)' is reserved for the gRPC transport and cannot be set"))
        }
        if key.hasSuffix("-bin") {
            guard let bytes = WellKnownJSON.decodeBase64(value) else {
                return .failure(.usage("header '\(key)' ends in -bin, so its value must be base64; '\(value)' is not"))
            }
            return .success((key, .binary(bytes)))
        }
        guard value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) else {
            return .failure(.usage("header '\(key)' has characters outside printable ASCII; use a -bin key for binary values"))
        }
        return .success((key, .text(value)))
    }

    public enum HeaderValue: Sendable, Hashable {
        case text(String)
        case binary([UInt8])
    }
}
