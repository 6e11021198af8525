import Foundation
import FuzzSupport
import MimicEngine
// For RunRecord's reading of a stored configuration, which only the store calls.
@testable import MimicStore

/// The configurations the run store keeps as JSON text: a run's (read by
/// `RunRecord.config`) and a sweep's planned trainings (an array of them). Stored text
/// may come from another version of mimic or from a hand edit.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStoredConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: FuzzInput.bytes(data, size), as: UTF8.self)
    do {
        let config = try RunRecord.config(ofRun: 1, text: text)
        _ = try? config.validate()
        // What the store writes back reads as the same configuration.
        let again = try RunRecord.config(ofRun: 1, text: try RunRecord.json(config))
        precondition(again == config, "a stored configuration changes when stored again: \(text)")
    } catch {
        _ = "\(error)"
    }
    _ = try? JSONDecoder().decode([ExperimentConfig].self, from: Data(text.utf8))
    return 0
}
