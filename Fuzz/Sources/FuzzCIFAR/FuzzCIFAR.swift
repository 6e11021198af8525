import FuzzSupport
import MimicEngine

/// One CIFAR-10 binary batch (plain or gzip), read as `DataSet.load` reads a training or
/// test batch of a folder with the standard ten classes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFAR(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = ScratchFile.holding(FuzzInput.bytes(data, size))
    if let (images, labels) = try? CIFARReader.read(files: [path], classCount: DataSet.cifar10ClassNames.count) {
        precondition(images.count == labels.count && labels.allSatisfy { $0 < 10 })
    }
    return 0
}
