import Foundation
import Synchronization

/// Unbuffered writes to stdout and stderr, safe from any task, so streamed
/// responses appear as they arrive even when stdout is a pipe.
public enum Console {
    private static let lock = Mutex(())

    public static func out(_ text: String, terminator: String = "\n") {
        write(text + terminator, to: STDOUT_FILENO)
    }

    public static func err(_ text: String, terminator: String = "\n") {
        write(text + terminator, to: STDERR_FILENO)
    }

    private static func write(_ text: String, to descriptor: Int32) {
        lock.withLock { _ in
            var bytes = Array(text.utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // A closed pipe (`| head`): nothing more to do.
                }
                bytes = bytes.dropFirst(written)
            }
        }
    }

    /// Whether stdin is a terminal (nobody is piping requests in).
    public static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Reads all of stdin.
    public static func readAllStdin() throws(CLIError) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count == 0 { return result }
            if count < 0 {
                if errno == EINTR { continue }
                throw .local("cannot read stdin: \(String(cString: strerror(errno)))")
            }
            result += buffer[0..<count]
        }
    }

    /// Stdin as chunks as they arrive, read on a thread of its own (a
    /// blocked read must not hold up the concurrency pool).
    public static func stdinChunks() -> AsyncThrowingStream<[UInt8], any Error> {
        AsyncThrowingStream { continuation in
            let thread = Thread {
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                    if count == 0 {
                        continuation.finish()
                        return
                    }
                    if count < 0 {
                        if errno == EINTR { continue }
                        continuation.finish(throwing: CLIError.local("cannot read stdin: \(String(cString: strerror(errno)))"))
                        return
                    }
                    if case .terminated = continuation.yield(Array(buffer[0..<count])) { return }
                }
            }
            thread.start()
        }
    }
}

/// Reads `-d`/`--data`-style arguments: inline text, `@file`, or `@-` for stdin.
public enum DataArgument {
    public static func bytes(_ argument: String) throws(CLIError) -> [UInt8] {
        if argument == "@-" { return try Console.readAllStdin() }
        if argument.hasPrefix("@") { return try readFile(String(argument.dropFirst())) }
        return Array(argument.utf8)
    }

    public static func readFile(_ path: String) throws(CLIError) -> [UInt8] {
        let expanded = NSString(string: path).expandingTildeInPath
        guard let data = FileManager.default.contents(atPath: expanded) else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory) {
                throw .local(isDirectory.boolValue ? "cannot read \(path): it is a directory" : "cannot read \(path): permission denied")
            }
            throw .local("cannot read \(path): no such file")
        }
        return [UInt8](data)
    }
}
