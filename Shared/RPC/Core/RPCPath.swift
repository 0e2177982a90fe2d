/// The names in a call's HTTP/2 `:path`, `/pkg.Service/Method`.
public enum RPCPath {
    /// The service and method names `path` carries; empty for a part it lacks.
    public static func names(in path: String) -> (service: String, method: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return (parts.first.map(String.init) ?? "", parts.dropFirst().first.map(String.init) ?? "")
    }
}
