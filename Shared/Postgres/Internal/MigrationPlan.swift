import Foundation

/// A migration ready to run: its statements, and the options its header
/// sets with `-- migrate:` lines before the first statement:
///
/// - `-- migrate: no-transaction` runs each statement on its own, as
///   `CREATE INDEX CONCURRENTLY` needs.
/// - `-- migrate: allow <rule>` accepts what the lint rule `<rule>` would
///   refuse (logged each time the migration is applied).
struct MigrationPlan: Sendable {
    let migration: PostgresMigration
    let statements: [SQLScript.Statement]
    let transactional: Bool
    let allowedRules: Set<MigrationLint.Rule>

    init(_ migration: PostgresMigration) throws(PostgresMigrationError) {
        let script: SQLScript
        do {
            script = try SQLScript(migration.sql)
        } catch {
            throw .invalidScript(file: migration.fileName, line: error.line, "unterminated \(error.what)")
        }
        var transactional = true
        var allowed: Set<MigrationLint.Rule> = []
        for comment in script.header {
            guard let option = Self.option(in: comment.text) else { continue }
            let words = option.split(separator: " ", omittingEmptySubsequences: true)
            switch (words.first, words.count) {
            case ("no-transaction", 1):
                transactional = false
            case ("allow", 2...):
                for name in words.dropFirst().flatMap({ $0.split(separator: ",") }) {
                    guard let rule = MigrationLint.Rule(rawValue: String(name)) else {
                        throw .invalidScript(file: migration.fileName, line: comment.line,
                                             "unknown lint rule \"\(name)\"; the rules are "
                                                + MigrationLint.Rule.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    allowed.insert(rule)
                }
            default:
                throw .invalidScript(file: migration.fileName, line: comment.line,
                                     "unknown option \"\(option)\"; the options are \"no-transaction\" and \"allow <rule>\"")
            }
        }
        if let misplaced = script.laterComments.first(where: { Self.option(in: $0.text) != nil }) {
            throw .invalidScript(file: migration.fileName, line: misplaced.line,
                                 "\"-- migrate:\" options must come before the first statement")
        }
        self.migration = migration
        self.statements = script.statements
        self.transactional = transactional
        self.allowedRules = allowed
    }

    /// The text after `migrate:` in a `--` comment, if it is an option line.
    private static func option(in comment: String) -> String? {
        let trimmed = comment.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.hasPrefix("migrate:") else { return nil }
        return trimmed.dropFirst("migrate:".count).trimmingCharacters(in: .whitespaces)
    }
}
