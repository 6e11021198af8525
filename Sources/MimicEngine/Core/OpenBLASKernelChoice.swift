/// Which OpenBLAS kernels mimic runs on, and why.
///
/// OpenBLAS picks its kernels from the CPU's vendor, family and model when it loads.
/// A release older than the CPU does not know the model and falls back to something
/// far weaker: Debian's 0.3.21 runs its SSE3 `Prescott` kernels on an Emerald Rapids
/// Xeon that has AVX-512. `OPENBLAS_CORETYPE` overrides the pick, but OpenBLAS reads it
/// in a library constructor, before any of mimic's code runs, so setting it from
/// inside is too late: mimic sets it and starts itself again, once (`mimic`'s
/// `KernelRestart`). This type only decides; it runs nothing.
///
/// mimic replaces OpenBLAS's pick only with kernels the CPU and OS can run and this
/// OpenBLAS has, and only a pick it knows to be weaker; a kernel family it does not
/// know (a newer OpenBLAS's) is kept. A user's `OPENBLAS_CORETYPE`, whatever its
/// value (even empty or unknown to OpenBLAS), is never touched.
public enum OpenBLASKernelChoice {
    /// The variable OpenBLAS reads.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set by mimic when it restarts itself: the kernels OpenBLAS had picked on its own.
    /// Its presence also stops a second restart.
    public static let ownPickVariable = "MIMIC_OPENBLAS_OWN_PICK"

    /// Kernel families mimic may ask for, best first. OpenBLAS 0.3.21 cannot be asked
    /// for `Cooperlake` (its name lookup stops one short of it); its sgemm is SkylakeX's.
    public enum Target: String, Sendable, CaseIterable {
        case skylakeX = "SkylakeX"
        case haswell = "Haswell"

        /// What the CPU has that these kernels need, as the reason reads.
        var instructions: String {
            switch self {
            case .skylakeX: "AVX-512"
            case .haswell: "AVX2 and FMA but no usable AVX-512"
            }
        }
    }

    public enum ChosenBy: String, Sendable {
        case mimic
        case variable = "OPENBLAS_CORETYPE"
        case openBLAS = "OpenBLAS"
    }

    /// What a process knows when it decides.
    public struct Situation: Sendable, Equatable {
        public var features: CPUFeatures
        /// `OPENBLAS_CORETYPE` as this process found it; nil when unset.
        public var coreTypeVariable: String?
        /// `MIMIC_OPENBLAS_OWN_PICK`: nil unless mimic restarted this process.
        public var ownPick: String?
        /// The kernels OpenBLAS runs in this process (`openblas_get_corename`).
        public var core: String
        /// Targets this OpenBLAS has kernels for (a build without them would quietly
        /// map the name to older kernels).
        public var builtTargets: Set<Target>

        public init(features: CPUFeatures, coreTypeVariable: String?, ownPick: String?, core: String,
                    builtTargets: Set<Target>) {
            self.features = features
            self.coreTypeVariable = coreTypeVariable
            self.ownPick = ownPick
            self.core = core
            self.builtTargets = builtTargets
        }
    }

    public struct Decision: Sendable, Equatable {
        /// Kernels to restart with; nil to keep the ones running.
        public var restartWith: Target?
        /// Who chose the kernels this process runs.
        public var chosenBy: ChosenBy
        /// Who chose the kernels this process runs and why, e.g. "chosen by mimic, the
        /// CPU has AVX-512 (OpenBLAS alone picks Prescott)".
        public var reason: String
    }

    public static func decide(_ situation: Situation) -> Decision {
        let core = situation.core
        let best = Target.allCases.first { target in
            situation.builtTargets.contains(target)
                && (target == .skylakeX ? situation.features.canRunSkylakeX : situation.features.canRunHaswell)
        }
        if let value = situation.coreTypeVariable {
            if let ownPick = situation.ownPick, let best, value == best.rawValue {
                let obeyed = core.lowercased() == value.lowercased()
                return Decision(restartWith: nil, chosenBy: .mimic, reason: obeyed
                    ? "chosen by mimic, the CPU has \(best.instructions) (OpenBLAS alone picks \(ownPick))"
                    : "mimic asked for \(value) but OpenBLAS runs these (alone it picks \(ownPick))")
            }
            let obeyed = core.lowercased() == value.lowercased()
            return Decision(restartWith: nil, chosenBy: .variable, reason: obeyed
                ? "set by OPENBLAS_CORETYPE=\(value), which mimic leaves alone"
                : "OPENBLAS_CORETYPE=\"\(value)\" names no kernels this OpenBLAS has, so it picked its own; "
                    + "mimic leaves the variable alone")
        }
        if situation.ownPick != nil {
            return Decision(restartWith: nil, chosenBy: .openBLAS,
                            reason: "chosen by OpenBLAS, as OPENBLAS_CORETYPE was removed after mimic set it and mimic restarts only once")
        }
        guard let running = tier(ofCore: core) else {
            return Decision(restartWith: nil, chosenBy: .openBLAS,
                            reason: "chosen by OpenBLAS, kernels mimic does not know, so it keeps them")
        }
        if let best, running < tier(of: best) {
            return Decision(restartWith: best, chosenBy: .openBLAS,
                            reason: "chosen by OpenBLAS, as mimic did not restart with the \(best.rawValue) kernels the CPU can run")
        }
        return Decision(restartWith: nil, chosenBy: .openBLAS, reason: "chosen by OpenBLAS, " + avx512Clause(situation))
    }

    /// Why OpenBLAS's own pick stands, told by what stands in the way of AVX-512.
    private static func avx512Clause(_ situation: Situation) -> String {
        let features = situation.features
        if !features.hasSkylakeXInstructions { return "the CPU has no AVX-512" }
        if !features.osSavesZMM { return "the CPU has AVX-512 but the operating system does not enable it" }
        if !situation.builtTargets.contains(.skylakeX) { return "the CPU has AVX-512 but this OpenBLAS has no SkylakeX kernels" }
        return "the CPU has AVX-512 and OpenBLAS uses it"
    }

    private static func tier(of target: Target) -> Int {
        switch target {
        case .skylakeX: 2
        case .haswell: 1
        }
    }

    /// How strong a kernel family OpenBLAS names is: 2 uses AVX-512, 1 AVX2, 0 older;
    /// nil for a name mimic does not know, which it never replaces.
    static func tier(ofCore name: String) -> Int? {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": 2
        case "haswell", "zen", "excavator": 1
        case "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn", "dunnington",
             "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "sandybridge", "bobcat",
             "bulldozer", "piledriver", "steamroller":
            0
        default: nil
        }
    }
}
