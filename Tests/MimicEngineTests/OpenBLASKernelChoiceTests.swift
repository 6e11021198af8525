import Testing
@testable import MimicEngine

/// Which kernels mimic asks OpenBLAS for, on given CPUs and environments: none of it
/// reads this machine's CPU.
@Suite struct OpenBLASKernelChoiceTests {
    typealias Choice = OpenBLASKernelChoice

    /// An Ice Lake / Sapphire Rapids / Zen 4 server: AVX-512 with every subset SkylakeX needs.
    static let avx512 = CPUFeatures(fma: true, avx2: true, avx512F: true, avx512CD: true, avx512BW: true,
                                    avx512DQ: true, avx512VL: true, osSavesYMM: true, osSavesZMM: true)
    /// A Haswell or Zen 3: AVX2 and FMA, no AVX-512.
    static let avx2 = CPUFeatures(fma: true, avx2: true, osSavesYMM: true)
    static let both: Set<Choice.Target> = [.skylakeX, .haswell]

    static func situation(_ features: CPUFeatures, core: String, variable: String? = nil, ownPick: String? = nil,
                          built: Set<Choice.Target> = both) -> Choice.Situation {
        Choice.Situation(features: features, coreTypeVariable: variable, ownPick: ownPick, core: core, builtTargets: built)
    }

    @Test func anAVX512CPUThatOpenBLASDoesNotKnowRestartsWithSkylakeX() {
        let decision = Choice.decide(Self.situation(Self.avx512, core: "Prescott"))
        #expect(decision.restartWith == .skylakeX)
        #expect(Choice.decide(Self.situation(Self.avx512, core: "Haswell")).restartWith == .skylakeX)
        #expect(Choice.decide(Self.situation(Self.avx512, core: "Zen")).restartWith == .skylakeX, "Zen 4 in OpenBLAS 0.3.21")
    }

    @Test func theRestartedProcessSaysMimicChoseAndDoesNotRestartAgain() {
        let decision = Choice.decide(Self.situation(Self.avx512, core: "SkylakeX", variable: "SkylakeX", ownPick: "Prescott"))
        #expect(decision == .init(restartWith: nil, chosenBy: .mimic,
                                  reason: "chosen by mimic, the CPU has AVX-512 (OpenBLAS alone picks Prescott)"))
    }

    @Test func theUsersVariableAlwaysWins() {
        for value in ["Haswell", "haswell", "Prescott", "", "nonsense", "SkylakeX"] {
            let decision = Choice.decide(Self.situation(Self.avx512, core: "Haswell", variable: value))
            #expect(decision.restartWith == nil, "OPENBLAS_CORETYPE=\(value)")
            #expect(decision.chosenBy == .variable)
        }
        #expect(Choice.decide(Self.situation(Self.avx512, core: "Haswell", variable: "haswell")).reason
            == "set by OPENBLAS_CORETYPE=haswell, which mimic leaves alone")
        #expect(Choice.decide(Self.situation(Self.avx512, core: "Cooperlake", variable: "")).reason
            == "OPENBLAS_CORETYPE=\"\" names no kernels this OpenBLAS has, so it picked its own; mimic leaves the variable alone")
    }

    @Test func aUsersValueThatDiffersFromMimicsChoiceIsTheUsersEvenUnderMimic() {
        // A child whose user set Haswell in an environment inherited from a restarted mimic.
        let decision = Choice.decide(Self.situation(Self.avx512, core: "Haswell", variable: "Haswell", ownPick: "Prescott"))
        #expect(decision.chosenBy == .variable && decision.restartWith == nil)
    }

    @Test func noSecondRestartWhenTheVariableWasRemoved() {
        let decision = Choice.decide(Self.situation(Self.avx512, core: "Prescott", ownPick: "Prescott"))
        #expect(decision.restartWith == nil)
        #expect(decision.chosenBy == .openBLAS)
    }

    @Test func aCPUWithoutAVX512KeepsOpenBLASsAVX2Pick() {
        for core in ["Haswell", "Zen", "Excavator"] {
            let decision = Choice.decide(Self.situation(Self.avx2, core: core))
            #expect(decision == .init(restartWith: nil, chosenBy: .openBLAS, reason: "chosen by OpenBLAS, the CPU has no AVX-512"))
        }
    }

    @Test func anAVX2CPUThatOpenBLASDoesNotKnowRestartsWithHaswell() {
        #expect(Choice.decide(Self.situation(Self.avx2, core: "Prescott")).restartWith == .haswell)
        let restarted = Choice.decide(Self.situation(Self.avx2, core: "Haswell", variable: "Haswell", ownPick: "Prescott"))
        #expect(restarted.chosenBy == .mimic)
        #expect(restarted.reason == "chosen by mimic, the CPU has AVX2 and FMA but no usable AVX-512 (OpenBLAS alone picks Prescott)")
    }

    @Test func avx512WithoutEveryNeededSubsetIsNotEnough() {
        // Knights Landing: F and CD but no BW, DQ or VL.
        var knightsLanding = Self.avx512
        knightsLanding.avx512BW = false
        knightsLanding.avx512DQ = false
        knightsLanding.avx512VL = false
        #expect(Choice.decide(Self.situation(knightsLanding, core: "Prescott")).restartWith == .haswell)
        #expect(Choice.decide(Self.situation(knightsLanding, core: "Haswell")).restartWith == nil)
    }

    @Test func avx512TheOperatingSystemDoesNotSaveIsNotUsed() {
        var features = Self.avx512
        features.osSavesZMM = false
        let decision = Choice.decide(Self.situation(features, core: "Haswell"))
        #expect(decision == .init(restartWith: nil, chosenBy: .openBLAS,
                                  reason: "chosen by OpenBLAS, the CPU has AVX-512 but the operating system does not enable it"))
        features.osSavesYMM = false
        #expect(Choice.decide(Self.situation(features, core: "Prescott")).restartWith == nil, "no AVX at all, then")
    }

    @Test func kernelsThisOpenBLASLacksAreNeverAskedFor() {
        let noSkylakeX = Choice.decide(Self.situation(Self.avx512, core: "Haswell", built: [.haswell]))
        #expect(noSkylakeX == .init(restartWith: nil, chosenBy: .openBLAS,
                                    reason: "chosen by OpenBLAS, the CPU has AVX-512 but this OpenBLAS has no SkylakeX kernels"))
        #expect(Choice.decide(Self.situation(Self.avx512, core: "Prescott", built: [.haswell])).restartWith == .haswell)
        #expect(Choice.decide(Self.situation(Self.avx512, core: "Prescott", built: [])).restartWith == nil,
                "a build that is not DYNAMIC_ARCH ignores the variable")
    }

    @Test func aGoodOrUnknownPickIsKept() {
        for core in ["SkylakeX", "Cooperlake", "SapphireRapids"] {
            let decision = Choice.decide(Self.situation(Self.avx512, core: core))
            #expect(decision == .init(restartWith: nil, chosenBy: .openBLAS,
                                      reason: "chosen by OpenBLAS, the CPU has AVX-512 and OpenBLAS uses it"))
        }
        let unknown = Choice.decide(Self.situation(Self.avx512, core: "Zen5"))
        #expect(unknown.restartWith == nil)
        #expect(unknown.reason == "chosen by OpenBLAS, kernels mimic does not know, so it keeps them")
    }

    @Test func aProcessThatCouldNotRestartSaysSo() {
        // The bench in a process where the exec failed sees the restart still to do.
        let decision = Choice.decide(Self.situation(Self.avx512, core: "Prescott"))
        #expect(decision.reason == "chosen by OpenBLAS, as mimic did not restart with the SkylakeX kernels the CPU can run")
    }

    @Test func featuresAreDecodedFromCPUIDAndXCR0() {
        let leaf1: UInt32 = 1 << 12 | 1 << 27 | 1 << 28  // FMA, OSXSAVE, AVX
        let leaf7: UInt32 = 1 << 5 | 1 << 16 | 1 << 17 | 1 << 28 | 1 << 30 | 1 << 31  // AVX2, F, DQ, CD, BW, VL
        #expect(CPUFeatures(leaf1ECX: leaf1, leaf7EBX: leaf7, xcr0: 0xE7) == Self.avx512)
        let ymmOnly = CPUFeatures(leaf1ECX: leaf1, leaf7EBX: leaf7, xcr0: 0x07)
        #expect(ymmOnly.hasSkylakeXInstructions && !ymmOnly.canRunSkylakeX && ymmOnly.canRunHaswell)
        #expect(Self.avx512.canRunAVX512F && !ymmOnly.canRunAVX512F, "AVX-512F's loops need the ZMM state saved")
        let onlyF = CPUFeatures(leaf1ECX: leaf1, leaf7EBX: 1 << 5 | 1 << 16, xcr0: 0xE7)
        #expect(onlyF.canRunAVX512F && !onlyF.canRunSkylakeX)
        #expect(!Self.avx2.with(osSavesZMM: true).canRunAVX512F, "AVX2 alone, whatever XCR0 says")
        let noOSXSAVE = CPUFeatures(leaf1ECX: leaf1 & ~(1 << 27), leaf7EBX: leaf7, xcr0: 0xE7)
        #expect(!noOSXSAVE.canRunHaswell && !noOSXSAVE.canRunSkylakeX, "XCR0 means nothing without OSXSAVE")
        #expect(CPUFeatures(leaf1ECX: leaf1, leaf7EBX: 1 << 5, xcr0: 0xE7) == Self.avx2.with(osSavesZMM: true))
        #expect(CPUFeatures(leaf1ECX: 0, leaf7EBX: 0, xcr0: 0) == CPUFeatures(), "what a non-x86 CPU reads")
    }
}

private extension CPUFeatures {
    func with(osSavesZMM: Bool) -> CPUFeatures {
        var copy = self
        copy.osSavesZMM = osSavesZMM
        return copy
    }
}
