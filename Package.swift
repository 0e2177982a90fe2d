// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Restaurant",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "RestaurantAPI", targets: ["RestaurantAPI"]),
        .library(name: "RPC", targets: ["RPC"]),
        .library(name: "GRPCProtos", targets: ["GRPCProtos"]),
        .library(name: "GRPCServices", targets: ["GRPCServices"]),
        .library(name: "Postgres", targets: ["Postgres"]),
        .executable(name: "rpcgen", targets: ["rpcgen"]),
        .executable(name: "catalog-service", targets: ["catalog-service"]),
        .executable(name: "rating-service", targets: ["rating-service"]),
        .executable(name: "analytics-service", targets: ["analytics-service"]),
        .executable(name: "order-service", targets: ["order-service"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // C libraries, through pkg-config.
        .systemLibrary(name: "CProtobufC", path: "Shared/CProtobufC", pkgConfig: "libprotobuf-c",
                       providers: [.apt(["libprotobuf-c-dev"])]),
        .systemLibrary(name: "CNghttp2", path: "Shared/CNghttp2", pkgConfig: "libnghttp2",
                       providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "CZlib", path: "Shared/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),

        // protoc-c output for every .proto (generated).
        .target(name: "RestaurantProtosC", dependencies: ["CProtobufC"], path: "Shared/RestaurantProtosC"),

        // C-wrapper layer.
        .target(name: "Protobuf", dependencies: [
            "CProtobufC",
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Shared/Protobuf"),

        .target(name: "HTTP2", dependencies: [
            "CNghttp2",
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Shared/HTTP2"),
        .target(name: "DNS", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], path: "Shared/DNS"),
        .target(name: "Gzip", dependencies: [
            "CZlib",
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Shared/Gzip"),

        // gRPC over HTTP/2: framing, status, metadata, server, client.
        .target(name: "RPC", dependencies: [
            "HTTP2", "Gzip", "DNS", "Protobuf",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Shared/RPC"),

        // The pooled PostgreSQL library on libpq (LibPQ holds the pointer work).
        .target(name: "LibPQ", dependencies: ["CLibPQ"], path: "Shared/LibPQ"),
        .target(name: "Postgres", dependencies: [
            "LibPQ",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Tracing", package: "swift-distributed-tracing"),
        ], path: "Shared/Postgres", exclude: ["README.md"],
        // Async functions run on their caller's executor (an event loop, the
        // pool's poller) instead of hopping to the global one at every call:
        // the hot path of a statement then has a single suspension.
        swiftSettings: [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]),

        // A seeded pseudo-random generator for reproducible data.
        .target(name: "SeededRandom", path: "Shared/SeededRandom"),

        // Generated Swift for google.protobuf's well-known types, plus helpers.
        .target(name: "WellKnownTypes", dependencies: ["Protobuf", "RestaurantProtosC"],
                path: "Shared/WellKnownTypes"),

        // Generated Swift for grpc.health, grpc.reflection and grpc.testing.
        .target(name: "GRPCProtos", dependencies: ["Protobuf", "RestaurantProtosC", "RPC"],
                path: "Shared/GRPCProtos"),

        // grpc.health.v1 and grpc.reflection, ready for any server to mount.
        .target(name: "GRPCServices", dependencies: ["GRPCProtos", "RPC", "Protobuf", "WellKnownTypes"],
                path: "Shared/GRPCServices"),

        // The generated client library users import.
        .target(name: "RestaurantAPI", dependencies: ["Protobuf", "RestaurantProtosC", "RPC", "WellKnownTypes"],
                path: "Shared/RestaurantAPI"),

        // What every service binary shares: configuration, logging, auth,
        // metrics, health and reflection, database readiness, shutdown.
        .target(name: "ServiceKit", dependencies: [
            "RPC", "GRPCServices", "GRPCProtos", "Postgres", "Protobuf", "RestaurantAPI", "WellKnownTypes",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Tracing", package: "swift-distributed-tracing"),
            .product(name: "OTel", package: "swift-otel"),
        ], path: "Shared/ServiceKit"),

        // Services: a library each (handlers, store, migrations) and a thin executable.
        .target(name: "Catalog", dependencies: [
            "ServiceKit", "RestaurantAPI", "RPC", "Postgres", "WellKnownTypes",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Services/Catalog/Catalog", resources: [.copy("Migrations")]),
        .executableTarget(name: "catalog-service", dependencies: ["Catalog", "ServiceKit"],
                          path: "Services/Catalog/Main"),
        .target(name: "Ratings", dependencies: [
            "ServiceKit", "RestaurantAPI", "RPC", "Postgres", "WellKnownTypes",
        ], path: "Services/Rating/Ratings", resources: [.copy("Migrations")]),
        .executableTarget(name: "rating-service", dependencies: ["Ratings", "ServiceKit"],
                          path: "Services/Rating/Main"),
        .target(name: "Analytics", dependencies: [
            "ServiceKit", "RestaurantAPI", "RPC", "Postgres", "WellKnownTypes",
        ], path: "Services/Analytics/Analytics", resources: [.copy("Migrations")]),
        .executableTarget(name: "analytics-service", dependencies: ["Analytics", "ServiceKit"],
                          path: "Services/Analytics/Main"),
        .target(name: "Orders", dependencies: [
            "ServiceKit", "RestaurantAPI", "RPC", "Postgres", "WellKnownTypes",
        ], path: "Services/Order/Orders", resources: [.copy("Migrations")]),
        .executableTarget(name: "order-service", dependencies: ["Orders", "ServiceKit"],
                          path: "Services/Order/Main"),

        // Tools.
        .executableTarget(name: "rpcgen", dependencies: [
            "Protobuf", "RestaurantProtosC",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Tools/rpcgen"),

        .executableTarget(name: "restaurant-seed", dependencies: [
            "RestaurantAPI", "SeededRandom",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Tools/seed"),
        .target(name: "InteropTesting", dependencies: ["GRPCProtos", "RPC"], path: "Tools/interop/InteropTesting"),
        .executableTarget(name: "interop-server", dependencies: [
            "InteropTesting", "GRPCProtos", "GRPCServices", "RPC",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Tools/interop/InteropServer"),
        .executableTarget(name: "interop-client", dependencies: [
            "InteropTesting", "RPC",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Tools/interop/InteropClient"),

        // restaurantctl: the command-line gRPC client (grpcurl-like, plus restaurant commands).
        .target(name: "RestaurantCtlKit", dependencies: [
            "RPC", "Protobuf", "WellKnownTypes", "GRPCProtos", "RestaurantAPI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Tools/restaurantctl/Kit"),
        .executableTarget(name: "restaurantctl", dependencies: ["RestaurantCtlKit"],
                          path: "Tools/restaurantctl", exclude: ["Kit", "README.md"], sources: ["main.swift"]),
        .testTarget(name: "RestaurantCtlTests", dependencies: ["RestaurantCtlKit", "LoopbackPorts"],
                    path: "Tests/RestaurantCtlTests", exclude: ["Fixtures"]),

        .executableTarget(name: "postgres-bench", dependencies: [
            "Postgres", "SeededRandom",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/PostgresBench"),
        .target(name: "BenchSupport", dependencies: ["RPC", "GRPCProtos"], path: "Benchmarks/BenchSupport"),
        .executableTarget(name: "catalog-bench", dependencies: [
            "RestaurantAPI", "RPC", "BenchSupport",
        ], path: "Benchmarks/CatalogBench"),
        .executableTarget(name: "order-bench", dependencies: [
            "RestaurantAPI", "RPC", "BenchSupport",
        ], path: "Benchmarks/OrderBench"),
        .executableTarget(name: "analytics-bench", dependencies: [
            "RestaurantAPI", "RPC", "SeededRandom", "WellKnownTypes", "BenchSupport",
        ], path: "Benchmarks/AnalyticsBench"),

        // Loopback ports held for tests: silent listeners, refusing ports,
        // and the ports a service started on port 0 announces.
        .target(name: "LoopbackPorts", path: "Tests/LoopbackPorts"),
        .testTarget(name: "PostgresTests", dependencies: [
            "Postgres", "LoopbackPorts",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/PostgresTests"),
        .testTarget(name: "RPCTests", dependencies: [
            "RPC", "LoopbackPorts", "Gzip", "GRPCProtos", "GRPCServices", "InteropTesting", "Protobuf", "WellKnownTypes",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/RPCTests"),
        .testTarget(name: "ProtobufTests", dependencies: ["Protobuf", "SeededRandom", "WellKnownTypes", "RestaurantAPI", .product(name: "NIOCore", package: "swift-nio")], path: "Tests/ProtobufTests"),
        // What every service's tests share: the test cluster, schemas, the
        // service run in-process or as a real process, expectations.
        .target(name: "ServiceKitTesting", dependencies: [
            "ServiceKit", "LoopbackPorts", "RPC", "Postgres", "GRPCProtos", "GRPCServices", "RestaurantAPI", "WellKnownTypes",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/ServiceKitTesting"),
        .testTarget(name: "ServiceKitTests", dependencies: [
            "ServiceKit", "ServiceKitTesting", "LoopbackPorts", "Postgres", "RPC", "RestaurantAPI", "WellKnownTypes",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/ServiceKitTests"),
        .testTarget(name: "OrderTests", dependencies: [
            "Orders", "Catalog", "Analytics", "ServiceKit", "ServiceKitTesting", "LoopbackPorts", "RestaurantAPI", "RPC",
            "Postgres", "WellKnownTypes",
        ], path: "Tests/OrderTests"),
        .testTarget(name: "AnalyticsTests", dependencies: [
            "Analytics", "ServiceKit", "ServiceKitTesting", "RestaurantAPI", "RPC", "Postgres", "WellKnownTypes", "SeededRandom",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ], path: "Tests/AnalyticsTests"),
        .testTarget(name: "RatingTests", dependencies: [
            "Ratings", "Catalog", "ServiceKit", "ServiceKitTesting", "LoopbackPorts", "RestaurantAPI", "RPC", "Postgres",
            "WellKnownTypes",
        ], path: "Tests/RatingTests"),
        .testTarget(name: "CatalogTests", dependencies: [
            "Catalog", "ServiceKit", "ServiceKitTesting", "LoopbackPorts", "RestaurantAPI", "RPC", "Postgres", "GRPCProtos", "GRPCServices", "WellKnownTypes",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Tests/CatalogTests"),
    ],
    swiftLanguageModes: [.v6]
)
