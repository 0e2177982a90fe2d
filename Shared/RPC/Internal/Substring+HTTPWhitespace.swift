extension Substring {
    /// The text without the spaces and tabs HTTP allows around a header
    /// value or a list element. Foundation's `trimmingCharacters(in:)`
    /// bridges through NSString, a cost paid on every call's headers.
    var trimmingHTTPWhitespace: Substring {
        let isWhitespace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = utf8.firstIndex(where: { !isWhitespace($0) }),
              let last = utf8.lastIndex(where: { !isWhitespace($0) })
        else { return self[endIndex...] }
        return self[first..<utf8.index(after: last)]
    }
}
