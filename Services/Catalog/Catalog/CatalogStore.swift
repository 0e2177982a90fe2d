import Foundation
import Postgres
import RestaurantAPI
import RPC
import WellKnownTypes

/// The catalog schema: every statement the service runs, and the mapping of
/// rows to contract messages. Menu changes are announced (NOTIFY) in the
/// transaction that makes them, so watchers on every replica hear of
/// committed changes only.
struct CatalogStore: Sendable {
    let pool: PostgresPool

    /// The channel menu changes are announced on: the schema's own name,
    /// so catalogs sharing a database (tests, staging copies) never hear
    /// each other's changes, and the name always fits PostgreSQL's 63 bytes.
    var menuChannel: String { pool.configuration.schema ?? "catalog" }

    /// How many columns ``productSelectList`` selects.
    static let productColumnCount = 14

    /// The columns ``product(from:)`` reads.
    static let productSelectList: PostgresQuery = """
        SELECT p.id, p.category_id, c.name, p.name, p.description, p.price_cents, p.preparation_minutes,
               p.calories, p.available, p.featured, p.tags, p.created_at, p.updated_at, p.archived_at IS NOT NULL
        """

    /// Products joined with their category.
    static let productFrom: PostgresQuery = " FROM products p JOIN categories c ON c.id = p.category_id"

    /// Selects what ``product(from:)`` reads.
    static var productColumns: PostgresQuery { productSelectList + productFrom }

    // MARK: Categories

    func createCategory(name: String, slug: String, description: String, sortOrder: Int32, active: Bool) async throws -> Category {
        do {
            let rows = try await pool.query("""
                INSERT INTO categories (name, slug, description, sort_order, active)
                VALUES (\(name), \(slug), \(description), \(sortOrder), \(active))
                RETURNING id, name, slug, description, sort_order, active, 0, created_at
                """)
            return try Self.category(from: rows[0])
        } catch let error as PostgresError where error.code == .uniqueViolation {
            throw RPCError(.alreadyExists, "category '\(name)' already exists")
        }
    }

    func listCategories(activeOnly: Bool) async throws -> [Category] {
        var query: PostgresQuery = """
            SELECT c.id, c.name, c.slug, c.description, c.sort_order, c.active,
                   count(p.id) FILTER (WHERE p.available AND p.archived_at IS NULL)::integer, c.created_at
            FROM categories c LEFT JOIN products p ON p.category_id = c.id
            """
        if activeOnly { query.append(" WHERE c.active") }
        query.append(" GROUP BY c.id ORDER BY c.sort_order, lower(c.name), c.id")
        return try await pool.query(query).map(Self.category(from:))
    }

    // MARK: Products

    /// Creates a product in one transaction with its announcement.
    /// Throws NOT_FOUND when the category does not exist.
    func createProduct(_ input: ProductInput) async throws -> Product {
        try await pool.withTransaction { connection in
            try await insert(input, on: connection)
        }
    }

    /// Inserts a product and announces it within `connection`'s
    /// transaction. Throws NOT_FOUND when the category does not exist.
    func insert(_ input: ProductInput, on connection: PostgresConnection) async throws -> Product {
        let insert: PostgresQuery = """
            WITH inserted AS (
                INSERT INTO products (category_id, name, description, price_cents, preparation_minutes,
                                      calories, available, featured, tags)
                SELECT id, \(input.name), \(input.description), \(input.priceCents), \(input.preparationMinutes),
                       \(input.calories), \(input.available), \(input.featured), \(input.tags)
                FROM categories WHERE id = \(input.categoryID)
                RETURNING *
            )
            """
        let rows = try await connection.query(insert + Self.productSelectList + " FROM inserted p JOIN categories c ON c.id = p.category_id")
        guard let row = rows.first else { throw RPCError(.notFound, "category \(input.categoryID) not found") }
        let product = try Self.product(from: row)
        try await announce(.productCreated, product.id, on: connection)
        return product
    }

    /// The ids among `ids` that name existing categories.
    func existingCategories(_ ids: [Int64], on connection: PostgresConnection) async throws -> Set<Int64> {
        Set(try await connection.query("SELECT id FROM categories WHERE id = ANY(\(ids))").map { try $0.decode(Int64.self, at: 0) })
    }

    /// A live (not deleted) product.
    func product(id: Int64) async throws -> Product? {
        try await pool.query(Self.productColumns + " WHERE p.id = \(id) AND p.archived_at IS NULL").first.map(Self.product(from:))
    }

    /// Products by id, deleted ones included.
    func products(ids: [Int64]) async throws -> [Int64: Product] {
        let rows = try await pool.query(Self.productColumns + " WHERE p.id = ANY(\(ids))")
        return Dictionary(uniqueKeysWithValues: try rows.map(Self.product(from:)).map { ($0.id, $0) })
    }

    /// Products by id for an announcement, deleted ones included.
    func product(anyStateWithID id: Int64) async throws -> Product? {
        try await pool.query(Self.productColumns + " WHERE p.id = \(id)").first.map(Self.product(from:))
    }

    /// Applies `changes` (column assignments) to a live product and announces
    /// it; nil when the product does not exist or is deleted.
    func updateProduct(id: Int64, changes: PostgresQuery, event: MenuEventType) async throws -> Product? {
        try await pool.withTransaction { connection in
            let update: PostgresQuery = "UPDATE products SET updated_at = now()"
                + changes + " WHERE id = \(id) AND archived_at IS NULL RETURNING id"
            guard try await !connection.query(update).isEmpty else { return nil }
            try await announce(event, id, on: connection)
            return try await connection.query(Self.productColumns + " WHERE p.id = \(id)").first.map(Self.product(from:))
        }
    }

    /// Sets availability; announces only an actual change. nil when the
    /// product does not exist or is deleted.
    func setAvailability(id: Int64, available: Bool) async throws -> Product? {
        try await pool.withTransaction { connection in
            let changed = try await connection.query("""
                UPDATE products SET available = \(available), updated_at = now()
                WHERE id = \(id) AND archived_at IS NULL AND available <> \(available) RETURNING id
                """)
            if !changed.isEmpty { try await announce(.productAvailabilityChanged, id, on: connection) }
            return try await connection.query(Self.productColumns + " WHERE p.id = \(id) AND p.archived_at IS NULL")
                .first.map(Self.product(from:))
        }
    }

    /// Archives a product; false when it does not exist or is already deleted.
    func archiveProduct(id: Int64) async throws -> Bool {
        try await pool.withTransaction { connection in
            let archived = try await connection.query("""
                UPDATE products SET archived_at = now(), updated_at = now()
                WHERE id = \(id) AND archived_at IS NULL RETURNING id
                """)
            guard !archived.isEmpty else { return false }
            try await announce(.productDeleted, id, on: connection)
            return true
        }
    }

    // MARK: Announcements

    /// Notifies watchers (on every replica) once the transaction commits.
    private func announce(_ type: MenuEventType, _ id: Int64, on connection: PostgresConnection) async throws {
        try await connection.execute("SELECT pg_notify(\(menuChannel), \("\(type.rawValue):\(id)"))")
    }

    // MARK: Rows

    static func category(from row: PostgresRow) throws -> Category {
        let (id, name, slug, description, sortOrder, active, productCount, createdAt) =
            try row.decode((Int64, String, String, String, Int32, Bool, Int32, Date).self)
        return .with {
            $0.id = id
            $0.name = name
            $0.slug = slug
            $0.description = description
            $0.sortOrder = sortOrder
            $0.active = active
            $0.productCount = productCount
            $0.createdAt = Google_Protobuf_Timestamp(microsecondsOf: createdAt)
        }
    }

    static func product(from row: PostgresRow) throws -> Product {
        let (id, categoryID, categoryName, name, description, price, preparation, calories, available, featured,
             tags, createdAt, updatedAt, archived) =
            try row.decode((Int64, Int64, String, String, String, Int64, Int32, Int32?, Bool, Bool, [String], Date, Date, Bool).self)
        return .with {
            $0.id = id
            $0.categoryId = categoryID
            $0.categoryName = categoryName
            $0.name = name
            $0.description = description
            $0.priceCents = price
            $0.preparationMinutes = preparation
            $0.calories = calories
            $0.available = available
            $0.featured = featured
            $0.tags = tags
            $0.createdAt = Google_Protobuf_Timestamp(microsecondsOf: createdAt)
            $0.updatedAt = Google_Protobuf_Timestamp(microsecondsOf: updatedAt)
            $0.archived = archived
        }
    }
}
