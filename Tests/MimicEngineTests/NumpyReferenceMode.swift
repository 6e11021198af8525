import Foundation
import Testing

/// What the tests that check our files and numbers against numpy do here.
///
/// Without numpy they skip on a developer's machine, as for any optional tool. Under
/// CI they fail instead: CI installs numpy (python3-numpy), so its absence there is a
/// broken setup, and a skip would pass unseen while the references never run.
enum NumpyReferenceMode: Equatable {
    /// python3 imports numpy: compare against it.
    case run
    /// No numpy, not under CI.
    case skip
    /// No numpy, under CI.
    case fail

    /// CI runners set CI (to "true"); an empty value, "false" or "0" reads as unset.
    static func decide(numpyAvailable: Bool, environment: [String: String]) -> NumpyReferenceMode {
        if numpyAvailable { return .run }
        let ci = environment["CI"]?.lowercased() ?? ""
        return ["", "false", "0"].contains(ci) ? .skip : .fail
    }

    /// This test process's mode.
    static let here = decide(numpyAvailable: numpyAvailable, environment: ProcessInfo.processInfo.environment)

    /// For `.enabled(if:)`: a test that is to fail must run to do so.
    var runsTests: Bool { self != .skip }

    /// The first thing a numpy test does: fails it, naming the fix, when numpy is missing under CI.
    func requireNumpy(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(self == .run, """
            python3 cannot import numpy, and CI is set, so the numpy reference tests fail instead of \
            skipping: install Debian's python3-numpy (the README's test command and .ci/run do)
            """, sourceLocation: sourceLocation)
    }
}
