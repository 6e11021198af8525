import FuzzSupport
import MimicEngine

/// CIFAR-10's `batches.meta.txt`, the class names one a line, which may be any bytes at all.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFARMeta(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = ScratchFile.holding(FuzzInput.bytes(data, size))
    if let names = try? CIFARReader.readClassNames(from: path) {
        precondition(names.allSatisfy { !$0.isEmpty })
    }
    return 0
}
