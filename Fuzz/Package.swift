// swift-tools-version: 6.0
import PackageDescription

// The fuzz targets live in a package of their own, beside the project's rather than in
// it: they are built only with `-sanitize=fuzzer,address -parse-as-library` (see
// Fuzz/run), where libFuzzer supplies `main`, and the project's own build and tests
// stay exactly as they are. Each target is one parser of outside input.
let fuzzers: [(name: String, dependencies: [Target.Dependency])] = [
    ("FuzzIDX", [.product(name: "MimicEngine", package: "mimic")]),
    ("FuzzIDXGzip", [.product(name: "MimicEngine", package: "mimic")]),
    ("FuzzCIFAR", [.product(name: "MimicEngine", package: "mimic")]),
    ("FuzzCIFARMeta", [.product(name: "MimicEngine", package: "mimic")]),
    ("FuzzImage", [.product(name: "MimicEngine", package: "mimic")]),
    ("FuzzNPZ", [.product(name: "MimicEngine", package: "mimic")]),
    ("FuzzMentorLogits", [.product(name: "MimicEngine", package: "mimic")]),
    ("FuzzSafeTensors", [.product(name: "MimicEngine", package: "mimic")]),
    ("FuzzArchitectureSpec", [.product(name: "MimicEngine", package: "mimic")]),
    ("FuzzTheme", [.product(name: "MimicTUI", package: "mimic")]),
    ("FuzzStoredConfig", [.product(name: "MimicStore", package: "mimic"),
                          .product(name: "MimicEngine", package: "mimic")]),
    ("FuzzSweepFile", [.product(name: "MimicSweep", package: "mimic")]),
    ("FuzzSweepCommandLine", [.product(name: "MimicSweep", package: "mimic")]),
    ("FuzzStoreURL", [.product(name: "MimicStore", package: "mimic")]),
]

let package = Package(
    name: "MimicFuzz",
    platforms: [.macOS(.v15)],
    products: fuzzers.map { .executable(name: $0.name, targets: [$0.name]) },
    dependencies: [.package(name: "mimic", path: "..")],
    targets: [.target(name: "FuzzSupport")]
        + fuzzers.map { .executableTarget(name: $0.name, dependencies: $0.dependencies + ["FuzzSupport"]) }
)
