/// A SQL script split into statements, each a list of tokens with the line
/// it starts on: enough of PostgreSQL's lexical rules (comments, quoted
/// strings and identifiers, dollar quoting) to split a migration where the
/// server would and to recognise its statements, not a parser.
struct SQLScript: Sendable {
    /// One token: a keyword or name (`word`, unquoted ones lowercased as
    /// PostgreSQL folds them), a quoted identifier, a literal, or a single
    /// punctuation character.
    enum Token: Sendable, Hashable {
        case word(String)
        case quotedIdentifier(String)
        case literal
        case punctuation(Character)

        /// The name a word or quoted identifier stands for.
        var name: String? {
            switch self {
            case .word(let name), .quotedIdentifier(let name): name
            case .literal, .punctuation: nil
            }
        }

        func isWord(_ keyword: String) -> Bool { self == .word(keyword) }
    }

    struct Statement: Sendable {
        /// The statement's text, without its terminating semicolon.
        let text: String
        /// The 1-based line its first token is on.
        let line: Int
        let tokens: [Token]

        /// Whether it runs CONCURRENTLY (an index build or drop that waits
        /// for transactions instead of locking out writes).
        var isConcurrent: Bool { tokens.contains(.word("concurrently")) }

        /// The index a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS]
        /// name` builds.
        var concurrentIndexName: String? {
            guard let index = tokens.firstIndex(of: .word("index")), index > 0, tokens.first == .word("create"),
                tokens.count > index + 1, tokens[index + 1] == .word("concurrently")
            else { return nil }
            let rest = tokens[(index + 2)...].drop { $0 == .word("if") || $0 == .word("not") || $0 == .word("exists") }
            return rest.first.flatMap { $0 == .word("on") ? nil : $0.name }
        }

        /// The table the statement locks, for logs: the name after
        /// `TABLE`, `ON` (an index), `UPDATE`, `INTO` or `FROM`.
        var targetTable: String? {
            let keywords: Set<Token> = [.word("table"), .word("on"), .word("update"), .word("into"), .word("from")]
            let skipped: Set<Token> = [.word("if"), .word("not"), .word("exists"), .word("only")]
            guard let keyword = tokens.firstIndex(where: keywords.contains) else { return nil }
            var names = tokens[(keyword + 1)...].drop(while: skipped.contains)
            // [schema.]name: keep the last part.
            var name = names.first?.name
            while names.count >= 3, names.dropFirst().first == .punctuation("."), let part = names.dropFirst(2).first?.name {
                name = part
                names = names.dropFirst(2)
            }
            return name
        }
    }

    /// A comment line before the first statement, with its line number.
    struct HeaderComment: Sendable {
        let text: String
        let line: Int
    }

    let statements: [Statement]
    /// `--` comments before the first statement (for migration options).
    let header: [HeaderComment]
    /// `--` comments after the first statement starts, with their lines.
    let laterComments: [HeaderComment]

    /// An unterminated quote or comment, at its opening line.
    struct UnterminatedError: Error {
        let what: String
        let line: Int
    }

    init(_ sql: String) throws(UnterminatedError) {
        var scanner = Scanner(Array(sql.unicodeScalars))
        try scanner.scanAll()
        statements = scanner.statements
        header = scanner.header
        laterComments = scanner.laterComments
    }
}

extension SQLScript {
    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var index = 0
        var line = 1
        var statements: [Statement] = []
        var header: [HeaderComment] = []
        var laterComments: [HeaderComment] = []
        // The statement being read.
        var tokens: [Token] = []
        var start: Int?
        var startLine = 1

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        mutating func scanAll() throws(UnterminatedError) {
            while index < scalars.count {
                let c = scalars[index]
                if c == "\n" {
                    line += 1
                    index += 1
                } else if c.properties.isWhitespace {
                    index += 1
                } else if c == "-", peek(1) == "-" {
                    let from = index + 2
                    while index < scalars.count, scalars[index] != "\n" { index += 1 }
                    let comment = HeaderComment(text: text(from, index), line: line)
                    if statements.isEmpty && start == nil { header.append(comment) } else { laterComments.append(comment) }
                } else if c == "/", peek(1) == "*" {
                    try skipBlockComment()
                } else if c == ";" {
                    finishStatement()
                    index += 1
                } else {
                    if start == nil {
                        start = index
                        startLine = line
                    }
                    try scanToken()
                }
            }
            finishStatement()
        }

        private func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        private func text(_ from: Int, _ to: Int) -> String {
            var string = String.UnicodeScalarView()
            string.append(contentsOf: scalars[from..<to])
            return String(string)
        }

        private mutating func finishStatement() {
            if let start, !tokens.isEmpty {
                statements.append(Statement(text: text(start, index), line: startLine, tokens: tokens))
            }
            tokens = []
            start = nil
        }

        private mutating func skipBlockComment() throws(UnterminatedError) {
            let opening = line
            var depth = 0
            repeat {
                guard index < scalars.count else { throw UnterminatedError(what: "comment", line: opening) }
                if scalars[index] == "/", peek(1) == "*" {
                    depth += 1
                    index += 2
                } else if scalars[index] == "*", peek(1) == "/" {
                    depth -= 1
                    index += 2
                } else {
                    if scalars[index] == "\n" { line += 1 }
                    index += 1
                }
            } while depth > 0
        }

        private mutating func scanToken() throws(UnterminatedError) {
            let c = scalars[index]
            if c == "'" {
                try skipQuoted("'", what: "string", backslashEscapes: false)
                tokens.append(.literal)
            } else if (c == "E" || c == "e"), peek(1) == "'" {
                index += 1
                try skipQuoted("'", what: "string", backslashEscapes: true)
                tokens.append(.literal)
            } else if c == "\"" {
                let from = index + 1
                try skipQuoted("\"", what: "quoted identifier", backslashEscapes: false)
                tokens.append(.quotedIdentifier(text(from, index - 1).replacingOccurrences(of: "\"\"", with: "\"")))
            } else if c == "$", let tag = dollarTag() {
                try skipDollarQuoted(tag)
                tokens.append(.literal)
            } else if c.properties.isAlphabetic || c == "_" {
                let from = index
                while index < scalars.count,
                    scalars[index].properties.isAlphabetic || scalars[index] == "_" || scalars[index] == "$"
                        || ("0"..."9").contains(scalars[index])
                {
                    index += 1
                }
                tokens.append(.word(text(from, index).lowercased()))
            } else if ("0"..."9").contains(c) {
                while index < scalars.count, ("0"..."9").contains(scalars[index]) || scalars[index] == "." {
                    index += 1
                }
                tokens.append(.literal)
            } else {
                tokens.append(.punctuation(Character(c)))
                index += 1
            }
        }

        /// Skips a quoted run opened at `index`; a doubled quote is one
        /// quote character.
        private mutating func skipQuoted(_ quote: Unicode.Scalar, what: String,
                                         backslashEscapes: Bool) throws(UnterminatedError) {
            let opening = line
            index += 1
            while true {
                guard index < scalars.count else { throw UnterminatedError(what: what, line: opening) }
                let c = scalars[index]
                if c == "\n" { line += 1 }
                if backslashEscapes, c == "\\" {
                    index += 2
                } else if c == quote {
                    if peek(1) == quote { index += 2 } else { index += 1; return }
                } else {
                    index += 1
                }
            }
        }

        /// The `$tag$` opening a dollar-quoted string at `index`, if any
        /// (`$1` is a parameter, not a quote).
        private func dollarTag() -> [Unicode.Scalar]? {
            var end = index + 1
            while end < scalars.count, scalars[end] != "$" {
                let c = scalars[end]
                guard c.properties.isAlphabetic || c == "_" || (end > index + 1 && ("0"..."9").contains(c)) else { return nil }
                end += 1
            }
            return end < scalars.count ? Array(scalars[index...end]) : nil
        }

        private mutating func skipDollarQuoted(_ tag: [Unicode.Scalar]) throws(UnterminatedError) {
            let opening = line
            index += tag.count
            while true {
                guard index < scalars.count else { throw UnterminatedError(what: "dollar-quoted string", line: opening) }
                if scalars[index] == "$", index + tag.count <= scalars.count,
                    Array(scalars[index..<index + tag.count]) == tag
                {
                    index += tag.count
                    return
                }
                if scalars[index] == "\n" { line += 1 }
                index += 1
            }
        }
    }
}
