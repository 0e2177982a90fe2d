// swift-tools-version:6.1
// libFuzzer targets, built apart from the main package because every module
// they use is compiled with -sanitize=fuzzer (see scripts/fuzz.sh).
import PackageDescription

let package = Package(
    name: "Fuzz",
    dependencies: [
        .package(name: "Restaurant", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "CFuzzer"),
        .executableTarget(name: "FuzzMessages", dependencies: [
            "CFuzzer",
            .product(name: "RPC", package: "Restaurant"),
            .product(name: "RestaurantAPI", package: "Restaurant"),
            .product(name: "GRPCProtos", package: "Restaurant"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
