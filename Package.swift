// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Restaurant",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rpcgen", targets: ["rpcgen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries, through pkg-config.
        .systemLibrary(name: "CProtobufC", path: "Shared/CProtobufC", pkgConfig: "libprotobuf-c",
                       providers: [.apt(["libprotobuf-c-dev"])]),
        .systemLibrary(name: "CNghttp2", path: "Shared/CNghttp2", pkgConfig: "libnghttp2",
                       providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "CZlib", path: "Shared/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        // protoc-c output for every .proto (generated).
        .target(name: "RestaurantProtosC", dependencies: ["CProtobufC"], path: "Shared/RestaurantProtosC"),

        // C-wrapper layer.
        .target(name: "Protobuf", dependencies: [
            "CProtobufC",
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Shared/Protobuf"),

        // Generated Swift for google.protobuf's well-known types, plus helpers.
        .target(name: "WellKnownTypes", dependencies: ["Protobuf", "RestaurantProtosC"],
                path: "Shared/WellKnownTypes"),

        // Tools.
        .executableTarget(name: "rpcgen", dependencies: [
            "Protobuf", "RestaurantProtosC",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Tools/rpcgen"),

        .testTarget(name: "ProtobufTests", dependencies: ["Protobuf", "WellKnownTypes"], path: "Tests/ProtobufTests"),
    ],
    swiftLanguageModes: [.v6]
)
