/// A migration could not be loaded or applied.
public enum PostgresMigrationError: Error, Sendable, CustomStringConvertible {
    /// A file in the migrations folder is not named `<version>_<name>.sql`.
    case invalidFileName(String)
    /// Two migrations have the same version.
    case duplicateVersion(String, String)
    /// A migration's text cannot be read: a bad `-- migrate:` header line or
    /// an unterminated quote or comment, at `line`.
    case invalidScript(file: String, line: Int, String)
    /// The lint refused steps that would lock an existing table for a scan
    /// or rewrite; one message per step, naming its line and the safe
    /// alternative.
    case unsafe(file: String, [String])
    /// An applied migration's file changed since it was applied.
    case checksumMismatch(file: String)
    /// The statement at `line` could not lock `table` within the lock
    /// timeout in any of `attempts` attempts.
    case lockTimeout(file: String, line: Int, table: String, attempts: Int)
    /// A migration failed at `line` (nil: while recording it); the error says
    /// why. A transactional migration was rolled back; a `no-transaction` one
    /// keeps the statements before `line` and runs again from the start.
    case failed(file: String, line: Int?, PostgresError)

    public var description: String {
        switch self {
        case .invalidFileName(let file):
            "migration file \"\(file)\" is not named <version>_<name>.sql"
        case .duplicateVersion(let first, let second):
            "migrations \"\(first)\" and \"\(second)\" have the same version"
        case .invalidScript(let file, let line, let problem):
            "migration \"\(file)\" line \(line): \(problem)"
        case .unsafe(let file, let findings):
            "migration \"\(file)\" is not safe on a live database:\n  " + findings.joined(separator: "\n  ")
        case .checksumMismatch(let file):
            "migration \"\(file)\" was changed after it was applied; add a new migration instead of editing an applied one"
        case .lockTimeout(let file, let line, let table, let attempts):
            "migration \"\(file)\" line \(line) could not lock table \"\(table)\" in \(attempts) attempts: "
                + "it is busy with long transactions; it will be tried again"
        case .failed(let file, let line, let error):
            "migration \"\(file)\" failed\(line.map { " at line \($0)" } ?? ""): \(error)"
        }
    }
}
