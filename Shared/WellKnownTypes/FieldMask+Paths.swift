extension Google_Protobuf_FieldMask {
    /// A mask of the given field paths (proto names, such as `price_cents`).
    public init(paths: [String]) {
        self.init()
        self.paths = paths
    }

    /// Whether the mask names `path` itself or a parent of it
    /// (`product` covers `product.name`).
    public func covers(_ path: String) -> Bool {
        paths.contains { $0 == path || path.hasPrefix($0 + ".") }
    }

    /// The mask's paths that are not among `allowed`, for validation errors.
    public func paths(notIn allowed: Set<String>) -> [String] {
        paths.filter { !allowed.contains($0) }
    }
}
