import CNghttp2

/// A failure reported by nghttp2.
public struct HTTP2Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// nghttp2's (negative) error code.
    public let code: Int32
    /// What was being done.
    public let operation: String

    init(_ code: Int, _ operation: String) {
        self.code = Int32(truncatingIfNeeded: code)
        self.operation = operation
    }

    public var description: String {
        "\(operation): \(String(cString: nghttp2_strerror(code)))"
    }
}

/// HTTP/2 error codes (RFC 9113 §7), as sent in RST_STREAM and GOAWAY.
public struct HTTP2ErrorCode: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public static let noError = HTTP2ErrorCode(0x0)
    public static let protocolError = HTTP2ErrorCode(0x1)
    public static let internalError = HTTP2ErrorCode(0x2)
    public static let flowControlError = HTTP2ErrorCode(0x3)
    public static let streamClosed = HTTP2ErrorCode(0x5)
    public static let frameSizeError = HTTP2ErrorCode(0x6)
    public static let refusedStream = HTTP2ErrorCode(0x7)
    public static let cancel = HTTP2ErrorCode(0x8)
    public static let compressionError = HTTP2ErrorCode(0x9)
    public static let enhanceYourCalm = HTTP2ErrorCode(0xB)
    public static let inadequateSecurity = HTTP2ErrorCode(0xC)

    public var description: String {
        switch rawValue {
        case 0x0: "NO_ERROR"
        case 0x1: "PROTOCOL_ERROR"
        case 0x2: "INTERNAL_ERROR"
        case 0x3: "FLOW_CONTROL_ERROR"
        case 0x4: "SETTINGS_TIMEOUT"
        case 0x5: "STREAM_CLOSED"
        case 0x6: "FRAME_SIZE_ERROR"
        case 0x7: "REFUSED_STREAM"
        case 0x8: "CANCEL"
        case 0x9: "COMPRESSION_ERROR"
        case 0xA: "CONNECT_ERROR"
        case 0xB: "ENHANCE_YOUR_CALM"
        case 0xC: "INADEQUATE_SECURITY"
        case 0xD: "HTTP_1_1_REQUIRED"
        default: "0x\(String(rawValue, radix: 16))"
        }
    }
}
