// swift-tools-version:6.1
import PackageDescription

// The PostgreSQL part of the product: the libpq C module, its safe wrapper,
// the pooled connection library, its tests and its benchmark. Kept in a
// package of its own so the targets can be merged into the main package.
let package = Package(
    name: "restaurant-postgres",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Postgres", targets: ["Postgres"]),
        .executable(name: "postgres-bench", targets: ["PostgresBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            path: "Shared/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "LibPQ",
            dependencies: ["CLibPQ"],
            path: "Shared/LibPQ"
        ),
        .target(
            name: "Postgres",
            dependencies: [
                "LibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "Shared/Postgres",
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "PostgresBench",
            dependencies: [
                "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/PostgresBench"
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: [
                "Postgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/PostgresTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
