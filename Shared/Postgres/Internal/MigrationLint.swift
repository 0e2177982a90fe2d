/// Refuses the classic migration steps that lock a live table for as long
/// as it takes to scan or rewrite it, naming the line and the safe
/// alternative. A table counts as existing unless the same migration
/// created it. Fed every migration in order, it learns which tables exist
/// and which NOT NULL checks were validated.
struct MigrationLint {
    enum Rule: String, CaseIterable, Sendable {
        case indexWithoutConcurrently = "index-without-concurrently"
        case concurrentlyInTransaction = "concurrently-in-transaction"
        case notRerunnable = "not-rerunnable"
        case volatileDefault = "volatile-default"
        case alterColumnType = "alter-column-type"
        case setNotNull = "set-not-null"
        case foreignKeyWithoutNotValid = "foreign-key-without-not-valid"
        case checkWithoutNotValid = "check-without-not-valid"
        case uniqueWithoutIndex = "unique-without-index"
    }

    struct Finding: Sendable, Equatable {
        let line: Int
        let rule: Rule
        let message: String
    }

    private struct Column: Hashable {
        let table: String
        let name: String
    }

    /// Columns with a validated `CHECK (column IS NOT NULL)`.
    private var validatedNotNull: Set<Column> = []
    /// `CHECK (column IS NOT NULL) NOT VALID` constraints, by name.
    private var notNullChecks: [String: Column] = [:]

    /// Functions whose default makes `ADD COLUMN` rewrite the table.
    private static let volatileFunctions: Set<String> = [
        "random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
        "uuid_generate_v4", "nextval", "txid_current",
    ]
    private static let serialTypes: Set<String> = ["serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"]

    /// Every finding in `plan`, including those its header allows.
    mutating func check(_ plan: MigrationPlan) -> [Finding] {
        var findings: [Finding] = []
        var created: Set<String> = []
        var validatedHere: Set<Column> = []
        for statement in plan.statements {
            var cursor = Cursor(statement.tokens)
            func report(_ rule: Rule, _ message: String) {
                findings.append(Finding(line: statement.line, rule: rule, message: message))
            }
            if cursor.accept("create") {
                _ = cursor.accept("unlogged") || cursor.accept("temporary") || cursor.accept("temp")
                if cursor.accept("table") {
                    _ = cursor.accept("if", "not", "exists")
                    if let table = cursor.qualifiedName() { created.insert(table) }
                    continue
                }
                let unique = cursor.accept("unique")
                guard cursor.accept("index") else { continue }
                let concurrently = cursor.accept("concurrently")
                let ifNotExists = cursor.accept("if", "not", "exists")
                let name = cursor.peekIsWord("on") ? nil : cursor.qualifiedName()
                guard cursor.accept("on") else { continue }
                _ = cursor.accept("only")
                let table = cursor.qualifiedName() ?? "?"
                let what = unique ? "CREATE UNIQUE INDEX" : "CREATE INDEX"
                if concurrently {
                    if plan.transactional {
                        report(.concurrentlyInTransaction, "\(what) CONCURRENTLY cannot run inside a transaction; "
                            + "mark the migration \"-- migrate: no-transaction\"")
                    }
                    if !ifNotExists || name == nil {
                        report(.notRerunnable, "\(what) CONCURRENTLY needs a name and IF NOT EXISTS: an interrupted "
                            + "build is dropped and the migration re-run; write \(what) CONCURRENTLY IF NOT EXISTS <name> ON \(table)")
                    }
                } else if !created.contains(table) {
                    report(.indexWithoutConcurrently, "\(what) on existing table \"\(table)\" blocks writes to it while "
                        + "the index builds; use \(what) CONCURRENTLY IF NOT EXISTS in a migration marked "
                        + "\"-- migrate: no-transaction\"")
                }
            } else if cursor.accept("drop", "index", "concurrently") || cursor.accept("reindex") && cursor.contains("concurrently") {
                if plan.transactional {
                    report(.concurrentlyInTransaction, "CONCURRENTLY cannot run inside a transaction; mark the migration "
                        + "\"-- migrate: no-transaction\"")
                }
            } else if cursor.accept("alter", "table") {
                _ = cursor.accept("if", "exists")
                _ = cursor.accept("only")
                guard let table = cursor.qualifiedName() else { continue }
                let existing = !created.contains(table)
                for action in cursor.remainingSplitAtTopLevelCommas() {
                    var action = Cursor(action)
                    if action.accept("validate", "constraint") {
                        if let name = action.name(), let column = notNullChecks[name] {
                            if plan.transactional { validatedHere.insert(column) } else { validatedNotNull.insert(column) }
                        }
                    } else if action.accept("add") {
                        lintAdd(&action, table: table, existing: existing, report: report)
                    } else if action.accept("alter") {
                        _ = action.accept("column")
                        let column = action.name() ?? "?"
                        if action.accept("type") || action.accept("set", "data", "type"), existing {
                            report(.alterColumnType, "ALTER COLUMN \"\(column)\" TYPE on existing table \"\(table)\" rewrites "
                                + "the table under an ACCESS EXCLUSIVE lock; add a new column, backfill it in batches and "
                                + "switch readers to it (expand, then contract)")
                        } else if action.accept("set", "not", "null"), existing,
                            !validatedNotNull.contains(Column(table: table, name: column))
                        {
                            report(.setNotNull, "SET NOT NULL on \"\(table)\".\"\(column)\" scans the whole table under an "
                                + "ACCESS EXCLUSIVE lock; first ADD CONSTRAINT … CHECK (\(column) IS NOT NULL) NOT VALID, "
                                + "then VALIDATE CONSTRAINT in a later migration, then SET NOT NULL")
                        }
                    }
                }
            }
        }
        validatedNotNull.formUnion(validatedHere)
        return findings
    }

    /// `ADD [COLUMN] …` or `ADD [CONSTRAINT name] CHECK|FOREIGN KEY|UNIQUE|PRIMARY KEY …`.
    private mutating func lintAdd(_ action: inout Cursor, table: String, existing: Bool,
                                  report: (Rule, String) -> Void) {
        let constraintName = action.accept("constraint") ? action.name() : nil
        let notValid = action.containsSequence("not", "valid")
        if action.accept("check") {
            let column = action.notNullCheckColumn().map { Column(table: table, name: $0) }
            if notValid {
                if let constraintName, let column { notNullChecks[constraintName] = column }
            } else {
                if let column { validatedNotNull.insert(column) }
                if existing { report(.checkWithoutNotValid, Self.checkMessage(table)) }
            }
        } else if action.accept("foreign", "key") {
            if existing, !notValid { report(.foreignKeyWithoutNotValid, Self.foreignKeyMessage(table)) }
        } else if action.accept("unique") || action.accept("primary", "key") {
            if existing, !action.containsSequence("using", "index") {
                report(.uniqueWithoutIndex, Self.uniqueMessage(table))
            }
        } else if constraintName == nil, !action.peekIsWord("exclude") {
            _ = action.accept("column")
            _ = action.accept("if", "not", "exists")
            let column = action.name() ?? "?"
            guard existing else { return }
            let rest = action.remaining
            let rewrite = "adding column \"\(column)\" to existing table \"\(table)\""
            let alternative = "rewrites every row under an ACCESS EXCLUSIVE lock; add the column without a default "
                + "(or with a constant one), backfill it in batches, then SET DEFAULT"
            if let type = rest.first?.name, Self.serialTypes.contains(type) {
                report(.volatileDefault, "\(rewrite) as \(type) \(alternative)")
            } else if let generated = rest.firstIndex(of: .word("generated")),
                rest[generated...].contains(.word("stored")) || rest[generated...].contains(.word("identity"))
            {
                report(.volatileDefault, "\(rewrite) as a stored generated or identity column \(alternative)")
            } else if let function = Self.volatileCall(in: rest) {
                report(.volatileDefault, "\(rewrite) with the volatile default \(function)() \(alternative)")
            }
            if rest.contains(.word("references")) { report(.foreignKeyWithoutNotValid, Self.foreignKeyMessage(table)) }
            if rest.contains(.word("check")) { report(.checkWithoutNotValid, Self.checkMessage(table)) }
            if rest.contains(.word("unique")) || rest.contains(.word("primary")) {
                report(.uniqueWithoutIndex, Self.uniqueMessage(table))
            }
        }
    }

    /// A volatile function called in a column's DEFAULT.
    private static func volatileCall(in tokens: ArraySlice<SQLScript.Token>) -> String? {
        guard let defaultIndex = tokens.firstIndex(of: .word("default")) else { return nil }
        let expression = tokens[defaultIndex...]
        for (token, next) in zip(expression, expression.dropFirst()) {
            if case .word(let name) = token, next == .punctuation("("), volatileFunctions.contains(name) { return name }
        }
        return nil
    }

    private static func checkMessage(_ table: String) -> String {
        "adding a CHECK constraint to existing table \"\(table)\" scans every row under an ACCESS EXCLUSIVE lock; "
            + "ADD CONSTRAINT … CHECK (…) NOT VALID, then VALIDATE CONSTRAINT in a later migration"
    }

    private static func foreignKeyMessage(_ table: String) -> String {
        "adding a foreign key to existing table \"\(table)\" checks every row while locking both tables; "
            + "ADD CONSTRAINT … FOREIGN KEY … NOT VALID, then VALIDATE CONSTRAINT in a later migration"
    }

    private static func uniqueMessage(_ table: String) -> String {
        "adding a UNIQUE or PRIMARY KEY constraint to existing table \"\(table)\" builds its index under an ACCESS "
            + "EXCLUSIVE lock; CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … UNIQUE USING INDEX"
    }
}

extension MigrationLint {
    /// Reads a statement's tokens front to back.
    private struct Cursor {
        private let tokens: [SQLScript.Token]
        private var position = 0

        init(_ tokens: some Collection<SQLScript.Token>) { self.tokens = Array(tokens) }

        var remaining: ArraySlice<SQLScript.Token> { tokens[position...] }

        /// Consumes `words` if they come next, in order.
        mutating func accept(_ words: String...) -> Bool {
            guard position + words.count <= tokens.count,
                zip(tokens[position...], words).allSatisfy({ $0.isWord($1) })
            else { return false }
            position += words.count
            return true
        }

        func peekIsWord(_ word: String) -> Bool { position < tokens.count && tokens[position].isWord(word) }

        func contains(_ word: String) -> Bool { remaining.contains(.word(word)) }

        func containsSequence(_ first: String, _ second: String) -> Bool {
            zip(remaining, remaining.dropFirst()).contains { $0.isWord(first) && $1.isWord(second) }
        }

        /// A name, consumed.
        mutating func name() -> String? {
            guard position < tokens.count, let name = tokens[position].name else { return nil }
            position += 1
            return name
        }

        /// `[schema.]name`, consumed; the schema is dropped (a service's
        /// migrations run in its own schema).
        mutating func qualifiedName() -> String? {
            guard var name = self.name() else { return nil }
            while position + 1 < tokens.count, tokens[position] == .punctuation("."), let part = tokens[position + 1].name {
                name = part
                position += 2
            }
            return name
        }

        /// The column of a `(column IS NOT NULL)` check expression.
        func notNullCheckColumn() -> String? {
            let expected: [SQLScript.Token?] = [.punctuation("("), nil, .word("is"), .word("not"), .word("null"), .punctuation(")")]
            let next = remaining.prefix(expected.count)
            guard next.count == expected.count, zip(next, expected).allSatisfy({ $1 == nil || $0 == $1 }) else { return nil }
            return next[next.startIndex + 1].name
        }

        /// The rest of the statement split at commas outside parentheses
        /// (the actions of an ALTER TABLE).
        func remainingSplitAtTopLevelCommas() -> [ArraySlice<SQLScript.Token>] {
            var parts: [ArraySlice<SQLScript.Token>] = []
            var depth = 0
            var start = position
            for index in position..<tokens.count {
                switch tokens[index] {
                case .punctuation("("): depth += 1
                case .punctuation(")"): depth -= 1
                case .punctuation(",") where depth == 0:
                    parts.append(tokens[start..<index])
                    start = index + 1
                default: break
                }
            }
            parts.append(tokens[start...])
            return parts
        }
    }
}
