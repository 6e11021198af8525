import Testing

/// The numpy reference tests skip without numpy only off CI: under CI a skip would
/// hide that they never ran.
@Suite struct NumpyReferenceModeTests {
    @Test func numpyPresentRunsWhereverItIs() {
        #expect(NumpyReferenceMode.decide(numpyAvailable: true, environment: [:]) == .run)
        #expect(NumpyReferenceMode.decide(numpyAvailable: true, environment: ["CI": "true"]) == .run)
    }

    @Test func numpyMissingSkipsOffCI() {
        for environment in [[:], ["CI": ""], ["CI": "false"], ["CI": "0"], ["GITHUB_ACTIONS": "true"]] {
            #expect(NumpyReferenceMode.decide(numpyAvailable: false, environment: environment) == .skip, "\(environment)")
        }
    }

    @Test func numpyMissingFailsUnderCI() {
        for value in ["true", "1", "yes", "TRUE"] {
            #expect(NumpyReferenceMode.decide(numpyAvailable: false, environment: ["CI": value]) == .fail, "CI=\(value)")
        }
    }

    @Test func aFailingModeStillRunsTheTestsSoTheyCanFail() {
        #expect(NumpyReferenceMode.run.runsTests)
        #expect(NumpyReferenceMode.fail.runsTests)
        #expect(!NumpyReferenceMode.skip.runsTests)
    }
}
