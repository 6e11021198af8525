// swift-tools-version: 6.0
import PackageDescription

// The engine's hot loops index raw buffers; exclusivity checks there cost real
// time and buy nothing, because every buffer has exactly one owner. The engine is
// optimised in debug builds too: unoptimised Swift loops are tens of times slower,
// which would make the end-to-end tests crawl.
let engineSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"]),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]

let package = Package(
    name: "mimic",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mimic", targets: ["mimic"]),
        .library(name: "MimicEngine", targets: ["MimicEngine"]),
        .library(name: "MimicTUI", targets: ["MimicTUI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CNcurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"])]
        ),
        .target(
            name: "MimicEngine",
            dependencies: ["CBLAS", "CZlib"],
            swiftSettings: engineSettings
        ),
        .target(
            name: "MimicTUI",
            dependencies: ["MimicEngine", "CNcurses"]
        ),
        .executableTarget(
            name: "mimic",
            dependencies: [
                "MimicEngine",
                "MimicTUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "MimicEngineTests",
            dependencies: ["MimicEngine"]
        ),
        .testTarget(
            name: "MimicTUITests",
            dependencies: ["MimicTUI", "MimicEngine"],
            exclude: ["Snapshots"]
        ),
    ]
)
