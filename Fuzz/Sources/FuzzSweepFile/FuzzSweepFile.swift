import FuzzSupport
import MimicSweep

/// Sweep files (YAML, in the shape of W&B's), read as `SweepFile.load` reads them, then
/// turned into the grid's points and each point's `mimic train` options.
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
    // A grid is as large as the product of its value counts, which is what the user asked
    // for; only grids small enough to list are listed here.
    let size = file.parameters.reduce(Optional(1)) { product, parameter in
        product.flatMap { p in
            let (next, overflow) = p.multipliedReportingOverflow(by: parameter.values.count)
            return overflow || next > 4096 ? nil : next
        }
    }
    if let size {
        let points = file.points
        precondition(points.count == size)
        for point in points {
            _ = point.arguments(flags: ["baselines"])
            _ = point.description
        }
    }
    return 0
}
