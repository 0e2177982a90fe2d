/// Why bytes could not be decoded as a message.
public enum ProtobufDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input is larger than the configured limit. Nothing was allocated.
    case messageTooLarge(size: Int, limit: Int)
    /// Messages are nested deeper than the configured limit.
    case nestingTooDeep(limit: Int)
    /// A string field holds bytes that are not valid UTF-8 or contain NUL.
    case invalidString(field: String, reason: String)
    /// The bytes are not a valid encoding of the message.
    case malformed(message: String, reason: String)
    /// Unpacking would need more memory than `DecodingLimits.maxUnpackedSize`.
    case expansionLimitExceeded(message: String)

    public var description: String {
        switch self {
        case let .messageTooLarge(size, limit):
            return "message of \(size) bytes exceeds the limit of \(limit) bytes"
        case let .nestingTooDeep(limit):
            return "message nesting exceeds the limit of \(limit) levels"
        case let .invalidString(field, reason):
            return "string field \(field) \(reason)"
        case let .malformed(message, reason):
            return "malformed \(message): \(reason)"
        case let .expansionLimitExceeded(message):
            return "decoding \(message) would need more memory than the unpacking limit allows"
        }
    }
}

/// Why a message could not be encoded.
public enum ProtobufEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// protobuf-c stores strings NUL-terminated, so a string containing NUL
    /// cannot be encoded without silently losing its tail.
    case stringContainsNUL(field: String)

    public var description: String {
        switch self {
        case let .stringContainsNUL(field):
            return "string field \(field) contains a NUL character, which protobuf-c cannot encode"
        }
    }
}
