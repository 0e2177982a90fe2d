// swift-tools-version:6.1
// The benchmark harness: a grpc-swift-2 peer server and load helpers.
// Its own package so the peer's dependencies never enter the product build.
import PackageDescription

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Restaurant", path: ".."),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
    ],
    targets: [
        .executableTarget(name: "GRPCSwiftPeer", dependencies: [
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        ]),
        .executableTarget(name: "StreamHolder", dependencies: [
            .product(name: "RPC", package: "Restaurant"),
            .product(name: "GRPCProtos", package: "Restaurant"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
