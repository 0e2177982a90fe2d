/// Cuts a byte stream of concatenated or newline-delimited JSON values into
/// single values as soon as each is complete, so a bidirectional call can
/// send a request the moment its closing brace is typed.
///
/// It only tracks nesting and strings; each piece is then parsed by
/// ``JSONParser``, whose error positions ``parse(_:)`` maps back to the
/// position in the whole stream.
public struct JSONStreamSplitter {
    /// One complete top-level value's bytes and where it started.
    public struct Piece: Sendable {
        public var bytes: [UInt8]
        public var line: Int
        public var column: Int
    }

    private enum Mode {
        case between
        case container(depth: Int, inString: Bool, escaped: Bool)
        case string(escaped: Bool)
        case bare
    }

    private var buffer: [UInt8] = []
    private var scanned = 0
    private var valueStart = 0
    private var mode = Mode.between
    private var line = 1
    private var column = 1
    private var startLine = 1
    private var startColumn = 1

    public init() {}

    /// Adds bytes and returns the values they completed.
    public mutating func append(_ bytes: some Sequence<UInt8>) -> [Piece] {
        buffer.append(contentsOf: bytes)
        var pieces: [Piece] = []
        while scanned < buffer.count {
            let byte = buffer[scanned]
            switch mode {
            case .between:
                if !Self.isWhitespace(byte) {
                    valueStart = scanned
                    startLine = line
                    startColumn = column
                    switch byte {
                    case UInt8(ascii: "{"), UInt8(ascii: "["): mode = .container(depth: 1, inString: false, escaped: false)
                    case UInt8(ascii: "\""): mode = .string(escaped: false)
                    default: mode = .bare
                    }
                }
            case let .container(depth, inString, escaped):
                if inString {
                    if escaped {
                        mode = .container(depth: depth, inString: true, escaped: false)
                    } else if byte == UInt8(ascii: "\\") {
                        mode = .container(depth: depth, inString: true, escaped: true)
                    } else if byte == UInt8(ascii: "\"") {
                        mode = .container(depth: depth, inString: false, escaped: false)
                    }
                } else {
                    switch byte {
                    case UInt8(ascii: "\""): mode = .container(depth: depth, inString: true, escaped: false)
                    case UInt8(ascii: "{"), UInt8(ascii: "["): mode = .container(depth: depth + 1, inString: false, escaped: false)
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        if depth == 1 {
                            advance(byte)
                            pieces.append(cut(through: scanned))
                            continue
                        }
                        mode = .container(depth: depth - 1, inString: false, escaped: false)
                    default: break
                    }
                }
            case let .string(escaped):
                if escaped {
                    mode = .string(escaped: false)
                } else if byte == UInt8(ascii: "\\") {
                    mode = .string(escaped: true)
                } else if byte == UInt8(ascii: "\"") {
                    advance(byte)
                    pieces.append(cut(through: scanned))
                    continue
                }
            case .bare:
                if Self.isWhitespace(byte) || "{}[]\",:".utf8.contains(byte) {
                    pieces.append(cut(through: scanned))
                    continue  // The delimiter starts the next value (or is whitespace).
                }
            }
            advance(byte)
        }
        return pieces
    }

    /// Ends the stream: the unfinished value, if any (its parse reports
    /// what is missing).
    public mutating func finish() -> Piece? {
        if case .between = mode { return nil }
        return cut(through: buffer.count)
    }

    /// Parses a piece, reporting errors at their position in the stream.
    public static func parse(_ piece: Piece) throws(JSONParser.SyntaxError) -> JSONValue {
        do {
            return try JSONParser.parse(piece.bytes)
        } catch var error {
            if error.line == 1 { error.column += piece.column - 1 }
            error.line += piece.line - 1
            throw error
        }
    }

    private mutating func advance(_ byte: UInt8) {
        scanned += 1
        if byte == 0x0A {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    /// The bytes from the value's start up to `end` (exclusive); drops them.
    private mutating func cut(through end: Int) -> Piece {
        let piece = Piece(bytes: Array(buffer[valueStart..<end]), line: startLine, column: startColumn)
        buffer.removeSubrange(0..<end)
        scanned -= end
        valueStart = 0
        mode = .between
        return piece
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
