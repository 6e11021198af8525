import FuzzSupport
import MimicSweep

/// The grid of `mimic sweep` given as options (`--labeled 0.01,0.05 --seeds 1,2`): the
/// words after ArgumentParser took the sweep's own options, one per line, read into a
/// grid, its size checked, and planned as a sweep file's grid is.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSweepCommandLine(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let text = FuzzInput.text(data, size) else { return 0 }
    let words = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    do {
        let file = try SweepFile.fromOptions(words)
        let plan = try SweepGrid.plan(of: file)
        precondition(plan.points.count <= SweepGrid.maximumPoints)
    } catch {
        _ = "\(error)"
    }
    return 0
}
