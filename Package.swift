// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Safehouse",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "safehouse", targets: ["safehouse"]),
        // The team server (Docs/SERVER.md): a separate product, so the field tool never links it.
        .executable(name: "safehouse-server", targets: ["safehouse-server"]),
        .library(name: "SafehouseVault", targets: ["SafehouseVault"]),
        .library(name: "SafehouseRedaction", targets: ["SafehouseRedaction"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // Team server only: HTTP over SwiftNIO, PostgreSQL, structured logs.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // OpenSSL's libcrypto, for SHA-256 with the CPU's SHA extensions only (record
        // chunk hashes); imported by SafehouseCrypto alone. libsodium does all encryption.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "SafehouseCrypto", dependencies: ["CSodium", "COpenSSL"]),
        // The CLI's HTTP client for the team server: libcurl, loaded with dlopen when a
        // command talks to the server, so seal/open never pay for loading it (headers
        // from Debian's libcurl4-openssl-dev at build time only).
        .target(name: "CHTTP", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "SafehouseRedaction"),
        .target(name: "SafehouseAudit", dependencies: ["SafehouseCrypto"]),
        .target(
            name: "SafehouseVault",
            dependencies: [
                "SafehouseCrypto",
                "SafehouseAudit",
                "SafehouseRedaction",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "safehouse",
            dependencies: [
                "SafehouseVault",
                "SafehouseRedaction",
                "SafehouseCrypto",
                "SafehouseAudit",
                "CHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "safehouse-server",
            dependencies: [
                "SafehouseVault",
                "SafehouseCrypto",
                "SafehouseAudit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "safehouse-fuzz",
            dependencies: ["SafehouseVault"]
        ),
        .testTarget(
            name: "SafehouseCryptoTests",
            dependencies: [
                "SafehouseCrypto",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "SafehouseRedactionTests",
            dependencies: [
                "SafehouseRedaction",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "SafehouseAuditTests",
            dependencies: [
                "SafehouseAudit",
                "SafehouseCrypto",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Resources"]
        ),
        .testTarget(
            name: "SafehouseVaultTests",
            dependencies: [
                "SafehouseVault",
                "SafehouseCrypto",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "SafehouseCLITests",
            // SafehouseVault: the server tests sign raw requests (SignedRequest) with test keys;
            // SafehouseAudit: the witness tests sign checkpoints the CLI would never submit.
            dependencies: ["SafehouseCrypto", "SafehouseVault", "SafehouseAudit"]
        ),
    ]
)
