import Foundation
import Logging
import Postgres
import RestaurantAPI
import ServiceKit
import WellKnownTypes

/// The catalog schema: every statement the service runs, the mapping of
/// rows to contract messages and of the database errors a caller can act on
/// to ``StoreError``s. Menu changes are announced (pg_notify) by the statement that
/// makes them, so watchers on every replica hear of committed changes only.
struct CatalogStore: Sendable {
    let pool: PostgresPool

    /// The channel menu changes are announced on: the schema's own name,
    /// so catalogs sharing a database (tests, staging copies) never hear
    /// each other's changes, and the name always fits PostgreSQL's 63 bytes.
    var menuChannel: String { pool.configuration.schema ?? "catalog" }

    /// How many columns ``productSelectList`` selects.
    static let productColumnCount = 17

    /// The columns ``product(from:)`` reads, of products `p` joined with their category `c`.
    static let productSelectList: PostgresQuery = """
        SELECT p.id, p.category_id, c.name, p.name, p.description, p.price_cents, p.preparation_minutes,
               p.calories, p.available, p.featured, p.tags, p.created_at, p.updated_at, p.archived_at IS NOT NULL,
               p.rating_average, p.rating_count, p.dietary_restrictions
        """

    /// Products joined with their category.
    static let productFrom: PostgresQuery = " FROM products p JOIN categories c ON c.id = p.category_id"

    // MARK: Categories

    func createCategory(name: String, slug: String, description: String, sortOrder: Int32, active: Bool) async throws -> Category {
        do {
            let rows = try await pool.write("""
                INSERT INTO categories (name, slug, description, sort_order, active)
                VALUES (\(name), \(slug), \(description), \(sortOrder), \(active))
                RETURNING id, name, slug, description, sort_order, active, 0, created_at
                """)
            return try Self.category(from: rows[0])
        } catch let error as PostgresError where error.code == .uniqueViolation {
            throw StoreError.alreadyExists("category '\(name)' already exists")
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

    /// Creates a product and announces it. Throws NOT_FOUND when the
    /// category does not exist.
    func createProduct(_ input: ProductInput) async throws -> Product {
        guard let row = try await pool.write(insertion(of: input)).first else { throw Self.categoryNotFound(input.categoryID) }
        return try Self.product(from: row)
    }

    /// Creates and announces products in one transaction (one commit for
    /// many rows): for each input its id, or NOT_FOUND when its category
    /// does not exist, which leaves the others in.
    func createProducts(_ inputs: [ProductInput]) async throws -> [Result<Int64, StoreError>] {
        try await pool.withTransaction { connection in
            var results: [Result<Int64, StoreError>] = []
            for input in inputs {
                if let row = try await connection.query(insertion(of: input)).first {
                    results.append(.success(try row.decode(Int64.self, at: 0)))
                } else {
                    results.append(.failure(Self.categoryNotFound(input.categoryID)))
                }
            }
            return results
        }
    }

    /// The statement that inserts and announces a product; it returns no
    /// row when the category does not exist.
    private func insertion(of input: ProductInput) -> PostgresQuery {
        announcing(.productCreated, """
            INSERT INTO products (category_id, name, description, price_cents, preparation_minutes,
                                  calories, available, featured, tags, dietary_restrictions)
            SELECT id, \(input.name), \(input.description), \(input.priceCents), \(input.preparationMinutes),
                   \(input.calories), \(input.available), \(input.featured), \(input.tags),
                   \(DietaryRestrictions.names(input.dietaryRestrictions))
            FROM categories WHERE id = \(input.categoryID)
            """)
    }

    /// Products by id, deleted ones only when asked for.
    func products(ids: [Int64], includingDeleted: Bool) async throws -> [Int64: Product] {
        var query = Self.productSelectList + Self.productFrom + " WHERE " + .column("p.id", isAnyOf: ids)
        if !includingDeleted { query.append(" AND p.archived_at IS NULL") }
        let products = try await pool.query(query).map(Self.product(from:))
        return Dictionary(uniqueKeysWithValues: products.map { ($0.id, $0) })
    }

    /// Applies `changes` to a live product and announces it; nil when the
    /// product does not exist or is deleted. Throws NOT_FOUND when the new
    /// category does not exist.
    func updateProduct(id: Int64, _ changes: ProductChanges) async throws -> Product? {
        var assignments: PostgresQuery = "updated_at = now()"
        if let categoryID = changes.categoryID { assignments.append(", category_id = \(categoryID)") }
        if let name = changes.name { assignments.append(", name = \(name)") }
        if let description = changes.description { assignments.append(", description = \(description)") }
        if let priceCents = changes.priceCents { assignments.append(", price_cents = \(priceCents)") }
        if let minutes = changes.preparationMinutes { assignments.append(", preparation_minutes = \(minutes)") }
        if let calories = changes.calories { assignments.append(", calories = \(calories)") }
        if let available = changes.available { assignments.append(", available = \(available)") }
        if let featured = changes.featured { assignments.append(", featured = \(featured)") }
        if let tags = changes.tags { assignments.append(", tags = \(tags)") }
        if let dietary = changes.dietaryRestrictions {
            assignments.append(", dietary_restrictions = \(DietaryRestrictions.names(dietary))")
        }
        do {
            return try await pool.write(announcing(.productUpdated, "UPDATE products SET " + assignments
                + " WHERE id = \(id) AND archived_at IS NULL")).first.map(Self.product(from:))
        } catch let error as PostgresError where error.code == .foreignKeyViolation {
            // category_id is the only reference a product has.
            throw Self.categoryNotFound(changes.categoryID ?? 0)
        }
    }

    /// Sets availability, announcing only an actual change; nil when the
    /// product does not exist or is deleted.
    func setAvailability(id: Int64, available: Bool) async throws -> Product? {
        let changed = try await pool.write(announcing(.productAvailabilityChanged, """
            UPDATE products SET available = \(available), updated_at = now()
            WHERE id = \(id) AND archived_at IS NULL AND available <> \(available)
            """))
        if let row = changed.first { return try Self.product(from: row) }
        return try await products(ids: [id], includingDeleted: false)[id]
    }

    /// Archives a product and announces it; false when it does not exist or
    /// is already deleted.
    func archiveProduct(id: Int64) async throws -> Bool {
        try await !pool.write(announcing(.productDeleted, """
            UPDATE products SET archived_at = now(), updated_at = now()
            WHERE id = \(id) AND archived_at IS NULL
            """)).isEmpty
    }

    private static func categoryNotFound(_ id: Int64) -> StoreError {
        .notFound("category \(id) not found")
    }

    // MARK: Ratings

    /// Stores rating summaries newer than the ones held (one per product,
    /// the highest version); returns how many products changed. Repeating
    /// it changes nothing more, so it may be retried.
    func applyRatings(_ updates: [ProductRatingUpdate]) async throws -> Int {
        var newest: [Int64: ProductRatingUpdate] = [:]
        for update in updates where update.version > newest[update.productId]?.version ?? Int64.min {
            newest[update.productId] = update
        }
        let latest = Array(newest.values)
        return try await pool.execute("""
            UPDATE products p
            SET rating_average = u.average, rating_count = u.count, rating_version = u.version
            FROM unnest(\(latest.map(\.productId)), \(latest.map(\.average)), \(latest.map(\.count)), \(latest.map(\.version)))
                 AS u(id, average, count, version)
            WHERE p.id = u.id AND p.archived_at IS NULL AND p.rating_version < u.version
            """, idempotent: true)
    }

    // MARK: Menu events

    /// The MenuEvent a menu notification announces: payloads are
    /// `<MenuEventType raw value>:<product id>` (``announcing(_:_:)``).
    func menuEvent(payload: String, logger: Logger) async throws -> MenuEvent? {
        let parts = payload.split(separator: ":")
        guard parts.count == 2, let rawType = Int32(parts[0]), let id = Int64(parts[1]) else {
            logger.warning("ignoring a malformed menu notification", metadata: ["payload": "\(payload)"])
            return nil
        }
        guard var product = try await products(ids: [id], includingDeleted: true)[id] else { return nil }
        product.rating = nil  // events carry no rating (the contract)
        return .with {
            $0.type = MenuEventType(rawValue: rawType)
            $0.productId = id
            $0.product = product
            $0.occurredAt = product.updatedAt
        }
    }

    // MARK: Writes

    /// `change` (an INSERT into or UPDATE of products) as one statement that
    /// returns the rows it changed as ``product(from:)`` reads them and
    /// announces each: pg_notify is transactional, so watchers hear of a
    /// change once it commits.
    private func announcing(_ type: MenuEventType, _ change: PostgresQuery) -> PostgresQuery {
        "WITH changed AS (" + change + " RETURNING *) " + Self.productSelectList
            + ", pg_notify(\(menuChannel), \("\(type.rawValue):") || p.id)"
            + " FROM changed p JOIN categories c ON c.id = p.category_id"
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
             tags, createdAt, updatedAt, archived, ratingAverage, ratingCount, dietary) =
            try row.decode((Int64, Int64, String, String, String, Int64, Int32, Int32?, Bool, Bool, [String], Date, Date, Bool,
                            Double, Int32, [String]).self)
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
            $0.dietaryRestrictions = DietaryRestrictions.restrictions(named: dietary)
            $0.createdAt = Google_Protobuf_Timestamp(microsecondsOf: createdAt)
            $0.updatedAt = Google_Protobuf_Timestamp(microsecondsOf: updatedAt)
            $0.archived = archived
            $0.rating = .with {
                $0.average = ratingAverage
                $0.count = ratingCount
            }
        }
    }
}
