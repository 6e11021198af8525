// swift-tools-version: 6.0
import PackageDescription

// The engine's hot loops index raw buffers; exclusivity checks there cost real
// time and buy nothing, because every buffer has exactly one owner.
// Debug builds optimise the engine with -O (checks kept): unoptimised Swift loops are
// tens of times slower, which would make the end-to-end tests crawl.
// -Ounchecked drops the overflow and precondition checks from its release build:
// measured 5-8% on cnn-l training and inference (im2col, pooling and bias loops are
// dense with index arithmetic). Those checks guard the engine's own invariants, which
// the debug-built tests still check; input from files and flags is validated with
// thrown errors before it reaches the engine.
let engineSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"]),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "mimic",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mimic", targets: ["mimic"]),
        .library(name: "MimicEngine", targets: ["MimicEngine"]),
        .library(name: "MimicTUI", targets: ["MimicTUI"]),
        .library(name: "MimicStore", targets: ["MimicStore"]),
        .library(name: "MimicSession", targets: ["MimicSession"]),
        .library(name: "MimicSweep", targets: ["MimicSweep"]),
    ],
    dependencies: [
        // 1.8 for options that also work as a bare flag (mimic export --json [FILE]).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // Sweep files are YAML, in the shape W&B sweep files have.
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // NumPy's .npz data sets are zip archives of .npy arrays.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // The PostgreSQL run store (--store postgres://...), for stores shared by many machines.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // Named apart from ZIPFoundation's own zlib module (CZlib), which a package
        // graph may hold only once.
        .systemLibrary(
            name: "CZlibSystem",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CNcurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"])]
        ),
        // Image folders: PNG through libpng, JPEG through libjpeg-turbo.
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(
            name: "CJPEG",
            pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"])]
        ),
        // Every call into libpng and libjpeg, whose errors longjmp out of their
        // callbacks: in C, so that no longjmp crosses a Swift frame.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"]),
        // CPUID and XGETBV, which Swift cannot issue: which OpenBLAS kernels this CPU can run.
        .target(name: "CCPUFeatures"),
        // An engine loop compiled for AVX-512, which Swift cannot do one function at a
        // time; chosen at run time by VectorKernels.
        .target(name: "CVectorKernels"),
        .target(
            name: "MimicEngine",
            dependencies: ["CBLAS", "CZlibSystem", "CCPUFeatures", "CVectorKernels", "CImageCodecs",
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: engineSettings
        ),
        // Starting other programs (posix_spawn): the detached trainer, tmux for the
        // benchmark and the end-to-end tests. Not the engine's concern.
        .target(name: "MimicChildProcess"),
        // Throughput measured against cblas_sgemm, for `mimic bench`: a user of the
        // engine, not part of it.
        .target(
            name: "MimicBench",
            dependencies: ["MimicEngine"]
        ),
        .target(
            name: "MimicTUI",
            dependencies: ["MimicEngine", "MimicStore", "MimicSession", "MimicSweep", "CNcurses"]
        ),
        .target(
            name: "MimicStore",
            dependencies: [
                "MimicEngine",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // One run's life (record, folder, recorder, poller, thread), over the engine and the store.
        .target(
            name: "MimicSession",
            dependencies: ["MimicEngine", "MimicStore"]
        ),
        // Grids of runs: the sweep file, its points, the trainings that share a mentor,
        // the queue's workers, local worker processes and Slurm submission.
        .target(
            name: "MimicSweep",
            dependencies: ["MimicEngine", "MimicStore", "MimicSession", "MimicChildProcess", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "mimic",
            dependencies: [
                "MimicEngine",
                "MimicTUI",
                "MimicStore",
                "MimicSession",
                "MimicSweep",
                "MimicChildProcess",
                "MimicBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test helpers every test target uses (a synthetic data set, temporary folders,
        // the test's store of either kind, the mimic binary run as a process); not a product.
        .target(
            name: "MimicTestSupport",
            dependencies: [
                "MimicEngine", "MimicStore", "MimicChildProcess",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/MimicTestSupport"
        ),
        .testTarget(
            name: "MimicEngineTests",
            // CImageCodecs: the tests write their PNG and JPEG files with libpng and libjpeg.
            dependencies: ["MimicEngine", "MimicTestSupport", "CImageCodecs", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .testTarget(
            name: "MimicTUITests",
            dependencies: ["MimicTUI", "MimicEngine", "MimicStore", "MimicSweep", "MimicChildProcess", "MimicTestSupport"],
            exclude: ["Snapshots", "Fixtures"]
        ),
        .testTarget(
            name: "MimicStoreTests",
            dependencies: [
                "MimicStore", "MimicSession", "MimicEngine", "MimicChildProcess", "MimicTestSupport",
                // The PostgreSQL half of the shared store suite makes a database per test.
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "MimicSweepTests",
            dependencies: ["MimicSweep", "MimicEngine", "MimicStore", "MimicTestSupport"]
        ),
        // The commands: run in this process (what they refuse, how their options parse),
        // and end to end through the binary where a test needs a process of its own
        // (exit codes, signals, detached trainers, several processes on one store).
        .testTarget(
            name: "mimicTests",
            dependencies: [
                "mimic", "MimicEngine", "MimicStore", "MimicSession", "MimicSweep", "MimicChildProcess", "MimicTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "MimicChildProcessTests",
            dependencies: ["MimicChildProcess", "MimicTestSupport"]
        ),
        .testTarget(
            name: "MimicBenchTests",
            dependencies: ["MimicBench", "MimicEngine"]
        ),
    ]
)
