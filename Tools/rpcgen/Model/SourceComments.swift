/// Leading comments of a file's declarations, keyed by their
/// `SourceCodeInfo` path (for example `[4, 0, 2, 1]`: message 0, field 1).
struct SourceComments {
    private var byPath: [[Int]: String] = [:]

    init(locations: [(path: [Int], leading: String)]) {
        for location in locations where !location.leading.isEmpty {
            byPath[location.path] = location.leading
        }
    }

    /// The declaration's comment as `///` lines, trimmed of blank edges.
    func docLines(_ path: [Int]) -> [String] {
        guard let text = byPath[path] else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var line = Substring(line)
            if line.first == " " { line = line.dropFirst() }
            return String(line).replacingTrailingWhitespace()
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { $0.isEmpty ? "///" : "/// \($0)" }
    }
}

/// Field numbers of `FileDescriptorProto` and friends used in source paths.
enum SourcePath {
    static let fileMessage = 4, fileEnum = 5, fileService = 6
    static let messageField = 2, messageNested = 3, messageEnum = 4, messageOneof = 8
    static let enumValue = 2
    static let serviceMethod = 2
}

extension String {
    func replacingTrailingWhitespace() -> String {
        var result = self
        while let last = result.last, last == " " || last == "\t" || last == "\r" { result.removeLast() }
        return result
    }
}
