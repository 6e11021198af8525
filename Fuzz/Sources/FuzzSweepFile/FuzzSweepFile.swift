import FuzzSupport
import MimicSweep

/// Sweep files (YAML, in the shape of W&B's), read as `SweepFile.load` reads them, then
/// planned as `mimic sweep` plans them: the grid's size checked, every value read as
/// 'mimic train' reads it, the points expanded and grouped into trainings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSweepFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let text = FuzzInput.text(data, size) else { return 0 }
    let file: SweepFile
    do {
        file = try SweepFile.parse(text, path: "fuzz.yaml")
    } catch {
        _ = error.description
        return 0
    }
    do {
        let plan = try SweepGrid.plan(of: file)
        precondition(plan.points.count <= SweepGrid.maximumPoints)
        for training in plan.trainings { _ = SweepField.describe(training.config, among: plan.trainings.map(\.config)) }
    } catch {
        _ = "\(error)"
    }
    return 0
}
