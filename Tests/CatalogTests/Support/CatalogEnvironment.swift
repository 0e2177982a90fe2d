import ServiceKitTesting

extension TestEnvironment {
    /// The catalog role's database URL (CATALOG_DATABASE_URL).
    static func catalogURL() throws -> String { try databaseURL(role: "catalog") }
    /// The catalog service's own role.
    static func catalogRole() throws -> String { try roleName(role: "catalog") }
}
