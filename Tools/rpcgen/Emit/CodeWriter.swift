/// Accumulates indented Swift source.
struct CodeWriter {
    private(set) var text = ""
    private var indentation = ""

    mutating func line(_ line: String = "") {
        text += line.isEmpty ? "\n" : indentation + line + "\n"
    }

    mutating func lines(_ lines: [String]) {
        for line in lines { self.line(line) }
    }

    /// Writes `header {`, the body indented, then `}`.
    mutating func block(_ header: String, _ body: (inout CodeWriter) throws -> Void) rethrows {
        line(header + " {")
        indentation += "    "
        try body(&self)
        indentation.removeLast(4)
        line("}")
    }
}
