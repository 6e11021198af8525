import FuzzSupport
import MimicEngine

/// Architecture specs (`conv32-pool-fc128`, presets), as typed on the command line, in a
/// sweep file or the dashboard, or stored in a checkpoint. Only the parse: building a
/// network allocates what the spec asks for, which is checked where networks are built.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchitectureSpec(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let text = FuzzInput.text(data, size) else { return 0 }
    do {
        let spec = try ArchitectureSpec(text)
        // The spec written out layer by layer reads back as the same layers.
        let again = try ArchitectureSpec(spec.expanded)
        precondition(again.layers == spec.layers, "\(spec.expanded) does not read back as \(text)")
    } catch {
        _ = error.description
    }
    return 0
}
