// swift-tools-version:6.0
import Foundation
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Gongzhi",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gongzhi", targets: ["gongzhi"]),
        .library(name: "GongzhiCore", targets: ["GongzhiCore"]),
        .library(name: "GongzhiApp", targets: ["GongzhiApp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/leaf-kit.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Tests only: property-based testing for Swift Testing.
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        /// Domain rules: pure Swift, no Vapor/Fluent/Leaf.
        .target(
            name: "GongzhiCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Accounts/common-passwords.txt")],
            swiftSettings: strict
        ),
        /// The C library's heap figures (glibc mallinfo2) for `/metrics`: a few lines of C, as Swift's Glibc module
        /// does not bring `malloc.h`.
        .target(name: "CMemoryStats"),
        /// The Vapor application: one folder per product feature.
        .target(
            name: "GongzhiApp",
            dependencies: [
                "GongzhiCore",
                "CMemoryStats",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "LeafKit", package: "leaf-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "gongzhi",
            dependencies: ["GongzhiApp"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GongzhiCoreTests",
            dependencies: ["GongzhiCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "GongzhiAppTests",
            dependencies: [
                "GongzhiApp",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
    ]
)

// libFuzzer targets for the parsers that read what strangers send (SECURITY row 37). Declared only when
// GONGZHI_FUZZ=1, because they have no `main` of their own: `swift build --sanitize fuzzer` links libFuzzer's.
// `scripts/fuzz-parsers` builds and runs them.
if ProcessInfo.processInfo.environment["GONGZHI_FUZZ"] == "1" {
    package.dependencies.append(.package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"))
    for name in ["id-numbers", "csv-import", "open311-form", "multipart"] {
        var dependencies: [Target.Dependency] = ["GongzhiCore"]
        if name == "multipart" { dependencies.append(.product(name: "MultipartKit", package: "multipart-kit")) }
        package.targets.append(.executableTarget(name: "fuzz-\(name)", dependencies: dependencies, path: "fuzz/\(name)", swiftSettings: strict))
    }
}
